/**
 * Closing a day (DESIGN §10). Random days of two doctors under random configurations, with and
 * without `closeOut.carryForward`, closed by `closeDay` or by a sweep once over: afterwards no
 * token of the closed day is left waiting, held, booked or checked in; each token the closing
 * ended has exactly one outcome (`token:expired` with `day-closed`, or `token:carried`), and
 * `day:closed` counts them; a carried token is a new waitlisted token of a later day that keeps
 * its category, patient, request time, bump count and rank — the rank the priority policy gives
 * it as due from the closed day (its due time kept, aging going on) — and comes before every
 * later request of its rank there; closing again changes nothing.
 */
import fc from 'fast-check';
import type { Effect, Token } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { allHistory } from '../helpers.js';
import { buildPolicies, type ConfigSpec, configSpecArb, fcOptions, timeoutFor } from './support.js';
import { DAYS, DOCTORS, type Op, opsArb, World } from './world.js';

const RUNS = 40;
const UNSEEN = new Set(['WAITLISTED', 'HELD', 'BOOKED', 'CHECKED_IN']);
const DAY = DAYS[0];

/** Every token of a doctor-day, as stored (history names them all). */
async function tokensOf(world: World, doctorId: string, day: string): Promise<Token[]> {
  const ids = new Set<string>();
  for (const e of await allHistory(world.opd)) {
    if ('tokenId' in e && e.doctorId === doctorId && e.day === day) ids.add(e.tokenId);
  }
  return Promise.all([...ids].map((id) => world.opd.getToken(id)));
}

async function check(spec: ConfigSpec, ops: readonly Op[], carryForward: boolean, bySweep: boolean): Promise<void> {
  const world = await World.create(spec, undefined, { closeOut: { carryForward } });
  for (const op of ops) await world.run(op);
  // Past the day and its grace period (a doctor without an open slot that day: its end).
  world.now = Math.max(world.now, Date.parse(`${DAYS[1]}T00:15:00Z`));
  const policy = buildPolicies(spec).priority;
  const before = new Map<string, Token[]>();
  for (const doctorId of DOCTORS) before.set(doctorId, await tokensOf(world, doctorId, DAY));
  const effects: Effect[] = [];
  if (bySweep) effects.push(...(await world.opd.sweep()));
  else for (const doctorId of DOCTORS) effects.push(...(await world.opd.closeDay(doctorId, DAY)));
  for (const doctorId of DOCTORS) {
    const after = await tokensOf(world, doctorId, DAY);
    for (const t of after) expect(UNSEEN.has(t.status), `${t.id} is left ${t.status} after its day closed`).toBe(false);
    const unseen = before.get(doctorId)!.filter((t) => UNSEEN.has(t.status));
    const mine = effects.filter((e) => e.doctorId === doctorId && 'day' in e && e.day === DAY);
    const outcomes = mine.filter((e) => (e.type === 'token:expired' && e.reason === 'day-closed') || e.type === 'token:carried');
    // A hold that has ended expires as a hold first; every other token never seen has one outcome.
    const holdsEnded = mine.filter((e) => e.type === 'token:expired' && e.reason === 'hold-expired').map((e) => ('tokenId' in e ? e.tokenId : ''));
    const noShows = mine.filter((e) => e.type === 'token:no-show').map((e) => ('tokenId' in e ? e.tokenId : ''));
    const ended = unseen
      .filter((t) => !holdsEnded.includes(t.id) && !noShows.includes(t.id))
      .map((t) => t.id)
      .sort();
    expect(outcomes.map((e) => ('tokenId' in e ? e.tokenId : '')).sort(), `${doctorId}: one outcome per token never seen`).toEqual(ended);
    const summary = mine.filter((e) => e.type === 'day:closed');
    if (ended.length === 0) expect(summary, `${doctorId}: nothing left, no day:closed`).toEqual([]);
    else {
      expect(summary, `${doctorId}: one day:closed`).toHaveLength(1);
      expect(summary[0], `${doctorId}: day:closed counts`).toMatchObject({
        expired: outcomes.filter((e) => e.type === 'token:expired').length,
        carried: outcomes.filter((e) => e.type === 'token:carried').length,
      });
    }
    if (!carryForward)
      expect(
        outcomes.every((e) => e.type === 'token:expired'),
        'without carryForward, every token expires',
      ).toBe(true);
    for (const e of outcomes) {
      if (e.type !== 'token:carried') continue;
      const old = unseen.find((t) => t.id === e.tokenId)!;
      const now = await world.opd.getToken(e.toTokenId);
      expect(e.toDay > DAY, 'carried to a later day').toBe(true);
      expect(now, `${e.toTokenId} carries ${old.id}`).toMatchObject({
        day: e.toDay,
        carriedFrom: old.id,
        category: old.category,
        patient: old.patient,
        bumpCount: old.bumpCount,
      });
      expect(now.requestedAt.getTime(), 'the request time is kept').toBe(old.requestedAt.getTime());
      const due = Math.max(old.requestedAt.getTime(), old.notBefore?.getTime() ?? Number.NEGATIVE_INFINITY, Date.parse(`${DAY}T00:00:00Z`));
      const rank = policy.rank({
        category: old.category,
        patient: old.patient,
        requestedAt: old.requestedAt,
        dueAt: new Date(due),
        now: new Date(world.now),
        bumpCount: old.bumpCount,
      });
      expect(now.rank, 'the rank it had, due from the closed day').toBe(rank);
      if (now.status === 'WAITLISTED') {
        // Before every later request of its rank waiting there.
        const waitlist = await world.opd.getWaitlist(doctorId, e.toDay);
        const at = waitlist.findIndex((t) => t.id === now.id);
        for (const [k, other] of waitlist.entries()) {
          if (other.rank === now.rank && other.requestedAt.getTime() > now.requestedAt.getTime() && other.category === now.category)
            expect(k, `${now.id} before the later ${other.id}`).toBeGreaterThan(at);
        }
      } else expect(['BOOKED'], `${now.id} waits or was promoted`).toContain(now.status);
    }
  }
  // Closing again changes nothing.
  const history = await allHistory(world.opd);
  for (const doctorId of DOCTORS) expect(await world.opd.closeDay(doctorId, DAY), 'closing again').toEqual([]);
  expect(await allHistory(world.opd)).toEqual(history);
  // A sweep after it ends nothing of the closed day (it may end holds of later days).
  expect(
    (await world.opd.sweep()).filter((e) => 'day' in e && e.day === DAY),
    'a sweep after',
  ).toEqual([]);
}

describe('closing a day (DESIGN §10)', () => {
  it(
    'leaves no token of the day waiting, held or booked; one outcome each; carried tokens keep rank and due time; closing again changes nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(configSpecArb, opsArb(30), fc.boolean(), fc.boolean(), async (spec, ops, carry, bySweep) => {
          await check(spec, ops, carry, bySweep);
        }),
        fcOptions<[ConfigSpec, Op[], boolean, boolean]>(RUNS),
      );
    },
    timeoutFor(RUNS, 80),
  );
});
