/**
 * Booking a series of visits in one unit, and cancelling one: every occurrence through the one
 * booking road (`decideBook`), its place held while the patient decides by the series' claims
 * (`../series.ts`).
 */
import { OpdError } from '../../errors.js';
import type { SeriesBookedEvent, SeriesCancelledEvent } from '../../events/series.js';
import type { OpdEvent } from '../../events.js';
import { claimEnded } from '../../model/claims.js';
import type { ClaimRecord, DayRecord } from '../../model/records.js';
import type { ChangeSet, CommitDecision, Decision, DoctorSnapshot, LoadRequest, PatientLoad, PatientToken } from '../../model/snapshot.js';
import type { BookingResult, Patient, SeriesCancellation, SeriesMode, SeriesOccurrence, SeriesResult, Token } from '../../types.js';
import { tokenView } from '../call-order.js';
import { putClaim } from '../claim-kinds.js';
import { endClaim } from '../claims.js';
import { type Command, departmentNotFound, doctorNotFound, mergeChanges, patientPart, unchanged, unitChanges } from '../command.js';
import type { CoreConfig } from '../config.js';
import { fingerprintOf, isSeriesClaim, occurrenceClaim, recordedOutcomes, type SeriesOutcome, seriesRecord } from '../series.js';
import { promoteWaiting } from '../placement.js';
import { NO_CHANGES, Workspace } from '../workspace.js';
import { type BookCommand, decideBook } from './book.js';
import { cancel } from './transitions.js';

/** A validated series request. */
export interface SeriesCommand {
  readonly seriesId: string;
  readonly patient: Readonly<Patient>;
  readonly doctorId: string | null;
  readonly department: string | null;
  readonly category: string;
  /** Each occurrence's local date, in order. */
  readonly dates: readonly string[];
  /** Each occurrence's earliest start (its preferred time that day), or `null`. */
  readonly afters: readonly (number | null)[];
  readonly mode: SeriesMode;
  readonly dryRun: boolean;
  readonly holdMinutes: number;
  readonly fingerprint: string;
  readonly actor: string | null;
  readonly patientLoad?: PatientLoad | undefined;
}

/** The doctors' days a series unit reads (the doctor, or every doctor of the department, each occurrence's day). */
function seriesLoad(doctorId: string | null, department: string | null, dates: readonly string[], patient: PatientLoad | undefined): LoadRequest {
  if (department !== null) return { department: { name: department, each: { days: [...dates] } }, ...patientPart(patient) };
  return { doctorId: doctorId ?? '', days: [...dates], ...patientPart(patient) };
}

/** What the unit reads of each doctor: the locked doctor's snapshot or a further doctor's (with the patient's tokens the unit read). */
function snapshotsOf(snapshot: DoctorSnapshot): (doctorId: string) => DoctorSnapshot | undefined {
  return (doctorId) => {
    if (doctorId === snapshot.doctor?.id) return snapshot;
    const other = snapshot.others?.get(doctorId);
    return other === undefined || snapshot.patientTokens === undefined ? other : { ...other, patientTokens: snapshot.patientTokens };
  };
}

/** The doctors a series tries, in order: the doctor, or the department's members by id. */
function doctorsOf(command: Pick<SeriesCommand, 'doctorId' | 'department'>, snapshot: DoctorSnapshot): string[] {
  if (command.doctorId !== null) {
    if (snapshot.doctor === undefined) throw doctorNotFound(command.doctorId);
    return [command.doctorId];
  }
  const members = (snapshot.department ?? []).filter((id) => snapshot.others?.get(id)?.doctor !== undefined || snapshot.doctor?.id === id);
  if (members.length === 0) throw departmentNotFound(command.department);
  return members;
}

/** A place found (or held) for an occurrence. */
interface Found {
  readonly doctorId: string;
  readonly slotId: string;
  readonly start: number;
  readonly end: number;
}

/**
 * A series of visits in one unit. A preview (`dryRun`) gives each occurrence its place or its
 * reason and holds the places found as the series' claims (all-or-nothing: only when every
 * occurrence has one); a commit books every occurrence through the one booking road — the place
 * its claim holds, else the earliest place of its day — and, all-or-nothing, refuses the whole
 * series (`SLOT_FULL`, nothing changed) when one has none. A commit retried with its key is
 * answered as it was; the same key with another request is an `IDEMPOTENCY_CONFLICT`.
 */
export const bookSeries: Command<SeriesCommand, SeriesResult> = {
  load: (c) => seriesLoad(c.doctorId, c.department, c.dates, c.patientLoad),
  decide(config, snapshot, command, now) {
    const doctors = doctorsOf(command, snapshot);
    const snapshotOf = snapshotsOf(snapshot);
    const home = snapshotOf(doctors[0]!)!;
    const record = home.days.get(command.dates[0]!)?.record.claims?.find((c) => c.id === command.seriesId && isSeriesClaim(c));
    const held = heldOccurrences(snapshot, doctors, command, now);
    if (record !== undefined) {
      if (fingerprintOf(record) !== command.fingerprint) throw conflict(command.seriesId);
      return replay(config, snapshotOf, command, record, now);
    }
    if (command.dryRun) return preview(config, snapshotOf, doctors, command, held, now);
    // A booking in a held place names its slot: the slots are read with the days.
    const slotIds = [...held.values()].map((h) => h.claim.slotId);
    if (slotIds.some((id) => !snapshot.slots.has(id)))
      return { kind: 'load', request: { ...seriesLoad(command.doctorId, command.department, command.dates, command.patientLoad), slotIds } };
    const withSlots = (id: string): DoctorSnapshot | undefined => {
      const s = snapshotOf(id);
      return s === undefined || s === snapshot ? s : { ...s, slots: new Map([...s.slots, ...snapshot.slots]) };
    };
    return commitSeries(config, snapshot, withSlots, doctors, command, held, now);
  },
};

/** A commit retried: answered from the series' record, with each occurrence's token as it is now (when still in its day's queue). */
function replay(
  config: CoreConfig,
  snapshotOf: (id: string) => DoctorSnapshot | undefined,
  command: SeriesCommand,
  record: ClaimRecord,
  now: number,
): Decision<SeriesResult> {
  const tokens: Token[] = [];
  const occurrences = recordedOutcomes(record).map((o) => {
    if (o.tokenId === null) return occurrenceView(o.occurrence, o.date, 'NO_PLACE', null, null, o.reason);
    const doctorId = o.tokenId.slice(0, o.tokenId.indexOf('~'));
    const snapshot = snapshotOf(doctorId);
    let found: Found | null = null;
    if (snapshot !== undefined && snapshot.days.has(o.date)) {
      const ws = new Workspace(config, snapshot, now);
      const work = ws.day(o.date);
      const token = work.find(o.tokenId);
      if (token !== undefined) {
        tokens.push(tokenView(ws, work, token));
        const slot = token.slotId === null ? undefined : work.slot(work.indexOf(token.slotId));
        if (slot !== undefined) found = { doctorId, slotId: slot.id, start: slot.start, end: slot.end };
      }
    }
    return occurrenceView(o.occurrence, o.date, 'BOOKED', found ?? { doctorId, slotId: '', start: 0, end: 0 }, o.tokenId, null);
  });
  return unchanged(
    Object.freeze({
      seriesId: command.seriesId,
      mode: command.mode,
      dryRun: false,
      heldUntil: null,
      occurrences: Object.freeze(occurrences),
      tokens: Object.freeze(tokens),
      effects: Object.freeze([]),
      replayed: true as const,
    }),
  );
}

function conflict(seriesId: string): OpdError {
  return new OpdError('IDEMPOTENCY_CONFLICT', 'The idempotency key was already used for a different series', {
    details: { field: 'idempotencyKey', seriesId },
  });
}

/** The series' active claims (a preview's held places), by occurrence, that have not ended. */
function heldOccurrences(
  snapshot: DoctorSnapshot,
  doctors: readonly string[],
  command: SeriesCommand,
  now: number,
): Map<number, { doctorId: string; claim: ClaimRecord }> {
  const held = new Map<number, { doctorId: string; claim: ClaimRecord }>();
  const snapshotOf = snapshotsOf(snapshot);
  for (const doctorId of doctors) {
    for (const date of command.dates) {
      for (const claim of snapshotOf(doctorId)?.days.get(date)?.record.claims ?? []) {
        if (claim.group !== command.seriesId || claim.id === command.seriesId || claim.state !== 'ACTIVE' || claimEnded(claim.endsAt, now)) continue;
        if (fingerprintOf(claim) !== command.fingerprint) throw conflict(command.seriesId);
        const occurrence = claim.detail?.['occurrence'];
        if (typeof occurrence === 'number') held.set(occurrence, { doctorId, claim });
      }
    }
  }
  return held;
}

/** The booking of occurrence `k` (from 1) with `doctorId`: in the place its claim holds, else the earliest of its day. */
function occurrenceBooking(command: SeriesCommand, k: number, doctorId: string, heldBy: ClaimRecord | undefined): BookCommand {
  const base = {
    doctorId,
    category: command.category,
    patient: command.patient,
    idempotencyKey: undefined,
    fingerprint: undefined,
    actor: command.actor,
    holdMinutes: null,
    revisit: { seriesId: command.seriesId, occurrence: k },
  };
  if (heldBy !== undefined) return { ...base, slotId: heldBy.slotId, date: command.dates[k - 1], after: undefined, heldBy: heldBy.id };
  const after = command.afters[k - 1] ?? null;
  return { ...base, slotId: undefined, date: command.dates[k - 1], after: after ?? undefined };
}

/** Codes that mean "no place for this occurrence": the next doctor is tried, else it has none. */
const NO_PLACE: ReadonlySet<string> = new Set([
  'SLOT_FULL',
  'OUTSIDE_BOOKING_WINDOW',
  'DUPLICATE_BOOKING',
  'DOCTOR_RETIRED',
  'SLOT_CLOSED',
  'SLOT_ENDED',
  'VALIDATION_FAILED',
]);

/** Occurrence `k` booked through the one booking road by the first doctor that gives it a place, or the reason none does. */
function bookOccurrence(
  config: CoreConfig,
  snapshotOf: (id: string) => DoctorSnapshot | undefined,
  doctors: readonly string[],
  command: SeriesCommand,
  k: number,
  heldBy: { doctorId: string; claim: ClaimRecord } | undefined,
  now: number,
  strict: boolean,
): CommitDecision<BookingResult> | string {
  let reason = 'SLOT_FULL';
  for (const doctorId of heldBy === undefined ? doctors : [heldBy.doctorId]) {
    const snapshot = snapshotOf(doctorId);
    if (snapshot?.doctor === undefined) continue;
    let decision: Decision<BookingResult>;
    try {
      decision = decideBook(config, snapshot, occurrenceBooking(command, k, doctorId, heldBy?.claim), now);
    } catch (error) {
      if (error instanceof OpdError && NO_PLACE.has(error.code)) {
        reason = error.code;
        continue;
      }
      throw error;
    }
    // A booking for a loaded day reads nothing more (only a desk's claim does).
    if (decision.kind === 'load')
      throw new OpdError('STORAGE_FAILURE', 'A series occurrence asked for more than its loaded day', { details: { day: command.dates[k - 1] } });
    const { result, changes } = decision;
    // A preview proposes only a free place: never an elastic one, never a bumped patient's or a released hold's.
    if (result.outcome === 'BOOKED' && (!strict || freePlaceTaken(changes.events, result.token.id))) return decision;
  }
  return reason;
}

/** Whether the booking of `tokenId` took a free place (of its slot, or of a later one): not an elastic place, not a bump. */
function freePlaceTaken(events: readonly OpdEvent[], tokenId: string): boolean {
  const booked = events.find((e) => e.type === 'token:booked' && e.tokenId === tokenId);
  return booked?.type === 'token:booked' && (booked.rule === 'free-place' || booked.rule === 'next-slot');
}

/** The place a booking decision gave its token. */
function placeOf(snapshot: DoctorSnapshot | undefined, decision: CommitDecision<BookingResult>): Found {
  const token = decision.result.token;
  const slot = snapshot?.days.get(token.day)?.slots.find((s) => s.slot.id === token.slotId)?.slot;
  return { doctorId: token.doctorId, slotId: token.slotId ?? '', start: slot?.start ?? 0, end: slot?.end ?? 0 };
}

function occurrenceView(
  k: number,
  date: string,
  status: SeriesOccurrence['status'],
  found: Found | null,
  tokenId: string | null,
  reason: string | null,
): SeriesOccurrence {
  return Object.freeze({
    occurrence: k,
    date,
    status,
    doctorId: found?.doctorId ?? null,
    slotId: found?.slotId ?? null,
    start: found === null ? null : new Date(found.start),
    tokenId,
    reason,
  });
}

/** A preview: each occurrence's place or reason; the places held as the series' claims when `holdMinutes` allows. */
function preview(
  config: CoreConfig,
  snapshotOf: (id: string) => DoctorSnapshot | undefined,
  doctors: readonly string[],
  command: SeriesCommand,
  held: ReadonlyMap<number, { doctorId: string; claim: ClaimRecord }>,
  now: number,
): Decision<SeriesResult> {
  const found: (Found | string)[] = command.dates.map((date, i) => {
    const k = i + 1;
    const h = held.get(k);
    if (h !== undefined) {
      const slot = snapshotOf(h.doctorId)
        ?.days.get(date)
        ?.slots.find((s) => s.slot.id === h.claim.slotId)?.slot;
      return { doctorId: h.doctorId, slotId: h.claim.slotId, start: slot?.start ?? 0, end: slot?.end ?? 0 };
    }
    const decision = bookOccurrence(config, snapshotOf, doctors, command, k, undefined, now, true);
    return typeof decision === 'string' ? decision : placeOf(snapshotOf(decision.result.token.doctorId), decision);
  });
  const complete = found.every((f) => typeof f !== 'string');
  const hold = command.holdMinutes > 0 && held.size === 0 && (complete || command.mode === 'best-effort');
  const until = now + command.holdMinutes * 60_000;
  const workspaces = new Map<string, Workspace>();
  let heldUntil: number | null = held.size > 0 ? Math.max(...[...held.values()].map((h) => h.claim.endsAt ?? now)) : null;
  const occurrences = found.map((f, i) => {
    const k = i + 1;
    const date = command.dates[i]!;
    if (typeof f === 'string') return occurrenceView(k, date, 'NO_PLACE', null, null, f);
    if (held.has(k)) return occurrenceView(k, date, 'HELD', f, null, null);
    if (!hold) return occurrenceView(k, date, 'PROPOSED', f, null, null);
    let ws = workspaces.get(f.doctorId);
    if (ws === undefined) workspaces.set(f.doctorId, (ws = new Workspace(config, snapshotOf(f.doctorId)!, now)));
    // A held place never outlives its slot.
    const end = Math.min(until, f.end);
    heldUntil = Math.max(heldUntil ?? end, end);
    putClaim(ws.day(date), occurrenceClaim(command.seriesId, k, f.slotId, end, command.actor, command.fingerprint));
    return occurrenceView(k, date, 'HELD', f, null, null);
  });
  let changes: ChangeSet = NO_CHANGES;
  for (const ws of workspaces.values()) changes = mergeChanges(changes, unitChanges(ws));
  const result: SeriesResult = Object.freeze({
    seriesId: command.seriesId,
    mode: command.mode,
    dryRun: true,
    heldUntil: heldUntil === null ? null : new Date(heldUntil),
    occurrences: Object.freeze(occurrences),
    tokens: Object.freeze([]),
    effects: Object.freeze([]),
  });
  return { kind: 'commit', changes, result };
}

/** A commit: every occurrence booked in one unit (all-or-nothing: all or none), then `series:booked`. */
function commitSeries(
  config: CoreConfig,
  snapshot: DoctorSnapshot,
  snapshotOf: (id: string) => DoctorSnapshot | undefined,
  doctors: readonly string[],
  command: SeriesCommand,
  held: ReadonlyMap<number, { doctorId: string; claim: ClaimRecord }>,
  now: number,
): Decision<SeriesResult> {
  // Each occurrence's booking sees the patient's tokens the earlier ones made (a cap on live tokens counts them).
  const made: PatientToken[] = [];
  const chained = (id: string): DoctorSnapshot | undefined => {
    const s = snapshotOf(id);
    if (s === undefined || snapshot.patientTokens === undefined) return s;
    return { ...s, patientTokens: [...snapshot.patientTokens, ...made] };
  };
  let changes: ChangeSet = NO_CHANGES;
  const outcomes: SeriesOutcome[] = [];
  const occurrences: SeriesOccurrence[] = [];
  const tokens: Token[] = [];
  for (const [i, date] of command.dates.entries()) {
    const k = i + 1;
    const decision = bookOccurrence(config, chained, doctors, command, k, held.get(k), now, false);
    if (typeof decision === 'string') {
      outcomes.push({ occurrence: k, date, tokenId: null, reason: decision });
      occurrences.push(occurrenceView(k, date, 'NO_PLACE', null, null, decision));
      continue;
    }
    changes = mergeChanges(changes, decision.changes);
    const token = decision.result.token;
    const record = decision.changes.newTokens.find((t) => t.id === token.id);
    if (record !== undefined) made.push({ token: record, department: snapshotOf(token.doctorId)?.doctor?.department ?? null });
    tokens.push(token);
    outcomes.push({ occurrence: k, date, tokenId: token.id, reason: null });
    occurrences.push(occurrenceView(k, date, 'BOOKED', placeOf(snapshotOf(token.doctorId), decision), token.id, null));
  }
  const skipped = outcomes
    .filter((o) => o.tokenId === null)
    .map((o) => Object.freeze({ occurrence: o.occurrence, date: o.date, reason: o.reason ?? 'SLOT_FULL' }));
  if (skipped.length > 0 && command.mode === 'all-or-nothing') {
    const first = skipped[0]!;
    throw new OpdError('SLOT_FULL', `Occurrence ${first.occurrence} of the series has no place on ${first.date} (${first.reason}): no occurrence was booked`, {
      details: { field: 'start', seriesId: command.seriesId, skipped },
    });
  }
  // A held place its occurrence did not take (best-effort, refused) is given back, and the series' record kept.
  const home = doctors[0]!;
  for (const [k, h] of held) {
    if (outcomes[k - 1]?.tokenId !== null) continue;
    changes = releaseHeld(config, now, changes, snapshotOf(h.doctorId)!, command.dates[k - 1]!, h.claim);
  }
  changes = withRecord(
    changes,
    snapshotOf(home)!,
    command.dates[0]!,
    seriesRecord(command.seriesId, now, command.actor, command.fingerprint, command.mode, outcomes),
  );
  const sink = new Workspace(config, snapshotOf(home)!, now);
  const e: SeriesBookedEvent = {
    type: 'series:booked',
    seq: 0,
    facilityId: sink.facilityId,
    at: sink.nowDate,
    doctorId: tokens[0]?.doctorId ?? home,
    actor: null,
    seriesId: command.seriesId,
    mode: command.mode,
    tokenIds: Object.freeze(tokens.map((t) => t.id)),
    skipped: Object.freeze(skipped),
  };
  const effects = changes.events;
  changes = { ...changes, events: [...changes.events, e] };
  const result: SeriesResult = Object.freeze({
    seriesId: command.seriesId,
    mode: command.mode,
    dryRun: false,
    heldUntil: null,
    occurrences: Object.freeze(occurrences),
    tokens: Object.freeze(tokens),
    effects: Object.freeze([...effects]),
  });
  return { kind: 'commit', changes, result };
}

/**
 * `changes` with a held place of an occurrence that did not take it given back, on a day no
 * booking of the unit changed (an occurrence without a place has no booking), and the waitlist
 * promoted into it.
 */
function releaseHeld(config: CoreConfig, now: number, changes: ChangeSet, snapshot: DoctorSnapshot, day: string, claim: ClaimRecord): ChangeSet {
  const ws = new Workspace(config, snapshot, now);
  const work = ws.day(day);
  endClaim(ws, work, claim, 'released');
  promoteWaiting(ws, work);
  return mergeChanges(changes, unitChanges(ws));
}

/**
 * `changes` with the series' record in its day's list: on the record `changes` already writes for
 * the day (an occurrence booked there), else on the record as read. The record holds no place: it
 * only records.
 */
function withRecord(changes: ChangeSet, snapshot: DoctorSnapshot, day: string, record: ClaimRecord): ChangeSet {
  const doctorId = snapshot.doctor?.id ?? '';
  const at = changes.days.findIndex((d) => d.doctorId === doctorId && d.day === day);
  const read = snapshot.days.get(day)?.record;
  if (read === undefined) throw new OpdError('STORAGE_FAILURE', 'The storage adapter did not load a requested day', { details: { day } });
  const base: DayRecord = at < 0 ? read : changes.days[at]!;
  const next: DayRecord = {
    ...base,
    claims: Object.freeze([...(base.claims ?? []).filter((c) => !(c.id === record.id && c.slotId === record.slotId)), record]),
  };
  const days = at < 0 ? [...changes.days, next] : changes.days.map((d, i) => (i === at ? next : d));
  return { ...changes, days };
}

/** A series to cancel, from a date on. */
export interface CancelSeriesCommand {
  readonly seriesId: string;
  readonly doctorId: string | null;
  readonly department: string | null;
  /** The occurrences' dates to cancel (those on or after `from`). */
  readonly dates: readonly string[];
  readonly from: string | null;
  readonly reason: string | null;
  readonly actor: string | null;
}

/** The statuses of an occurrence's token that a series' cancellation ends (the cancel transition's). */
const CANCELLABLE: ReadonlySet<string> = new Set(['BOOKED', 'WAITLISTED', 'CHECKED_IN']);

/**
 * Cancels a series from a date on, in one unit: every occurrence's token still waiting or booked
 * is cancelled by the cancel transition (its cut-off included: a refusal refuses the whole call),
 * every place a preview still holds is given back, then `series:cancelled`. A series with nothing
 * left to cancel changes nothing.
 */
export const cancelSeries: Command<CancelSeriesCommand, SeriesCancellation> = {
  load: (c) => seriesLoad(c.doctorId, c.department, c.dates, undefined),
  decide(config, snapshot, command, now) {
    const doctors = doctorsOf(command, snapshot);
    const snapshotOf = snapshotsOf(snapshot);
    let changes: ChangeSet = NO_CHANGES;
    const cancelled: Token[] = [];
    for (const doctorId of doctors) {
      const mine = snapshotOf(doctorId);
      if (mine === undefined) continue;
      for (const date of command.dates) {
        const day = mine.days.get(date);
        if (day === undefined) continue;
        const tokens = [...day.slots.flatMap((s) => s.places), ...day.waitlist].filter(
          (t) => t.revisit?.seriesId === command.seriesId && CANCELLABLE.has(t.status),
        );
        for (const token of tokens) {
          const decision = cancel.decide(
            config,
            { ...mine, tokens: new Map([[token.id, token]]) },
            { tokenId: token.id, reason: command.reason ?? 'series cancelled', actor: command.actor },
            now,
          );
          if (decision.kind !== 'commit')
            throw new OpdError('STORAGE_FAILURE', 'A cancellation asked for more than its loaded day', { details: { day: date } });
          changes = mergeChanges(changes, decision.changes);
          cancelled.push(decision.result.token);
        }
        const held = (day.record.claims ?? []).filter((c) => c.group === command.seriesId && c.id !== command.seriesId && c.state === 'ACTIVE');
        for (const claim of held) changes = releaseHeld(config, now, changes, mine, date, claim);
      }
    }
    if (!changes.events.length && cancelled.length === 0 && changes.days.length === 0)
      return unchanged(Object.freeze({ seriesId: command.seriesId, cancelled: Object.freeze([]), effects: Object.freeze([]) }));
    const sink = new Workspace(config, snapshotOf(doctors[0]!)!, now);
    const e: SeriesCancelledEvent = {
      type: 'series:cancelled',
      seq: 0,
      facilityId: sink.facilityId,
      at: sink.nowDate,
      doctorId: cancelled[0]?.doctorId ?? doctors[0]!,
      actor: null,
      seriesId: command.seriesId,
      from: command.from,
      tokenIds: Object.freeze(cancelled.map((t) => t.id)),
    };
    const effects = changes.events;
    return {
      kind: 'commit',
      changes: { ...changes, events: [...changes.events, e] },
      result: Object.freeze({ seriesId: command.seriesId, cancelled: Object.freeze(cancelled), effects: Object.freeze([...effects]) }),
    };
  },
};
