/**
 * The driver for a node-postgres pool: each unit of work on a client of its own, its steps sent in
 * as few round trips as the unit allows (see `batch.ts`), its session never handed on in doubt,
 * and every new connection asked which server it reaches (see {@link PoolSettings}).
 */
import { batchFailure, type BatchStep } from './batch.js';
import { ConnectionLost, endedUnit, hasSqlState, isLost, leavesSessionInDoubt, ServerChanged } from './connection.js';
import type { Driver, Output, PgClientLike, PgPoolLike, PgQueryConfigLike, PostgresTransactionClient, Statement, Step, UnitSession } from './db.js';
import { guardPool, Held, send } from './pool-client.js';
import { GroupCommit } from './speed/group.js';

/**
 * What a pool driver sets at the start of every transaction it opens, in the same round trip and
 * before any other statement of it (see {@link SETTINGS_SQL}).
 */
export interface PoolSettings {
  /** PostgreSQL's `statement_timeout` for every statement of the transaction, in ms (`0`: none). */
  readonly statementTimeout: number;
  /**
   * Called when a new connection of the pool reports another server than the earlier ones did
   * (`pg_postmaster_start_time()` differs: a restart, a failover, a restore, where units
   * acknowledged before may be lost). With it, each new connection is asked once, before its first
   * use; a step prepared before the change is then refused with {@link ServerChanged}, unsent.
   */
  readonly onServerChange?: (() => void) | undefined;
  /** The facility every transaction is scoped to (`opd.facility_id`); `'default'` when not given. */
  readonly facilityId?: string | undefined;
  /**
   * Whether a snapshot's statements each take a snapshot of their own (`READ COMMITTED`) rather
   * than one for the transaction: for a standby, whose guard (see `replicas.ts`) must have finished
   * before the read's statement takes its snapshot.
   */
  readonly readCommitted?: boolean | undefined;
}

/**
 * The statement that opens every transaction of a pool driver given {@link PoolSettings}, settings
 * local to the transaction, so that a pooled connection goes back to the pool as it came:
 *
 * - `statement_timeout`, `$1`. PostgreSQL arms a statement's timeout when the statement starts,
 *   so one set inside a statement (as the functions do) bounds only the statements after it: set
 *   here, it bounds every statement of the transaction, a wait for a doctor's lock included.
 * - `log_parameter_max_length_on_error = 0`: a failing statement (a lock timeout, a constraint)
 *   is logged, and reported in its error's context, without its bind parameters (the change set,
 *   with the patient), whatever a DBA set for the role or the database. PostgreSQL reads it when
 *   a statement's parameters are bound, so it too must be set before the statement. Any user may
 *   set it (`pg_settings.context` is `user`); a server without it (before PostgreSQL 13, which
 *   never logs parameters on error) is left alone rather than refused.
 * - `opd.facility_id`, `$2`: the facility of the adapter that opens the transaction, which every
 *   statement and function of the adapter reads its facility's rows by, and which the policies of
 *   `migrate(db, { rowLevelSecurity: true })` compare each row with.
 */
export const SETTINGS_SQL =
  "SELECT set_config('statement_timeout', $1::text, true), set_config('opd.facility_id', $2::text, true), " +
  "CASE WHEN current_setting('log_parameter_max_length_on_error', true) IS NOT NULL THEN set_config('log_parameter_max_length_on_error', '0', true) END";

/** Which server a connection reaches: its postmaster's start time (a restart, a failover or a restore changes it). */
const SERVER_SQL = 'SELECT pg_postmaster_start_time()::text AS server';

/** The constant statements of a pool driver, named with the adapter's prefix. */
interface PoolStatements {
  readonly begin: Statement;
  readonly beginRead: Statement;
  readonly commit: Statement;
  readonly rollback: Statement;
  /** What opens every transaction, after `BEGIN` where there is one: the settings step, or nothing. */
  readonly lead: readonly Step[];
}

/** Rolls back a held client's transaction; the error if that failed (then the client must be destroyed). */
async function rollback(held: Held, statements: PoolStatements): Promise<unknown> {
  try {
    await send(held, [{ statement: statements.rollback, values: [] }]);
    return undefined;
  } catch (error) {
    return error ?? new Error('ROLLBACK failed');
  }
}

/**
 * One unit of work on a pool's client: its transaction opens with the first round trip and
 * closes with the one that carries `COMMIT`. One object per unit, its methods on the prototype
 * (no closures made per unit).
 */
class PoolUnit implements UnitSession {
  /** Whether `BEGIN` was sent. */
  open = false;
  /** Whether `COMMIT` answered. */
  done = false;
  /** Whether the unit is over (its client released): its `client` then refuses every statement. */
  ended = false;
  /** Why the client must be destroyed rather than returned to the pool, if it must. */
  destroy: unknown;
  /**
   * Whether the client is destroyed if the unit fails, whatever the error: one of the adapter's
   * statements failed in a way that may leave state in the session (see
   * {@link leavesSessionInDoubt}), or the integrator's work ran a statement (which may leave
   * anything there: a session-level lock, a setting, `DEALLOCATE ALL`).
   */
  tainted = false;
  #client: PostgresTransactionClient | undefined;

  constructor(
    readonly held: Held,
    readonly statements: PoolStatements,
  ) {}

  async run(steps: readonly Step[], finish?: { readonly afterCommit?: Step | undefined }): Promise<Output[]> {
    const list: BatchStep[] = [];
    const lead = this.statements.lead;
    const offset = this.open ? 0 : 1 + lead.length;
    if (!this.open) {
      list.push({ statement: this.statements.begin, values: [] });
      for (let i = 0; i < lead.length; i++) list.push(lead[i]!);
    }
    for (let i = 0; i < steps.length; i++) list.push(steps[i]!);
    let commitAt = -1;
    if (finish !== undefined) {
      commitAt = list.length;
      list.push({ statement: this.statements.commit, values: [] });
      if (finish.afterCommit !== undefined) list.push(finish.afterCommit);
    }
    this.open = true;
    const held = this.held;
    try {
      const out = await send(held, list);
      if (finish !== undefined) this.done = true;
      return offset === 0 && out.length === steps.length ? out : out.slice(offset, offset + steps.length);
    } catch (error) {
      if (leavesSessionInDoubt(error)) this.tainted = true;
      const { submitted, completedSteps: completed, completedOutputs } = batchFailure(error);
      if (commitAt >= 0 && completed > commitAt) {
        // COMMIT answered; only the notification after it failed: the unit is done.
        this.done = true;
        this.destroy = leavesSessionInDoubt(error) ? error : undefined;
        return completedOutputs.slice(offset, offset + steps.length);
      }
      if (isLost(error) || held.lost !== undefined) {
        this.destroy = error;
        // COMMIT went out with the round trip: unless the server answered an error for a
        // step before it (then it skipped the rest), the unit may have committed.
        const before = hasSqlState(error) && completed < commitAt;
        const outcome = commitAt >= 0 && submitted && !before ? 'unknown' : 'not-committed';
        throw new ConnectionLost(outcome, error, held.client.processID ?? undefined);
      }
      throw error;
    }
  }

  async exec(text: string): Promise<void> {
    await this.direct(text);
  }

  /** The unit's connection for an integrator's statements (made when first asked for). */
  get client(): PostgresTransactionClient {
    this.#client ??= {
      query: async (text, values = []) => ({ rows: ((await this.direct({ text, values })) as { rows: Record<string, unknown>[] }).rows }),
    };
    return this.#client;
  }

  /** A statement of the integrator or of `migrate`, sent as is on the unit's connection. */
  async direct(query: string | PgQueryConfigLike): Promise<unknown> {
    if (this.ended) throw endedUnit();
    const held = this.held;
    if (held.lost !== undefined) throw new ConnectionLost('not-committed', held.lost);
    if (!this.open) await this.run([]);
    this.tainted = true;
    try {
      return await held.client.query(query as PgQueryConfigLike);
    } catch (error) {
      if (!isLost(error)) throw error;
      this.destroy = error;
      throw new ConnectionLost('not-committed', error);
    }
  }
}

export function poolDriver(pool: PgPoolLike, prefix: string, settings: PoolSettings | undefined): Driver {
  guardPool(pool);
  const lead: Step[] =
    settings === undefined
      ? []
      : [{ statement: { name: `${prefix}_settings`, text: SETTINGS_SQL }, values: [String(settings.statementTimeout), settings.facilityId ?? 'default'] }];
  const statements: PoolStatements = {
    begin: { name: `${prefix}_begin`, text: 'BEGIN' },
    beginRead:
      settings?.readCommitted === true
        ? { name: `${prefix}_begin_rc`, text: 'BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY' }
        : { name: `${prefix}_begin_ro`, text: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' },
    commit: { name: `${prefix}_commit`, text: 'COMMIT' },
    rollback: { name: `${prefix}_rollback`, text: 'ROLLBACK' },
    lead,
  };
  /**
   * Steps sent as one implicit transaction (no `BEGIN`: the steps before the Sync), opened by the
   * settings; the answers of `steps` alone.
   */
  const implicit = async (held: Held, steps: readonly Step[]): Promise<Output[]> => {
    if (lead.length === 0) return send(held, steps);
    return (await send(held, [...lead, ...steps])).slice(lead.length);
  };

  const onServerChange = settings?.onServerChange;
  /** The server the pool's connections reached (`pg_postmaster_start_time()`), once one was asked. */
  let server: string | undefined;
  /** How many times the server changed: a step prepared at an earlier generation is never sent. */
  let generation = 0;
  /**
   * Connections asked which server they reach: by node-postgres's `connection` of the client, the
   * same for every checkout of one connection (a wrapper may hand out a new object each time).
   */
  const asked = new WeakSet<object>();
  const connectionOf = (client: PgClientLike): object => {
    const connection = (client as { connection?: unknown }).connection;
    return typeof connection === 'object' && connection !== null ? connection : client;
  };

  /**
   * A client of the pool. With `onServerChange`, a connection not asked yet is asked which server
   * it reaches (one round trip, once per connection); `at`: the generation the caller's steps were
   * prepared at, refused with {@link ServerChanged} (the client released, nothing sent) once the
   * server changed since.
   */
  const checkout = async (at?: number): Promise<Held> => {
    let held: Held;
    try {
      held = new Held(await pool.connect());
    } catch (error) {
      throw new ConnectionLost('not-committed', error, undefined, true);
    }
    if (onServerChange !== undefined && !asked.has(connectionOf(held.client))) {
      let seen: unknown;
      try {
        if (held.lost !== undefined) throw held.lost;
        seen = ((await held.client.query(SERVER_SQL)) as { rows?: { server?: unknown }[] } | undefined)?.rows?.[0]?.server;
      } catch (error) {
        held.release(error ?? new Error('connection lost'));
        throw new ConnectionLost('not-committed', error, held.client.processID ?? undefined);
      }
      asked.add(connectionOf(held.client));
      if (typeof seen === 'string') {
        if (server !== undefined && seen !== server) {
          generation++;
          onServerChange();
        }
        server = seen;
      }
    }
    if (at !== undefined && at !== generation) {
      held.release(undefined);
      throw new ServerChanged();
    }
    return held;
  };

  /**
   * Runs `work` on a client of its own, outside of any unit. A lost connection rejects with
   * {@link ConnectionLost} (`outcome` for a statement that may have run) and destroys the client.
   */
  const outside = async <T>(outcome: ConnectionLost['outcome'], work: (held: Held) => Promise<T>, at?: number): Promise<T> => {
    const held = await checkout(at);
    try {
      return await work(held);
    } catch (error) {
      if (!isLost(error)) {
        if (leavesSessionInDoubt(error)) held.failed ??= error;
        throw error;
      }
      held.failed = error;
      throw new ConnectionLost(outcome, error, held.client.processID ?? undefined);
    } finally {
      held.release(held.failed);
    }
  };

  const runAt = (at: number, step: Step, afterCommit?: Step): Promise<Output> =>
    afterCommit === undefined
      ? outside('unknown', async (held) => (await implicit(held, [step]))[0], at)
      : unitAt(at, async (tx) => (await tx.run([step], { afterCommit }))[0]);
  const run = (step: Step, afterCommit?: Step): Promise<Output> => runAt(generation, step, afterCommit);

  /** The group commit of {@link Driver.together} (see `speed/group.ts`). */
  const group = new GroupCommit({
    generation: () => generation,
    alone: runAt,
    together: (at, steps, afterCommit) =>
      afterCommit === undefined ? outside('unknown', (held) => implicit(held, steps), at) : unitAt(at, (tx) => tx.run(steps, { afterCommit })),
  });

  /** A unit whose steps may have been prepared at server generation `at` (see `checkout`). */
  const unitAt = async <T>(at: number, work: (session: UnitSession) => Promise<T>): Promise<T> => {
    const unit = new PoolUnit(await checkout(at), statements);
    try {
      const result = await work(unit);
      if (unit.open && !unit.done) {
        await unit.run([], {});
      }
      return result;
    } catch (error) {
      if (unit.open && !unit.done && unit.destroy === undefined && !(error instanceof ConnectionLost)) unit.destroy = await rollback(unit.held, statements);
      if (error instanceof ConnectionLost) unit.destroy ??= error.original ?? error;
      // A unit whose statement failed so (or whose integrator's work ran one) may leave its
      // session holding what a rollback does not end — a session-level lock, a setting,
      // prepared statements gone: its connection is not lent again.
      if (unit.tainted) unit.destroy ??= error instanceof Error ? error : new Error('unit of work failed');
      throw error;
    } finally {
      unit.ended = true;
      unit.held.release(unit.destroy);
    }
  };

  const driver: Driver = {
    kind: 'pool',
    unit: (work) => unitAt(generation, work),
    snapshot(steps) {
      return outside('not-committed', async (held) => {
        try {
          const out = await send(held, [{ statement: statements.beginRead, values: [] }, ...lead, ...steps, { statement: statements.commit, values: [] }]);
          return out.slice(1 + lead.length, 1 + lead.length + steps.length);
        } catch (error) {
          // A refused statement left the read-only transaction open (aborted): end it.
          if (!isLost(error)) held.failed = await rollback(held, statements);
          throw error;
        }
      });
    },
    run,
    together: (step, order, lockTimeoutAt, afterCommit) => group.add(step, order, lockTimeoutAt, afterCommit),
    exec(text) {
      return outside('unknown', async (held) => {
        if (held.lost !== undefined) throw held.lost;
        await held.client.query(text);
      });
    },
  };
  return driver;
}
