/**
 * When a connection is gone, and what a driver's error says about the session it leaves: the two
 * failures a driver rejects with when it cannot tell the server's answer ({@link ConnectionLost},
 * {@link ServerChanged}), and how a driver error is read (lost, harmless, or leaving the session
 * in doubt).
 */
import { OpdError } from '../errors.js';

/**
 * A failure to reach the database, or a connection lost while a call was in flight. `committed`
 * says whether the unit's `COMMIT` had been sent without an answer (`'unknown'`), or certainly
 * did not happen (`'not-committed'`).
 */
export class ConnectionLost extends Error {
  constructor(
    readonly outcome: 'unknown' | 'not-committed',
    readonly original: unknown,
    /** The server process of the lost connection, when known. */
    readonly pid?: number | undefined,
    /** Whether no connection was made at all (the pool could not connect). */
    readonly connecting = false,
  ) {
    super(connecting ? 'Could not connect to PostgreSQL' : 'The connection to PostgreSQL was lost');
  }
}

/**
 * The pool's connections now reach another server than the one the adapter's copy was read from
 * (its postmaster started at another time: a restart after a crash, a failover, a restore), and
 * the step was prepared before the adapter learned it: nothing was sent, and the adapter's copy is
 * dropped (see {@link PoolSettings.onServerChange}). Run the unit again.
 */
export class ServerChanged extends ConnectionLost {
  constructor() {
    super('not-committed', new Error('the server changed'));
  }
}

/** SQLSTATE classes and codes that mean the session is gone. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof ConnectionLost) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return true;
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code.startsWith('E') || code === 'ECONNRESET';
}

/** Whether a driver error came from the server (an `ErrorResponse` with a SQLSTATE). */
export function hasSqlState(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/** Whether a driver error means the connection is gone (rather than a statement refused by the server). */
export function isLost(error: unknown): boolean {
  return !hasSqlState(error) || isConnectionError(error);
}

/**
 * SQLSTATEs of statements the server refused without running anything that outlives the
 * transaction: a constraint or a value refused (classes 23 and 22), the functions' own refusals
 * (`OPD01`, `OPD02`), and a lock not had (a lock timeout, a deadlock, a serialization failure:
 * each raised while waiting, before the lock is granted).
 */
const HARMLESS: ReadonlySet<string> = new Set(['40001', '40P01', '55P03', 'OPD01', 'OPD02']);

/**
 * Whether a client whose statement failed this way must be destroyed rather than returned to the
 * pool: it may have left state in its session that the next caller would inherit. A cancel
 * (`57014`: a `statement_timeout` or `pg_cancel_backend` lands between any two statements of a
 * function, also right after a session-level lock was granted), prepared statements gone
 * (`26000`: a `DEALLOCATE ALL`; every later statement of the adapter on it would fail), a lost or
 * unknown failure, and every other code but the {@link HARMLESS} ones.
 */
export function leavesSessionInDoubt(error: unknown): boolean {
  if (!hasSqlState(error)) return true;
  const code = (error as { code: string }).code;
  return !(HARMLESS.has(code) || code.startsWith('22') || code.startsWith('23'));
}

/** What a unit's transaction client answers once its unit is over (a `tx` kept past `work`). */
export function endedUnit(): OpdError {
  return new OpdError('STORAGE_FAILURE', 'The unit of work of this transaction client has ended: send its statements from inside `work`', {
    details: { adapter: 'postgres', outcome: 'not-committed' },
  });
}
