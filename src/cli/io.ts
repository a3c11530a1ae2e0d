/** What a command writes to and reads from: the streams, the environment, the stop signal. */

import type { PostgresDb } from 'opd-scheduler/postgres';

/** A stream the CLI writes text to (`process.stdout`, or a test's collector). */
export interface CliOutput {
  /** Writes text; `false` asks the writer to wait for `drain` before writing more. */
  write(text: string): boolean;
  /** Subscribes to `drain` (a stream's backpressure); optional for collectors that never return `false`. */
  once?(event: 'drain', listener: () => void): unknown;
}

/** What {@link CliIo.readFile} hands back: the file's chunks as they are read (text or UTF-8 bytes), or its whole text. */
export type FileContent = AsyncIterable<string | Uint8Array> | Promise<string>;

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
  /**
   * Reads a file given on the command line (`import-rota`): its chunks as they are read (the
   * program's own reader, a file stream), so that a reader with a bound stops at the chunk that
   * passes it; or its whole text. Either way the file may fail to open when read (`ENOENT`).
   */
  readonly readFile: (path: string) => FileContent;
  /** The current time (the scheduler's clock). */
  readonly now?: (() => Date) | undefined;
  /**
   * Opens the PGlite database of `--data-dir`; without it, `PGlite.create(dataDir)`, closed when
   * the command ends (the program's way: one command per process). A host that runs several
   * commands in one process against the same folder (the command line's own tests) may keep one
   * database open across them and hand it out here, with a `close` that leaves it open: two PGlite
   * instances must never hold one folder at once, and opening one costs more than most commands.
   */
  readonly openDataDir?: ((dataDir: string) => Promise<OpenedDataDir>) | undefined;
}

/** A PGlite database {@link CliIo.openDataDir} opened, and how the command lets it go. */
export interface OpenedDataDir {
  readonly db: PostgresDb;
  close(): Promise<void>;
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

/**
 * Reads a file's content as UTF-8 text, up to `maxBytes`: a content read in chunks is read no
 * further than the chunk that passes the bound (its stream then closed), so an endless input costs
 * at most `maxBytes` and one chunk.
 * @returns the text, or `undefined` when the content is larger than `maxBytes`
 */
export async function readBounded(content: FileContent, maxBytes: number): Promise<string | undefined> {
  if (content instanceof Promise) {
    const text = await content;
    return Buffer.byteLength(text, 'utf8') > maxBytes ? undefined : text;
  }
  const decoder = new TextDecoder('utf-8');
  const encoder = new TextEncoder();
  let bytes = 0;
  let text = '';
  for await (const chunk of content) {
    const data = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    bytes += data.byteLength;
    if (bytes > maxBytes) return undefined; // leaving the loop closes the stream
    text += decoder.decode(data, { stream: true });
  }
  return text + decoder.decode();
}
