/**
 * JSON-lines logging with ids only, through pino. Request lines name the route template and its id
 * parameters, never the body, the query string or raw paths (which a client could fill with
 * anything). Unexpected errors are logged by name, code and stack frames, without their message
 * text, which may quote input.
 */
import { ErrorSummary, isOpdError } from 'opd-scheduler';
import { pino } from 'pino';

/** One log record: flat, JSON-serializable, without patient data. */
export type LogRecord = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** Where log records go. */
export interface Logger {
  info(msg: string, fields?: LogRecord): void;
  error(msg: string, fields?: LogRecord): void;
  /** Writes out anything buffered (before the process exits). */
  flush?(): void;
}

/**
 * A pino logger writing one JSON line per record (`level` as a word, `time` in ISO 8601, `pid`,
 * the fields, `msg`) to `write` (standard output by default). Lines are gathered and written
 * once per turn of the event loop, so that a busy server makes one write for many requests;
 * errors are written at once. Fields named `patient`, `authorization` or `apiKey` are removed
 * wherever a caller passes them, as a second line of defence.
 */
export function jsonLogger(write: (text: string) => void = (text) => process.stdout.write(text)): Logger {
  let pending = '';
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending === '') return;
    const text = pending;
    pending = '';
    write(text);
  };
  const destination = {
    write(line: string): void {
      pending += line;
      if (line.startsWith('{"level":"error"')) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  };
  const log = pino(
    {
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['patient', '*.patient', 'authorization', 'apiKey'], remove: true },
    },
    destination,
  );
  return { info: (msg, fields) => log.info(fields ?? {}, msg), error: (msg, fields) => log.error(fields ?? {}, msg), flush };
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
  // The library's summary of a foreign error (its message dropped) still names what was thrown.
  const kind = error instanceof ErrorSummary ? error.kind : error.name;
  return { errorName: kind, errorCode: typeof code === 'string' || typeof code === 'number' ? code : undefined, errorStack: frames };
}

function prefixed(record: LogRecord): LogRecord {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [`cause${k[0]!.toUpperCase()}${k.slice(1)}`, v]));
}
