/** What the scheduler's calls about doctors and their schedules take and answer: a doctor, slots, a rota, a retirement, a pause, a leave, closing a slot or a day, a capacity. */
import type { Doctor } from '../types.js';
import type { ActorOptions } from './inputs.js';
import type { Effect } from './views.js';

/** Input of {@link OpdScheduler.addDoctor}. */
export interface DoctorInput {
  /** Id to use; generated when omitted. */
  readonly id?: string | undefined;
  /** Display name. */
  readonly name: string;
  /** Specialization, such as `Cardiology`. */
  readonly specialization?: string | undefined;
  /** Minutes per consultation for this doctor; defaults to the scheduler's `consultMinutes`. */
  readonly consultMinutes?: number | undefined;
  /**
   * The department the doctor belongs to (an id such as `cardiology`: letters, digits, `.`, `_`,
   * `-`, `:`), so that `book({ department })` can choose among its doctors.
   */
  readonly department?: string | undefined;
  /**
   * The room the doctor sees patients in (at most 50 characters): where `callNext` and `recall`
   * send a patient when the call names no room.
   */
  readonly room?: string | undefined;
  /**
   * The system of medicine: `'allopathic'` or `'ayush'`.
   * @defaultValue `'allopathic'`
   */
  readonly system?: 'allopathic' | 'ayush' | undefined;
  /**
   * Whether the doctor runs a specialist OPD.
   * @defaultValue `false`
   */
  readonly specialist?: boolean | undefined;
}

/**
 * The changes of {@link OpdScheduler.updateDoctor}: at least one field. `null` clears an
 * optional field (the specialization, department, room, or `consultMinutes`, which then follows
 * the scheduler's `consultMinutes`); a field left out keeps its value.
 *
 * Estimated starts follow a new `consultMinutes` at once. A new department counts for every
 * booking by department, leave with `reassign` and retirement that starts after the change: the
 * patient's tokens with the doctor then count against the department's duplicate-booking rule,
 * and no longer against the old one's.
 */
export interface DoctorPatchInput {
  /** Display name. */
  readonly name?: string | undefined;
  /** Specialization, such as `Cardiology`, or `null` for none. */
  readonly specialization?: string | null | undefined;
  /** The department (an id, as in {@link DoctorInput.department}), or `null` for none. */
  readonly department?: string | null | undefined;
  /** The room (at most 50 characters), or `null` for none. */
  readonly room?: string | null | undefined;
  /**
   * Minutes per consultation (above 0, at most 1440), or `null` for the scheduler's default;
   * estimated starts follow at once.
   */
  readonly consultMinutes?: number | null | undefined;
  /** The system of medicine: `'allopathic'` or `'ayush'`. */
  readonly system?: 'allopathic' | 'ayush' | undefined;
  /** Whether the doctor runs a specialist OPD. */
  readonly specialist?: boolean | undefined;
}

/**
 * A doctor's retirement for {@link OpdScheduler.retireDoctor}: every open slot of the doctor from
 * `from` on closes as a leave closes them ({@link OpdScheduler.closeSlots}), and the doctor takes
 * nothing new from then on.
 *
 * Every open slot of the doctor that has not ended and ends after `from` closes exactly as a
 * leave's slots close (a leave from `from` to the end of the doctor's last slot): each displaced
 * patient moves once — with `reassign: 'department'` to the soonest place with a colleague, else,
 * since the doctor has no place left, onto the waitlist of their day or dropped, as the overflow
 * strategy says. In the same unit the doctor is marked retired: from `from` on, bookings, holds
 * and moves to the doctor, new slots and reopened slots reaching past `from` are refused with
 * `DOCTOR_RETIRED`. The doctor stays listed, with `retiredFrom`; tokens before `from` are kept.
 * Retiring a doctor already retired is refused with `DOCTOR_RETIRED` and changes nothing.
 */
export interface RetireInput extends ActorOptions {
  /** From when the doctor is retired: a `Date` or an ISO-8601 instant with an offset. */
  readonly from: Date | string;
  /** Why (stored with the doctor and reported in `doctor:retired` and `slot:closed`; no patient data). */
  readonly reason?: string | undefined;
  /**
   * Where displaced patients go, as for a leave ({@link LeaveInput.reassign}): omitted, the
   * doctor's own places (none are left after `from`, so the overflow strategy's waitlist or drop
   * on the patient's day); `'department'`, the soonest place with a colleague of the department.
   */
  readonly reassign?: 'department' | undefined;
  /** Return what would happen without changing anything. @defaultValue false */
  readonly dryRun?: boolean | undefined;
}

/** What {@link OpdScheduler.retireDoctor} returns: the doctor as retired, and the effects. */
export interface RetireResult {
  /** The doctor, with `retiredFrom` set. */
  readonly doctor: Doctor;
  /** `doctor:retired`, then what closing the slots caused (as {@link OpdScheduler.closeSlots} reports it). */
  readonly effects: Effect[];
}

/** One slot in the input of {@link OpdScheduler.addSlots}. */
export interface SlotInput {
  /** Id to use; generated when omitted. */
  readonly id?: string | undefined;
  /** Start, as a `Date` or an ISO-8601 string with an offset (`Z` or `±hh:mm`). */
  readonly start: Date | string;
  /** End, after `start`, at most 24 hours later; same formats as `start`. */
  readonly end: Date | string;
  /** Hard number of places: an integer ≥ 0. */
  readonly capacity: number;
  /**
   * Elastic places beyond `capacity` that a capacity strategy may grant: an integer ≥ 0.
   * @defaultValue the scheduler's `defaultOverflowCapacity` (2)
   */
  readonly overflowCapacity?: number | undefined;
}

/**
 * One weekly session of a rota in {@link RotaInput}: on `weekday`, slots of `slotMinutes` from
 * `start` to `end` (local times in the scheduler's time zone).
 */
export interface WeeklyRotaEntry {
  /** Day of the week, as ISO 8601: 1 = Monday … 7 = Sunday. */
  readonly weekday: number;
  /** Local start time `HH:MM` (24-hour clock). */
  readonly start: string;
  /** Local end time `HH:MM`, after `start` on the same day. */
  readonly end: string;
  /** Length of each slot in minutes: an integer ≥ 1 that divides the session (`end - start`). */
  readonly slotMinutes: number;
  /** Hard number of places of each slot: an integer ≥ 0. */
  readonly capacity: number;
  /**
   * Elastic places of each slot beyond `capacity`: an integer ≥ 0.
   * @defaultValue the scheduler's `defaultOverflowCapacity` (2)
   */
  readonly overflowCapacity?: number | undefined;
}

/**
 * Input of {@link OpdScheduler.addRecurringSlots}: a weekly rota between two local dates.
 *
 * Local times stay local across daylight-saving changes (09:00 is 09:00 in summer and winter); a
 * slot whose start or end does not exist on its date or occurs twice there (the hour the clocks
 * skip or repeat) is not created. Slot ids are derived from the doctor and the start, as
 * `addSlots` does without an id.
 *
 * Idempotent: running it again for the same rota (or one covering it) creates nothing twice —
 * slots the doctor already has with the same start and end are kept as they are (a closed one
 * stays closed, a changed capacity stays changed) and only the missing slots are created.
 */
export interface RotaInput {
  /** The weekly sessions; two sessions of the same weekday must not overlap. */
  readonly weekly: readonly WeeklyRotaEntry[];
  /** First local date `YYYY-MM-DD` (inclusive). */
  readonly from: string;
  /** Last local date `YYYY-MM-DD` (inclusive), at most 366 days after `from`. */
  readonly to: string;
  /** Local dates `YYYY-MM-DD` to skip (holidays). */
  readonly except?: readonly string[] | undefined;
}

/**
 * A doctor's pause ({@link OpdScheduler.pauseDoctor}): how long, and why.
 *
 * From now for `minutes`, nobody is called and no estimated start falls before the pause's end,
 * so the live estimates of the doctor's queue today move by the pause, and under the `notify`
 * option every waiting patient whose estimate moved far enough is told (`token:eta-changed`).
 * Nobody loses a place: no token is bumped, moved or waitlisted by a pause. A pause that reaches
 * past the end of the slot the doctor is in (or of any open slot whose whole rest it covers) is a
 * leave for that slot: the slot closes, and its booked patients move, exactly as
 * {@link OpdScheduler.closeSlots} closes a leave's slots (from now to the last such slot's end,
 * with the pause's reason); as a leave is, it is refused while a patient of that slot is checked
 * in or in consultation. A second pause while one has not ended is refused: resume first.
 *
 * @example
 * ```ts
 * import type { PauseOptions } from 'opd-scheduler';
 *
 * const tea: PauseOptions = { minutes: 15, reason: 'tea', actor: 'desk-1' };
 * console.log(tea.minutes); // 15
 * ```
 */
export interface PauseOptions extends ActorOptions {
  /** How long, in whole minutes: an integer from 1 to 720. */
  readonly minutes: number;
  /** Why (stored and reported in `doctor:paused`, and as the reason of a slot the pause closes; no patient data). */
  readonly reason?: string | undefined;
}

/** Options of {@link OpdScheduler.addRecurringSlots}. */
export interface RotaOptions extends ActorOptions {
  /**
   * Return the slots the rota would create (with the ids they would get) without creating them:
   * a preview to check a rota before writing it.
   * @defaultValue false
   */
  readonly dryRun?: boolean | undefined;
}

/**
 * Options of {@link OpdScheduler.closeSlot}. A slot closed by mistake opens again with
 * {@link OpdScheduler.reopenSlot}: patients displaced when it closed are not brought back — they
 * keep the place or waitlist entry they were given (and may have moved since); move them back by
 * hand if needed.
 */
export interface CloseSlotOptions extends ActorOptions {
  /** Why the slot closes, such as `doctor left`. */
  readonly reason?: string | undefined;
  /** Return what would happen without changing anything. @defaultValue false */
  readonly dryRun?: boolean | undefined;
}

/**
 * Options of {@link OpdScheduler.closeDay}, which closes a doctor-day that is over: once it has
 * begun and its last open slot has ended (a `sweep` closes it by itself once the grace period
 * has passed too, unless `closeOut.sweep` is `false`).
 *
 * Every token of the day still waiting (`WAITLISTED`), held (`HELD`), booked (`BOOKED`) or checked
 * in and never called into consultation (`CHECKED_IN`) ends exactly one way, emergencies first and
 * then in queue order: it expires, `CANCELLED` with `cancelReason: 'day-closed'` (`token:expired`,
 * `reason: 'day-closed'`); or, with the constructor option `closeOut: { carryForward: true }`, it
 * is carried onto the doctor's next day with a usable slot as a new `WAITLISTED` token
 * (`token:carried`, `toDay`, `toTokenId`; the old one `CANCELLED` with `cancelReason:
 * 'carried'`), keeping its category, rank, request time and due time, so that it comes before
 * later requests of its rank and its aging continues. A token whose patient already holds a live
 * token on that day, or with no later day with slots, expires. A patient in consultation is left
 * to the doctor. `day:closed` sums up. Closing a day again changes nothing (no event), and
 * neither does closing a day with nothing left to end.
 */
export interface CloseDayOptions extends ActorOptions {
  /** Return what closing the day would do without changing anything. @defaultValue false */
  readonly dryRun?: boolean | undefined;
}

/**
 * A doctor's leave for {@link OpdScheduler.closeSlots}: every open slot of the doctor that
 * overlaps `[from, to)` and has not ended closes in one unit of work, and each displaced patient
 * moves once.
 *
 * All the slots close first, so nobody is moved into a slot that is itself closing; then each
 * `BOOKED` place of a closed slot is displaced under the displacement rule of a closed slot,
 * emergencies first and then in queue order, day by day: to the first usable place after the
 * leave on the patient's day (a cascade, as `closeSlot` does for one slot); when that day has
 * none, to the doctor's first usable slot starting at or after `to` on a later day with a free
 * place (for an emergency, a free or elastic place; nobody is bumped there): a new token of that
 * day (its next number and label), the old one `CANCELLED` with `cancelReason: 'moved'`
 * (`token:moved`, as `move` does across days), where no later displaced patient's cascade bumps
 * them (only an emergency may, by the emergency rule); a later day where the patient already
 * holds a live token with the doctor is skipped. The later places are the doctor's slots starting
 * up to `horizonDays` (default 28) local days after `to`, at its local time of day (a later slot
 * of the same day is past the horizon), read as the search reaches them, in the same unit. Only
 * when no day has a place does the patient go onto the waitlist of their own day or get dropped,
 * as the overflow strategy says. Per-slot waitlist entries of the closed slots wait for the next
 * open slot. Slots already closed or ended are left alone.
 *
 * With `reassign: 'department'` the doctor's department is locked with the doctor (one unit over
 * its doctors), and each displaced patient goes instead to the soonest place with a colleague
 * when it is strictly sooner than the doctor's own. Every place is then a place in the
 * department, under a department booking's duplicate rule: a day (the doctor's own later day, or
 * a colleague's) on which the patient already holds a live token with any doctor of the
 * department is skipped, and the patient goes to the next place. Without `reassign`, a
 * `duplicates.scope` wider than the doctor-day locks and reads the department as well, for that
 * rule alone.
 */
export interface LeaveInput extends ActorOptions {
  /** Start of the leave (inclusive): a `Date` or an ISO-8601 instant with an offset. */
  readonly from: Date | string;
  /** End of the leave (exclusive), after `from` and at most 366 days later. */
  readonly to: Date | string;
  /** Why the slots close, such as `on leave` (stored and reported in `slot:closed`; no patient data). */
  readonly reason?: string | undefined;
  /** Return what would happen without changing anything. @defaultValue false */
  readonly dryRun?: boolean | undefined;
  /**
   * Where displaced patients go. Omitted: the doctor's own first usable place after the leave on
   * the patient's day, under the displacement rule of a closed slot, else the doctor's first free
   * place after the leave on a later day (a new token of that day; see `horizonDays`).
   * `'department'`: the soonest place with a colleague of the doctor's department (on the
   * patient's day from the slot lost, else on a later day; a free place, or for an emergency also
   * an elastic place; nobody is bumped at a colleague's), when it is strictly sooner than the
   * doctor's own first place after the leave; the patient then gets a token with that colleague
   * and the old one ends `CANCELLED` (`cancelReason: 'moved'`, event `token:moved`). Every
   * place is a place in the department: a day on which the patient already holds a live token
   * with any of its doctors is skipped (the duplicate rule of a department booking).
   * Needs a doctor with a department and a store that runs units over several doctors.
   */
  readonly reassign?: 'department' | undefined;
  /**
   * How far past the leave a displaced patient whose own day has no place left may be moved:
   * the doctor's slots (and, with `reassign`, the colleagues' slots) starting before `to` plus
   * this many local days (the same local time of day, this many dates later, whatever clock
   * change falls between) — a slot starting later takes nobody, even on a day whose first slots start
   * before that. `0` looks at no place past the leave: without `reassign` every
   * patient stays on their own day; with it, a colleague's slot on a later day that starts before
   * `to` (a leave running into the next day) may still take the patient. An integer from 0 to 366.
   * @defaultValue 28
   */
  readonly horizonDays?: number | undefined;
}

/**
 * Options of {@link OpdScheduler.setCapacity}. Lowering a capacity displaces the worst-ranked
 * `BOOKED` places beyond it; elastic places in use stay in use, and an emergency the slot still
 * grants an elastic place at the new capacity keeps its place (see docs/rules.md).
 */
export interface SetCapacityOptions extends ActorOptions {
  /** Return what would happen without changing anything. @defaultValue false */
  readonly dryRun?: boolean | undefined;
}
