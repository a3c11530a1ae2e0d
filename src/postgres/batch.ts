/**
 * Several statements with bind parameters in one round trip on a node-postgres client, without
 * pipeline mode: a "submittable" (the interface node-postgres offers to cursors and streams) that
 * writes Parse (once per connection and statement name), Bind and Execute for every step and a
 * single Sync, encoded into one buffer and handed to the socket in one write. No Describe: the
 * rows come as text, and a step's statement says whether its first column is the JSON read
 * back (`opd_out`). The steps run in order in one implicit transaction context,
 * so `BEGIN; SELECT opd_load($1, …)` costs one round trip, and `SELECT opd_write(…); COMMIT`
 * another. After an error the server skips the remaining steps up to the Sync.
 *
 * A batch ends as node-postgres's own queries do: it calls the submittable's `callback`, which the
 * client sets to clear the read timer of its `query_timeout` (a timer left armed keeps the process
 * alive until it fires, long after the pool has ended).
 */
import type { Step } from './db.js';

/** A step of a batch. */
export type BatchStep = Step;

/** The part of node-postgres's `Connection` a batch uses: its statement names and its socket. */
export interface BatchConnection {
  parsedStatements: Record<string, string>;
  readonly stream: { readonly writable?: boolean; write(chunk: Uint8Array): boolean };
}

/**
 * What a batch adds to the driver error it rejects with: whether it was written to the
 * connection at all, how many steps had completed before the error, and their outputs (a failure
 * after `COMMIT` answered still carries what the unit wrote).
 */
export interface BatchFailure {
  readonly submitted: boolean;
  readonly completedSteps: number;
  readonly completedOutputs: readonly unknown[];
}

/** The batch facts of a failure (an error that did not come from a batch was never submitted). */
export function batchFailure(error: unknown): BatchFailure {
  const e = error as Partial<BatchFailure> | null;
  return { submitted: e?.submitted ?? false, completedSteps: e?.completedSteps ?? 0, completedOutputs: e?.completedOutputs ?? [] };
}

/** Bytes of a Sync message, the same for every batch. */
const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4);

/** A bind parameter as text (`null` stays SQL NULL). */
const textOf = (value: string | number | boolean | null): string | null => (value === null || typeof value === 'string' ? value : String(value));

/** Writes `text` and its terminating zero at `at`; the position after them. */
function cstring(buffer: Buffer, at: number, text: string): number {
  const end = at + buffer.write(text, at);
  buffer[end] = 0;
  return end + 1;
}

/** Writes a message's type byte at `at`; the position of its length, which {@link sealed} fills in. */
function opened(buffer: Buffer, at: number, code: number): number {
  buffer[at] = code;
  return at + 1;
}

/** Writes a message's length (from its length field at `lengthAt` to `at`); `at`. */
function sealed(buffer: Buffer, lengthAt: number, at: number): number {
  buffer.writeInt32BE(at - lengthAt, lengthAt);
  return at;
}

/** The size in bytes of a step's parameters as Bind carries them (a length each, then the text). */
function paramsSize(values: readonly (string | number | boolean | null)[]): number {
  let size = 0;
  for (let i = 0; i < values.length; i++) {
    const text = textOf(values[i]!);
    size += 4 + (text === null ? 0 : Buffer.byteLength(text));
  }
  return size;
}

/** Writes a step's parameters as Bind carries them; the position after them. */
function params(buffer: Buffer, at: number, values: readonly (string | number | boolean | null)[]): number {
  for (let i = 0; i < values.length; i++) {
    const text = textOf(values[i]!);
    if (text === null) {
      buffer.writeInt32BE(-1, at);
      at += 4;
    } else {
      const written = buffer.write(text, at + 4);
      buffer.writeInt32BE(written, at);
      at += 4 + written;
    }
  }
  return at;
}

/**
 * The frontend messages of a batch (PostgreSQL protocol 3), written into one buffer of their
 * size (small enough, it is a slice of Node's shared pool rather than memory of its own). Plain
 * functions of the buffer and a position, no closures: this runs twice for every unit.
 */
function encode(connection: BatchConnection, steps: readonly BatchStep[], parsed: string[]): Uint8Array {
  const known = connection.parsedStatements;
  let size = SYNC.length;
  for (let i = 0; i < steps.length; i++) {
    const { statement, values } = steps[i]!;
    const name = Buffer.byteLength(statement.name);
    // Close (1 + 4 + 1 + name + 1) and Parse (1 + 4 + name + 1 + text + 1 + 2), when not parsed yet.
    if (known[statement.name] === undefined) size += 16 + 2 * name + Buffer.byteLength(statement.text);
    // Bind (1 + 4 + 1 + name + 1 + 2 + 2 + parameters + 2) and Execute (1 + 4 + 1 + 4).
    size += 23 + name + paramsSize(values);
  }
  const buffer = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < steps.length; i++) {
    const { statement, values } = steps[i]!;
    if (known[statement.name] === undefined) {
      // After a failed batch the statement may or may not exist: closing a missing statement
      // is no error, parsing an existing one would be.
      let m = opened(buffer, at, 0x43); // Close
      at = m + 4;
      buffer[at++] = 0x53; // 'S': a prepared statement
      at = sealed(buffer, m, cstring(buffer, at, statement.name));
      m = opened(buffer, at, 0x50); // Parse
      at = cstring(buffer, cstring(buffer, m + 4, statement.name), statement.text);
      buffer.writeInt16BE(0, at); // no parameter types given
      at = sealed(buffer, m, at + 2);
      known[statement.name] = statement.text;
      parsed.push(statement.name);
    }
    let m = opened(buffer, at, 0x42); // Bind
    at = m + 4;
    buffer[at++] = 0; // the unnamed portal
    at = cstring(buffer, at, statement.name);
    buffer.writeInt16BE(0, at); // every parameter as text
    buffer.writeInt16BE(values.length, at + 2);
    at = params(buffer, at + 4, values);
    buffer.writeInt16BE(0, at); // every result column as text
    at = sealed(buffer, m, at + 2);
    m = opened(buffer, at, 0x45); // Execute, every row
    at = m + 4;
    buffer[at++] = 0;
    buffer.writeInt32BE(0, at);
    at = sealed(buffer, m, at + 4);
  }
  buffer.set(SYNC, at);
  at += SYNC.length;
  // A statement named twice in one batch is parsed once, but was counted twice.
  return at === size ? buffer : buffer.subarray(0, at);
}

export class Batch {
  /** What node-postgres reads of a submittable; a batch has no single name or text. */
  readonly name = undefined;
  readonly text = undefined;
  /**
   * The end of node-postgres's query protocol, called once when the batch settles: the client
   * puts here what must happen when its query is over (with a `query_timeout`, clearing the read
   * timer). The batch's own promise is not this callback: on a read timeout the client calls it
   * with a bare error before it calls {@link handleError}, and the batch rejects with its facts
   * ({@link BatchFailure}) from there.
   */
  callback: ((error: Error | null, out?: unknown[]) => void) | undefined = undefined;
  readonly #steps: readonly BatchStep[];
  readonly #resolve: (out: unknown[]) => void;
  readonly #reject: (error: unknown) => void;
  readonly #out: unknown[] = [];
  /** Statement names this batch parsed (forgotten again if the batch fails). */
  readonly #parsed: string[] = [];
  #connection: BatchConnection | undefined;
  #step = 0;
  #settled = false;

  constructor(steps: readonly BatchStep[], resolve: (out: unknown[]) => void, reject: (error: unknown) => void) {
    this.#steps = steps;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  submit(connection: BatchConnection): Error | null {
    this.#connection = connection;
    const bytes = encode(connection, this.#steps, this.#parsed);
    // As node-postgres does: a socket no longer writable ends with an `error` or `end` event.
    if (connection.stream.writable !== false) connection.stream.write(bytes);
    return null;
  }

  /** A JSON answer that could not be parsed (reported once the batch ends; never thrown here). */
  #bad: Error | undefined;

  /** Never sent: the batch asks for no row description. */
  handleRowDescription(): void {}

  handleDataRow(message: { fields: readonly (string | null)[] }): void {
    // Only the first row of a step whose statement answers JSON is read.
    if (this.#steps[this.#step]?.statement.json !== true || this.#out.length > this.#step) return;
    const field = message.fields[0];
    try {
      this.#out.push(field === null || field === undefined ? null : JSON.parse(field));
    } catch {
      this.#bad ??= new Error('PostgreSQL answered a value that is not JSON');
      this.#out.push(undefined);
    }
  }

  handleCommandComplete(): void {
    if (this.#out.length <= this.#step) this.#out.push(undefined);
    this.#step++;
  }

  handleEmptyQuery(): void {
    this.handleCommandComplete();
  }

  handlePortalSuspended(): void {}

  handleError(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    // Statements parsed by this batch may not exist on the server after an error.
    if (this.#connection !== undefined) for (const name of this.#parsed) delete this.#connection.parsedStatements[name];
    const failure = error instanceof Error ? error : new Error('PostgreSQL failed');
    Object.defineProperty(failure, 'submitted', { value: this.#connection !== undefined, configurable: true });
    Object.defineProperty(failure, 'completedSteps', { value: this.#step, configurable: true });
    Object.defineProperty(failure, 'completedOutputs', { value: this.#out.slice(0, this.#step), configurable: true });
    this.#reject(failure);
    this.callback?.(failure);
  }

  handleReadyForQuery(): void {
    if (this.#settled) return;
    if (this.#bad !== undefined) return this.handleError(this.#bad);
    this.#settled = true;
    this.#resolve(this.#out);
    this.callback?.(null, this.#out);
  }

  handleCopyInResponse(): void {}

  handleCopyData(): void {}
}
