/**
 * What a failure of the database becomes: retried, or an `OpdError` whose `cause` keeps what a
 * maintainer needs (SQLSTATE, constraint, table, schema) and drops everything that may quote a
 * value (`detail`, `where`, parameters, and the message of a refused statement). The message is
 * kept only for failures that no statement's values reach: connecting, authenticating, the
 * session ended by the server. Patient data never leaves through an error.
 */
import { OpdError, type OpdErrorDetails } from '../errors.js';
import { ConnectionLost } from './connection.js';

/** Serialization failure, deadlock, lock not available (lock timeout). */
const RETRYABLE: ReadonlySet<string> = new Set(['40001', '40P01', '55P03']);

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

/**
 * SQLSTATEs whose message the server writes about the connection, the role or the database, never
 * about a statement's values: connection exceptions (class 08), invalid authorization (28), a
 * database that does not exist (3D000), too many connections (53300), and an operator or crash
 * ending the session (57P01–57P05).
 */
function isConnectionState(code: string): boolean {
  return code.startsWith('08') || code.startsWith('28') || code === '3D000' || code === '53300' || code.startsWith('57P');
}

/** The longest server message kept: enough for any connection message PostgreSQL writes. */
const MESSAGE_LIMIT = 300;

/**
 * The message of a failure to connect or of a session the server ended, as the server or the
 * system wrote it (`database "x" does not exist`, `connect ECONNREFUSED 127.0.0.1:5432`), on one
 * line and at most {@link MESSAGE_LIMIT} characters; `undefined` for any other failure, whose
 * message may quote a statement's values. `connecting`: no connection was made, so nothing of a
 * statement was ever sent, and the driver's own message (a connect timeout) is kept as well.
 */
function connectionMessageOf(error: unknown, connecting: boolean): string | undefined {
  const code = fieldOf(error, 'code');
  const safe = connecting || (typeof code === 'string' && (isSqlState(code) ? isConnectionState(code) : /^E[A-Z0-9_]+$/.test(code)));
  if (!safe) return undefined;
  let message = fieldOf(error, 'message');
  // Node.js rejects a connection to a name with several addresses (localhost: ::1 and 127.0.0.1)
  // with an AggregateError whose own message is empty: its errors say what happened.
  if (message === '' || message === undefined) message = innerMessages(fieldOf(error, 'errors'));
  if (typeof message !== 'string') return undefined;
  const line = message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  if (line === '') return undefined;
  return line.length > MESSAGE_LIMIT ? `${line.slice(0, MESSAGE_LIMIT - 1)}…` : line;
}

/** The messages of an AggregateError's `errors`, joined; `undefined` when they cannot be read. */
function innerMessages(errors: unknown): string | undefined {
  try {
    if (!Array.isArray(errors)) return undefined;
    return errors
      .map((inner: unknown) => fieldOf(inner, 'message'))
      .filter((text): text is string => typeof text === 'string' && text !== '')
      .join('; ');
  } catch {
    return undefined;
  }
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
 * table and the schema, in a message built from them; and, for a failure to connect or a session
 * the server ended, the server's own message ({@link PostgresErrorSummary.serverMessage}), which
 * such failures never fill with a statement's values.
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
   * What the server (or the system) said, for a failure to connect or a session it ended: SQLSTATE
   * classes 08 and 28, `3D000`, `53300` and `57P01`–`57P05`, system errors such as `ECONNREFUSED`,
   * and, with `connecting`, any failure to connect (`password authentication failed for user
   * "opd"`, `database "opd" does not exist`, `connect ECONNREFUSED 127.0.0.1:5432`). `undefined`
   * for every other failure: the message of a refused statement may quote its values.
   */
  readonly serverMessage: string | undefined;

  /**
   * @param error - what the driver threw (an `Error` with PostgreSQL's fields, or anything else);
   *   only its SQLSTATE or system error code, constraint, table, schema and class name are kept,
   *   and its message for a failure to connect or a session the server ended.
   *   Never throws: a field that cannot be read (a getter or a proxy that throws) is left out
   * @param connecting - whether it failed to make a connection (no statement was sent on it), so
   *   that its message is kept whatever its code
   */
  constructor(error: unknown, connecting = false) {
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
    const serverMessage = connectionMessageOf(error, connecting);
    const summary = code === undefined ? `connection or driver failure (${kindOf(error)})` : `PostgreSQL error (${parts.join(', ')})`;
    super(serverMessage === undefined ? summary : `${summary}: ${serverMessage}`);
    this.serverMessage = serverMessage;
    this.code = code;
    this.constraint = constraint;
    this.table = table;
    this.schema = text('schema');
  }

  /** What `JSON.stringify` shows. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      code: this.code,
      constraint: this.constraint,
      table: this.table,
      schema: this.schema,
      serverMessage: this.serverMessage,
    };
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
  const summary = new PostgresErrorSummary(original, lost && error.connecting);
  const code = summary.code;
  const constraint = summary.constraint;
  const said = summary.serverMessage === undefined ? '' : `: ${summary.serverMessage}`;
  let text = message;
  if (lost && error.connecting) text = `${message}: could not connect to PostgreSQL (${isSqlState(code) ? `SQLSTATE ${code}` : kindOf(original)})${said}`;
  else if (lost)
    text = `${message}: the connection to PostgreSQL was lost${error.outcome === 'unknown' ? ' after COMMIT was sent; the outcome is unknown (retry with the same idempotency key)' : ''}${said}`;
  else if (code !== undefined) text = `${message} (SQLSTATE ${code}${constraint === undefined ? '' : `, constraint ${constraint}`})${said}`;
  return new OpdError('STORAGE_FAILURE', text, {
    details: { adapter: 'postgres', ...extra, code, constraint, outcome: lost ? error.outcome : 'not-committed' },
    cause: summary,
  });
}
