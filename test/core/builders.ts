/**
 * Small builders for the core's own tests: records and snapshots made by hand, a configuration
 * from a preset, and a way to read a decision. No storage adapter is involved.
 */
import { isOpdError, type OpdSchedulerOptions, presets } from 'opd-scheduler';
import type { BookCommand } from '../../src/core/commands/book.js';
import type { CoreConfig } from '../../src/core/config.js';
import { makeToken } from '../../src/model/make.js';
import { compareQueueOrder } from '../../src/model/queue.js';
import { type DayRecord, emptyDayRecord, type DoctorRecord, type SlotRecord, tokenIdOf, type TokenRecord } from '../../src/model/records.js';
import { holdClaim } from '../../src/core/holds.js';
import type { ChangeSet, CommitDecision, DaySnapshot, Decision, DoctorSnapshot, LoadRequest, ScheduleEntry } from '../../src/model/snapshot.js';
import { planUnit } from '../../src/adapter-kit/units.js';
import { isPlaceStatus } from '../../src/model/status.js';
import { resolveOptions } from '../../src/options.js';
import { STANDARD_RANKS } from '../../src/policies/priority.js';

export const DAY = '2026-01-30';
const HOUR = 3_600_000;
/** Epoch ms of hh:mm UTC on {@link DAY}. */
export const at = (hh: number, mm = 0): number => Date.UTC(2026, 0, 30, hh, mm);

/** The core configuration of a scheduler built with these options (standard preset, UTC). */
export function config(options: OpdSchedulerOptions = presets.standard()): CoreConfig {
  return resolveOptions({ timeZone: 'UTC', ...options }).core;
}

/** A booking request for doctor `d1` on {@link DAY}, for a new patient of the category. */
export function bookRequest(category: string, extra: Partial<BookCommand> = {}): BookCommand {
  return {
    doctorId: 'd1',
    category,
    patient: Object.freeze({ id: `new-${category}`, name: 'New' }),
    slotId: undefined,
    date: DAY,
    after: undefined,
    idempotencyKey: undefined,
    fingerprint: undefined,
    actor: null,
    holdMinutes: null,
    ...extra,
  };
}

export const doctor = (id = 'd1'): DoctorRecord => ({ id, name: `Dr ${id}`, specialization: null, consultMinutes: 10, createdAt: at(6) });

/** An open hourly slot `d1-hh` of {@link DAY}. */
export function slot(hour: number, capacity: number, extra: Partial<SlotRecord> = {}): SlotRecord {
  return {
    id: `d1-${String(hour).padStart(2, '0')}`,
    doctorId: 'd1',
    day: DAY,
    start: at(hour),
    end: at(hour) + HOUR,
    capacity,
    overflowCapacity: 0,
    status: 'OPEN',
    closedReason: null,
    ...extra,
  };
}

let patients = 0;

/** Token number `n` of d1 on {@link DAY}, in `slotId` (or waitlisted when `null`), ranked as its category. */
export function token(n: number, category: string, slotId: string | null, extra: Partial<TokenRecord> = {}): TokenRecord {
  return makeToken({
    id: tokenIdOf('d1', DAY, n),
    doctorId: 'd1',
    day: DAY,
    slotId,
    waitingForSlotId: null,
    category,
    rank: STANDARD_RANKS[category as keyof typeof STANDARD_RANKS] ?? 99,
    status: slotId === null ? 'WAITLISTED' : 'BOOKED',
    tokenNumber: n,
    patient: Object.freeze({ id: `p${++patients}`, name: 'Patient' }),
    requestedAt: at(7) + n,
    bumpCount: 0,
    placedAt: slotId === null ? null : at(7) + n,
    notBefore: null,
    idempotencyKey: null,
    cancelReason: null,
    updatedAt: at(7) + n,
    holdExpiresAt: null,
    label: String(n),
    ...extra,
  });
}

/** A snapshot of doctor d1 with one day: its slots, and its tokens where their status puts them. */
export function snapshot(slots: readonly SlotRecord[], tokens: readonly TokenRecord[], load: { tokenId?: string; slotId?: string } = {}): DoctorSnapshot {
  const day: DaySnapshot = {
    record: withHoldClaims({ ...emptyDayRecord('d1', DAY), lastTokenNumber: tokens.reduce((max, t) => Math.max(max, t.tokenNumber), 0) }, tokens),
    slots: slots.map((s) => ({ slot: s, places: tokens.filter((t) => t.slotId === s.id && isPlaceStatus(t.status)) })),
    waitlist: tokens.filter((t) => t.status === 'WAITLISTED'),
  };
  const found = tokens.find((t) => t.id === load.tokenId);
  const slotFound = slots.find((s) => s.id === load.slotId);
  // The day of `tokenId` is loaded with it, as the contract says: empty when it is not DAY.
  const days = new Map<string, DaySnapshot>([[DAY, day]]);
  if (found !== undefined && !days.has(found.day)) days.set(found.day, { record: emptyDayRecord('d1', found.day), slots: [], waitlist: [] });
  return {
    doctor: doctor(),
    days,
    tokens: new Map(found === undefined ? [] : [[found.id, found]]),
    slots: new Map(slotFound === undefined ? [] : [[slotFound.id, slotFound]]),
    schedule: slots.map((s) => ({ slot: s, occupancy: day.slots.find((x) => x.slot.id === s.id)!.places.length })),
    idempotency: undefined,
  };
}

/** A day record with the hold claim of each `HELD` token among `tokens` (as a store keeps them: one claim record per hold). */
export function withHoldClaims(record: DayRecord, tokens: readonly TokenRecord[]): DayRecord {
  const holds = tokens.filter((t) => t.status === 'HELD').map((t) => holdClaim(t, t.holdExpiresAt, null));
  return holds.length === 0 ? record : { ...record, claims: holds };
}

/** The commit of a decision (fails the test on a load request). */
export function committed<R>(decision: Decision<R>): CommitDecision<R> {
  if (decision.kind !== 'commit') throw new Error(`expected a commit, got a load of ${JSON.stringify(decision.request)}`);
  return decision;
}

/** Every token record a change set writes, by id. */
export function written(changes: ChangeSet): Map<string, TokenRecord> {
  return new Map([...changes.newTokens, ...changes.updatedTokens].map((t) => [t.id, t]));
}

/** Event types with their token numbers, `type#n`, in order. */
export function fates(changes: ChangeSet): string[] {
  return changes.events.map((e) => ('tokenNumber' in e ? `${e.type}#${e.tokenNumber}` : e.type));
}

/** What a test reads of an `OpdError`. */
export interface Refusal {
  readonly code: string;
  readonly message: string;
  readonly details: Record<string, unknown>;
  readonly cause?: unknown;
}

/** The `OpdError` a decision throws (fails the test when it decides instead). */
export function refusal(decide: () => unknown): Refusal {
  try {
    decide();
  } catch (error) {
    if (isOpdError(error)) return error as unknown as Refusal;
    throw error;
  }
  throw new Error('expected the decision to refuse');
}

export { compareQueueOrder };

/** Records of several doctors and days, answering load requests as an adapter would. */
export interface Records {
  readonly doctors: readonly DoctorRecord[];
  readonly slots: readonly SlotRecord[];
  readonly tokens: readonly TokenRecord[];
}

/** An open slot of `doctorId` from `hh:00` for an hour on `day` (`YYYY-MM-DD`), id `${doctorId}-${day}-hh`. */
export function slotOf(doctorId: string, day: string, hour: number, capacity: number, extra: Partial<SlotRecord> = {}): SlotRecord {
  const start = Date.parse(`${day}T${String(hour).padStart(2, '0')}:00:00Z`);
  return slot(hour, capacity, { id: `${doctorId}-${day}-${String(hour).padStart(2, '0')}`, doctorId, day, start, end: start + HOUR, ...extra });
}

/** Token number `n` of the slot's doctor-day, booked in it, ranked as its category. */
export function tokenIn(s: SlotRecord, n: number, category: string, extra: Partial<TokenRecord> = {}): TokenRecord {
  return token(n, category, s.id, { id: tokenIdOf(s.doctorId, s.day, n), doctorId: s.doctorId, day: s.day, ...extra });
}

/** The day `n` days after {@link DAY}, `YYYY-MM-DD`. */
export const dayAfter = (n: number): string => new Date(Date.parse(`${DAY}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/**
 * Doctor `doctorId` (its record's other fields from `extra`) with `days` days of eight hourly
 * slots of one place from {@link DAY}, the first `full` slots taken by online patients, numbered
 * 1, 2, … within each day as a day issues them; and its slots in time order.
 */
export function rota(doctorId: string, days: number, full: number, extra: Partial<DoctorRecord> = {}): { records: Records; slots: SlotRecord[] } {
  const slots: SlotRecord[] = [];
  for (let d = 0; d < days; d++) for (let h = 9; h < 17; h++) slots.push(slotOf(doctorId, dayAfter(d), h, 1));
  const issued = new Map<string, number>();
  const tokens = slots.slice(0, full).map((s) => {
    const n = (issued.get(s.day) ?? 0) + 1;
    issued.set(s.day, n);
    return tokenIn(s, n, 'ONLINE');
  });
  return { records: { doctors: [{ ...doctor(doctorId), ...extra }], slots, tokens }, slots };
}

/** The snapshot an adapter would read for `request` from `records` (one doctor, its `others` and department). */
export function read(records: Records, request: LoadRequest): DoctorSnapshot {
  const members =
    request.department === undefined
      ? undefined
      : records.doctors
          .filter((d) => d.department === request.department!.name)
          .map((d) => d.id)
          .sort();
  const plan = planUnit(request, members);
  const own = readOne(records, plan.primaryRequest);
  if (members === undefined && plan.further.size === 0) return own;
  const others = new Map([...plan.further].map(([id, r]) => [id, readOne(records, { ...r, doctorId: id })]));
  return { ...own, others, ...(members === undefined ? {} : { department: members }) };
}

function readOne(records: Records, request: LoadRequest): DoctorSnapshot {
  const doctorId = request.doctorId!;
  const slots = records.slots.filter((s) => s.doctorId === doctorId).sort((a, b) => a.start - b.start);
  const places = new Map<string, TokenRecord[]>();
  for (const t of records.tokens) {
    if (t.doctorId !== doctorId || t.slotId === null || !isPlaceStatus(t.status)) continue;
    const held = places.get(t.slotId);
    if (held === undefined) places.set(t.slotId, [t]);
    else held.push(t);
  }
  const placesOf = (s: SlotRecord): TokenRecord[] => places.get(s.id) ?? [];
  const daySnapshot = (day: string): DaySnapshot => {
    const tokens = records.tokens.filter((t) => t.doctorId === doctorId && t.day === day);
    return {
      record: withHoldClaims({ ...emptyDayRecord(doctorId, day), lastTokenNumber: tokens.reduce((max, t) => Math.max(max, t.tokenNumber), 0) }, tokens),
      slots: slots.filter((s) => s.day === day).map((s) => ({ slot: s, places: placesOf(s) })),
      waitlist: tokens.filter((t) => t.status === 'WAITLISTED'),
    };
  };
  const window = request.schedule;
  // The window's slots, the first `limit` of them when it has a limit (as both stores read it).
  const inWindow = window === undefined ? undefined : slots.filter((s) => s.end > window.from && (window.to === undefined || s.start < window.to));
  const listed = window?.limit === undefined ? inWindow : inWindow?.slice(0, window.limit);
  return {
    doctor: records.doctors.find((d) => d.id === doctorId),
    days: new Map((request.days ?? []).map((day) => [day, daySnapshot(day)])),
    tokens: new Map(),
    slots: new Map(),
    schedule: listed?.map((s) => scheduleEntry(s, placesOf(s))),
    scheduleCut: listed !== undefined && listed.length < inWindow!.length,
    idempotency: undefined,
  };
}

/** A schedule entry as an adapter reports it: the slot, its places, and the earliest end among its holds. */
function scheduleEntry(slot: SlotRecord, places: readonly TokenRecord[]): ScheduleEntry {
  const ends = places.flatMap((t) => (t.status === 'HELD' && t.holdExpiresAt !== null ? [t.holdExpiresAt] : []));
  return { slot, occupancy: places.length, earliestClaimEnd: ends.length === 0 ? undefined : Math.min(...ends) };
}

/** Runs a command's decision over `records` as an adapter would, reading again on each `load`; also every request it made. */
export function decideOver<I, R>(
  command: { load(input: I, now: number): LoadRequest; decide(config: CoreConfig, snapshot: DoctorSnapshot, input: I, now: number): Decision<R> },
  options: CoreConfig,
  records: Records,
  input: I,
  now: number,
): { readonly decision: CommitDecision<R>; readonly requests: LoadRequest[] } {
  const requests = [command.load(input, now)];
  for (;;) {
    const decision = command.decide(options, read(records, requests.at(-1)!), input, now);
    if (decision.kind === 'commit') return { decision, requests };
    if (requests.length > 8) throw new Error('more than eight reads');
    requests.push(decision.request);
  }
}
