/** What a command writes to and reads from: the streams, the environment, the stop signal. */

/** A stream the CLI writes text to (`process.stdout`, or a test's collector). */
export interface CliOutput {
  /** Writes text; `false` asks the writer to wait for `drain` before writing more. */
  write(text: string): boolean;
  /** Subscribes to `drain` (a stream's backpressure); optional for collectors that never return `false`. */
  once?(event: 'drain', listener: () => void): unknown;
}

/** The world of one run of the CLI. */
export interface CliIo {
  /** Where results go: tables, JSON, JSON lines, SQL. */
  readonly stdout: CliOutput;
  /** Where messages about the run go: errors, usage, warnings. */
  readonly stderr: CliOutput;
  /** The environment (`DATABASE_URL`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGTERM or SIGINT: `sweep --every` finishes its sweep and stops, `export-history` stops between pages. */
  readonly signal?: AbortSignal | undefined;
  /** Reads a file given on the command line (`import-rota`), as text. */
  readonly readFile: (path: string) => Promise<string>;
  /** The current time (the scheduler's clock). */
  readonly now?: (() => Date) | undefined;
}

/** Writes text, waiting for the stream to drain when it asks to, so that a long export never piles up in memory. */
export async function write(out: CliOutput, text: string): Promise<void> {
  if (out.write(text) || out.once === undefined) return;
  await new Promise<void>((resolve) => out.once!('drain', resolve));
}

/** Writes one JSON value as a line. */
export function writeLine(out: CliOutput, value: unknown): Promise<void> {
  return write(out, `${JSON.stringify(value)}\n`);
}
