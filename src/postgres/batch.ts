/**
 * Several statements with bind parameters in one round trip on a node-postgres client, without
 * pipeline mode: a "submittable" (the interface node-postgres offers to cursors and streams) that
 * writes Parse (once per connection and statement name), Bind, Describe and Execute for every
 * step and a single Sync. The steps run in order in one implicit transaction context, so
 * `BEGIN; SELECT opd_load($1, …)` costs one round trip, and `SELECT opd_write(…); COMMIT` another.
 * After an error the server skips the remaining steps up to the Sync.
 */
import type { Step } from './db.js';

/** A step of a batch. */
export type BatchStep = Step;

/** The part of node-postgres's `Connection` a batch writes to (the protocol messages). */
export interface BatchConnection {
  parsedStatements: Record<string, string>;
  stream?: { cork?: () => void; uncork?: () => void };
  parse(message: { text: string; name: string; types: unknown[] }): void;
  close(message: { type: 'S'; name: string }): void;
  bind(message: { portal: string; statement: string; values: readonly unknown[] }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(message: { portal: string; rows: number }): void;
  sync(): void;
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

export class Batch {
  /** What node-postgres reads of a submittable; a batch has no single name or text. */
  readonly name = undefined;
  readonly text = undefined;
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
    connection.stream?.cork?.();
    try {
      for (const { statement, values } of this.#steps) {
        if (connection.parsedStatements[statement.name] === undefined) {
          // After a failed batch the statement may or may not exist: closing a missing statement
          // is no error, parsing an existing one would be.
          connection.close({ type: 'S', name: statement.name });
          connection.parse({ text: statement.text, name: statement.name, types: [] });
          connection.parsedStatements[statement.name] = statement.text;
          this.#parsed.push(statement.name);
        }
        connection.bind({ portal: '', statement: statement.name, values: values.map((v) => (v === null ? null : String(v))) });
        connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '', rows: 0 });
      }
      connection.sync();
    } finally {
      connection.stream?.uncork?.();
    }
    return null;
  }

  /** Whether the current step answers an `opd_out` column (the only one read). */
  #wanted = false;
  /** A JSON answer that could not be parsed (reported once the batch ends; never thrown here). */
  #bad: Error | undefined;

  handleRowDescription(message: { fields?: readonly { name?: string }[] }): void {
    this.#wanted = message.fields?.[0]?.name === 'opd_out';
  }

  handleDataRow(message: { fields: readonly (string | null)[] }): void {
    if (!this.#wanted || this.#out.length > this.#step) return; // only the first row of a step
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
    this.#wanted = false;
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
  }

  handleReadyForQuery(): void {
    if (this.#settled) return;
    if (this.#bad !== undefined) return this.handleError(this.#bad);
    this.#settled = true;
    this.#resolve(this.#out);
  }

  handleCopyInResponse(): void {}

  handleCopyData(): void {}
}
