/** Checking and resolving the options of the hospital's own rules, each once. */
import {
  type CoreConfig,
  type DuplicateExceptionRule,
  type DuplicateRules,
  type DuplicateScope,
  type FreeRevisitRules,
  readsPatientTokens,
} from '../core/config.js';
import { invalid } from '../errors.js';
import { namedCategoriesOf, type PriorityPolicy } from '../policies/priority.js';
import type { StorageAdapter } from '../storage/adapter.js';
import { describe, wallClockFinder } from '../time.js';
import type { CategoryWindow, WindowRules } from '../core/config.js';
import { minutesMs } from '../core/windows.js';
import { expectObject, isPlainObject } from '../validate.js';
import type { BookingWindow, BookingWindows, CloseOut, DuplicateRulesOptions, FollowUpsOptions, RetentionOptions } from './rules.js';

const RETENTION_KEYS: ReadonlySet<string> = new Set(['patientDataDays']);
const FOLLOW_UPS_KEYS: ReadonlySet<string> = new Set(['freeWithinDays', 'freeVisits', 'scope', 'everyCompletion']);

/** The `followUps` option, checked (`undefined` without it); it needs a store that reads a patient's tokens across doctors. */
export function resolveFollowUps(given: FollowUpsOptions | undefined, storage: StorageAdapter): FreeRevisitRules | undefined {
  if (given === undefined) return undefined;
  const o = expectObject('followUps', given, FOLLOW_UPS_KEYS, 'followUps.') as Record<string, unknown>;
  const whole = (field: string, max: number): number => {
    const v = o[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)
      throw invalid(
        `followUps.${field}`,
        `Expected \`followUps.${field}\` to be an integer from 1 to ${max}, got ${typeof v === 'number' ? `\`${String(v)}\`` : describe(v)}`,
      );
    return v;
  };
  const freeWithinDays = whole('freeWithinDays', 366);
  const freeVisits = whole('freeVisits', 100);
  const scope = o['scope'];
  if (scope !== 'doctor' && scope !== 'department') throw invalid('followUps.scope', "Expected `followUps.scope` to be 'doctor' or 'department'");
  const every = o['everyCompletion'] ?? false;
  if (typeof every !== 'boolean') throw invalid('followUps.everyCompletion', 'Expected `followUps.everyCompletion` to be a boolean');
  if ((storage as { readonly patientTokens?: unknown }).patientTokens !== true) {
    throw invalid(
      'followUps',
      `The storage adapter \`${String(storage.name)}\` does not read a patient's tokens across doctors (\`patientTokens\`), which \`followUps\` needs`,
    );
  }
  return Object.freeze({ freeWithinDays, freeVisits, scope, everyCompletion: every });
}

/** The `retention` option, checked: `patientDataDays` an integer from 0 to 36,500 (`null` without the option). */
export function resolveRetention(given: RetentionOptions | undefined): number | null {
  if (given === undefined) return null;
  const o = expectObject('retention', given, RETENTION_KEYS, 'retention.') as { patientDataDays?: unknown };
  const days = o.patientDataDays;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 0 || days > 36_500) {
    throw invalid(
      'retention.patientDataDays',
      `Expected \`retention.patientDataDays\` to be an integer from 0 to 36500, got ${typeof days === 'number' ? `\`${String(days)}\`` : describe(days)}`,
    );
  }
  return days;
}

/**
 * The categories a built-in strategy's options name — a channel quota's rules, an elastic
 * capacity's `categories`, an overflow's `protect` and `whenFull` — must be ones the priority
 * policy accepts: a misspelt or differently cased category (`ONLNE`, `online`, `Emergency`) would
 * never apply, and the strategy would silently cap, overflow or protect nobody (an emergency
 * left unprotected could be refused). Defaults are not checked (a policy without `EMERGENCY`
 * leaves the default `['EMERGENCY']` unused). A policy whose `accepts` throws is left to fail
 * where it is asked.
 */
export function requireKnownCategories(option: 'quota' | 'capacity' | 'overflow' | 'callOrder', strategy: object, priority: PriorityPolicy): void {
  for (const { field, category } of namedCategoriesOf(strategy)) requireKnownCategory(`${option}.${field}`, `The ${option}`, category, 'rule', priority);
}

/**
 * Refuses an option's category the priority policy does not accept (`VALIDATION_FAILED` naming
 * `field`): what it says of that category could never apply. A policy whose `accepts` throws is
 * left to fail where it is asked.
 */
function requireKnownCategory(field: string, option: string, category: string, what: 'rule' | 'window' | 'exception', priority: PriorityPolicy): void {
  let known: boolean;
  try {
    known = priority.accepts(category) === true;
  } catch {
    known = true;
  }
  if (!known) {
    throw invalid(
      field,
      `${option} names the category \`${category}\`, which the priority policy \`${String(priority.name)}\` does not accept (categories are case-sensitive): its ${what} could never apply`,
    );
  }
}

const WINDOW_KEYS: ReadonlySet<string> = new Set(['minNoticeMinutes', 'maxDaysAhead', 'opensAt', 'sameDayOnly', 'cancelCutoffMinutes']);
const OPENS_AT_KEYS: ReadonlySet<string> = new Set(['daysBefore', 'at']);
const WALL_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** The longest reach of a window: ten years, in days and in minutes. */
const MOST_DAYS = 3660;

/**
 * The `bookingWindows` option, checked and resolved: every category one the priority policy
 * accepts, every bound a number in range, `opensAt.at` a local time `HH:MM`.
 */
export function resolveBookingWindows(given: BookingWindows | undefined, priority: PriorityPolicy, timeZone: string): WindowRules | undefined {
  if (given === undefined) return undefined;
  if (!isPlainObject(given)) throw invalid('bookingWindows', `Expected \`bookingWindows\` to be an object, got ${describe(given)}`);
  const o: Readonly<Record<string, unknown>> = given;
  const categories = new Map<string, CategoryWindow>();
  for (const [category, window] of Object.entries(o)) {
    if (category === 'exemptActors') continue;
    const field = `bookingWindows.${category}`;
    requireKnownCategory(field, 'The bookingWindows option', category, 'window', priority);
    categories.set(category, resolveWindow(field, window));
  }
  const actors = o['exemptActors'] ?? [];
  if (!Array.isArray(actors) || actors.some((a) => typeof a !== 'string' || a.length === 0 || a.length > 200)) {
    throw invalid(
      'bookingWindows.exemptActors',
      `Expected \`bookingWindows.exemptActors\` to be an array of actor names (1 to 200 characters), got ${describe(actors)}`,
    );
  }
  return Object.freeze({ categories, exemptActors: new Set<string>(actors as readonly string[]), wallClock: wallClockFinder(timeZone) });
}

function resolveWindow(field: string, value: unknown): CategoryWindow {
  const w = expectObject(field, value, WINDOW_KEYS, `${field}.`) as BookingWindow;
  const minutes = (key: 'minNoticeMinutes' | 'cancelCutoffMinutes'): number | null => {
    const v = w[key];
    return v === undefined ? null : minutesMs(positive(`${field}.${key}`, v, 0, MOST_DAYS * 24 * 60));
  };
  const days = (path: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MOST_DAYS) {
      throw invalid(path, `Expected \`${path}\` to be an integer from 0 to ${MOST_DAYS}, got \`${typeof v === 'number' ? String(v) : describe(v)}\``);
    }
    return v;
  };
  let opensAt: CategoryWindow['opensAt'] = null;
  if (w.opensAt !== undefined) {
    const o = expectObject(`${field}.opensAt`, w.opensAt, OPENS_AT_KEYS, `${field}.opensAt.`) as { daysBefore?: unknown; at?: unknown };
    const daysBefore = days(`${field}.opensAt.daysBefore`, o.daysBefore);
    const match = typeof o.at === 'string' ? WALL_TIME.exec(o.at) : null;
    if (match === null)
      throw invalid(`${field}.opensAt.at`, `Expected \`${field}.opensAt.at\` to be a local time 'HH:MM' (00:00 to 23:59), got ${describe(o.at)}`);
    opensAt = { daysBefore, minute: Number(match[1]) * 60 + Number(match[2]) };
  }
  const sameDayOnly = w.sameDayOnly ?? false;
  if (typeof sameDayOnly !== 'boolean')
    throw invalid(`${field}.sameDayOnly`, `Expected \`${field}.sameDayOnly\` to be a boolean, got ${describe(sameDayOnly)}`);
  return Object.freeze({
    minNoticeMs: minutes('minNoticeMinutes'),
    maxDaysAhead: w.maxDaysAhead === undefined ? null : days(`${field}.maxDaysAhead`, w.maxDaysAhead),
    opensAt,
    sameDayOnly,
    cancelCutoffMs: minutes('cancelCutoffMinutes'),
  });
}

const DUPLICATE_KEYS: ReadonlySet<string> = new Set(['scope', 'maxActivePerPatient', 'exceptions', 'onDuplicate']);
const EXCEPTION_KEYS: ReadonlySet<string> = new Set(['category', 'department', 'afterCompletedSameDay']);
const SCOPES: readonly DuplicateScope[] = ['doctor-day', 'department-day', 'facility-day'];

/**
 * The duplicate rules: `duplicates` checked and resolved, or the shorthand `allowDuplicateBookings`
 * (`false`: one live token per doctor-day; `true`: none, `null`). Both given, `true` beside
 * `duplicates`, are refused: they contradict each other.
 */
export function resolveDuplicates(
  given: DuplicateRulesOptions | undefined,
  allow: boolean,
  priority: PriorityPolicy,
  storage: StorageAdapter,
): DuplicateRules | null {
  if (given === undefined) return allow ? null : Object.freeze({ scope: 'doctor-day', maxActivePerPatient: null, exceptions: [], onDuplicate: 'refuse' });
  if (allow) {
    throw invalid('allowDuplicateBookings', '`allowDuplicateBookings: true` allows every duplicate, and `duplicates` sets duplicate rules: give one of them');
  }
  const o = expectObject('duplicates', given, DUPLICATE_KEYS, 'duplicates.');
  const scope = o['scope'];
  if (!SCOPES.includes(scope as DuplicateScope)) {
    throw invalid('duplicates.scope', `Expected \`duplicates.scope\` to be 'doctor-day', 'department-day' or 'facility-day', got ${describe(scope)}`);
  }
  const max = o['maxActivePerPatient'];
  if (max !== undefined && !(typeof max === 'number' && Number.isInteger(max) && max >= 1 && max <= 1000)) {
    throw invalid(
      'duplicates.maxActivePerPatient',
      `Expected \`duplicates.maxActivePerPatient\` to be an integer from 1 to 1000, got ${typeof max === 'number' ? `\`${String(max)}\`` : describe(max)}`,
    );
  }
  const onDuplicate = o['onDuplicate'] ?? 'refuse';
  if (onDuplicate !== 'refuse' && onDuplicate !== 'move')
    throw invalid('duplicates.onDuplicate', `Expected \`duplicates.onDuplicate\` to be 'refuse' or 'move', got ${describe(onDuplicate)}`);
  const list = o['exceptions'] ?? [];
  if (!Array.isArray(list) || list.length > 100)
    throw invalid('duplicates.exceptions', `Expected \`duplicates.exceptions\` to be an array of at most 100 exceptions, got ${describe(list)}`);
  const exceptions = (list as readonly unknown[]).map((value, i) => resolveException(`duplicates.exceptions[${i}]`, value, priority));
  const rules: DuplicateRules = Object.freeze({
    scope: scope as DuplicateScope,
    maxActivePerPatient: (max as number | undefined) ?? null,
    exceptions: Object.freeze(exceptions),
    onDuplicate,
  });
  if (readsPatientTokens(rules) && (storage as { readonly patientTokens?: unknown }).patientTokens !== true) {
    const field = rules.scope === 'doctor-day' ? 'duplicates.maxActivePerPatient' : 'duplicates.scope';
    throw invalid(
      field,
      `The storage adapter \`${String(storage.name)}\` does not read a patient's tokens across doctors (\`patientTokens\`), which \`${field}\` needs`,
    );
  }
  return rules;
}

function resolveException(field: string, value: unknown, priority: PriorityPolicy): DuplicateExceptionRule {
  const x = expectObject(field, value, EXCEPTION_KEYS, `${field}.`);
  const names = (key: 'category' | 'department'): ReadonlySet<string> | null => {
    const v = x[key];
    if (v === undefined) return null;
    const all = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(all) || all.length === 0 || all.some((n) => typeof n !== 'string' || n.length === 0 || n.length > 200)) {
      throw invalid(`${field}.${key}`, `Expected \`${field}.${key}\` to be a name or a non-empty array of names (1 to 200 characters), got ${describe(v)}`);
    }
    return new Set(all as readonly string[]);
  };
  const categories = names('category');
  for (const category of categories ?? []) requireKnownCategory(`${field}.category`, 'The duplicates option', category, 'exception', priority);
  const after = x['afterCompletedSameDay'] ?? false;
  if (typeof after !== 'boolean')
    throw invalid(`${field}.afterCompletedSameDay`, `Expected \`${field}.afterCompletedSameDay\` to be a boolean, got ${describe(after)}`);
  return Object.freeze({ categories, departments: names('department'), afterCompletedSameDay: after });
}

const CLOSE_OUT_KEYS: ReadonlySet<string> = new Set(['carryForward', 'sweep']);

/** The `closeOut` option, checked and resolved (frozen). */
export function resolveCloseOut(given: unknown): CoreConfig['closeOut'] {
  const o = expectObject('closeOut', given ?? {}, CLOSE_OUT_KEYS, 'closeOut.') as CloseOut;
  const flag = (field: 'carryForward' | 'sweep', fallback: boolean): boolean => {
    const value = o[field] ?? fallback;
    if (typeof value !== 'boolean') throw invalid(`closeOut.${field}`, `Expected \`closeOut.${field}\` to be a boolean, got ${describe(value)}`);
    return value;
  };
  return Object.freeze({ carryForward: flag('carryForward', false), sweep: flag('sweep', true) });
}

/** A number option from 0 to `max`, or `fallback` when not given. */
export function positive(field: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    throw invalid(field, `Expected \`${field}\` to be a number from 0 to ${max}, got \`${typeof value === 'number' ? String(value) : describe(value)}\``);
  }
  return value;
}
