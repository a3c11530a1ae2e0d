import type { ClaimKind } from './claim-kinds.js';
import { ErrorSummary, OpdError, isOpdError } from '../errors.js';
import type { CapacityStrategy } from '../policies/capacity.js';
import { copyDisplaced, copyFullOptions, type DisplacedOption, type FullOption, type OverflowStrategy } from '../policies/overflow.js';
import type { PriorityPolicy } from '../policies/priority.js';
import type { QuotaStrategy } from '../policies/quota.js';
import type { OfferPolicy } from '../policies/offers.js';
import type { CallOrderPolicy } from '../policies/call-order.js';
import type { JourneyConfig } from './journey-config.js';

/** One category's window, resolved from its options (times in milliseconds, `null` for none). */
export interface CategoryWindow {
  /** A request must come at least this long before the slot starts. */
  readonly minNoticeMs: number | null;
  /** A request may be for a slot at most this many local days after today. */
  readonly maxDaysAhead: number | null;
  /** A request for a day may be made from this local time (`minute` of the day) `daysBefore` local days before it. */
  readonly opensAt: { readonly daysBefore: number; readonly minute: number } | null;
  /** A request may be made only on the slot's local day. */
  readonly sameDayOnly: boolean;
  /** A token may be cancelled until this long before its slot starts. */
  readonly cancelCutoffMs: number | null;
}

/** The hospital's booking windows, resolved once per scheduler. */
export interface WindowRules {
  /** The window of each category that has one. */
  readonly categories: ReadonlyMap<string, CategoryWindow>;
  /** Actors no window applies to (a front desk, staff). */
  readonly exemptActors: ReadonlySet<string>;
  /** The instant a local wall time (a date and a minute of it) occurs in the scheduler's time zone. */
  readonly wallClock: (day: string, minute: number) => number;
}

/** The resolved, frozen configuration the allocation rules run with. */
export interface CoreConfig {
  /** The facility every record and event of the scheduler carries (`facilityId`). */
  readonly facilityId: string;
  readonly priority: PriorityPolicy;
  readonly capacity: CapacityStrategy;
  readonly overflow: OverflowStrategy;
  /** Per-channel caps and reserved places; `undefined` for none. */
  readonly quota: QuotaStrategy | undefined;
  /** The hospital's booking windows per category; `undefined` for none. */
  readonly windows: WindowRules | undefined;
  /** Default minutes per consultation. */
  readonly consultMinutes: number;
  /** No-show grace period in milliseconds. */
  readonly graceMs: number;
  /**
   * Whether a patient may hold several live tokens in one doctor-day: with no duplicate rule, or
   * with one whose exceptions may allow a second (the store's one-token-per-doctor-day backstop,
   * `ChangeSet.guardDuplicates`, is off then).
   */
  readonly allowDuplicateBookings: boolean;
  /** The duplicate rules (`duplicates`, or `allowDuplicateBookings: false`); `null` when duplicates are allowed. */
  readonly duplicates: DuplicateRules | null;
  /** Local date of an instant in the scheduler's time zone. */
  readonly dayOf: (ms: number) => string;
  /** First instant of a local date in the scheduler's time zone. */
  readonly dayStart: (day: string) => number;
  /**
   * Labels: `null` for one series per doctor-day (the token number); otherwise the prefix of
   * each category's series (categories sharing a prefix share its series).
   */
  readonly labelPrefix: ((category: string) => string) | null;
  /** How freed places are offered; `undefined` (promoted at once) without the option `offers`. */
  readonly offers?: OfferPolicy | undefined;
  /** The instant a local date and wall-clock minute show in the scheduler's time zone (for offers' quiet hours). */
  readonly wallClock?: ((day: string, minute: number) => number) | undefined;
  /**
   * Closing a day: whether its unseen tokens are carried to the doctor's next day with slots
   * (else they expire), and whether `sweep` closes days that are over.
   */
  readonly closeOut: { readonly carryForward: boolean; readonly sweep: boolean };
  /** The order checked-in patients are called in; `undefined` for queue order. */
  readonly callOrder?: CallOrderPolicy | undefined;
  /** When waiting patients get `token:turn-near` and `token:eta-changed`; `undefined` for never. */
  readonly notify?: NoticeRules | undefined;
  /** The service points, routes and re-entry policy; `undefined` without the options (every token waits for its doctor). */
  readonly journeys?: JourneyConfig | undefined;
  /** The kind table of claims on places: what each kind does (`claim-kinds.ts`; the built-in kinds unless a test adds one). */
  readonly claimKinds: ReadonlyMap<string, ClaimKind>;
  /** Free revisits after a charged visit (the option `followUps`); `undefined` without the option. */
  readonly followUps?: FreeRevisitRules | undefined;
}

/** The resolved option `followUps`: free revisits after a charged visit. */
export interface FreeRevisitRules {
  /** Days after the charged visit's day within which a revisit is free. */
  readonly freeWithinDays: number;
  /** How many revisits are free. */
  readonly freeVisits: number;
  /** With the same doctor, or any doctor of its department. */
  readonly scope: 'doctor' | 'department';
  /** Whether every completion is charged (else only `complete(tokenId, { charged: true })`). */
  readonly everyCompletion: boolean;
}

/** How far the duplicate rule looks for a patient's other live tokens of the same day. */
export type DuplicateScope = 'doctor-day' | 'department-day' | 'facility-day';

/** One exception of the duplicate rule, resolved: every condition it states must hold. */
export interface DuplicateExceptionRule {
  /** The request's category is one of these; `null`: any. */
  readonly categories: ReadonlySet<string> | null;
  /** The department of the requested doctor is one of these; `null`: any. */
  readonly departments: ReadonlySet<string> | null;
  /** The patient has a `COMPLETED` token that day within the scope. */
  readonly afterCompletedSameDay: boolean;
}

/** The resolved duplicate rules (see `DuplicateRulesOptions`). */
export interface DuplicateRules {
  readonly scope: DuplicateScope;
  /** The most live tokens of today and later a patient may hold within the scope's doctors; `null`: no cap. */
  readonly maxActivePerPatient: number | null;
  readonly exceptions: readonly DuplicateExceptionRule[];
  readonly onDuplicate: 'refuse' | 'move';
}

/**
 * Whether a unit that may give a patient a live token must read the patient's tokens across
 * doctors and days (and take the patient's lock): a scope wider than one doctor-day, or a cap.
 */
export function readsPatientTokens(rules: DuplicateRules | null): boolean {
  return rules !== null && (rules.scope !== 'doctor-day' || rules.maxActivePerPatient !== null);
}

/** The resolved `notify` option: milliseconds, `null` where a notice is not asked for. */
export interface NoticeRules {
  /** `token:turn-near` when at most this many waiting places are ahead + 1 (position in the day's calls). */
  readonly turnNearPositions: number | null;
  /** `token:turn-near` when the estimated start is at most this far away (ms). */
  readonly turnNearMs: number | null;
  /** `token:eta-changed` when the estimate moved at least this much (ms) since last told. */
  readonly etaChangedMs: number | null;
}

/**
 * The error for a plug-in that threw: `VALIDATION_FAILED` naming it. An `OpdError` it threw (a
 * policy refusing a request as the host wishes) keeps its code, and its `details.field` when that
 * is a plain field path, under a message the library writes. Either way the cause is an
 * {@link ErrorSummary}: a plug-in is given the patient, and its own message may quote them.
 */
export function pluginFailure(role: string, name: string, error: unknown): OpdError {
  const cause = new ErrorSummary(error);
  if (isOpdError(error)) {
    const field = plainField(error.details.field);
    return new OpdError(error.code, `The ${role} \`${name}\` refused the call (${error.code}${field === undefined ? '' : `, field ${field}`})`, {
      details: { field: field ?? role, strategy: name },
      cause,
    });
  }
  return new OpdError('VALIDATION_FAILED', `The ${role} \`${name}\` threw`, { details: { field: role, strategy: name }, cause });
}

/** A field path such as `patient.age` or `slots[2].capacity`, else `undefined`. */
function plainField(field: unknown): string | undefined {
  return typeof field === 'string' && field.length <= 100 && /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*$/.test(field) ? field : undefined;
}

/**
 * Calls a plug-in, turning anything it throws into an `OpdError` that names it, so that a
 * faulty strategy never surfaces as a bare `TypeError` from deep inside; a promise it returns is
 * refused (see {@link pluginAnswer}).
 */
export function callPlugin<T>(role: string, name: string, call: () => T): T {
  let answer: T;
  try {
    answer = call();
  } catch (error) {
    throw pluginFailure(role, name, error);
  }
  return pluginAnswer(role, name, answer);
}

/**
 * What a plug-in returned, refused with `VALIDATION_FAILED` when it is a promise (or any
 * thenable): strategies and policies answer synchronously, under the doctor's lock. Its
 * rejection, if any, is handled here, so that it never becomes an unhandled rejection.
 */
export function pluginAnswer<T>(role: string, name: string, answer: T): T {
  if (typeof answer !== 'object' && typeof answer !== 'function') return answer;
  if (answer === null) return answer;
  let then: unknown;
  try {
    then = (answer as { then?: unknown }).then;
  } catch (error) {
    throw pluginFailure(role, name, error);
  }
  if (typeof then !== 'function') return answer;
  try {
    (then as (onFulfilled: undefined, onRejected: () => void) => unknown).call(answer, undefined, () => undefined);
  } catch {
    // A thenable whose `then` throws: refused below all the same.
  }
  throw new OpdError('VALIDATION_FAILED', `The ${role} \`${name}\` returned a promise: strategies and policies answer synchronously`, {
    details: { field: role, strategy: name },
  });
}

/** A plug-in's answer that is not of the kind it must be: `VALIDATION_FAILED` naming the plug-in. */
export function badAnswer(role: string, name: string, expected: string): OpdError {
  return new OpdError('VALIDATION_FAILED', `The ${role} \`${name}\` gave an answer that is not ${expected}`, { details: { field: role, strategy: name } });
}

/**
 * The options an overflow strategy's `whenFull` gave, checked: an array of `'bump'`,
 * `'next-slot'`, `'waitlist'` or `'reject'`, copied as `RuleOverflow` copies its own (each option
 * read once, so that what is checked is what is tried; an array that throws when read is an
 * answer of the wrong kind).
 */
export function fullOptions(name: string, options: unknown): readonly FullOption[] {
  try {
    return copyFullOptions('whenFull', options);
  } catch {
    throw badAnswer('overflow strategy', name, "an array of 'bump', 'next-slot', 'waitlist' or 'reject' from `whenFull`");
  }
}

/** The options an overflow strategy's `whenDisplaced` gave, checked as `RuleOverflow` checks its own. */
export function displacedOptions(name: string, options: unknown): readonly DisplacedOption[] {
  try {
    // A copy, each option read once: what is checked is what is tried.
    return copyDisplaced('whenDisplaced', options);
  } catch {
    throw badAnswer('overflow strategy', name, "an array of displaced options ('cascade', 'waitlist' or 'drop') from `whenDisplaced`");
  }
}

/** The elastic places a capacity strategy gave, checked: a number, 0 or more (`Infinity` allowed). */
export function elasticAnswer(name: string, places: unknown): number {
  if (typeof places === 'number' && places >= 0) return places;
  throw badAnswer('capacity strategy', name, 'a number of elastic places, 0 or more');
}
