/**
 * Where an offline desk keeps its log ({@link DeskLogStore}): in memory by default
 * ({@link MemoryDeskLog}), or in a table of the desk's own PGlite (or PostgreSQL) database
 * ({@link PostgresDeskLog}), so that the log outlives the desk's process.
 */
import { OpdError } from '../errors.js';
import { schemaName } from '../postgres/schema.js';
import type { DeskCommand } from './types.js';

/**
 * A desk's log, kept per lease, in the order the desk made its commands. Appending a command whose
 * idempotency key the lease's log holds already changes nothing, so that an append repeated after a
 * crash never writes a command twice.
 */
export interface DeskLogStore {
  /** Short name used in errors, such as `memory` or `postgres`. */
  readonly name: string;
  /**
   * The commands kept for a lease, in the order they were appended.
   * @param leaseId - the lease
   */
  load(leaseId: string): Promise<DeskCommand[]>;
  /**
   * Appends a command to a lease's log; nothing changes when its idempotency key is kept already.
   * @param leaseId - the lease
   * @param command - the command, as the desk logged it
   * @throws OpdError `STORAGE_FAILURE` when the store cannot write it
   */
  append(leaseId: string, command: DeskCommand): Promise<void>;
}

/** The log in the desk's memory: it ends with the process (export it with `OfflineDesk.exportLog`). */
export class MemoryDeskLog implements DeskLogStore {
  /** Always `'memory'`. */
  readonly name = 'memory';
  readonly #logs = new Map<string, DeskCommand[]>();

  /** @inheritDoc */
  async load(leaseId: string): Promise<DeskCommand[]> {
    return [...(this.#logs.get(leaseId) ?? [])];
  }

  /** @inheritDoc */
  async append(leaseId: string, command: DeskCommand): Promise<void> {
    const log = this.#logs.get(leaseId) ?? [];
    if (!log.some((c) => c.idempotencyKey === command.idempotencyKey)) log.push(command);
    this.#logs.set(leaseId, log);
  }
}

/** What a statement of {@link DeskLogDb.query} answers. */
export interface DeskLogRows {
  /** The rows, each an object of its columns. */
  readonly rows: unknown[];
}

/** The few methods of a PGlite instance or a node-postgres pool the log needs. */
export interface DeskLogDb {
  /** Runs one statement with bind parameters. */
  query(text: string, values?: unknown[]): Promise<DeskLogRows>;
}

/** Options of {@link PostgresDeskLog}. */
export interface PostgresDeskLogOptions {
  /** The desk's database: its PGlite instance (or a pool). */
  readonly db: DeskLogDb;
  /** The schema of the desk's store (the log's table, `opd_desk_log`, is made there when missing). @defaultValue `'public'` */
  readonly schema?: string | undefined;
}

/**
 * The log in a table of the desk's own database (`opd_desk_log`, made on first use), beside the
 * desk's store: a desk reopened on the same PGlite data directory finds every command it made.
 * Each row is keyed by lease and idempotency key (`ON CONFLICT DO NOTHING`); the command, with its
 * patient, travels as a bind parameter, never in SQL text.
 *
 * @example
 * ```ts
 * import { PGlite } from '@electric-sql/pglite';
 * import { OfflineDesk, PostgresDeskLog, type Lease } from 'opd-scheduler/desk';
 * import { migrate, PostgresStorage } from 'opd-scheduler/postgres';
 *
 * declare const lease: Lease;
 * const db = new PGlite('./desk-data');
 * await migrate(db, { schema: 'desk' });
 * const desk = await OfflineDesk.open(lease, { storage: new PostgresStorage({ db, schema: 'desk' }), logStore: new PostgresDeskLog({ db, schema: 'desk' }) });
 * ```
 */
export class PostgresDeskLog implements DeskLogStore {
  /** Always `'postgres'`. */
  readonly name = 'postgres';
  readonly #db: DeskLogDb;
  readonly #table: string;
  #ready: Promise<void> | undefined;

  /**
   * @param options - the database and the schema
   * @throws OpdError `VALIDATION_FAILED` for a missing database or a schema that is not an identifier
   */
  constructor(options: PostgresDeskLogOptions) {
    if (typeof options !== 'object' || options === null || typeof options.db?.query !== 'function') {
      throw new OpdError('VALIDATION_FAILED', 'Expected `db` to be a PGlite instance or a pool', { details: { field: 'db' } });
    }
    this.#db = options.db;
    this.#table = `${schemaName('schema', options.schema ?? 'public').sql}.opd_desk_log`;
  }

  /** @inheritDoc */
  async load(leaseId: string): Promise<DeskCommand[]> {
    await this.#made();
    const { rows } = await this.#run(`SELECT command FROM ${this.#table} WHERE lease_id = $1 ORDER BY seq`, [leaseId]);
    return rows.map((r) => {
      const command = (r as { command: unknown }).command;
      return (typeof command === 'string' ? JSON.parse(command) : command) as DeskCommand;
    });
  }

  /** @inheritDoc */
  async append(leaseId: string, command: DeskCommand): Promise<void> {
    await this.#made();
    await this.#run(`INSERT INTO ${this.#table} (lease_id, idempotency_key, command) VALUES ($1, $2, $3::jsonb) ON CONFLICT DO NOTHING`, [
      leaseId,
      command.idempotencyKey,
      JSON.stringify(command),
    ]);
  }

  #made(): Promise<void> {
    this.#ready ??= this.#run(
      `CREATE TABLE IF NOT EXISTS ${
        this.#table
      } (seq bigint GENERATED ALWAYS AS IDENTITY, lease_id text NOT NULL, idempotency_key text NOT NULL, command jsonb NOT NULL, PRIMARY KEY (lease_id, idempotency_key))`,
      [],
    ).then(
      () => undefined,
      (error: unknown) => {
        this.#ready = undefined;
        throw error;
      },
    );
    return this.#ready;
  }

  async #run(text: string, values: unknown[]): Promise<DeskLogRows> {
    try {
      return await this.#db.query(text, values);
    } catch (error) {
      // The driver's message may quote the row (a patient): only the SQLSTATE goes on.
      const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
      throw new OpdError('STORAGE_FAILURE', "The desk's log could not be read or written", {
        details: { adapter: this.name, code: typeof code === 'string' ? code : null },
      });
    }
  }
}
