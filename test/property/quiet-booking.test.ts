/**
 * A booking by date on a quiet day (nobody waiting, no hold, nobody consulted yet) that takes a
 * free place at once is decided on the snapshot itself, without a working copy. The rule that
 * makes this safe: such a decision is, change for change and event for event, the one the working
 * copy's rules reach. Random days of up to eight slots (open or closed, some ended, full or not,
 * some above their capacity), places of every category (some `CHECKED_IN`, some of the request's
 * own patient), sometimes a waitlist, a hold or a consultation (the working copy decides those);
 * a random request (any category, `after` or not, an idempotency key or not, a date in the past or
 * not) at a random time, under every preset and random compositions of the built-in strategies,
 * duplicates allowed or not: `book`'s decision must equal the working copy's, or both must refuse
 * alike. A sixth of the cases at least must take the quiet path, or the property proves little.
 */
import fc from 'fast-check';
import { ChannelQuota, isOpdError } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { book, type BookCommand, decideInWorkspace, quietBooking } from '../../src/core/commands/book.js';
import type { CoreConfig } from '../../src/core/config.js';
import { emptyDayRecord, type SlotRecord, type TokenRecord } from '../../src/model/records.js';
import type { DaySnapshot, DoctorSnapshot } from '../../src/model/snapshot.js';
import { isLiveStatus } from '../../src/model/status.js';
import { at, config, DAY, doctor, slot, token } from '../core/builders.js';
import { buildPolicies, CATEGORIES, configSpecArb, fcOptions, PRESETS, quotaSpecArb, timeoutFor } from './support.js';

const RUNS = 1000;

interface SlotSpec {
  readonly hour: number;
  readonly capacity: number;
  readonly overflowCapacity: number;
  readonly closed: boolean;
  /** Categories of its places; `checkedIn` marks some as `CHECKED_IN`. */
  readonly places: readonly { readonly category: string; readonly checkedIn: boolean; readonly ownPatient: boolean }[];
}

interface DaySpec {
  readonly slots: readonly SlotSpec[];
  readonly waiting: boolean;
  /** A place of the first slot held, the hold ended at 07:00 or running until 23:00. */
  readonly held: boolean;
  readonly holdEnded: boolean;
  /** A slot from 23:30 to 00:30 the next day. */
  readonly lateSlot: boolean;
  readonly consulted: boolean;
}

interface Ask {
  readonly category: string;
  readonly afterHour: number | null;
  readonly key: boolean;
  readonly pastDate: boolean;
  readonly nowHour: number;
  readonly patientKnown: boolean;
  readonly consultMinutes: number | null;
}

/** True one time in eight. */
const seldom = fc.integer({ min: 0, max: 7 }).map((n) => n === 0);
const placeArb = fc.record({ category: fc.constantFrom(...CATEGORIES), checkedIn: fc.boolean(), ownPatient: fc.integer({ min: 0, max: 5 }).map((n) => n === 0) });
const slotSpecArb: fc.Arbitrary<SlotSpec> = fc.record({
  hour: fc.integer({ min: 6, max: 20 }),
  capacity: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }) }),
  overflowCapacity: fc.integer({ min: 0, max: 2 }),
  closed: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  places: fc.array(placeArb, { maxLength: 4 }),
});
const daySpecArb: fc.Arbitrary<DaySpec> = fc.record({
  slots: fc.uniqueArray(slotSpecArb, { maxLength: 8, selector: (s) => s.hour }),
  // Mostly quiet days: those the quiet path may take.
  waiting: seldom,
  held: seldom,
  holdEnded: fc.boolean(),
  lateSlot: seldom,
  consulted: seldom,
});
const askArb: fc.Arbitrary<Ask> = fc.record({
  category: fc.constantFrom(...CATEGORIES),
  afterHour: fc.option(fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 6, max: 10 }) }, { weight: 1, arbitrary: fc.integer({ min: 11, max: 21 }) }), { nil: null, freq: 2 }),
  key: fc.boolean(),
  /** The clock at 00:10 the next day: the day is past, its 23:30 slot still running. */
  pastDate: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  // Mostly before or early in the day, some slots ended.
  nowHour: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 5, max: 9 }) }, { weight: 1, arbitrary: fc.integer({ min: 10, max: 21 }) }),
  patientKnown: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
  consultMinutes: fc.constantFrom(null, 5, 15),
});

const REQUESTER = 'requester';

/** The snapshot of doctor d1 with the day of `spec`, as MemoryStorage hands it to a unit (its counts and patient index). */
function snapshotOf(spec: DaySpec, consultMinutes: number | null): DoctorSnapshot {
  const specs = [...spec.slots].sort((a, b) => a.hour - b.hour);
  if (spec.lateSlot) specs.push({ hour: 23, capacity: 2, overflowCapacity: 0, closed: false, places: [] });
  const slots: SlotRecord[] = specs.map((s) =>
    slot(s.hour, s.capacity, {
      overflowCapacity: s.overflowCapacity,
      status: s.closed ? 'CLOSED' : 'OPEN',
      closedReason: s.closed ? 'x' : null,
      ...(s.hour === 23 ? { start: at(23, 30), end: at(24, 30) } : {}),
    }),
  );
  const tokens: TokenRecord[] = [];
  const places = slots.map((s, i) => {
    const spot = specs[i]!;
    return spot.places.map((p) => {
      const t = token(tokens.length + 1, p.category, s.id, {
        status: p.checkedIn ? 'CHECKED_IN' : 'BOOKED',
        ...(p.ownPatient ? { patient: Object.freeze({ id: REQUESTER, name: 'Known' }) } : {}),
      });
      tokens.push(t);
      return t;
    });
  });
  // A day with consultations: its first place in consultation since 08:00, its second seen at 08:10.
  if (spec.consulted) {
    const flat = places.flat();
    const seen: [TokenRecord | undefined, TokenRecord['status'], number][] = [
      [flat[0], 'IN_CONSULTATION', at(8)],
      [flat[1], 'COMPLETED', at(8, 10)],
    ];
    for (const [t, status, time] of seen) {
      if (t === undefined) continue;
      const changed = { ...t, status, updatedAt: time };
      places.forEach((list) => list.forEach((p, k) => p === t && (list[k] = changed)));
      tokens[t.tokenNumber - 1] = changed;
    }
  }
  if (spec.held && slots.length > 0) {
    const hold = token(tokens.length + 1, 'ONLINE', slots[0]!.id, { status: 'HELD', holdExpiresAt: spec.holdEnded ? at(7) : at(23) });
    tokens.push(hold);
    places[0]!.push(hold);
  }
  const waitlist = spec.waiting ? [token(tokens.length + 1, 'WALK_IN', null)] : [];
  tokens.push(...waitlist);
  const live = (patientId: string): TokenRecord | undefined => tokens.find((t) => t.patient.id === patientId && isLiveStatus(t.status));
  const day: DaySnapshot = {
    record: { ...emptyDayRecord('d1', DAY), lastTokenNumber: tokens.length },
    slots: slots.map((s, i) => ({ slot: s, places: places[i]! })),
    waitlist,
    liveTokenOf: live,
    consultations: tokens.filter((t) => t.status === 'IN_CONSULTATION' || t.status === 'COMPLETED').length,
    holds: tokens.filter((t) => t.status === 'HELD').length,
  };
  return { doctor: { ...doctor(), consultMinutes }, days: new Map([[DAY, day]]), tokens: new Map(), slots: new Map(), schedule: undefined, idempotency: undefined };
}

type Outcome = { readonly decision: unknown } | { readonly refused: { code: string; message: string } };

function outcome(decide: () => unknown): Outcome {
  try {
    return { decision: decide() };
  } catch (error) {
    if (isOpdError(error)) return { refused: { code: error.code, message: error.message } };
    throw error;
  }
}

function check(options: CoreConfig, spec: DaySpec, ask: Ask): boolean {
  const snapshot = snapshotOf(spec, ask.consultMinutes);
  const command: BookCommand = {
    doctorId: 'd1',
    category: ask.category,
    patient: Object.freeze({ id: ask.patientKnown ? REQUESTER : 'newcomer', name: 'New' }),
    slotId: undefined,
    date: DAY,
    after: ask.afterHour === null ? undefined : at(ask.afterHour, 30),
    idempotencyKey: ask.key ? 'desk-1' : undefined,
    fingerprint: ask.key ? 'f' : undefined,
    actor: null,
    holdMinutes: null,
  };
  const now = ask.pastDate ? at(24, 10) : at(ask.nowHour, 15);
  const worked = outcome(() => decideInWorkspace(options, snapshot, snapshot.doctor!, command, now));
  expect(outcome(() => book.decide(options, snapshot, command, now))).toEqual(worked);
  // Whether the quiet path took it; when it did, its decision is the working copy's.
  const quiet = outcome(() => quietBooking(options, snapshot, snapshot.doctor!, command, now));
  if ('decision' in quiet && quiet.decision === undefined) return false;
  expect(quiet).toEqual(worked);
  return true;
}

describe('a quiet booking decides as the working copy does', () => {
  for (const [name, preset] of Object.entries(PRESETS)) {
    for (const allowDuplicateBookings of [false, true]) {
      it(`${name}${allowDuplicateBookings ? ', duplicates allowed' : ''}`, { timeout: timeoutFor(RUNS, 20) }, () => {
        const options = config({ ...preset(), allowDuplicateBookings });
        let quiet = 0;
        let runs = 0;
        fc.assert(
          fc.property(daySpecArb, askArb, (spec, ask) => {
            runs++;
            if (check(options, spec, ask)) quiet++;
          }),
          fcOptions(RUNS),
        );
        // Over a few runs (a mutation test's) the share says nothing: it is asked of a full run.
        if (runs >= 200) expect(quiet, `${quiet} of ${runs} cases took the quiet path`).toBeGreaterThan(runs / 6);
      });
    }
  }

  it('random compositions of the built-in strategies, with a quota or labels by category', { timeout: timeoutFor(RUNS, 20) }, () => {
    fc.assert(
      fc.property(configSpecArb, fc.option(quotaSpecArb, { nil: undefined }), fc.boolean(), daySpecArb, askArb, (composition, quota, labels, spec, ask) => {
        const options = config({ ...buildPolicies(composition), ...(quota === undefined ? {} : { quota: new ChannelQuota(quota) }), ...(labels ? { numbering: 'category' as const } : {}) });
        check(options, spec, ask);
      }),
      fcOptions(RUNS),
    );
  });
});
