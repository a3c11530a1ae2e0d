/**
 * The policy lab's promise (issue 59, item 2): a history replayed under the options it was
 * recorded with gives back its own outcomes — every token's final status, slot and number — on
 * histories recorded by the memory store, PGlite and (with DATABASE_URL) PostgreSQL.
 */
import fc from 'fast-check';
import { MemoryStorage, type StorageAdapter } from 'opd-scheduler';
import { exportHistory, historyToJsonLines, replay } from 'opd-scheduler/lab';
import { migrate, PostgresStorage } from 'opd-scheduler/postgres';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { borrowPglite, giveBackPglite } from '../pglite.js';
import { buildPolicies, fcOptions, presetSpecArb, timeoutFor } from './support.js';
import { type Op, opsArb, World } from './world.js';

/**
 * The day as the lab replays it: the schedule published before the first request (later
 * `addSlots` dropped), sweeps at the clock (a sweep as of a past moment is not recorded as
 * such). Bookings by department stay in: the replay asks the department again, and its rules
 * choose the same doctor.
 */
function asRecorded(ops: readonly Op[]): Op[] {
  return ops.flatMap((op, i): Op[] => {
    if (op.op === 'addSlots' && i > 0) return [];
    if (op.op === 'sweep') return [{ ...op, explicitNow: false, shiftMinutes: 0 }];
    return [op];
  });
}

/** How the history reaches the lab: as exported, as the text of a JSON-lines file, or as a stream of its lines. */
type Via = 'history' | 'text' | 'stream';

async function* linesOf(text: string): AsyncGenerator<string> {
  for (const line of text.split('\n')) yield line;
}

async function checkFidelity(world: World, spec: Parameters<typeof buildPolicies>[0], via: Via): Promise<void> {
  const history = await exportHistory(world.opd);
  const input = via === 'history' ? history : via === 'text' ? historyToJsonLines(history) : linesOf(historyToJsonLines(history));
  const result = await replay(input, { ...buildPolicies(spec) });
  try {
    const ids = new Set<string>();
    for (const e of history.events) if ('tokenId' in e) ids.add(e.tokenId);
    for (const id of ids) {
      const original = await world.opd.getToken(id);
      const replayedId = result.tokens.get(id);
      expect(replayedId, `token ${id} was made again`).toBe(id);
      const again = await result.scheduler.getToken(replayedId!);
      expect({ status: again.status, slotId: again.slotId, tokenNumber: again.tokenNumber, waitingForSlotId: again.waitingForSlotId }, `token ${id}`).toEqual({
        status: original.status,
        slotId: original.slotId,
        tokenNumber: original.tokenNumber,
        waitingForSlotId: original.waitingForSlotId,
      });
    }
    expect(result.replayed.tokens).toBe(result.recorded.tokens);
    expect(result.delta.bumps).toBe(0);
    expect(result.delta.cascades).toBe(0);
    expect(result.delta.drops).toBe(0);
    expect(result.delta.promotions).toBe(0);
    expect(result.requests.skipped).toBe(0);
  } finally {
    await result.scheduler.close();
  }
}

async function recordAndReplay(spec: Parameters<typeof buildPolicies>[0], ops: readonly Op[], storage: StorageAdapter, via: Via): Promise<void> {
  const world = await World.create(spec, storage);
  try {
    for (const op of asRecorded(ops)) await world.run(op);
    await checkFidelity(world, spec, via);
  } finally {
    await world.opd.close();
  }
}

describe('the lab replays a history under its own options into the same outcomes (issue 59)', () => {
  it(
    'memory histories, read as they are, as JSON lines and as a stream of lines',
    async () => {
      await fc.assert(
        fc.asyncProperty(presetSpecArb, opsArb(40), fc.constantFrom<Via>('history', 'text', 'stream'), async (spec, ops, via) =>
          recordAndReplay(spec, ops, new MemoryStorage(), via),
        ),
        fcOptions(150),
      );
    },
    timeoutFor(150, 200),
  );

  it(
    'PGlite histories',
    async () => {
      const db = await borrowPglite();
      try {
        let n = 0;
        await fc.assert(
          fc.asyncProperty(presetSpecArb, opsArb(25), async (spec, ops) => {
            const schema = `lab_${++n}`;
            await migrate(db, { schema });
            await recordAndReplay(spec, ops, new PostgresStorage({ db, schema }), 'history');
          }),
          fcOptions(15),
        );
      } finally {
        await giveBackPglite(db);
      }
    },
    timeoutFor(15, 4000),
  );

  it.skipIf(process.env['DATABASE_URL'] === undefined)(
    'PostgreSQL histories',
    async () => {
      const pool = new pg.Pool({ connectionString: process.env['DATABASE_URL'], max: 4 });
      const base = `lab_${process.pid}`;
      let n = 0;
      try {
        await fc.assert(
          fc.asyncProperty(presetSpecArb, opsArb(25), async (spec, ops) => {
            const schema = `${base}_${++n}`;
            await migrate(pool, { schema });
            try {
              await recordAndReplay(spec, ops, new PostgresStorage({ db: pool, schema }), 'text');
            } finally {
              await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
            }
          }),
          fcOptions(15),
        );
      } finally {
        await pool.end();
      }
    },
    timeoutFor(15, 4000),
  );
});
