/**
 * Every option at once, model-based: `fc.commands` drives two facilities over one store with every
 * option on (see `test/property/composition.ts`), one command per call of `Op`, and a small model
 * keeps what each facility was told — the tokens its calls answered with — against which every
 * read is held: a facility reads only tokens it was answered with or its own events named, and
 * every token it was answered with is named by its own events; after every command the invariants of the
 * composition hold (capacity and elastic places, claims counted once, one place per patient,
 * emergencies before claims, every offer ending once, refusals changing nothing). On memory and
 * PGlite, and on a PostgreSQL server with DATABASE_URL.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conformanceStores } from '../conformance/stores.js';
import { compose, type Composed, FACILITIES, type Facility, type Op, offersArb, opArb } from '../property/composition.js';
import { fcOptions, PRESETS, timeoutFor } from '../property/support.js';

/** What each facility was told: the tokens its calls answered with, by facility. */
interface Model {
  readonly tokens: Record<Facility, Set<string>>;
}

/** Every token a facility's schedules show, both doctors, both days. */
async function shown(world: Composed, f: Facility): Promise<string[]> {
  const side = world.sides[FACILITIES.indexOf(f)]!;
  const ids: string[] = [];
  for (const doctor of ['d1', 'd2']) {
    for (const date of ['2026-01-30', '2026-01-31']) {
      const day = await side.opd.getSchedule(doctor, date);
      ids.push(...day.waitlist.map((t) => t.id), ...day.slots.flatMap((v) => v.places.map((t) => t.id)));
    }
  }
  return ids;
}

class Step implements fc.AsyncCommand<Model, Composed> {
  constructor(readonly op: Op) {}
  check(): boolean {
    return true;
  }
  async run(model: Model, world: Composed): Promise<void> {
    const side = world.sides[FACILITIES.indexOf(this.op.f)]!;
    const before = side.tokens.length;
    const outcome = await world.step(this.op);
    for (const id of side.tokens.slice(before)) model.tokens[this.op.f].add(id);
    // A refused call answered with no token.
    if (outcome === 'refused') expect(side.tokens.length).toBe(before);
    for (const f of FACILITIES) {
      const mine = world.sides[FACILITIES.indexOf(f)]!;
      // Every token a facility reads is one its calls answered with or its own events named.
      for (const id of await shown(world, f))
        expect(model.tokens[f].has(id) || mine.known.has(id), `facility ${f} reads token ${id} it was never told of`).toBe(true);
      // Every token a facility was answered with is one of its own events.
      for (const id of model.tokens[f]) expect(mine.known.has(id), `facility ${f} was answered with ${id}, which none of its events names`).toBe(true);
    }
  }
  toString(): string {
    return JSON.stringify(this.op);
  }
}

const STORES = conformanceStores('opd_t_compose_model');

describe('every option at once (model)', () => {
  for (const [name, open] of Object.entries(STORES)) {
    const runs = name === 'memory' ? 60 : 10;
    it.skipIf(open === undefined)(
      `two facilities on ${name}: each told only of its own, every invariant after every command`,
      { timeout: timeoutFor(runs, name === 'memory' ? 2000 : 12_000) },
      async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...Object.keys(PRESETS)),
            offersArb,
            fc.commands([opArb.map((op): fc.AsyncCommand<Model, Composed> => new Step(op))], { maxCommands: 60 }),
            async (presetName, offers, commands) => {
              const store = await open!();
              const shared = store.storage();
              const world = await compose(() => shared, presetName, offers);
              try {
                const model: Model = { tokens: { A: new Set(), B: new Set() } };
                await fc.asyncModelRun(() => ({ model, real: world }), commands);
                await world.finish();
              } finally {
                await world.close();
                await store.cleanup();
              }
            },
          ),
          fcOptions(runs),
        );
      },
    );
  }
});
