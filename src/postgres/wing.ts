/**
 * What every part of one adapter instance shares: its driver and statements, the settings its units
 * run with, the copy of the doctors' days, the counters of how its units ran, and the numbers that
 * tie its units to the events they wrote. One per `PostgresStorage`: two adapters in one process
 * share nothing.
 */
import { isOpdError, OpdError } from '../errors.js';
import type { LoadRequest } from '../model/snapshot.js';
import { Wakeup } from '../storage/tail.js';
import { loadRequestJson } from './codec.js';
import { ServerChanged } from './connection.js';
import { type Driver, driverFor, type PostgresDb, type Step } from './db.js';
import { codeOf, storageFailure } from './errors.js';
import { openDatabase } from './hosts.js';
import { Replicas } from './replicas.js';
import type { StorageSettings } from './options.js';
import type { SchemaName } from './schema.js';
import { DayCache } from './speed/cache.js';
import { newUnitPaths, type UnitPaths } from './speed/paths.js';
import { type Statements, statementsFor } from './sql.js';
import { readInput } from '../validate.js';
import { DEFAULT_FACILITY_ID } from '../facility.js';

/** Doctor-days an adapter instance keeps. */
const CACHE_DAYS = 2048;

/** How many of a doctor's most recently used days a unit offers the revs of. */
export const RECENT_DAYS = 4;

/** What every part of one adapter instance shares (see the module's comment). */
export class Wing {
  /** Always `'postgres'`: the adapter's name in errors. */
  readonly name = 'postgres';
  /** The driver of the units and the display reads (these on a standby where `read` allows it: see `replicas.ts`). */
  readonly driver: Driver;
  /** The primary's driver, for the reads that always run there (history, the sweep's, the stats'). */
  readonly primary: Driver;
  /** Where the display reads went (see `replicas.ts`). */
  readonly replicas: Replicas;
  readonly db: PostgresDb;
  readonly schema: SchemaName;
  readonly sql: Statements;
  /** The `lock_timeout` a unit's locking statement sets, in ms as text; `null` on PGlite. */
  readonly lockTimeout: string | null;
  /** The `statement_timeout` a unit's locking statement sets, in ms as text; `null` on PGlite. */
  readonly statementTimeout: string | null;
  readonly retries: number;
  /** `enforceSlotLimit`: the database refuses a slot with more places than it allows. */
  readonly enforce: boolean;
  readonly groupCommit: boolean;
  readonly listen: boolean;
  /** The first part of the tag of each unit of this instance (its events' `origin`). */
  readonly origin = globalThis.crypto.randomUUID();
  /** The copy of the doctors' days (see `speed/cache.ts`). */
  readonly cache = new DayCache(CACHE_DAYS);
  /** Woken when events were committed, for the readers of the history. */
  readonly wakeup = new Wakeup();
  /** Aborted by `close()`: ends the feeds, the tails and the background checks. */
  readonly stop = new AbortController();
  /** How the instance's units ran so far (for the benchmarks). */
  readonly paths: UnitPaths = newUnitPaths();
  /** How many units the instance started: the second part of a unit's tag. */
  units = 0;
  closed = false;
  /** An event number no unit started later can take (the floor of a lost unit's events). */
  seqFloor = 0;
  /** Whether a feed listened when the last unit with events took its numbers (at first: assume so). */
  listening = true;
  /** A unit learnt that a feed listens, too late to notify in its own round trip. */
  notifyLater = false;

  /**
   * @param settings - the options, read and checked
   * @param facilityId - the facility (checked) every transaction of the wing is scoped to
   */
  constructor(
    settings: StorageSettings,
    readonly facilityId: string = DEFAULT_FACILITY_ID,
  ) {
    const db = settings.db;
    this.schema = settings.schema;
    this.sql = statementsFor(this.schema);
    this.retries = settings.retries;
    this.listen = settings.listen;
    this.enforce = settings.enforceSlotLimit;
    this.groupCommit = settings.groupCommit;
    // The db last, once every other option is known good: a pool's driver puts a listener on it.
    // Every transaction on a pool opens with the statement timeout (and no bind parameters in
    // the server's error reports: see SETTINGS_SQL in pool-driver.ts). A db whose fields cannot be
    // read (a proxy whose traps throw) is refused naming `db`.
    // A new connection that reaches another server than the earlier ones (a restart after a
    // crash, a failover, a restore) may have lost units acknowledged before, and the doctors' revs
    // with them, which other writers then reach again: a copy checked by rev alone would pass. The
    // whole copy is dropped then, and every unit prepared on it runs again.
    // A list of hosts (a highly available cluster) is followed by `hosts.ts`: every unit on the
    // host that accepts writes, the copy dropped when the primary moves to another host.
    const opened = readInput('db', () =>
      openDatabase(
        'db',
        db,
        this.sql.prefix,
        { statementTimeout: settings.statementTimeout, onServerChange: () => this.cache.forget(undefined), facilityId },
        { failoverTimeout: settings.failoverTimeout, signal: this.stop.signal },
      ),
    );
    const standbys = settings.read.map((standby) =>
      readInput('read', () => driverFor('read', standby, this.sql.prefix, { statementTimeout: settings.statementTimeout, facilityId, readCommitted: true })),
    );
    this.primary = opened.driver;
    this.replicas = new Replicas(opened.driver, standbys, this.sql.prefix);
    this.driver = this.replicas.driver;
    this.db = opened.db;
    const pool = this.driver.kind === 'pool';
    this.lockTimeout = pool ? String(settings.lockTimeout) : null;
    this.statementTimeout = pool ? String(settings.statementTimeout) : null;
  }

  /** A new unit's tag: unique to the unit, stored as the `origin` of its events. */
  tag(): string {
    return `${this.origin}:${++this.units}`;
  }

  assertOpen(): void {
    if (this.closed) throw new OpdError('STORAGE_FAILURE', 'The PostgreSQL storage is closed', { details: { adapter: this.name } });
  }

  /** A failure as the adapter reports it: an `OpdError` as is, a database error reduced to `STORAGE_FAILURE`. */
  failure(error: unknown): OpdError {
    if (isOpdError(error)) return error;
    const code = codeOf(error);
    if (code === 'OPD01' || code === 'OPD02') return storageFailure(error, 'PostgreSQL refused an inconsistent change');
    if (code === '42P01' || code === '42883' || code === '3F000')
      return storageFailure(error, `PostgreSQL failed; run migrate() for schema \`${this.schema.name}\` first`);
    return storageFailure(error, 'PostgreSQL failed');
  }

  /** One statement outside of any unit (a read), its failure reported as {@link Wing.failure} does. */
  async run(statement: Statements['load'], values: readonly (string | number | boolean | null)[]): Promise<unknown> {
    this.assertOpen();
    try {
      try {
        return await this.primary.run({ statement, values });
      } catch (error) {
        // A read refused, unsent, because the server changed meanwhile: read again.
        if (error instanceof ServerChanged) return await this.primary.run({ statement, values });
        throw error;
      }
    } catch (error) {
      throw this.failure(error);
    }
  }

  /**
   * One statement read as a display read: on a standby that has replayed this adapter's writes
   * where `read` allows it, else on the primary (see `replicas.ts`); its failure reported as
   * {@link Wing.failure} does.
   */
  async display(statement: Statements['load'], values: readonly (string | number | boolean | null)[]): Promise<unknown> {
    this.assertOpen();
    try {
      return (await this.driver.snapshot([{ statement, values }]))[0];
    } catch (error) {
      throw this.failure(error);
    }
  }

  /** `opd_load` of a request under the doctor's lock, reading what changed since the `known` revs. */
  lockedLoadStep(request: LoadRequest, known: Record<string, number> | undefined): Step {
    return { statement: this.sql.load, values: [loadRequestJson(request, known), true, this.lockTimeout, this.statementTimeout] };
  }
}
