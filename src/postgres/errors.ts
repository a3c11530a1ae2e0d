/**
 * What a failure of the database becomes: retried, or an `OpdError` whose `cause` keeps what a
 * maintainer needs (SQLSTATE, constraint, table, schema) and drops everything that may quote a
 * value (the message, `detail`, `where`, parameters). Patient data never leaves through an error.
 */
import { OpdError, type OpdErrorDetails } from '../errors.js';
import { ConnectionLost } from './connection.js';

/** Serialization failure, deadlock, lock not available (lock timeout). */
const RETRYABLE = new Set(['40001', '40P01', '55P03']);

/**
 * A field of what a driver threw, or `undefined` when it has none or it cannot be read (a getter
 * or a proxy that throws): reading a failure must never fail in its turn, which would replace it.
 */
function fieldOf(error: unknown, key: string): unknown {
  if ((typeof error !== 'object' && typeof error !== 'function') || error === null) return undefined;
  try {
    return (error as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** Whether `error` is a {@link ConnectionLost} (`false` for a revoked proxy, whose prototype cannot be read). */
function isConnectionLost(error: unknown): error is ConnectionLost {
  try {
    return error instanceof ConnectionLost;
  } catch {
    return false;
  }
}

/** The SQLSTATE of a driver error, if it has one. */
export function codeOf(error: unknown): string | undefined {
  const original = isConnectionLost(error) ? error.original : error;
  const code = fieldOf(original, 'code');
  return typeof code === 'string' ? code : undefined;
}

/** Whether a code is a SQLSTATE (five digits or capitals), as a driver error from the server carries. */
export function isSqlState(code: string | undefined): code is string {
  return code !== undefined && /^[0-9A-Z]{5}$/.test(code);
}

/** The constraint a driver error names, if any. */
export function constraintOf(error: unknown): string | undefined {
  const constraint = fieldOf(error, 'constraint');
  return typeof constraint === 'string' ? constraint : undefined;
}

/** Whether a unit that failed this way is run again. */
export function isRetryable(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && RETRYABLE.has(code);
}

/**
 * A driver error reduced to facts that never quote a value: the SQLSTATE, the constraint, the
 * table, the schema and the severity, in a message built from them alone.
 */
export class PostgresErrorSummary extends Error {
  /** Always `'PostgresError'`. */
  override readonly name = 'PostgresError';
  /** The SQLSTATE, when the server sent one. */
  readonly code: string | undefined;
  /** The constraint violated, if any. */
  readonly constraint: string | undefined;
  /** The table concerned, if any. */
  readonly table: string | undefined;
  /** The schema concerned, if any. */
  readonly schema: string | undefined;

  /**
   * @param error - what the driver threw (an `Error` with PostgreSQL's fields, or anything else);
   *   only its SQLSTATE or system error code, constraint, table, schema and class name are kept.
   *   Never throws: a field that cannot be read (a getter or a proxy that throws) is left out
   */
  constructor(error: unknown) {
    const text = (key: string): string | undefined => {
      const value = fieldOf(error, key);
      return typeof value === 'string' ? value : undefined;
    };
    const code = codeOf(error) ?? text('code');
    const constraint = text('constraint');
    const table = text('table');
    const parts = [code === undefined ? 'no SQLSTATE' : `SQLSTATE ${code}`];
    if (constraint !== undefined) parts.push(`constraint ${constraint}`);
    if (table !== undefined) parts.push(`table ${table}`);
    super(code === undefined ? `connection or driver failure (${kindOf(error)})` : `PostgreSQL error (${parts.join(', ')})`);
    this.code = code;
    this.constraint = constraint;
    this.table = table;
    this.schema = text('schema');
  }

  /** What `JSON.stringify` shows. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message, code: this.code, constraint: this.constraint, table: this.table, schema: this.schema };
  }
}

/** A driver error's class name or system error code (`ECONNRESET`), never its message. */
function kindOf(error: unknown): string {
  const code = fieldOf(error, 'code');
  if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
  const name = fieldOf(fieldOf(error, 'constructor'), 'name');
  return typeof name === 'string' && /^[A-Za-z]+$/.test(name) ? name : 'error';
}

/**
 * `STORAGE_FAILURE` for a database failure. `details.outcome` says, for a lost connection,
 * whether the unit may have committed (`'unknown'`: its COMMIT was sent and no answer came) or
 * certainly did not (`'not-committed'`); a refused statement is always `'not-committed'`.
 */
export function storageFailure(error: unknown, message: string, extra: OpdErrorDetails = {}): OpdError {
  const lost = isConnectionLost(error);
  const original = lost ? error.original : error;
  const summary = new PostgresErrorSummary(original);
  const code = summary.code;
  const constraint = summary.constraint;
  let text = message;
  if (lost && error.connecting) text = `${message}: could not connect to PostgreSQL (${isSqlState(code) ? `SQLSTATE ${code}` : kindOf(original)})`;
  else if (lost) text = `${message}: the connection to PostgreSQL was lost${error.outcome === 'unknown' ? ' after COMMIT was sent; the outcome is unknown (retry with the same idempotency key)' : ''}`;
  else if (code !== undefined) text = `${message} (SQLSTATE ${code}${constraint === undefined ? '' : `, constraint ${constraint}`})`;
  return new OpdError('STORAGE_FAILURE', text, {
    details: { adapter: 'postgres', ...extra, code, constraint, outcome: lost ? error.outcome : 'not-committed' },
    cause: summary,
  });
}
