import { CATEGORIES, TOKEN_STATUSES, type TokenStatus } from 'opd-scheduler';
import { type DayResult, type DoctorTrack, type Marker } from './simulate.js';
import type { DoctorPlan } from './scenarios.js';
import { retentionHeld } from './retention.js';
import { int } from './format.js';
import { clock, MINUTE } from './time.js';

/**
 * Wait figures for one group of patients, in minutes, measured from when the patient is at the
 * hospital ({@link TokenTrack.presentAt}): on registering at the desk, or (online and follow-up
 * patients, who book ahead) on arriving near their slot.
 */
export interface WaitRow {
  readonly label: string;
  /** At the hospital → estimated start, for every token holding a place at the end of the day. */
  readonly estimated: readonly number[];
  /** At the hospital → consultation started, for every patient seen. */
  readonly actual: readonly number[];
}

/** How the day went for emergencies. */
export interface EmergencyFigures {
  /** Minutes from registering to the start of the consultation, sorted, for every emergency seen. */
  readonly toConsultation: readonly number[];
  /** Emergencies still on a waiting list at the end of the day. */
  readonly waitingAtEnd: number;
  /** `emergency:unplaced` events: an emergency left waiting because its doctor's day had no room. */
  readonly unplaced: number;
}

/**
 * How well the estimated start a booking answered with foretold the consultation, in minutes
 * (actual start − estimate; positive when the patient was seen later than told), over the
 * patients seen who got a place when they booked.
 */
export interface EstimateError {
  readonly patients: number;
  /** Median of the absolute error. */
  readonly median: number | null;
  /** 90th percentile of the absolute error. */
  readonly p90: number | null;
  readonly meanAbsolute: number | null;
  /** Median of the signed error: how late (positive) or early patients were seen, typically. */
  readonly bias: number | null;
}

/** The estimate error of a day's tokens. */
export function estimateErrorOf(tokens: Iterable<{ readonly consultStart: number | null; readonly estimatedAtBooking: number | null }>): EstimateError {
  const signed: number[] = [];
  for (const t of tokens) if (t.consultStart !== null && t.estimatedAtBooking !== null) signed.push((t.consultStart - t.estimatedAtBooking) / MINUTE);
  const absolute = signed.map(Math.abs).sort((a, b) => a - b);
  signed.sort((a, b) => a - b);
  return {
    patients: signed.length,
    median: percentile(absolute, 50),
    p90: percentile(absolute, 90),
    meanAbsolute: absolute.length === 0 ? null : absolute.reduce((a, b) => a + b, 0) / absolute.length,
    bias: percentile(signed, 50),
  };
}

/** One slot at the end of the day. */
export interface SlotRow {
  readonly slotId: string;
  readonly label: string;
  readonly start: number;
  readonly end: number;
  readonly places: number;
  readonly capacity: number;
  /** Elastic places in use at the end of the day. */
  readonly elastic: number;
  readonly overflowCapacity: number;
  /** The slot's own waiting list (per-slot waitlists): peak and at the end of the day. */
  readonly peakWaiting: number;
  readonly waitingAtClose: number;
  /** The most waiting tokens the slot could have taken at once (its `SlotView.waitlist`), whatever the kind of waiting list. */
  readonly peakEligible: number;
  readonly seen: number;
  readonly noShows: number;
  readonly bumpedOut: number;
  readonly elasticBookings: number;
  readonly closedAt: number | null;
  readonly closedReason: string | null;
}

/** One doctor at the end of the day. */
export interface DoctorRow {
  readonly plan: DoctorPlan;
  readonly track: DoctorTrack;
  readonly slots: readonly SlotRow[];
  /** Tokens waiting for the doctor (on any waiting list): peak and at the end of the day. */
  readonly peakWaiting: number;
  readonly waitingAtClose: number;
  readonly movements: Readonly<Record<Marker['kind'], number>>;
  readonly refused: number;
}

/** One consistency check between what the simulation saw in the events and what the scheduler reports. */
export interface Check {
  readonly ok: boolean;
  readonly text: string;
}

/** The figures of one simulated day. */
export interface Summary {
  readonly result: DayResult;
  readonly doctors: readonly DoctorRow[];
  /** category → status → tokens, counted from the events. */
  readonly matrix: ReadonlyMap<string, Readonly<Record<TokenStatus, number>>>;
  readonly refusedByCategory: ReadonlyMap<string, number>;
  readonly byStatus: Readonly<Record<TokenStatus, number>>;
  readonly waits: readonly WaitRow[];
  readonly emergencies: EmergencyFigures;
  /** Estimated start at booking time against the actual consultation start. */
  readonly estimateError: EstimateError;
  readonly checks: readonly Check[];
  /** Requests per category, first requests only. */
  readonly demand: ReadonlyMap<string, number>;
  readonly capacity: number;
  readonly slotCount: number;
}

/** Age from which the senior-citizen policy ranks a patient better. */
export const SENIOR_AGE = 60;
/** Wait group of walk-ins aged {@link SENIOR_AGE} or more. */
export const SENIOR_WALK_INS = `walk-ins ${SENIOR_AGE}+`;
/** Wait group of younger walk-ins. */
export const YOUNGER_WALK_INS = `walk-ins under ${SENIOR_AGE}`;

/** Computes the figures of a day and checks them against the scheduler's own. */
export function summarize(result: DayResult): Summary {
  const { tokens, stats } = result;
  const zero = (): Record<TokenStatus, number> => Object.fromEntries(TOKEN_STATUSES.map((s) => [s, 0])) as Record<TokenStatus, number>;
  const byStatus = zero();
  const matrix = new Map<string, Record<TokenStatus, number>>();
  for (const category of CATEGORIES) matrix.set(category, zero());
  for (const token of tokens.values()) {
    byStatus[token.status]++;
    let row = matrix.get(token.category);
    if (row === undefined) matrix.set(token.category, (row = zero()));
    row[token.status]++;
  }
  const refusedByCategory = new Map<string, number>();
  for (const r of result.refusals) refusedByCategory.set(r.category, (refusedByCategory.get(r.category) ?? 0) + 1);
  const demand = new Map<string, number>();
  for (const p of result.patients) demand.set(p.category, (demand.get(p.category) ?? 0) + 1);

  // Waits from when the patient is at the hospital: estimated from the scheduler's final queues,
  // actual from the consultations. (The check against stats() averages from the request instead.)
  const estimated = new Map<string, number[]>();
  const actual = new Map<string, number[]>();
  const add = (map: Map<string, number[]>, keys: readonly string[], value: number): void => {
    for (const key of keys) {
      const list = map.get(key);
      if (list === undefined) map.set(key, [value]);
      else list.push(value);
    }
  };
  // Walk-ins split by age show what the senior-citizen policy changes: their order in the queue.
  const groups = (category: string, age: number): string[] =>
    category === 'WALK_IN' ? [category, age >= SENIOR_AGE ? SENIOR_WALK_INS : YOUNGER_WALK_INS, 'all patients'] : [category, 'all patients'];
  let estimatedSum = 0;
  let estimatedCount = 0;
  let openPlaces = 0;
  const placesBySlot = new Map<string, number>();
  for (const schedule of result.schedules) {
    for (const view of schedule.slots) {
      placesBySlot.set(view.slot.id, view.places.length);
      if (view.slot.status === 'OPEN') openPlaces += view.places.length;
      for (const token of view.places) {
        const start = token.estimatedStart?.getTime() ?? token.requestedAt.getTime();
        estimatedSum += Math.max(0, start - token.requestedAt.getTime()) / MINUTE;
        estimatedCount++;
        const present = tokens.get(token.id)?.presentAt ?? token.requestedAt.getTime();
        const age = typeof token.patient['age'] === 'number' ? token.patient['age'] : 0;
        add(estimated, groups(token.category, age), Math.max(0, start - present) / MINUTE);
      }
    }
  }
  for (const token of tokens.values()) {
    if (token.consultStart !== null) add(actual, groups(token.category, token.age), Math.max(0, token.consultStart - token.presentAt) / MINUTE);
  }
  const labels = [
    ...CATEGORIES,
    ...[...matrix.keys()].filter((c) => !(CATEGORIES as readonly string[]).includes(c)),
    SENIOR_WALK_INS,
    YOUNGER_WALK_INS,
    'all patients',
  ];
  const waits: WaitRow[] = labels.map((label) => ({
    label,
    estimated: (estimated.get(label) ?? []).sort((a, b) => a - b),
    actual: (actual.get(label) ?? []).sort((a, b) => a - b),
  }));

  const doctors: DoctorRow[] = result.scenario.doctors.map((plan) => {
    const track = result.doctors.get(plan.id)!;
    const movements = { bump: 0, cascade: 0, promotion: 0, drop: 0, elastic: 0, closed: 0 };
    for (const m of result.markers) if (m.doctorId === plan.id) movements[m.kind]++;
    const schedule = result.schedules.find((s) => s.doctor.id === plan.id);
    const slots = plan.slots.map((slot): SlotRow => {
      const t = result.slots.get(slot.id)!;
      const view = schedule?.slots.find((v) => v.slot.id === slot.id);
      return {
        slotId: slot.id,
        label: `${clock(slot.start)}–${clock(slot.end)}`,
        start: slot.start,
        end: slot.end,
        places: view?.places.length ?? 0,
        capacity: view?.slot.capacity ?? slot.capacity,
        elastic: view?.overflowUsed ?? 0,
        overflowCapacity: slot.overflowCapacity,
        peakWaiting: t.peakWaiting,
        waitingAtClose: t.waitingNow,
        peakEligible: t.peakEligible,
        seen: t.seen,
        noShows: t.noShows,
        bumpedOut: t.bumpedOut,
        elasticBookings: t.elasticBookings,
        closedAt: t.closedAt,
        closedReason: t.closedReason,
      };
    });
    return {
      plan,
      track,
      slots,
      peakWaiting: track.peakWaiting,
      waitingAtClose: track.waitingNow,
      movements,
      refused: result.refusals.filter((r) => r.doctorId === plan.id).length,
    };
  });

  const checks: Check[] = [];
  const sameStatus = TOKEN_STATUSES.every((s) => byStatus[s] === stats.byStatus[s]);
  checks.push({ ok: sameStatus && tokens.size === stats.tokens, text: `${tokens.size} tokens by status, as followed through the events, agree with stats()` });
  const categories = new Set([...Object.keys(stats.byCategory), ...[...matrix].filter(([, row]) => TOKEN_STATUSES.some((s) => row[s] > 0)).map(([c]) => c)]);
  const sameCategory = [...categories].every((c) => TOKEN_STATUSES.reduce((sum, s) => sum + (matrix.get(c)?.[s] ?? 0), 0) === (stats.byCategory[c] ?? 0));
  checks.push({ ok: sameCategory, text: 'tokens by category agree with stats()' });
  const { bumps, cascades, promotions, drops } = result.counted;
  checks.push({
    ok: bumps === stats.bumps && cascades === stats.cascades && promotions === stats.promotions && drops === stats.drops,
    text: `bumps ${bumps}, cascades ${cascades}, promotions ${promotions}, drops ${drops} from the events agree with stats()`,
  });
  const samePlaces = [...result.slots.values()].every((t) => placesBySlot.get(t.plan.id) === t.placesNow);
  checks.push({ ok: samePlaces && openPlaces === stats.places, text: 'places per slot, as followed through the events, agree with getSchedule() and stats()' });
  checks.push({ ok: result.overbookings === 0, text: 'no slot ever held more than its capacity plus the elastic places the preset allows' });
  const mean = estimatedCount === 0 ? 0 : estimatedSum / estimatedCount;
  checks.push({
    // Estimated starts are Dates (whole milliseconds); stats() averages the unrounded times.
    ok: Math.abs(mean - stats.averageWaitMinutes) < 1e-4,
    text: `mean estimated wait ${mean.toFixed(1)} min agrees with stats().averageWaitMinutes`,
  });
  const violations = result.emergencyViolations;
  checks.push({
    ok: violations.length === 0,
    text: `no emergency waited without a place while its doctor's day had room${
      violations.length === 0 ? '' : ` — ${int(violations.length)} of ${int(result.emergencyChecks)} looks at a waiting emergency, first: ${violations[0]!}`
    }`,
  });
  const calls = result.emergencyCalls;
  checks.push({
    ok: calls.passedOver.length === 0,
    text: `every emergency checked in was the next one called: ${int(calls.calls)} calls made while one waited called an emergency${
      calls.passedOver.length === 0 ? '' : ` — ${int(calls.passedOver.length)} did not, first: ${calls.passedOver[0]!}`
    }`,
  });
  const unfinished = byStatus.BOOKED + byStatus.HELD + byStatus.CHECKED_IN + byStatus.IN_CONSULTATION;
  if (result.retention !== null) {
    checks.push({
      ok: retentionHeld(result.retention),
      text: "purge() erased no patient data within its retention, then every token of the day's and no other, and stats() read the same",
    });
  }
  checks.push({ ok: unfinished === 0, text: 'every token ended the day seen, cancelled, a no-show, dropped or still on a waiting list' });
  const journeys = result.journeys;
  if (journeys !== null) {
    const doctorFirst = result.fairness.stages.find((x) => x.kind === 'doctor' && x.round === 1)?.waits.count ?? 0;
    checks.push({
      ok: journeys.twoQueues === 0 && result.fairness.stages.every((x) => x.waits.count <= tokens.size) && doctorFirst >= result.fairness.visits.count,
      text: `every patient waited in one queue at a time through ${int(journeys.forwards)} forwards, and fairness() counts each stage's waits once per patient`,
    });
  }
  const holds = result.holds;
  checks.push({
    ok: holds.made === holds.confirmed + holds.expired + holds.released,
    text: `every hold of a paid patient (${int(holds.made)}) was confirmed (${int(holds.confirmed)}), expired unpaid (${int(holds.expired)}) or released by a closed slot (${int(holds.released)})`,
  });
  const r = result.rails;
  const scanned = result.patients.filter((p) => p.wayIn === 'scan-share').length;
  checks.push({
    ok: r.shares === r.shareConfirmed + r.shareExpired + r.shareReleased && r.shares + r.shareAtDesk <= scanned,
    text: `every Scan & Share token (${int(r.shares)}) was confirmed at the counter (${int(r.shareConfirmed)}), expired (${int(r.shareExpired)}) or released by a closed slot (${int(r.shareReleased)})`,
  });
  const uhiPatients = result.patients.filter((p) => p.wayIn === 'uhi').length;
  checks.push({
    ok:
      r.uhiInits === r.uhiConfirmed + r.uhiExpired + r.uhiReleased &&
      r.uhiInits + r.uhiAtPortal === r.uhiSearches &&
      r.uhiSearches <= uhiPatients &&
      r.pinCheckIns + r.uhiCancelled <= r.uhiConfirmed,
    text: `every UHI init (${int(r.uhiInits)}) was confirmed (${int(r.uhiConfirmed)}), expired unconfirmed (${int(r.uhiExpired)}) or released by a closed slot (${int(r.uhiReleased)}); PIN check-ins (${int(r.pinCheckIns)}) only of confirmed orders`,
  });
  if (result.offers !== null) {
    const o = result.offers;
    checks.push({
      ok: o.made === o.accepted + o.declined + o.lapsed + o.withdrawn + o.open,
      text: `every offer of a freed place (${int(o.made)}) ended exactly once: accepted (${int(o.accepted)}), declined (${int(o.declined)}), lapsed (${int(o.lapsed)}), withdrawn (${int(o.withdrawn)}) or still open (${int(o.open)})`,
    });
  }
  if (result.closures.length > 0) {
    const exact = result.closures.every((c) => c.predicted.length === c.happened.length && c.predicted.every((p, i) => p === c.happened[i]));
    checks.push({ ok: exact, text: `${result.closures.length} leaves (closeSlots) did exactly what their dry runs predicted` });
  }

  const capacity = result.scenario.doctors.reduce((sum, d) => sum + d.slots.reduce((s, slot) => s + slot.capacity, 0), 0);
  const slotCount = result.scenario.doctors.reduce((sum, d) => sum + d.slots.length, 0);
  const emergencies: EmergencyFigures = {
    toConsultation: waits.find((w) => w.label === 'EMERGENCY')?.actual ?? [],
    waitingAtEnd: matrix.get('EMERGENCY')?.WAITLISTED ?? 0,
    unplaced: result.counted.unplaced,
  };
  return {
    result,
    doctors,
    matrix,
    refusedByCategory,
    byStatus,
    waits,
    emergencies,
    estimateError: estimateErrorOf(tokens.values()),
    checks,
    demand,
    capacity,
    slotCount,
  };
}

/** The value at a percentile of sorted values (nearest rank), or `null` for none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** `true` when the preset keeps a waiting list per slot (else one per doctor-day). */
export function hasSlotWaitlists(result: DayResult): boolean {
  return result.preset === 'waitlist';
}
