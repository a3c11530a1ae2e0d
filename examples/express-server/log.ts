/**
 * JSON-lines logging with ids only. Request lines name the route template and its id
 * parameters, never the body, the query string or raw paths (which a client could fill with
 * anything). Unexpected errors are logged by name, code and stack frames, without their message
 * text, which may quote input.
 */
import { isOpdError } from 'opd-scheduler';

/** One log record: flat, JSON-serializable, without patient data. */
export type LogRecord = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** Where log records go. */
export interface Logger {
  info(msg: string, fields?: LogRecord): void;
  error(msg: string, fields?: LogRecord): void;
}

/** Writes one JSON line per record to `write` (standard output by default). */
export function jsonLogger(write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const emit = (level: string, msg: string, fields?: LogRecord): void => {
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
  };
  return { info: (msg, fields) => emit('info', msg, fields), error: (msg, fields) => emit('error', msg, fields) };
}

/** Discards everything. */
export const silentLogger: Logger = Object.freeze({ info: () => undefined, error: () => undefined });

/** Loggable facts about an error: engine messages carry no patient data; others may, so they are left out. */
export function describeError(error: unknown): LogRecord {
  if (isOpdError(error)) {
    const cause = error.cause;
    return { errorCode: error.code, errorMessage: error.message, ...(cause === undefined ? {} : prefixed(describeForeign(cause))) };
  }
  return describeForeign(error);
}

function describeForeign(error: unknown): LogRecord {
  if (!(error instanceof Error)) return { errorType: typeof error };
  const code = (error as { code?: unknown }).code;
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => line.startsWith('    at '))
    .slice(0, 8)
    .map((line) => line.trim())
    .join(' | ');
  return { errorName: error.name, errorCode: typeof code === 'string' || typeof code === 'number' ? code : undefined, errorStack: frames };
}

function prefixed(record: LogRecord): LogRecord {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [`cause${k[0]!.toUpperCase()}${k.slice(1)}`, v]));
}
