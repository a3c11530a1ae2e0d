import type { Category, Doctor, LateArrival } from './types.js';

/** Why a token lost its place without asking to. */
export type DisplacementReason = 'bumped' | 'slot-closed' | 'capacity-lowered';

/**
 * Which rule gave a new token its place (`token:booked`): a free place of its slot
 * (`free-place`), an elastic place beyond capacity (`elastic-place`), the place of a worse-ranked
 * token it bumped (`bump`), or a free place of a later slot because its slot was full
 * (`next-slot`).
 */
export type PlacementRule = 'free-place' | 'elastic-place' | 'bump' | 'next-slot';

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
  /** The facility (the scheduler's option `facilityId`; `'default'` without it). */
  readonly facilityId: string;
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
  /** Which rule gave the place (what {@link OpdScheduler.explain} reads). */
  readonly rule: PlacementRule;
  /** With `next-slot`: the slot asked for (or chosen first) that had no place for it; else `null`. */
  readonly fullSlotId: string | null;
  /**
   * The name of the quota strategy that counted that slot as full for the token's category
   * (`fullSlotId`, or the slot of a bump), or `null` when no quota refused it.
   */
  readonly quota: string | null;
  /** With `bump`: the token whose place it took; else `null`. */
  readonly bumpedTokenId: string | null;
  /** With `bump`: that token's rank, strictly worse than `rank`; else `null`. */
  readonly bumpedRank: number | null;
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
  /** Its rank. */
  readonly rank: number;
  /** For `full`: the slot asked for (or chosen) that had no place for it, or `null` when none was usable. */
  readonly fullSlotId: string | null;
  /** For `full`: the name of the quota strategy that counted that slot as full for the token's category, or `null`. */
  readonly quota: string | null;
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
  /** The bumped token's rank (compared with `byRank`: strictly worse). */
  readonly rank: number;
  /** The rank of the token that took the place. */
  readonly byRank: number;
  /** The category of the token that took the place (for example `EMERGENCY`). */
  readonly byCategory: Category;
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
 * A token ended unserved by time, `CANCELLED` with the `reason` as its `cancelReason`:
 * `'hold-expired'`, a hold that reached `holdExpiresAt` unconfirmed (promotions into the freed
 * place follow); `'day-closed'`, a token its day's closing ended (`closeDay`, or a sweep once the
 * day is over): waiting, booked or checked in and never seen.
 */
export interface TokenExpiredEvent extends TokenEventBase<'token:expired'> {
  /**
   * The slot whose place it freed; `null` for a waitlisted token a day's closing ended. (Always
   * a slot id in events stored before days could be closed.)
   */
  readonly slotId: string | null;
  /** When the hold ended; `null` for a token that was not a hold. */
  readonly holdExpiresAt: Date | null;
  /**
   * Why it expired: `'hold-expired'` or `'day-closed'`. Events stored before days could be
   * closed have none (they are all holds).
   */
  readonly reason: ExpiryReason;
  /** For `'day-closed'`, the status the token had when its day closed; `'HELD'` for a hold. */
  readonly fromStatus: UnseenStatus;
}

/** Why a token expired: see {@link TokenExpiredEvent}. */
export type ExpiryReason = 'hold-expired' | 'day-closed';

/**
 * The statuses of a token that a day's closing ends, "never seen": waiting (`WAITLISTED`), held
 * (`HELD`), booked (`BOOKED`) or checked in and never called into consultation (`CHECKED_IN`). A
 * token `IN_CONSULTATION` is being seen and is left to its doctor.
 */
export type UnseenStatus = 'WAITLISTED' | 'HELD' | 'BOOKED' | 'CHECKED_IN';

/**
 * A day was closed and the patient, never seen, carried onto the doctor's next day with slots
 * (`closeOut: { carryForward: true }`): this token (the one of the closed day) is `CANCELLED`
 * (`cancelReason: 'carried'`), and a new `WAITLISTED` token of `toDay`, `toTokenId`, keeps its
 * category, rank, request time and due time (so it comes before later requests of its rank, and
 * its aging continues), with `carriedFrom` naming this token. Promotions on `toDay` may follow.
 */
export interface TokenCarriedEvent extends TokenEventBase<'token:carried'> {
  /** The slot of the place it left, or `null` (it was waiting). */
  readonly slotId: string | null;
  /** The status it had on the closed day. */
  readonly fromStatus: UnseenStatus;
  /** The day it was carried to, `YYYY-MM-DD`. */
  readonly toDay: string;
  /** The new token on `toDay`. */
  readonly toTokenId: string;
  /** The new token's number. */
  readonly toTokenNumber: number;
  /** The new token's label. */
  readonly toLabel: string;
}

/**
 * A doctor-day was closed (`closeDay`, or a sweep once its last open slot ended and the grace
 * period passed): every token of it still waiting, held, booked or checked in and never seen
 * ended, each by its own `token:expired` (`reason: 'day-closed'`) or `token:carried`, listed
 * before this summary. A day with nothing left to end is not closed again (no event).
 */
export interface DayClosedEvent extends OpdEventBase<'day:closed'> {
  /** The closed day, `YYYY-MM-DD`. */
  readonly day: string;
  /** Tokens that expired (`token:expired`, `reason: 'day-closed'`). */
  readonly expired: number;
  /** Tokens carried to `toDay` (`token:carried`). */
  readonly carried: number;
  /** The day tokens were carried to, or `null` when none was. */
  readonly toDay: string | null;
}

/**
 * A freed place was offered to the token's patient, who must accept it (`acceptOffer(offerId)`)
 * before `expiresAt`; the first candidate to accept takes it. Send the SMS from this event.
 */
export interface TokenOfferedEvent extends TokenEventBase<'token:offered'> {
  /** The slot of the place offered. */
  readonly slotId: string;
  /** The id the patient answers with. */
  readonly offerId: string;
  /** When the offer lapses unanswered. */
  readonly expiresAt: Date;
  /** The group of candidates it belongs to, from 1. */
  readonly round: number;
}

/**
 * The token's patient accepted an offer and took the place (`token:promoted` for a waitlisted
 * token, `token:moved` for a booked one follows).
 */
export interface TokenOfferAcceptedEvent extends TokenEventBase<'token:offer-accepted'> {
  /** The slot of the place taken. */
  readonly slotId: string;
  /** The offer accepted. */
  readonly offerId: string;
  /** The slot the token leaves (a booked patient pulled forward), or `null` for a waitlisted one. */
  readonly fromSlotId: string | null;
}

/** The token's patient declined an offer; the token keeps what it had. */
export interface TokenOfferDeclinedEvent extends TokenEventBase<'token:offer-declined'> {
  /** The slot of the place offered. */
  readonly slotId: string;
  /** The offer declined. */
  readonly offerId: string;
}

/**
 * An offer ended unanswered: another candidate took the place (`taken`) or its window passed
 * (`expired`). The token keeps what it had.
 */
export interface TokenOfferLapsedEvent extends TokenEventBase<'token:offer-lapsed'> {
  /** The slot of the place offered. */
  readonly slotId: string;
  /** The offer that lapsed. */
  readonly offerId: string;
  /** Why it ended. */
  readonly reason: 'taken' | 'expired';
}

/**
 * An offer was withdrawn because the place went elsewhere: an emergency took it, its slot closed,
 * or its capacity was lowered. The token keeps what it had.
 */
export interface TokenOfferWithdrawnEvent extends TokenEventBase<'token:offer-withdrawn'> {
  /** The slot of the place offered. */
  readonly slotId: string;
  /** The offer withdrawn. */
  readonly offerId: string;
  /** Why. */
  readonly reason: 'emergency' | 'slot-closed' | 'capacity-lowered';
  /** The emergency that took the place, or `null`. */
  readonly byTokenId: string | null;
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
 * A waiting patient's turn is near (the `notify.turnNear` option): at most `positions` calls
 * away in the order patients will be called, or the estimated start at most `minutes` away.
 * Sent once per token, by the call that brought the turn near (a check-in, a call, a
 * completion, a cancellation, a sweep). No patient data.
 */
export interface TokenTurnNearEvent extends TokenEventBase<'token:turn-near'> {
  /** The slot of the place. */
  readonly slotId: string;
  /** The token's turn among the doctor-day's waiting places, 1 for the next to be called. */
  readonly position: number;
  /** The estimated start when the notice was sent. */
  readonly estimatedStart: Date;
}

/**
 * A waiting patient's estimated start moved by at least `notify.etaChangedMinutes` since the
 * patient was last told (the estimate given when the token got its place, or by the last
 * `token:eta-changed`): never sent for a smaller change. No patient data.
 */
export interface TokenEtaChangedEvent extends TokenEventBase<'token:eta-changed'> {
  /** The slot of the place. */
  readonly slotId: string;
  /** The estimated start now. */
  readonly estimatedStart: Date;
  /** The estimated start the patient was last told of. */
  readonly previousEstimate: Date;
  /** Minutes from the previous estimate to the new one, rounded (positive: later). */
  readonly changeMinutes: number;
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

/**
 * The patient data of a token was erased: its `patient` (and that of the stored result of its
 * idempotency key) was replaced by the tombstone, by `erasePatient` or by `purge` under the
 * retention option. Carries no patient data; the token's id, number, day, status and times stay.
 */
export interface PatientErasedEvent extends TokenEventBase<'patient:erased'> {
  /** The reason given to `erasePatient`, or `null` (always `null` for a purge). */
  readonly reason: string | null;
  /** `'request'` for `erasePatient`, `'retention'` for `purge`. */
  readonly by: 'request' | 'retention';
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
  /** A waiting patient's turn is near. */
  'token:turn-near': TokenTurnNearEvent;
  /** A waiting patient's estimated start moved. */
  'token:eta-changed': TokenEtaChangedEvent;
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
  /** A freed place was offered. */
  'token:offered': TokenOfferedEvent;
  /** An offer was accepted. */
  'token:offer-accepted': TokenOfferAcceptedEvent;
  /** An offer was declined. */
  'token:offer-declined': TokenOfferDeclinedEvent;
  /** An offer lapsed unanswered. */
  'token:offer-lapsed': TokenOfferLapsedEvent;
  /** An offer was withdrawn. */
  'token:offer-withdrawn': TokenOfferWithdrawnEvent;
  /** A token of a closed day was carried to a later day. */
  'token:carried': TokenCarriedEvent;
  /** A doctor-day was closed. */
  'day:closed': DayClosedEvent;
  /** A token's patient data was erased. */
  'patient:erased': PatientErasedEvent;
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
  'token:offered',
  'token:offer-accepted',
  'token:offer-declined',
  'token:offer-lapsed',
  'token:offer-withdrawn',
  'token:carried',
  'day:closed',
  'patient:erased',
  'token:turn-near',
  'token:eta-changed',
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
  /**
   * A token ended unserved by time: a hold unconfirmed at its end (`reason: 'hold-expired'`,
   * found by a sweep or a call on its day; promotions follow), or a token its day's closing
   * ended (`reason: 'day-closed'`).
   */
  'token:expired': (event: TokenExpiredEvent) => void;
  /** A checked-in patient was called (`recall: true` when called again), with the room. */
  'token:called': (event: TokenCalledEvent) => void;
  /** A no-show or cancelled token of today was brought back; where it went follows. */
  'token:reinstated': (event: TokenReinstatedEvent) => void;
  /** A waiting patient's turn is near (`notify.turnNear`); once per token. */
  'token:turn-near': (event: TokenTurnNearEvent) => void;
  /** A waiting patient's estimated start moved by at least `notify.etaChangedMinutes` since last told. */
  'token:eta-changed': (event: TokenEtaChangedEvent) => void;
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
  /** A freed place was offered to the token's patient: answer with `acceptOffer(offerId)` before `expiresAt`. */
  'token:offered': (event: TokenOfferedEvent) => void;
  /** An offer was accepted: the token took the place (`token:promoted` or `token:moved` follows). */
  'token:offer-accepted': (event: TokenOfferAcceptedEvent) => void;
  /** An offer was declined; the token keeps what it had. */
  'token:offer-declined': (event: TokenOfferDeclinedEvent) => void;
  /** An offer lapsed: another candidate took the place, or its window passed. */
  'token:offer-lapsed': (event: TokenOfferLapsedEvent) => void;
  /** An offer was withdrawn: an emergency, a closing or a capacity change took the place. */
  'token:offer-withdrawn': (event: TokenOfferWithdrawnEvent) => void;
  /** A token of a closed day was carried onto the doctor's next day with slots, as a new waitlisted token (`toTokenId`). */
  'token:carried': (event: TokenCarriedEvent) => void;
  /** A doctor-day was closed; its `token:expired` and `token:carried` events came before, this sums them up. */
  'day:closed': (event: DayClosedEvent) => void;
  /** A token's patient data was erased (`erasePatient`, or `purge` under the retention option); one event per token, no patient data. */
  'patient:erased': (event: PatientErasedEvent) => void;
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
