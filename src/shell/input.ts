/**
 * Reading the options of public calls (and the clock): each reader refuses what is not what the
 * call takes with `VALIDATION_FAILED` naming the field, before anything is stored. The requests
 * themselves are read in `src/inputs.ts`.
 */
import { invalid, OpdError } from '../errors.js';
import {
  checkAfter,
  expectId,
  expectInteger,
  expectKey,
  MAX_KEY,
  parseActor,
  parseBoundedInstant,
  parseDay,
  parseDryRun,
  parseOptions,
  parseReason,
  parseRoom,
} from '../inputs.js';
import { timeOf } from '../time.js';
import type {
  ActorOptions,
  CompleteOptions,
  CallOptions,
  CallTarget,
  CancelOptions,
  CheckInOptions,
  ForwardOptions,
  CloseDayOptions,
  CloseSlotOptions,
  HistoryOptions,
  MoveOptions,
  MoveTarget,
  RotaOptions,
  SetCapacityOptions,
  StatsFilter,
  TailOptions,
} from '../types.js';
import { expectObject, inputFailure, isPlainObject, MAX_INSTANT, MIN_INSTANT, readInput } from '../validate.js';

const CANCEL_KEYS: ReadonlySet<string> = new Set(['reason', 'actor']);
const CLOSE_KEYS: ReadonlySet<string> = new Set(['reason', 'dryRun', 'actor']);
const MOVE_TARGET_KEYS: ReadonlySet<string> = new Set(['slotId', 'doctorId', 'date', 'after']);
const CAPACITY_KEYS: ReadonlySet<string> = new Set(['dryRun', 'actor']);
const ACTOR_KEYS: ReadonlySet<string> = new Set(['actor']);
const CALL_KEYS: ReadonlySet<string> = new Set(['room', 'actor']);
const STATS_KEYS: ReadonlySet<string> = new Set(['doctorId', 'date']);
const HISTORY_KEYS: ReadonlySet<string> = new Set(['after', 'limit']);
const TAIL_KEYS: ReadonlySet<string> = new Set(['after']);

/** The events `history()` returns when no `limit` is given (see `HistoryOptions.limit`). */
export const DEFAULT_HISTORY_LIMIT = 1000;

/** The `actor` of an options object that has no other field. */
export function readActor(opts: ActorOptions | undefined): string | null {
  return readInput('opts', () => parseActor('opts.actor', parseOptions('opts', opts, ACTOR_KEYS)['actor']));
}

const COMPLETE_KEYS: ReadonlySet<string> = new Set(['actor', 'charged']);

/** The `actor` and `charged` of a completion. */
export function readComplete(opts: CompleteOptions | undefined): { actor: string | null; charged: boolean } {
  return readInput('opts', () => {
    const o = parseOptions('opts', opts, COMPLETE_KEYS);
    const charged = o['charged'] ?? false;
    if (typeof charged !== 'boolean') throw invalid('opts.charged', 'Expected `opts.charged` to be a boolean');
    return { actor: parseActor('opts.actor', o['actor']), charged };
  });
}

/** The `room` and `actor` of a call. */
export function readCall(opts: CallOptions | undefined): { room: string | null; actor: string | null } {
  return readInput('opts', () => {
    const o = parseOptions('opts', opts, CALL_KEYS);
    return { room: o['room'] === undefined ? null : parseRoom('opts.room', o['room']), actor: parseActor('opts.actor', o['actor']) };
  });
}

/** The `reason` and `actor` of a cancellation. */
export function readCancel(opts: CancelOptions | undefined): { reason: string | null; actor: string | null } {
  return readInput('opts', () => {
    const o = parseOptions('opts', opts, CANCEL_KEYS);
    return { reason: parseReason('opts.reason', o['reason']), actor: parseActor('opts.actor', o['actor']) };
  });
}

/** The `reason`, `dryRun` and `actor` of a closing or a move. */
export function readClose(opts: CloseSlotOptions | MoveOptions | undefined): { reason: string | null; dryRun: boolean; actor: string | null } {
  return readInput('opts', () => {
    const o = parseOptions('opts', opts, CLOSE_KEYS);
    return { reason: parseReason('opts.reason', o['reason']), dryRun: parseDryRun('opts.dryRun', o['dryRun']), actor: parseActor('opts.actor', o['actor']) };
  });
}

/** The `dryRun` and `actor` of a change of capacity or of a rota. */
export function readCapacity(opts: SetCapacityOptions | RotaOptions | CloseDayOptions | undefined): { dryRun: boolean; actor: string | null } {
  return readInput('opts', () => {
    const o = parseOptions('opts', opts, CAPACITY_KEYS);
    return { dryRun: parseDryRun('opts.dryRun', o['dryRun']), actor: parseActor('opts.actor', o['actor']) };
  });
}

/** Where a move goes: at least one of `slotId`, `doctorId`, `date`, `after`. */
export interface ParsedMoveTarget {
  readonly slotId: string | undefined;
  readonly doctorId: string | undefined;
  readonly date: string | undefined;
  readonly after: number | undefined;
}

/** The target of a move, `after` checked to fall on `date` in the scheduler's zone. */
export function readMoveTarget(to: MoveTarget, dayOf: (ms: number) => string): ParsedMoveTarget {
  return readInput('to', () => {
    const t = expectObject('to', to, MOVE_TARGET_KEYS, 'to.');
    const parsed = {
      slotId: t['slotId'] === undefined ? undefined : expectKey('to.slotId', t['slotId'], MAX_KEY),
      doctorId: t['doctorId'] === undefined ? undefined : expectId('to.doctorId', t['doctorId']),
      date: t['date'] === undefined ? undefined : parseDay('to.date', t['date']),
      after: t['after'] === undefined ? undefined : parseBoundedInstant('to.after', t['after']),
    };
    if (Object.values(parsed).every((v) => v === undefined)) throw invalid('to', 'Expected `to` to name at least one of `slotId`, `doctorId`, `date`, `after`');
    if (parsed.after !== undefined) checkAfter('to.after', parsed.after, 'to.date', parsed.date, dayOf);
    return parsed;
  });
}

/** The doctor and date of a `stats()` filter. */
export function readStatsFilter(filter: StatsFilter | undefined): { doctorId: string | undefined; date: string | undefined } {
  return readInput('filter', () => {
    const f = parseOptions('filter', filter, STATS_KEYS);
    return {
      doctorId: f['doctorId'] === undefined ? undefined : expectId('filter.doctorId', f['doctorId']),
      date: f['date'] === undefined ? undefined : parseDay('filter.date', f['date']),
    };
  });
}

/** The `after` and `limit` of a `history()` page (default {@link DEFAULT_HISTORY_LIMIT} events). */
export function readHistoryOptions(opts: HistoryOptions | undefined): { after: number; limit: number } {
  return readInput('opts', () => {
    const o = parseOptions('opts', opts, HISTORY_KEYS);
    return {
      after: o['after'] === undefined ? 0 : expectInteger('opts.after', o['after'], 0),
      limit: o['limit'] === undefined ? DEFAULT_HISTORY_LIMIT : expectInteger('opts.limit', o['limit'], 1),
    };
  });
}

/** The `after` of a `tail()`. */
export function readTailAfter(opts: TailOptions | undefined): number {
  return readInput('opts', () => {
    const o = parseOptions('opts', opts, TAIL_KEYS);
    return o['after'] === undefined ? 0 : expectInteger('opts.after', o['after'], 0);
  });
}

/**
 * The clock's time, in epoch ms.
 * @throws OpdError `VALIDATION_FAILED` (field `clock`) when the clock throws or returns something
 *   other than a `Date` of the years 1970 to 9999
 */
export function readClock(clock: () => Date): number {
  let now: Date;
  try {
    now = clock();
  } catch (error) {
    throw inputFailure('clock', error);
  }
  const ms = timeOf(now) ?? Number.NaN;
  if (Number.isNaN(ms)) throw new OpdError('VALIDATION_FAILED', 'The clock did not return a valid Date', { details: { field: 'clock' } });
  if (ms < MIN_INSTANT || ms > MAX_INSTANT)
    throw new OpdError('VALIDATION_FAILED', 'The clock returned a date outside the years 1970 to 9999', { details: { field: 'clock' } });
  return ms;
}

/**
 * The `now` of a sweep: the clock's time when omitted, never later than it (a no-show cannot be
 * undone, so a later `now` is refused rather than trusted).
 * @throws OpdError `VALIDATION_FAILED` (field `now`)
 */
export function readSweepNow(now: Date | undefined, clock: number): number {
  const at = now === undefined ? clock : readInput('now', () => parseBoundedInstant('now', now));
  if (at > clock) {
    throw new OpdError('VALIDATION_FAILED', "Expected `now` not to be later than the scheduler's clock: a sweep never marks a slot that has not started", {
      details: { field: 'now' },
    });
  }
  return at;
}

const CHECK_IN_KEYS: ReadonlySet<string> = new Set(['route', 'actor']);
const FORWARD_KEYS: ReadonlySet<string> = new Set(['to', 'reason', 'actor']);
const TARGET_KEYS: ReadonlySet<string> = new Set(['servicePoint', 'department', 'doctorId']);

/** The `route` and `actor` of a check-in. */
export function readCheckIn(opts: CheckInOptions | undefined): { route: string | null; actor: string | null } {
  return readInput('opts', () => {
    const o = parseOptions('opts', opts, CHECK_IN_KEYS);
    return { route: o['route'] === undefined ? null : expectId('opts.route', o['route']), actor: parseActor('opts.actor', o['actor']) };
  });
}

/** The `to`, `reason` and `actor` of a forward. */
export function readForward(opts: ForwardOptions): { to: string; reason: string | null; actor: string | null } {
  return readInput('opts', () => {
    const o = expectObject('opts', opts, FORWARD_KEYS, 'opts.');
    return { to: expectId('opts.to', o['to']), reason: parseReason('opts.reason', o['reason']), actor: parseActor('opts.actor', o['actor']) };
  });
}

/** Whom `callNext` calls for: a doctor by id, a service point, or a doctor of a pooled department. */
export type ParsedCallTarget =
  { readonly doctorId: string } | { readonly servicePoint: string } | { readonly department: string; readonly doctorId: string; readonly pooled: true };

/** Reads the first argument of `callNext`: a doctor's id, `{ servicePoint }` or `{ department, doctorId }`. */
export function readCallTarget(target: string | CallTarget): ParsedCallTarget {
  // Anything but an object is a doctor's id (refused as one when it is not).
  if (!isPlainObject(target)) return { doctorId: expectId('doctorId', target) };
  return readInput('target', () => {
    const t = expectObject('target', target, TARGET_KEYS, 'target.');
    if (t['servicePoint'] !== undefined) {
      if (t['department'] !== undefined || t['doctorId'] !== undefined)
        throw invalid('target', 'Expected `target` to name a `servicePoint`, or a `department` and a `doctorId`, not both');
      return { servicePoint: expectId('target.servicePoint', t['servicePoint']) };
    }
    if (t['department'] === undefined || t['doctorId'] === undefined)
      throw invalid('target', 'Expected `target` to name a `servicePoint`, or a `department` and a `doctorId`');
    return { department: expectKey('target.department', t['department'], 100), doctorId: expectId('target.doctorId', t['doctorId']), pooled: true };
  });
}

/** The doctor a query names, for the call's span (read once, never throwing: the query is checked inside the call). */
export function doctorIdOf(query: unknown): string | undefined {
  try {
    const id = typeof query === 'object' && query !== null ? (query as { doctorId?: unknown }).doctorId : undefined;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** The `doctorId` of a lease or lease request as given, for the call's span (checked inside the call). */
export function leaseDoctorOf(lease: unknown): unknown {
  return isPlainObject(lease) ? lease['doctorId'] : undefined;
}
