/** A visit as a journey through the facility's service points: the options, calls and views. */
import type { ActorOptions } from './inputs.js';

/**
 * A place in the facility where patients queue on their visit (the constructor option
 * `servicePoints`): a registration counter, a vitals station, a lab, an X-ray room, a pharmacy.
 * A point of kind `'doctor'` with a `department` makes that department's queue pooled: patients
 * booked to the department (`book({ department })`) may be called by whichever of its doctors
 * is free (`callNext({ department, doctorId })`).
 */
export interface ServicePoint {
  /** Unique id (`'vitals-opd'`), at most 64 characters. */
  readonly id: string;
  /** What it is (`'registration'`, `'vitals'`, `'lab'`, `'doctor'`), at most 32 characters: the stages of routes name kinds. */
  readonly kind: string;
  /** The department it serves, or absent for the whole facility. */
  readonly department?: string | undefined;
  /** The rooms or counters it calls patients to (`['Vitals 1', 'Vitals 2']`), at most 20 of at most 50 characters. */
  readonly rooms?: readonly string[] | undefined;
}

/**
 * Named visit routes (the constructor option `routes`): each a sequence of service-point kinds,
 * `'doctor'` meaning the token's own doctor, e.g. `{ 'with-lab': ['registration', 'vitals',
 * 'doctor', 'lab', 'doctor'] }`. A token checked in with `{ route }` starts at the route's first
 * stage and is forwarded along it.
 */
export type Routes = Readonly<Record<string, readonly string[]>>;

/** Options of {@link OpdScheduler.checkIn}. */
export interface CheckInOptions extends ActorOptions {
  /**
   * The route of the visit (a name of the option `routes`): the patient starts in the queue of
   * its first stage. Without it the patient waits for the doctor, as always, and may still be
   * forwarded to any service point.
   */
  readonly route?: string | undefined;
}

/**
 * Options of {@link OpdScheduler.forward}: from the doctor to the lab, from vitals to the doctor,
 * from the lab back to the doctor. The token keeps its id, number, place, category and due
 * time, and waits in exactly one queue; on a route it reaches the first later stage of the
 * target's kind. A patient who saw the doctor and is sent back re-enters the doctor's queue where
 * the `reentry` policy says (`new ReturnAhead({ maxPassed })` by default: next, after emergencies
 * and anyone already called) — never as a new booking, never as a duplicate.
 */
export interface ForwardOptions extends ActorOptions {
  /**
   * Where the patient goes next: a service point's id, or a kind (`'lab'`, `'doctor'`) — the
   * point of that kind serving the token's department, `'doctor'` being the token's own doctor
   * (or its department's pooled queue). On a route, a later stage of it.
   */
  readonly to: string;
  /** Why (`'CBC ordered'`), at most 200 characters; never patient data. */
  readonly reason?: string | undefined;
}

/**
 * Whom {@link OpdScheduler.callNext} calls for, besides a doctor by id: a service point's queue
 * (`{ servicePoint }`), or a pooled department's queue for one of its doctors (`{ department,
 * doctorId }`).
 *
 * For a doctor by id, the next patient of the doctor's day (today, by the clock; first the slots
 * of the day before still running, a night session past midnight, unless today's first is an
 * emergency): an emergency checked in first, from any slot, in every call order; then the first
 * `CHECKED_IN` place in queue order, slot by slot in time order — or, with the `callOrder` option,
 * in that order. The `token:called` event carries the room, for the waiting-room board.
 */
export type CallTarget =
  | {
      /** The service point whose queue to call. */
      readonly servicePoint: string;
      /** Not with a service point. */
      readonly department?: undefined;
      /** Not with a service point. */
      readonly doctorId?: undefined;
    }
  | {
      /** The pooled department (a service point of kind `'doctor'` names it). */
      readonly department: string;
      /** The doctor of the department who is free. */
      readonly doctorId: string;
      /** Not with a department. */
      readonly servicePoint?: undefined;
    };

/** Where a token stands on its visit's journey (`Token.journey`). */
export interface TokenJourney {
  /** The route it follows, or `null` for a free journey. */
  readonly route: string | null;
  /** The index of its current stage in the route, or `null` without a route. */
  readonly stage: number | null;
  /** The service point whose queue the patient waits in, or `null` while with the doctor's queue. */
  readonly servicePointId: string | null;
  /** Whether any doctor of its pooled department may call it. */
  readonly pooled: boolean;
  /** Whether the patient saw the doctor once this visit and was sent on (a return is a re-entry). */
  readonly seen: boolean;
  /** The doctor of its pooled department who called it (only that doctor calls it again), or `null`. */
  readonly calledBy: string | null;
}
