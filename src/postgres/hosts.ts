/**
 * The servers of one highly available cluster (a primary and its standbys, as pg_auto_failover
 * runs them), given as a list of databases, one per host: which host accepts writes, asked of
 * every host at once and remembered, and asked again when the remembered one fails in a way that
 * says it may no longer be the primary (a lost or refused connection, an administrator's
 * shutdown, a write refused as read-only); never a host on an earlier timeline than a primary
 * already seen (an old primary back before it was demoted). Every unit of work, every write and
 * every read of the adapter runs on the primary, through {@link Hosts.driver}; the LISTEN
 * connection of the feed reaches it through {@link Hosts.db}. The display reads that may go to a
 * standby (`read`, or `readFrom: 'standby'`) are routed by `replicas.ts`, in front of this driver.
 *
 * A primary stops being one only by a restart (pg_auto_failover restarts an old primary as the
 * standby of the new one): a write sent to it then is refused as read-only, but a read succeeds on
 * whatever the standby has replayed. So a host whose server restarted is asked its role again
 * before the next call, and every read-only snapshot asks, in its own transaction and before its
 * first statement, the question the hosts are asked: a host that answers from recovery, or from an
 * earlier timeline than a primary already seen, does not serve it — the read runs again on the
 * host found next. The question never runs a function PostgreSQL refuses during recovery on a host
 * in recovery (see {@link probeStatement}).
 */
import { invalid, OpdError } from '../errors.js';
import { ConnectionLost, hasSqlState, ServerChanged } from './connection.js';
import {
  type Driver,
  driverFor,
  type Output,
  type PgClientLike,
  type PGliteLike,
  type PgPoolLike,
  type PostgresDb,
  type Statement,
  type Step,
  type UnitSession,
} from './db.js';
import type { PoolSettings } from './pool-driver.js';

/** How a list of hosts is followed. */
export interface HostSettings {
  /** Milliseconds a call waits for a host that accepts writes before it fails. */
  readonly failoverTimeout: number;
  /** Aborted when the adapter closes: a call waiting for a primary then fails at once. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * What one host answered when asked its role (`'down'` when it could not be asked); a primary
 * with its timeline, the number PostgreSQL raises at every promotion.
 */
type Role = { readonly role: 'primary' | 'read-only'; readonly timeline: number } | { readonly role: 'standby' | 'down' };

const DOWN: Role = { role: 'down' };

/** How long one host is given to say its role in one round of asking. */
const PROBE_MS = 2000;

/**
 * The role of the server: a standby (in recovery), a server out of recovery that refuses writes
 * (`default_transaction_read_only`, as pg_auto_failover sets it on a primary it drains and on a
 * standby it promotes, until the old primary's demotion is certain), or the primary; the last two
 * with their timeline (`'primary 00000003'`: the first eight hex digits of the name of the WAL
 * file it writes). The WAL functions, which PostgreSQL refuses during recovery (SQLSTATE 55000),
 * are reached only by the branch of a server out of recovery, and a server never goes back into
 * recovery without a restart. Inside a read-only transaction (the guard of a snapshot) a primary
 * answers `'read-only'`: only the recovery and the timeline are read there.
 */
function probeStatement(prefix: string): Statement {
  return {
    name: `${prefix}_role`,
    text:
      "SELECT to_json(CASE WHEN pg_catalog.pg_is_in_recovery() THEN 'standby' " +
      "ELSE CASE WHEN pg_catalog.current_setting('transaction_read_only') = 'on' THEN 'read-only ' ELSE 'primary ' END || " +
      'pg_catalog.substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8) END) AS opd_out',
    json: true,
  };
}

/** The probe's answer read: an answer it does not know counts as a host that could not be asked. */
function roleFrom(answer: unknown): Role {
  if (answer === 'standby') return { role: answer };
  const primary = typeof answer === 'string' ? /^(primary|read-only) ([0-9A-F]{8})$/.exec(answer) : null;
  return primary === null ? DOWN : { role: primary[1] as 'primary' | 'read-only', timeline: Number.parseInt(primary[2]!, 16) };
}

/**
 * A read-only snapshot answered by a host that is no longer the one it was sent to: in recovery (a
 * primary restarted as a standby) or on an earlier timeline than a primary already seen. Its
 * answers are dropped; nothing was written.
 */
class NotPrimary extends Error {
  constructor() {
    super('The host is no longer the primary');
  }
}

/**
 * Whether a failure may mean the host is no longer the primary: a lost connection (or none made),
 * the server shutting down or starting (`57P01`–`57P03`), a connection exception (class `08`), a
 * write refused as read-only (`25006`, a standby or a demoted primary), or a snapshot whose guard
 * said so ({@link NotPrimary}).
 */
export function movedAway(error: unknown): boolean {
  if (error instanceof ConnectionLost || error instanceof NotPrimary) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return false;
  return code === '25006' || code === '57P01' || code === '57P02' || code === '57P03' || code.startsWith('08');
}

/**
 * Whether the call certainly did not commit, and may run again on the next primary: no connection
 * made, a connection lost before its `COMMIT` was sent, a write refused as read-only (its
 * transaction rolled back), or a read-only snapshot answered by a host no longer the primary. Not
 * a call refused because the server changed under the steps it carries (see
 * {@link ServerChanged}): those are prepared again by the caller.
 */
function notCommitted(error: unknown): boolean {
  if (error instanceof NotPrimary) return true;
  if (error instanceof ServerChanged) return false;
  if (error instanceof ConnectionLost) return error.outcome === 'not-committed';
  return (error as { code?: unknown } | null)?.code === '25006';
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Settles with `promise`, or with `fallback` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * The hosts of one cluster and which of them is the primary. One per adapter instance (or per
 * `migrate` call); nothing is shared between two.
 */
export class Hosts {
  readonly #drivers: readonly Driver[];
  readonly #dbs: readonly PostgresDb[];
  readonly #probe: Statement;
  readonly #settings: HostSettings;
  readonly #onSwitch: (() => void) | undefined;
  /** The option the hosts were given as (`db`), to name a host in a failure as `db[1]`. */
  readonly #field: string;
  /** The host known to accept writes, until a failure there says it may not any more. */
  #current: number | undefined;
  /** The primary last found (kept while the hosts are asked again). */
  #last: number | undefined;
  /** How many times the primary moved to another host. */
  #switches = 0;
  /**
   * The hosts that accepted writes on the latest timeline in the last round of asking, when more
   * than one did (otherwise empty): the reason no host is written to, given by a call that fails.
   */
  #rivals: readonly number[] = [];
  /** The latest timeline a primary of these hosts answered with (0 before any did). */
  #timeline = 0;
  /** The latest timeline a host answered with as a primary accepting writes (0 before any did). */
  #writerTimeline = 0;
  /**
   * While no host accepts writes: the one host out of recovery that refuses them on a later
   * timeline than every primary seen — a standby promoted and not yet allowed to write — if the
   * last round of asking found one; it serves the read-only snapshots meanwhile. Never the old
   * primary being drained (its timeline is the primary's): commits it made visible without its
   * standby's confirmation may be lost.
   */
  #reader: number | undefined;
  /** The round of asking under way, shared by every caller that waits for a primary. */
  #asking: Promise<number | undefined> | undefined;
  /** The driver every part of the adapter runs its statements through. */
  readonly driver: Driver;
  /** A database whose connections reach the primary (for the feed's LISTEN connection). */
  readonly db: PostgresDb;

  constructor(field: string, dbs: readonly unknown[], prefix: string, poolSettings: PoolSettings | undefined, settings: HostSettings) {
    if (dbs.length === 0) throw invalid(field, `Expected \`${field}\` to list at least one database (one per host)`);
    // A host whose server restarted (a new connection reports another postmaster start) may have
    // come back as a standby: it is asked its role again before the next call goes there.
    const drivers = dbs.map((db, i) =>
      driverFor(
        field,
        db,
        prefix,
        poolSettings === undefined
          ? undefined
          : {
              ...poolSettings,
              onServerChange: () => {
                this.suspect(i);
                poolSettings.onServerChange?.();
              },
            },
      ),
    );
    const kind = drivers[0]!.kind;
    if (drivers.some((d) => d.kind !== kind))
      throw invalid(field, `Expected every database of \`${field}\` to be of one kind: all node-postgres pools or all PGlite instances`);
    this.#drivers = drivers;
    this.#dbs = dbs as readonly PostgresDb[];
    this.#probe = probeStatement(prefix);
    this.#settings = settings;
    this.#onSwitch = poolSettings?.onServerChange;
    this.#field = field;
    this.driver = this.#makeDriver(kind);
    this.db = kind === 'pool' ? this.#poolFacade() : this.#pgliteFacade();
  }

  /**
   * The index of the primary, asking the hosts (again and again, with backoff) until `deadline`;
   * with `reads`, while none accepts writes, the host that serves reads meanwhile (see
   * {@link Hosts.#reader}) will do.
   */
  async primary(deadline: number, reads = false): Promise<number> {
    for (let wait = 25; ; wait = Math.min(wait * 2, 1000)) {
      if (this.#current !== undefined) return this.#current;
      if (reads && this.#reader !== undefined) return this.#reader;
      const found = await this.#round();
      if (found !== undefined) return found;
      if (reads && this.#reader !== undefined) return this.#reader;
      const left = deadline - Date.now();
      if (this.#settings.signal?.aborted === true)
        throw new OpdError('STORAGE_FAILURE', 'The PostgreSQL storage is closed', { details: { adapter: 'postgres', outcome: 'not-committed' } });
      if (left <= 0) throw this.#noPrimary();
      await pause(Math.min(wait, left));
    }
  }

  /** Forgets that host `index` is the primary (the next call asks every host again). */
  suspect(index: number): void {
    if (this.#current === index) this.#current = undefined;
    if (this.#reader === index) this.#reader = undefined;
  }

  /** The round of asking under way, or a new one: shared by every caller that waits for it. */
  #round(): Promise<number | undefined> {
    this.#asking ??= this.#ask().finally(() => {
      this.#asking = undefined;
    });
    return this.#asking;
  }

  /** One round of asking every host its role: the primary, if exactly one host says it is one. */
  async #ask(): Promise<number | undefined> {
    const roles = await Promise.all(this.#drivers.map((driver) => within(this.#roleOf(driver), PROBE_MS, DOWN)));
    // An old primary back before it was demoted still accepts writes, on the timeline it had: one
    // on an earlier timeline than a primary of these hosts has answered with, in this round or
    // before, is neither written to nor read from. What it holds beyond the new primary (commits
    // its standby never confirmed, visible again after its restart) is rewound when it rejoins.
    // A host out of recovery that refuses writes on a later timeline is a standby promoted: a
    // primary on an earlier one is not written to from then on either.
    for (const r of roles) if (r.role === 'primary' || r.role === 'read-only') this.#timeline = Math.max(this.#timeline, r.timeline);
    for (const r of roles) if (r.role === 'primary') this.#writerTimeline = Math.max(this.#writerTimeline, r.timeline);
    const primaries = roles.flatMap((r, i) => (r.role === 'primary' && r.timeline === this.#timeline ? [i] : []));
    const promoted = this.#writerTimeline > 0 && this.#timeline > this.#writerTimeline;
    const readers = roles.flatMap((r, i) => (promoted && r.role === 'read-only' && r.timeline === this.#timeline ? [i] : []));
    this.#reader = primaries.length === 0 && readers.length === 1 ? readers[0] : undefined;
    // Two hosts that both accept writes on the same timeline: neither is written to until one of
    // them steps down. A promotion always raises the timeline, so within one cluster this is not
    // a failover under way: the list names independent servers, which a failing call says.
    this.#rivals = primaries.length > 1 ? primaries : [];
    if (primaries.length !== 1) return undefined;
    const found = primaries[0]!;
    if (this.#last !== undefined && this.#last !== found) {
      this.#switches++;
      this.#onSwitch?.();
    }
    this.#last = found;
    this.#current = found;
    return found;
  }

  async #roleOf(driver: Driver): Promise<Role> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        return roleFrom(await driver.run({ statement: this.#probe, values: [] }));
      } catch (error) {
        // The host restarted since its pool was last used: ask again at once.
        if (!(error instanceof ServerChanged)) return DOWN;
      }
    }
    return DOWN;
  }

  /**
   * The failure of a call that found no host to write to within `failoverTimeout`, naming why:
   * `details.reason` `'several-primaries'` (with `details.hosts`, their indexes in the list) when
   * more than one host accepted writes on one timeline in the last round, else `'no-primary'`.
   */
  #noPrimary(): OpdError {
    const waited = `within ${String(this.#settings.failoverTimeout)} ms`;
    if (this.#rivals.length > 1) {
      const named = this.#rivals.map((i) => `\`${this.#field}[${String(i)}]\``);
      return new OpdError(
        'STORAGE_FAILURE',
        `More than one host accepts writes: ${named.slice(0, -1).join(', ')} and ${named.at(-1)!} of the ${String(this.#drivers.length)} given, on timeline ${String(this.#timeline)}, ` +
          `so none is written to (${waited}). The list must name the hosts of one cluster (a primary and its standbys), not independent servers`,
        { details: { adapter: 'postgres', outcome: 'not-committed', reason: 'several-primaries', hosts: [...this.#rivals] } },
      );
    }
    return new OpdError(
      'STORAGE_FAILURE',
      `No host of the ${String(this.#drivers.length)} given accepted writes ${waited} (a failover still under way, or every host down)`,
      { details: { adapter: 'postgres', outcome: 'not-committed', reason: 'no-primary' } },
    );
  }

  /**
   * Runs `call` on the primary's driver. A call that certainly did not commit there (no connection
   * could be made, the connection lost before its `COMMIT` was sent, a write refused as read-only)
   * waits for the next primary and runs there, until `failoverTimeout`; a call that may have
   * committed (`COMMIT` sent, no answer) fails as it failed, with its outcome `'unknown'`.
   * A call begun before the primary moved is refused with {@link ServerChanged}, unsent: what it
   * was prepared on may not be what the new primary holds. So is one whose host restarted under
   * it (a new connection reported another server), once the hosts have been asked again: the
   * caller's next attempt starts from the primary as it is now.
   */
  async #call<T>(call: (driver: Driver) => Promise<T>, reads = false): Promise<T> {
    const deadline = Date.now() + this.#settings.failoverTimeout;
    const at = this.#switches;
    for (;;) {
      const index = await this.primary(deadline, reads);
      if (this.#switches !== at) throw new ServerChanged();
      try {
        return await call(this.#drivers[index]!);
      } catch (error) {
        if (!movedAway(error)) throw error;
        this.suspect(index);
        if (error instanceof ServerChanged) {
          // Refused unsent: the host restarted, and may be a standby now. The hosts are asked
          // once before the caller prepares the call again, so that its next attempt starts
          // from the primary as it is now, not from a second refusal when a switch is found.
          if (this.#current === undefined) await this.#round();
          throw error;
        }
        if (!notCommitted(error)) throw error;
        if (Date.now() >= deadline) throw error instanceof NotPrimary ? this.#noPrimary() : error;
      }
    }
  }

  /**
   * A read-only snapshot of `steps` on a host's driver, its first statement the question the hosts
   * are asked: answered from recovery or from an earlier timeline than a primary already seen, it
   * fails with {@link NotPrimary} (the host is asked again, and the read runs on the next one).
   */
  async #guarded(driver: Driver, steps: readonly Step[]): Promise<Output[]> {
    const out = await driver.snapshot([{ statement: this.#probe, values: [] }, ...steps]);
    const said = roleFrom(out[0]);
    if (!('timeline' in said) || said.timeline < this.#timeline) throw new NotPrimary();
    return out.slice(1);
  }

  #makeDriver(kind: Driver['kind']): Driver {
    return {
      kind,
      unit: <T>(work: (session: UnitSession) => Promise<T>) => this.#call((driver) => driver.unit(work)),
      // A read-only snapshot may run, while no host accepts writes, on the host promoted and not
      // yet writable: it holds every commit acknowledged.
      snapshot: (steps) => this.#call((driver) => this.#guarded(driver, steps), true),
      run: (step, afterCommit) => this.#call((driver) => driver.run(step, afterCommit)),
      together: (step, order, lockTimeoutAt, afterCommit) => this.#call((driver) => driver.together(step, order, lockTimeoutAt, afterCommit)),
      exec: (text) => this.#call((driver) => driver.exec(text)),
    };
  }

  /**
   * A pool whose clients come from the primary's pool. A client given back as failed in a way that
   * says its host may have moved (see {@link movedAway}) makes the next checkout ask the hosts again.
   */
  #poolFacade(): PgPoolLike {
    return {
      connect: async (): Promise<PgClientLike> => {
        const deadline = Date.now() + this.#settings.failoverTimeout;
        for (;;) {
          const index = await this.primary(deadline);
          let client: PgClientLike;
          try {
            client = await (this.#dbs[index] as PgPoolLike).connect();
          } catch (error) {
            this.suspect(index);
            if (Date.now() >= deadline) throw error;
            continue;
          }
          const release = client.release;
          const watched = client as { release: PgClientLike['release'] };
          watched.release = (destroy) => {
            watched.release = release;
            if (destroy instanceof Error ? movedAway(destroy) || !hasSqlState(destroy) : destroy === true) this.suspect(index);
            release.call(client, destroy);
          };
          return client;
        }
      },
    };
  }

  /** A PGlite-shaped database whose notifications come from the primary. */
  #pgliteFacade(): PGliteLike {
    const primaryDb = async (): Promise<PGliteLike> => this.#dbs[await this.primary(Date.now() + this.#settings.failoverTimeout)] as PGliteLike;
    return {
      query: async (text, params) => (await primaryDb()).query(text, params),
      exec: async (text) => (await primaryDb()).exec(text),
      transaction: async (callback) => (await primaryDb()).transaction(callback),
      listen: async (channel, callback) => {
        const db = await primaryDb();
        if (typeof db.listen !== 'function') return async () => undefined;
        return db.listen(channel, callback);
      },
    };
  }
}

/**
 * The driver, and the database for the feed's LISTEN connection, for what an entry point was
 * given as `field`: one database, or a list of databases, one per host of a cluster.
 * @throws OpdError `VALIDATION_FAILED` naming `field` for a database that is not one, an empty
 *   list, or a list mixing pools and PGlite instances
 */
export function openDatabase(
  field: string,
  db: unknown,
  prefix: string,
  poolSettings: PoolSettings | undefined,
  settings: HostSettings,
): { driver: Driver; db: PostgresDb } {
  if (!Array.isArray(db)) return { driver: driverFor(field, db, prefix, poolSettings), db: db as PostgresDb };
  const hosts = new Hosts(field, db as readonly unknown[], prefix, poolSettings, settings);
  return { driver: hosts.driver, db: hosts.db };
}
