import type { Category, Doctor, LateArrival } from './types.js';

/** Why a token lost its place without asking to. */
export type DisplacementReason = 'bumped' | 'slot-closed' | 'capacity-lowered';

/** Fields every event carries. */
export interface OpdEventBase<T extends string> {
  /** The event name. */
  readonly type: T;
  /**
   * Increasing number in storage order; `history({ after: seq })` resumes after it.
   * `0` in the effects of a dry run, which stores nothing.
   */
  readonly seq: number;
  /** When it happened (the scheduler's clock). */
  readonly at: Date;
  /** The doctor whose schedule changed. */
  readonly doctorId: string;
  /**
   * Who made the call that caused the event — a member of staff or a system, as the caller
   * named it with the call's `actor` option (for example `'desk-1'` or `'portal'`) — or `null`
   * when the call named nobody. Every event a call causes carries the call's actor, including
   * its consequences (bumps, cascades, promotions). It names staff, never a patient.
   */
  readonly actor: string | null;
}

/** Fields of events about one token. */
export interface TokenEventBase<T extends string> extends OpdEventBase<T> {
  /** The token. */
  readonly tokenId: string;
  /** Its token number. */
  readonly tokenNumber: number;
  /** Its label, the number shown to the patient and on display boards (`'7'`, `'E-1'`). */
  readonly label: string;
  /** Its local date, `YYYY-MM-DD`. */
  readonly day: string;
}

/**
 * The request that made a new token, as the call gave it, so that a replay of the history
 * (`opd-scheduler/lab`) can issue it again. It names no patient: a replay gives each token a
 * pseudonym.
 */
export interface RecordedRequest {
  /** The request channel. */
  readonly category: string;
  /** The slot asked for, or `null`. */
  readonly slotId: string | null;
  /** The local date asked for (`YYYY-MM-DD`), or `null`. */
  readonly date: string | null;
  /** The earliest start asked for, as an ISO 8601 instant, or `null`. */
  readonly after: string | null;
  /** For a hold, the minutes it lasts; `null` for a booking. */
  readonly holdMinutes: number | null;
}

/** A new token got a place. */
export interface TokenBookedEvent extends TokenEventBase<'token:booked'> {
  /** The slot of the place. */
  readonly slotId: string;
  /** The request channel. */
  readonly category: Category;
  /** Its rank. */
  readonly rank: number;
  /** Whether the place is an elastic one beyond capacity. */
  readonly overflow: boolean;
  /**
   * The request, when this event is the booking call's own (a new token); `null` when the token
   * got the place otherwise (brought back). Absent in events stored before requests were recorded.
   */
  readonly request?: RecordedRequest | null | undefined;
}

/** A token joined a waitlist: a new request that found no place, or a displaced token. */
export interface TokenWaitlistedEvent extends TokenEventBase<'token:waitlisted'> {
  /** Always `null`: a waitlisted token holds no place. */
  readonly slotId: null;
  /** On a per-slot waitlist, the slot it waits for; otherwise `null`. */
  readonly waitingForSlotId: string | null;
  /** The slot it was displaced from (or was waiting for, when that slot closed), or `null`. */
  readonly fromSlotId: string | null;
  /** `full` for a new request; otherwise why it was displaced. */
  readonly reason: 'full' | DisplacementReason;
  /**
   * The request, when this event is the booking call's own (a new token); otherwise `null`.
   * Absent in events stored before requests were recorded.
   */
  readonly request?: RecordedRequest | null | undefined;
}

/** A place was taken by a more urgent token; the token's fate follows in the next event for it. */
export interface TokenBumpedEvent extends TokenEventBase<'token:bumped'> {
  /** The slot it was bumped from. */
  readonly slotId: string;
  /** Same as `slotId`. */
  readonly fromSlotId: string;
  /** The token that took the place. */
  readonly byTokenId: string;
}

/** A displaced token moved to a later slot of the same day. */
export interface TokenCascadedEvent extends TokenEventBase<'token:cascaded'> {
  /** The slot it now holds a place in (same as `toSlotId`). */
  readonly slotId: string;
  /** The slot it left. */
  readonly fromSlotId: string;
  /** The slot it moved to. */
  readonly toSlotId: string;
  /** Why it was displaced. */
  readonly reason: DisplacementReason;
}

/**
 * A patient was moved to another place (`move`). Within one doctor-day the token keeps its id and
 * number; otherwise the patient got a new token in the new doctor-day (`tokenId`, `tokenNumber`,
 * `day`, `doctorId` are the new token's) and the old one (`fromTokenId`) ended `CANCELLED` with
 * `cancelReason: 'moved'`. Promotions into the place it left follow.
 */
export interface TokenMovedEvent extends TokenEventBase<'token:moved'> {
  /** The slot of the new place (same as `toSlotId`). */
  readonly slotId: string;
  /** The slot it left, or `null` when it was waitlisted. */
  readonly fromSlotId: string | null;
  /** The slot of the new place. */
  readonly toSlotId: string;
  /** The doctor it left. */
  readonly fromDoctorId: string;
  /** The doctor of the new place (same as `doctorId`). */
  readonly toDoctorId: string;
  /** The token it left: the same as `tokenId` within one doctor-day. */
  readonly fromTokenId: string;
  /** The local date it left. */
  readonly fromDay: string;
  /** Why, as given to `move`, or `null`. */
  readonly reason: string | null;
}

/** A waitlisted token got a place that became free. */
export interface TokenPromotedEvent extends TokenEventBase<'token:promoted'> {
  /** The slot of the new place. */
  readonly slotId: string;
  /** The slot it waited for on a per-slot waitlist, or `null`. */
  readonly fromSlotId: string | null;
}

/** A displaced token had nowhere to go and was dropped (the policy drops). */
export interface TokenDroppedEvent extends TokenEventBase<'token:dropped'> {
  /** Always `null`. */
  readonly slotId: null;
  /** The slot it was displaced from. */
  readonly fromSlotId: string;
  /** Why it was displaced. */
  readonly reason: DisplacementReason;
}

/**
 * An emergency (a token its overflow strategy protects) ended a call waiting without a place:
 * booked onto the waitlist, or displaced onto it, while no usable slot of its doctor's day had a
 * free place, an elastic place or a place it could bump. It is placed as soon as room appears.
 */
export interface EmergencyUnplacedEvent extends TokenEventBase<'emergency:unplaced'> {}

/** A token was cancelled. */
export interface TokenCancelledEvent extends TokenEventBase<'token:cancelled'> {
  /** The slot whose place it freed, or `null` if it was waitlisted. */
  readonly slotId: string | null;
  /** The reason given, or `null`. */
  readonly reason: string | null;
}

/** A booked token was marked as a no-show. */
export interface TokenNoShowEvent extends TokenEventBase<'token:no-show'> {
  /** The slot whose place it freed. */
  readonly slotId: string;
  /** `manual` for {@link OpdScheduler.markNoShow}, `sweep` for {@link OpdScheduler.sweep}. */
  readonly reason: 'manual' | 'sweep';
}

/** A patient checked in. */
export interface TokenCheckedInEvent extends TokenEventBase<'token:checked-in'> {
  /** The slot of the place. */
  readonly slotId: string;
}

/** A consultation started. */
export interface TokenConsultationStartedEvent extends TokenEventBase<'token:consultation-started'> {
  /** The slot of the place. */
  readonly slotId: string;
}

/** A consultation was completed. */
export interface TokenCompletedEvent extends TokenEventBase<'token:completed'> {
  /** The slot of the place. */
  readonly slotId: string;
}

/** A place was held for a patient until `holdExpiresAt` (pay, then confirm). */
export interface TokenHeldEvent extends TokenEventBase<'token:held'> {
  /** The slot of the held place. */
  readonly slotId: string;
  /** The request channel. */
  readonly category: Category;
  /** Its rank. */
  readonly rank: number;
  /** When the hold ends unless confirmed. */
  readonly holdExpiresAt: Date;
  /** The request that made the hold; absent in events stored before requests were recorded. */
  readonly request?: RecordedRequest | null | undefined;
}

/** A hold was confirmed: the token is `BOOKED` in the same place. */
export interface TokenConfirmedEvent extends TokenEventBase<'token:confirmed'> {
  /** The slot of the place. */
  readonly slotId: string;
}

/**
 * A hold was given up before it ended: released by the caller (`released`) or because its slot
 * closed (`slot-closed`). The token is `CANCELLED`; promotions into the freed place follow.
 */
export interface TokenReleasedEvent extends TokenEventBase<'token:released'> {
  /** The slot whose place it freed. */
  readonly slotId: string;
  /** Why the hold ended. */
  readonly reason: 'released' | 'slot-closed';
}

/**
 * A hold reached `holdExpiresAt` unconfirmed and a sweep released it. The token is
 * `CANCELLED`; promotions into the freed place follow.
 */
export interface TokenExpiredEvent extends TokenEventBase<'token:expired'> {
  /** The slot whose place it freed. */
  readonly slotId: string;
  /** When the hold ended. */
  readonly holdExpiresAt: Date;
}

/** A checked-in patient was called to see the doctor (by `callNext`, or again by `recall`). */
export interface TokenCalledEvent extends TokenEventBase<'token:called'> {
  /** The slot of the place. */
  readonly slotId: string;
  /** Where to go, as the caller named it, or `null`. */
  readonly room: string | null;
  /** `true` when the patient was called again with `recall`. */
  readonly recall: boolean;
}

/**
 * A `NO_SHOW` or `CANCELLED` token of today was brought back (a late arrival, a mistaken
 * cancellation); where it went follows (`token:booked` or `token:waitlisted`, then any bumps).
 */
export interface TokenReinstatedEvent extends TokenEventBase<'token:reinstated'> {
  /** The status it came back from. */
  readonly fromStatus: 'NO_SHOW' | 'CANCELLED';
  /** The late-arrival rule it was placed under. */
  readonly lateArrival: LateArrival;
}

/** The leave (`closeSlots`) a slot was closed by, as `slot:closed` records it. */
export interface SlotLeave {
  /** The start of the leave, as an ISO 8601 instant. */
  readonly from: string;
  /** Its end, as an ISO 8601 instant. */
  readonly to: string;
  /** `'department'` when displaced patients were reassigned to colleagues, else `null`. */
  readonly reassign: 'department' | null;
}

/** A slot was closed; the fate of each displaced token follows. */
export interface SlotClosedEvent extends OpdEventBase<'slot:closed'> {
  /** The slot. */
  readonly slotId: string;
  /** Its local date. */
  readonly day: string;
  /** The reason given, or `null`. */
  readonly reason: string | null;
  /**
   * The leave that closed it (a doctor's `closeSlots`, or a retirement), or `null` for
   * `closeSlot`. Absent in events stored before leaves were recorded.
   */
  readonly leave?: SlotLeave | null | undefined;
}

/**
 * A closed slot was reopened (it had been closed by mistake); promotions into it follow.
 * Patients displaced when it closed are not brought back.
 */
export interface SlotReopenedEvent extends OpdEventBase<'slot:reopened'> {
  /** The slot. */
  readonly slotId: string;
  /** Its local date. */
  readonly day: string;
}

/** A slot's capacity changed; promotions or the fate of each displaced token follow. */
export interface SlotCapacityChangedEvent extends OpdEventBase<'slot:capacity-changed'> {
  /** The slot. */
  readonly slotId: string;
  /** Its local date. */
  readonly day: string;
  /** The capacity before. */
  readonly previousCapacity: number;
  /** The capacity now. */
  readonly capacity: number;
}

/** The fields of a doctor that {@link OpdScheduler.updateDoctor} changes. */
export type DoctorField = 'name' | 'specialization' | 'department' | 'room' | 'consultMinutes';

/** One changed field of a doctor: its value before and after. */
export interface DoctorFieldChange<T> {
  /** The value before the change. */
  readonly before: T;
  /** The value after the change. */
  readonly after: T;
}

/** The fields a `doctor:updated` changed, each with its value before and after; the others are absent. */
export type DoctorChanges = { readonly [K in DoctorField]?: DoctorFieldChange<Doctor[K]> };

/** A doctor's name, specialization, department, room or minutes per consultation changed. */
export interface DoctorUpdatedEvent extends OpdEventBase<'doctor:updated'> {
  /** The fields that changed (at least one), each with its value before and after. */
  readonly changes: DoctorChanges;
}

/**
 * A doctor retired: from `retiredFrom` on, the doctor takes no booking, hold or new slot. The
 * `slot:closed` of each slot it closed, and the fate of each displaced token, follow.
 */
export interface DoctorRetiredEvent extends OpdEventBase<'doctor:retired'> {
  /** From when the doctor is retired. */
  readonly retiredFrom: Date;
  /** The reason given, or `null`. */
  readonly reason: string | null;
  /** Where displaced patients were sent: `'department'` to colleagues, or `null` (the doctor's own rules). */
  readonly reassign: 'department' | null;
}

/** Every event by name. */
export interface OpdEventMap {
  /** A new token got a place. */
  'token:booked': TokenBookedEvent;
  /** A token joined a waitlist. */
  'token:waitlisted': TokenWaitlistedEvent;
  /** A place was taken by a more urgent token. */
  'token:bumped': TokenBumpedEvent;
  /** A displaced token moved to a later slot. */
  'token:cascaded': TokenCascadedEvent;
  /** A patient was moved to another place. */
  'token:moved': TokenMovedEvent;
  /** A waitlisted token got a place. */
  'token:promoted': TokenPromotedEvent;
  /** A displaced token had nowhere to go. */
  'token:dropped': TokenDroppedEvent;
  /** An emergency ended a call waiting without a place. */
  'emergency:unplaced': EmergencyUnplacedEvent;
  /** A token was cancelled. */
  'token:cancelled': TokenCancelledEvent;
  /** A booked token was marked as a no-show. */
  'token:no-show': TokenNoShowEvent;
  /** A patient checked in. */
  'token:checked-in': TokenCheckedInEvent;
  /** A consultation started. */
  'token:consultation-started': TokenConsultationStartedEvent;
  /** A consultation was completed. */
  'token:completed': TokenCompletedEvent;
  /** A place was held until a deadline. */
  'token:held': TokenHeldEvent;
  /** A hold was confirmed. */
  'token:confirmed': TokenConfirmedEvent;
  /** A hold was released before its end. */
  'token:released': TokenReleasedEvent;
  /** A hold ended unconfirmed. */
  'token:expired': TokenExpiredEvent;
  /** A patient was called. */
  'token:called': TokenCalledEvent;
  /** A token was brought back. */
  'token:reinstated': TokenReinstatedEvent;
  /** A slot was closed. */
  'slot:closed': SlotClosedEvent;
  /** A closed slot was reopened. */
  'slot:reopened': SlotReopenedEvent;
  /** A slot's capacity changed. */
  'slot:capacity-changed': SlotCapacityChangedEvent;
  /** A doctor's details changed. */
  'doctor:updated': DoctorUpdatedEvent;
  /** A doctor retired. */
  'doctor:retired': DoctorRetiredEvent;
}

/** The name of an event. */
export type OpdEventType = keyof OpdEventMap;

/** Every event name, in a stable order. */
export const OPD_EVENT_TYPES = [
  'token:booked',
  'token:waitlisted',
  'token:bumped',
  'token:cascaded',
  'token:promoted',
  'token:dropped',
  'emergency:unplaced',
  'token:cancelled',
  'token:no-show',
  'token:checked-in',
  'token:consultation-started',
  'token:completed',
  'slot:closed',
  'slot:capacity-changed',
  'slot:reopened',
  'token:held',
  'token:confirmed',
  'token:released',
  'token:expired',
  'token:called',
  'token:reinstated',
  'token:moved',
  'doctor:updated',
  'doctor:retired',
] as const satisfies readonly OpdEventType[];

/** Any event. Narrow on `type`. */
export type OpdEvent = OpdEventMap[OpdEventType];

/**
 * The listeners of {@link OpdScheduler}, one per event name. Events are emitted only after the
 * change is stored, in causal order, with increasing `seq`; the same objects appear in the
 * `effects` of the call that caused them and are kept in `history()`.
 *
 * @example
 * ```ts
 * import { OpdScheduler, type OpdEvent } from 'opd-scheduler';
 *
 * // Your SMS gateway and display board:
 * declare const sms: { send(tokenId: string, text: string): void };
 * declare const board: { update(event: OpdEvent): void };
 * const opd = new OpdScheduler();
 * opd.on('token:bumped', (e) => sms.send(e.tokenId, `moved from ${e.fromSlotId}`));
 * opd.on('event', (e) => board.update(e));
 * ```
 */
export interface OpdEvents {
  /** A new token got a place. */
  'token:booked': (event: TokenBookedEvent) => void;
  /** A token joined a waitlist (a new request without a place, or a displaced token). */
  'token:waitlisted': (event: TokenWaitlistedEvent) => void;
  /** A place was taken by a more urgent token; its fate follows. */
  'token:bumped': (event: TokenBumpedEvent) => void;
  /** A displaced token moved forward to a later slot. */
  'token:cascaded': (event: TokenCascadedEvent) => void;
  /** A patient was moved to another place (another slot, day or doctor); promotions into the place it left follow. */
  'token:moved': (event: TokenMovedEvent) => void;
  /** A waitlisted token got a place. */
  'token:promoted': (event: TokenPromotedEvent) => void;
  /** A displaced token had nowhere to go. */
  'token:dropped': (event: TokenDroppedEvent) => void;
  /**
   * An emergency ended a call waiting without a place (booked onto the waitlist or displaced
   * onto it) because no usable slot of its day had room for it; once per token per call, after
   * the call's other events. Page the duty doctor: the scheduler places it as soon as room appears.
   */
  'emergency:unplaced': (event: EmergencyUnplacedEvent) => void;
  /** A token was cancelled. */
  'token:cancelled': (event: TokenCancelledEvent) => void;
  /** A booked token was marked as a no-show. */
  'token:no-show': (event: TokenNoShowEvent) => void;
  /** A patient checked in. */
  'token:checked-in': (event: TokenCheckedInEvent) => void;
  /** A consultation started. */
  'token:consultation-started': (event: TokenConsultationStartedEvent) => void;
  /** A consultation was completed. */
  'token:completed': (event: TokenCompletedEvent) => void;
  /** A place was held for a patient until `holdExpiresAt`. */
  'token:held': (event: TokenHeldEvent) => void;
  /** A hold was confirmed: the token is `BOOKED`. */
  'token:confirmed': (event: TokenConfirmedEvent) => void;
  /** A hold was released (by the caller, or its slot closed); promotions follow. */
  'token:released': (event: TokenReleasedEvent) => void;
  /** A hold ended unconfirmed, found by a sweep; promotions follow. */
  'token:expired': (event: TokenExpiredEvent) => void;
  /** A checked-in patient was called (`recall: true` when called again), with the room. */
  'token:called': (event: TokenCalledEvent) => void;
  /** A no-show or cancelled token of today was brought back; where it went follows. */
  'token:reinstated': (event: TokenReinstatedEvent) => void;
  /** A slot was closed; the fate of each displaced token follows. */
  'slot:closed': (event: SlotClosedEvent) => void;
  /** A closed slot was reopened; promotions into it follow. */
  'slot:reopened': (event: SlotReopenedEvent) => void;
  /** A slot's capacity changed; promotions or displacements follow. */
  'slot:capacity-changed': (event: SlotCapacityChangedEvent) => void;
  /** A doctor's details changed (`changes` names each field, before and after); estimates follow a new `consultMinutes` at once. */
  'doctor:updated': (event: DoctorUpdatedEvent) => void;
  /** A doctor retired; the `slot:closed` of each slot closed and the fate of each displaced token follow. */
  'doctor:retired': (event: DoctorRetiredEvent) => void;
  /** Every event above, after its own listeners (for boards and audit trails). */
  event: (event: OpdEvent) => void;
  /**
   * A listener threw. The call that caused the event has already succeeded and the other
   * listeners still ran. Without an `error` listener (or when one throws in turn), the scheduler
   * emits one process warning (`OpdSchedulerWarning`, code `OPD_LISTENER_FAILED`) naming the
   * event and the error's class, never its message; later errors of that scheduler are not
   * reported. The process is never brought down by a listener's error.
   *
   * Also an `OpdError` `STORAGE_FAILURE` (`details.adapter` names the adapter) when the storage
   * adapter's `subscribe` delivered something other than an event of a known type, which was
   * dropped; without an `error` listener, one process warning, code `OPD_EVENT_DROPPED`.
   */
  error: (error: unknown) => void;
}
