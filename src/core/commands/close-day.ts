import { changeToken, createToken, settleClaims } from '../claims.js';
import { OpdError } from '../../errors.js';
import type { UnseenStatus } from '../../events.js';
import { makeToken } from '../../model/make.js';
import { compareQueueOrder } from '../../model/queue.js';
import { isUsableSlot, type SlotRecord, type TokenRecord, tokenIdOf } from '../../model/records.js';
import { dueAt as dueAtOf } from '../../model/queue.js';
import type { Decision, DoctorSnapshot, LoadRequest } from '../../model/snapshot.js';
import { isUnseenStatus } from '../../model/status.js';
import type { Effect } from '../../types.js';
import { type Command, commit, doctorNotFound, heldToken, unchanged } from '../command.js';
import type { CoreConfig } from '../config.js';
import { protectionOf } from '../protection.js';
import * as ev from '../events.js';
import { promoteWaiting, settleBeforePlacing } from '../placement.js';
import { DayWork, Workspace } from '../workspace.js';
import { CARRIED, DAY_CLOSED } from '../cancel-reasons.js';

/** A doctor-day to close. */
export interface CloseDayInput {
  readonly doctorId: string;
  /** The local date, `YYYY-MM-DD`. */
  readonly day: string;
  /** The department to lock with the doctor ({@link closingDepartment}), if any. */
  readonly department?: string | undefined;
}

/**
 * The rule "when is a day over": at the end of its last `OPEN` slot; a day with no open slot (none
 * added yet, or a leave closed them all) at the end of the local day, since slots may still be
 * added or reopened until then. A closed slot takes nobody, so the open ones decide.
 */
export function dayOverAt(config: CoreConfig, day: string, slots: Iterable<SlotRecord>): number {
  let over: number | undefined;
  for (const slot of slots) if (slot.status === 'OPEN' && (over === undefined || slot.end > over)) over = slot.end;
  return over ?? config.dayStart(nextDate(day));
}

/** The calendar date after `day` (`YYYY-MM-DD`). */
function nextDate(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** The slots of a loaded doctor-day, none when the day was not loaded. */
function slotsOf(snapshot: DoctorSnapshot, day: string): SlotRecord[] {
  return (snapshot.days.get(day)?.slots ?? []).map((s) => s.slot);
}

/** Whether a loaded doctor-day holds a token a closing would end. */
export function hasUnseen(snapshot: DoctorSnapshot, day: string): boolean {
  const data = snapshot.days.get(day);
  if (data === undefined) return false;
  return data.waitlist.length > 0 || data.slots.some((s) => s.places.some((t) => isUnseenStatus(t.status)));
}

/** How many slots of the doctor's schedule a closing reads at a time, looking for the next day with slots. */
const SCHEDULE_PAGE = 200;

/**
 * What closing `day` must read before it decides, beyond the day itself: with `carryForward`,
 * the doctor's schedule from `now` (page by page while it finds no usable slot after `day`), then
 * the next day with a usable slot. `load` is the request to read next, else `next` is that day
 * (`undefined`: there is none, or nothing is carried).
 */
export function closingReads(
  config: CoreConfig,
  snapshot: DoctorSnapshot,
  doctorId: string,
  day: string,
  now: number,
): { readonly load?: LoadRequest; readonly next?: string } {
  if (!config.closeOut.carryForward) return {};
  const schedule = snapshot.schedule;
  if (schedule === undefined) return { load: { doctorId, days: [day], schedule: { from: now, limit: SCHEDULE_PAGE } } };
  const found = schedule.find((e) => e.slot.day > day && isUsableSlot(e.slot, now));
  if (found === undefined) {
    const last = schedule.at(-1);
    if (snapshot.scheduleCut === true && last !== undefined)
      return { load: { doctorId, days: [day], schedule: { from: Math.max(now, last.slot.end - 1), limit: SCHEDULE_PAGE } } };
    return {};
  }
  const next = found.slot.day;
  // A unit that locked the doctor's department (see closingDepartment) reads the colleagues'
  // next day too: a patient who holds a live token with one of them there is not carried beside it.
  const department = snapshot.department === undefined ? null : (snapshot.doctor?.department ?? null);
  const colleaguesRead = department === null || [...(snapshot.others?.values() ?? [])].every((other) => other.doctor === undefined || other.days.has(next));
  if (!snapshot.days.has(next) || !colleaguesRead) {
    // The same window again, so that the decision read with it finds the same day.
    const window = schedule.length === 0 ? { from: now } : { from: Math.max(now, schedule[0]!.slot.end - 1), limit: SCHEDULE_PAGE };
    return {
      load: {
        doctorId,
        days: [day, next],
        schedule: window,
        ...(department === null ? {} : { department: { name: department, each: { doctorId, days: [next] } } }),
      },
    };
  }
  return { next };
}

/**
 * The department a unit that may close a doctor's day locks from its start (a unit cannot lock
 * more doctors once it holds a lock): under the duplicate rule of the department's day and with
 * `carryForward`, the doctor's department, so that the closing can see whether a patient it
 * would carry already holds a token with a colleague on the next day; otherwise none.
 */
export function closingDepartment(config: CoreConfig, department: string | null | undefined): string | undefined {
  if (!config.closeOut.carryForward || config.duplicates?.scope !== 'department-day') return undefined;
  return department ?? undefined;
}

/** The first load of a unit that may close `day`: the day, and the department {@link closingDepartment} names, if any. */
export function closingLoad(input: { readonly doctorId: string; readonly day: string; readonly department?: string | undefined }): LoadRequest {
  const { doctorId, day, department } = input;
  return department === undefined ? { doctorId, days: [day] } : { doctorId, days: [day], department: { name: department, each: { doctorId, days: [day] } } };
}

/**
 * The doctor-days of `day` a patient carried there may already hold a token on, as the duplicate
 * rule's scope reaches: the doctor's own, and under `department-day` the colleagues' (read by
 * {@link closingReads}).
 */
function carryScope(ws: Workspace, next: DayWork): DayWork[] {
  const days = [next];
  for (const [id, other] of ws.snapshot.others ?? []) {
    const snapshot = other.days.get(next.day);
    if (id !== next.record.doctorId && snapshot !== undefined) days.push(new DayWork(snapshot));
  }
  return days;
}

/**
 * The rule "closing a day": every token of a day that is over still waiting, held, booked or
 * checked in and never seen ({@link isUnseenStatus}) ends exactly one way. A hold whose end has
 * passed ends by the hold rule first (`token:expired`, `hold-expired`). Then, emergencies first
 * and each in queue order, with `carryForward` and a next day with slots (`next`), the token is
 * carried there — `CANCELLED` (`cancelReason: 'carried'`) here, a new `WAITLISTED` token there
 * with a new number and label, keeping its category, rank, bump count, request time and due time,
 * `carriedFrom` naming it (`token:carried`) — unless its patient already holds a live token on
 * that day (the duplicate rule, {@link heldToken}); otherwise it expires, `CANCELLED`
 * (`cancelReason: 'day-closed'`, `token:expired` with `reason: 'day-closed'`). The next day is
 * settled before (holds that have ended released) and brought to rest after (promotions), and
 * `day:closed` sums up. A day with nothing left to end is left as it is (no event): closing again
 * changes nothing. Returns how many tokens it ended.
 */
export function closeOutDay(ws: Workspace, work: DayWork, next: DayWork | undefined): number {
  // The one claims step first: holds whose end has passed expire, leases whose end has passed return.
  settleClaims(ws, work);
  const unseen: TokenRecord[] = [...work.waitlist];
  for (let i = 0, n = work.slotCount; i < n; i++) for (const t of work.places(i)) if (isUnseenStatus(t.status)) unseen.push(t);
  if (unseen.length === 0) return 0;
  const urgent = new Set(unseen.filter((t) => protectionOf(ws, t) !== null));
  unseen.sort((a, b) => Number(urgent.has(b)) - Number(urgent.has(a)) || compareQueueOrder(a, b));
  if (next !== undefined) settleBeforePlacing(ws, next);
  const scope = next === undefined ? [] : carryScope(ws, next);
  let expired = 0;
  let carried = 0;
  for (const token of unseen) {
    const from = token.status as UnseenStatus;
    if (next !== undefined && heldToken(ws.config, ws.now, scope, token.patient.id) === undefined) {
      carry(ws, work, token, from, next);
      carried++;
    } else {
      changeToken(ws, work, token, { status: 'CANCELLED', slotId: null, waitingForSlotId: null, cancelReason: DAY_CLOSED });
      ev.expiredAtClose(ws, token, from);
      expired++;
    }
  }
  if (next !== undefined && carried > 0) promoteWaiting(ws, next);
  ev.dayClosed(ws, work.record.doctorId, work.day, expired, carried, carried > 0 ? next!.day : null);
  return expired + carried;
}

/** Carries `token` of a closed day onto `next` as a new waitlisted token (see {@link closeOutDay}). */
function carry(ws: Workspace, work: DayWork, token: TokenRecord, from: UnseenStatus, next: DayWork): void {
  const dueAt = dueAtOf(token, ws.config.dayStart);
  changeToken(ws, work, token, { status: 'CANCELLED', slotId: null, waitingForSlotId: null, cancelReason: CARRIED });
  const tokenNumber = next.nextTokenNumber();
  const { doctorId } = token;
  const day = next.day;
  const moved = makeToken({
    ...token,
    id: tokenIdOf(doctorId, day, tokenNumber),
    day,
    slotId: null,
    waitingForSlotId: null,
    status: 'WAITLISTED',
    tokenNumber,
    rank: ws.rankOf({ ...token, day, notBefore: null, dueAt }, token.bumpCount),
    placedAt: null,
    notBefore: null,
    idempotencyKey: null,
    cancelReason: null,
    updatedAt: ws.now,
    holdExpiresAt: null,
    label: ws.config.labelPrefix === null ? String(tokenNumber) : next.nextLabel(ws.config.labelPrefix(token.category)),
    carriedFrom: token.id,
    dueAt,
  });
  createToken(ws, next, moved);
  ev.carried(ws, token, from, moved);
}

/**
 * Closes a doctor-day by hand (`closeDay`): refused with `DAY_NOT_OVER` before the day is over
 * ({@link dayOverAt}); otherwise {@link closeOutDay}, reading the doctor's next day with slots
 * first when tokens are carried.
 */
export const closeDay: Command<CloseDayInput, Effect[]> = {
  load: closingLoad,
  decide(config, snapshot, { doctorId, day }, now) {
    if (snapshot.doctor === undefined) throw doctorNotFound(doctorId);
    const overAt = dayOverAt(config, day, slotsOf(snapshot, day));
    if (now < overAt) {
      throw new OpdError('DAY_NOT_OVER', `The day ${day} of doctor \`${doctorId}\` is not over before ${new Date(overAt).toISOString()}`, {
        details: { field: 'date', doctorId, day, overAt: new Date(overAt).toISOString() },
      });
    }
    return closeDue(config, snapshot, doctorId, day, now);
  },
};

/**
 * The closing of a doctor-day known to be over: nothing when nothing is left to end, else the
 * reads {@link closingReads} asks for, then {@link closeOutDay}. The sweep closes days by this too.
 */
export function closeDue(config: CoreConfig, snapshot: DoctorSnapshot, doctorId: string, day: string, now: number): Decision<Effect[]> {
  if (!hasUnseen(snapshot, day)) return unchanged([]);
  const reads = closingReads(config, snapshot, doctorId, day, now);
  if (reads.load !== undefined) return { kind: 'load', request: reads.load };
  const ws = new Workspace(config, snapshot, now);
  closeOutDay(ws, ws.day(day), reads.next === undefined ? undefined : ws.day(reads.next));
  return commit(ws, ws.events);
}
