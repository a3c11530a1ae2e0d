import { OpdError, invalid, isOpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import {
  assignEventSeq,
  changeSetDoctor,
  type ChangeSet,
  type DayDump,
  type DayFilter,
  type DaySnapshot,
  type Decision,
  type DoctorDay,
  type DoctorSnapshot,
  type LoadRequest,
  type ScheduleEntry,
  type StorageAdapter,
} from '../storage/adapter.js';
import { type DoctorRecord, type IdempotencyRecord, parseTokenId, type SlotRecord, type TokenRecord } from '../storage/records.js';
import { type DayPart, DayCache, snapshotOf } from './cache.js';
import { type Driver, driverFor, output, type PgClientLike, type PgResultLike, type PgPoolLike, type PGliteLike, type PostgresDb, quote } from './db.js';
import {
  dayFromArray,
  type DayRow,
  type DoctorRow,
  dayRow,
  doctorRow,
  type IdempotencyRow,
  type SlotArray,
  slotFromArray,
  type SlotRow,
  slotRow,
  type TokenArray,
  tokenFromArray,
  type TokenRow,
  toDayRecord,
  toDoctorRecord,
  toEvent,
  toIdempotencyRecord,
  tokenRow,
  toSlotRecord,
  toTokenRecord,
} from './rows.js';
import { channelOf, listenLockSql, notifySql, type SchemaName, schemaName } from './schema.js';

/** Options of {@link PostgresStorage}. */
export interface PostgresStorageOptions {
  /**
   * A node-postgres `Pool` (`new pg.Pool({ connectionString })`) or a PGlite instance. The adapter
   * checks clients out per unit of work and never ends the pool. With node-postgres, give the
   * pool enough clients for the concurrency you want (`max`), plus one with `listen: true`.
   */
  readonly db: PostgresDb;
  /**
   * The schema holding the tables (created by {@link migrate} with the same name).
   * @defaultValue `'public'`
   */
  readonly schema?: string | undefined;
  /**
   * Milliseconds a unit of work waits for the doctor's lock before it gives up (and is retried);
   * `0` waits forever. Not used with PGlite.
   * @defaultValue 5000
   */
  readonly lockTimeout?: number | undefined;
  /**
   * Milliseconds a statement may run; `0` for no limit. Not used with PGlite.
   * @defaultValue 30000
   */
  readonly statementTimeout?: number | undefined;
  /**
   * How many times a unit of work that failed on a serialization failure, a deadlock or a lock
   * timeout is retried (after a random pause) before the call fails with `CONFLICT`.
   * @defaultValue 5
   */
  readonly retries?: number | undefined;
  /**
   * Deliver the events committed by other processes (and other adapter instances) through
   * `subscribe`, so that a scheduler emits them too: LISTEN/NOTIFY wakes a reader that pulls
   * `history` from the last event it saw, and catches up after a reconnect. Holds one client of
   * the pool while subscribed.
   * @defaultValue false
   */
  readonly listen?: boolean | undefined;
  /**
   * Let the database refuse any change that leaves a slot with more places than
   * `capacity + overflowCapacity` (the unit fails with `STORAGE_FAILURE`). A backstop against a
   * faulty rule; leave it off when a capacity strategy grants more elastic places than a slot's
   * `overflowCapacity` (such as `presets.elastic()` or `ElasticCapacity({ limit: 'unlimited' })`).
   * @defaultValue false
   */
  readonly enforceSlotLimit?: boolean | undefined;
}

const MAX_ROUNDS = 8;
/** Serialization failure, deadlock, lock not available (lock timeout). */
const RETRYABLE = new Set(['40001', '40P01', '55P03']);
const OPTION_KEYS = new Set(['db', 'schema', 'lockTimeout', 'statementTimeout', 'retries', 'listen', 'enforceSlotLimit']);
const HISTORY_PAGE = 500;
/** How often a `listen` feed pulls history without being notified. */
const POLL_MS = 2000;

/** What `opd_load` returns (see the function in `schema.ts`). */
type LoadOut = [
  [string, string, string | null, number | null, number, number] | null,
  DayPart[] | null,
  [string, TokenArray] | null,
  SlotArray[] | null,
  [SlotArray, number][] | null,
  IdempotencyRow | null,
];

/** A snapshot and the doctor's rev it was read at. */
interface Loaded {
  readonly snapshot: DoctorSnapshot;
  readonly rev: number | undefined;
}

type Run = (text: string, last?: boolean, afterCommit?: string) => Promise<readonly PgResultLike[]>;

/** How many of a doctor's most recently used days a unit offers the revs of. */
const RECENT_DAYS = 4;
/** Doctor-days an adapter instance keeps. */
const CACHE_DAYS = 2048;

/** A unit's decision threw: rethrown as is, never retried. */
class DecisionFailed {
  constructor(readonly error: unknown) {}
}

/**
 * The PostgreSQL store, for several processes sharing one database. Works on a node-postgres
 * `Pool` or on PGlite; create the tables first with {@link migrate}.
 *
 * Its promises to the {@link StorageAdapter} contract:
 *
 * - **Serialized per doctor, across processes.** A unit of work runs in one transaction that
 *   first takes a transaction-scoped advisory lock on the doctor (`pg_advisory_xact_lock`), and
 *   only then reads (READ COMMITTED: the reads see every unit committed before the lock was
 *   granted). Two concurrent bookings never both see the last free place.
 * - **Two round trips.** `BEGIN`, the lock and every read of the load request go in one round
 *   trip (one function call returning JSON); the whole change set, the events and `COMMIT` in a
 *   second. A decision that asks for more data costs one more.
 * - **Constraints behind the rules.** Token numbers are unique per doctor-day and never run
 *   ahead of the day's counter; idempotency keys are unique per doctor; slot ids are unique in
 *   the store; with the duplicate-booking guard on, a patient holds at most one live token per
 *   doctor-day (a unique partial index); `enforceSlotLimit` adds a check of slot occupancy.
 *   A change that breaks one fails the unit with `STORAGE_FAILURE` and writes nothing.
 * - **Retries.** Serialization failures, deadlocks and lock timeouts roll the unit back and run
 *   it again (`retries` times, after a random pause), then fail with `CONFLICT`. Other database
 *   errors fail with `STORAGE_FAILURE` (the driver's error as `cause`). A unit whose `COMMIT`
 *   may or may not have happened (a lost connection) is not retried: retry the call with the
 *   same idempotency key.
 * - **Events in commit order.** Events are written in the unit's transaction; their `seq` comes
 *   from a store-wide counter row updated at the very end of the unit, whose lock is held until
 *   commit: `seq` order is commit order, so `history({ after })` never misses an event that
 *   commits later with a smaller number.
 */
export class PostgresStorage implements StorageAdapter {
  /** Always `'postgres'`. */
  readonly name = 'postgres';
  readonly #driver: Driver;
  readonly #db: PostgresDb;
  readonly #schema: SchemaName;
  /** The arguments of `opd_load` that set the transaction's timeouts. */
  readonly #timeouts: string;
  readonly #retries: number;
  readonly #listen: boolean;
  readonly #enforce: boolean;
  readonly #origin = globalThis.crypto.randomUUID();
  #closed = false;
  readonly #listeners = new Set<(event: OpdEvent) => void>();
  #feed: Feed | undefined;
  readonly #cache = new DayCache(CACHE_DAYS);
  /** What runs after a commit that wrote events (see {@link notifySql}). */
  readonly #notify: string;

  /**
   * @param options - the database and how to use it; see {@link PostgresStorageOptions}
   * @throws OpdError `VALIDATION_FAILED` for an invalid option
   */
  constructor(options: PostgresStorageOptions) {
    if (typeof options !== 'object' || options === null) throw invalid('options', 'Expected `options` to be an object with a `db`');
    for (const key of Object.keys(options)) if (!OPTION_KEYS.has(key)) throw invalid(key, `Unknown option \`${key}\``);
    this.#db = options.db;
    this.#driver = driverFor('db', options.db);
    this.#schema = schemaName('schema', options.schema ?? 'public');
    const lockTimeout = milliseconds('lockTimeout', options.lockTimeout, 5000);
    const statementTimeout = milliseconds('statementTimeout', options.statementTimeout, 30_000);
    const retries = options.retries ?? 5;
    if (!Number.isInteger(retries) || retries < 0 || retries > 100) throw invalid('retries', `Expected \`retries\` to be an integer from 0 to 100, got \`${String(retries)}\``);
    this.#retries = retries;
    this.#listen = flag('listen', options.listen);
    this.#enforce = flag('enforceSlotLimit', options.enforceSlotLimit);
    this.#timeouts = `'${lockTimeout}', '${statementTimeout}'`;
    this.#notify = notifySql(this.#schema, this.#driver.kind);
  }

  /** @inheritDoc */
  async transact<R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>): Promise<R> {
    this.#assertOpen();
    const hint = request.doctorId ?? (request.tokenId === undefined ? undefined : parseTokenId(request.tokenId)?.doctorId);
    for (let attempt = 0; ; attempt++) {
      let doctorId = hint;
      try {
        return await this.#driver.transaction('BEGIN', async (run) => {
          let loaded = await this.#lockedLoad(run, request, hint);
          doctorId = loaded.snapshot.doctor?.id ?? doctorId;
          for (let round = 1; ; round++) {
            let decision: Decision<R>;
            try {
              decision = decide(loaded.snapshot);
            } catch (error) {
              throw new DecisionFailed(error);
            }
            if (decision.kind === 'commit') {
              await this.#write(run, decision.changes, loaded.rev);
              return decision.result;
            }
            if (round >= MAX_ROUNDS) {
              throw new DecisionFailed(new OpdError('STORAGE_FAILURE', 'A unit of work kept asking for more data', { details: { adapter: this.name } }));
            }
            loaded = await this.#lockedLoad(run, decision.request, loaded.snapshot.doctor?.id ?? hint);
          }
        });
      } catch (error) {
        if (error instanceof DecisionFailed) throw error.error;
        // The outcome may be unknown: read the doctor's days afresh next time.
        this.#cache.forget(doctorId);
        if (isOpdError(error)) throw error;
        const code = codeOf(error);
        if (code !== undefined && RETRYABLE.has(code)) {
          if (attempt < this.#retries) {
            await pause(attempt);
            continue;
          }
          throw new OpdError('CONFLICT', 'The unit of work could not be serialized; try again', {
            details: { adapter: this.name, code, attempts: attempt + 1 },
            cause: error,
          });
        }
        if (code === '23505' && constraintOf(error) === 'opd_slot_index_pkey' && attempt < this.#retries) {
          // Another doctor took the slot id at the same moment: run again to report it properly.
          continue;
        }
        throw this.#failure(error);
      }
    }
  }

  /** Locks and reads a request, sending the revs of the days held in the cache. */
  async #lockedLoad(run: Run, request: LoadRequest, doctorId: string | undefined): Promise<Loaded> {
    const days = request.days ?? [];
    const tokenDay = request.tokenId === undefined ? undefined : parseTokenId(request.tokenId)?.day;
    const known = doctorId === undefined ? undefined : this.#cache.known(doctorId, tokenDay === undefined ? days : [...days, tokenDay], RECENT_DAYS);
    const first = this.#decode(output(await run(this.#loadSql(request, true, known))), true);
    if (first !== undefined) return first;
    // The cache lost a day it sent a rev for: read everything in full.
    const full = this.#decode(output(await run(this.#loadSql(request, true, undefined))), true);
    if (full === undefined) throw new OpdError('STORAGE_FAILURE', 'Could not read a doctor-day', { details: { adapter: this.name } });
    return full;
  }

  async #write(run: Run, changes: ChangeSet, rev: number | undefined): Promise<void> {
    const events = changes.events;
    const doctorId = changeSetDoctor(changes);
    if (doctorId === undefined && events.length === 0) return;
    // Seq values relative to the unit, so that the stored idempotency result can carry them.
    for (let i = 0; i < events.length; i++) assignEventSeq(events[i]!, i + 1);
    const guard = changes.guardDuplicates === true;
    const idem = changes.idempotency;
    const args = [
      doctorId === undefined ? 'NULL' : quote(doctorId),
      jsonArg(changes.doctor === undefined ? undefined : doctorRow(changes.doctor)),
      jsonList(changes.newSlots, slotRow),
      jsonList(changes.updatedSlots, slotRow),
      jsonList(changes.days, dayRow),
      jsonList(changes.newTokens, (t) => tokenRow(t, guard)),
      jsonList(changes.updatedTokens, (t) => tokenRow(t, false)),
      events.length === 0 ? 'NULL' : jsonArg(events),
      jsonArg(idem === undefined ? undefined : { doctor_id: idem.doctorId, key: idem.key, fingerprint: idem.fingerprint, token_id: idem.result.token.id, result: idem.result }),
      quote(this.#origin),
      String(this.#enforce),
      'false',
    ];
    // Notified after the commit, in a transaction of its own: a NOTIFY inside the unit would
    // hold PostgreSQL's database-wide notification lock through the commit. Skipped when no
    // feed listens (see notifySql).
    const notify = events.length === 0 ? undefined : this.#notify;
    const out = output(await run(`SELECT ${this.#schema.sql}.opd_write(${args.join(',')}) AS opd_out`, true, notify)) as [number, number];
    const [base, next] = out;
    for (let i = 0; i < events.length; i++) assignEventSeq(events[i]!, base + i + 1);
    if (doctorId !== undefined && rev !== undefined) this.#cache.commit(doctorId, rev, next, changes);
  }

  /** @inheritDoc */
  async read(request: LoadRequest): Promise<DoctorSnapshot> {
    this.#assertOpen();
    try {
      return this.#decode(output(await this.#driver.snapshot(this.#loadSql(request, false, undefined))), false)!.snapshot;
    } catch (error) {
      throw this.#failure(error);
    }
  }

  /** @inheritDoc */
  async listDoctors(): Promise<DoctorRecord[]> {
    const rows = (await this.#query(`SELECT coalesce(json_agg(d ORDER BY d.created_at, d.doctor_id), '[]') AS opd_out FROM ${this.#schema.sql}.opd_doctors d`)) as DoctorRow[];
    return rows.map(toDoctorRecord);
  }

  /** @inheritDoc */
  async allocateId(): Promise<number> {
    const out = await this.#query(`UPDATE ${this.#schema.sql}.opd_counters SET value = value + 1 WHERE name = 'doctor_id' RETURNING value::text AS opd_out`);
    return Number(out);
  }

  /** @inheritDoc */
  async findDueDays(cutoff: number): Promise<DoctorDay[]> {
    const s = this.#schema.sql;
    const rows = (await this.#query(
      `SELECT coalesce(json_agg(json_build_object('doctorId', x.doctor_id, 'day', x.day) ORDER BY x.doctor_id, x.day), '[]') AS opd_out
       FROM (SELECT DISTINCT t.doctor_id, t.day FROM ${s}.opd_tokens t
             JOIN ${s}.opd_slots sl ON sl.doctor_id = t.doctor_id AND sl.slot_id = t.slot_id
             WHERE t.status = 'BOOKED' AND sl.start_at < ${sqlNumber(cutoff)}) x`,
    )) as DoctorDay[];
    return rows;
  }

  /** @inheritDoc */
  async *scanDays(filter: DayFilter): AsyncIterable<DayDump> {
    this.#assertOpen();
    const s = this.#schema.sql;
    const where = [
      filter.doctorId === undefined ? 'true' : `d.doctor_id = ${quote(filter.doctorId)}`,
      filter.day === undefined ? 'true' : `d.day = ${quote(filter.day)}`,
    ].join(' AND ');
    // One statement: one consistent snapshot, whatever runs meanwhile.
    const sql = `SELECT coalesce(json_agg(json_build_object(
        'record', row_to_json(d),
        'slots', (SELECT json_agg(sl ORDER BY sl.start_at) FROM ${s}.opd_slots sl WHERE sl.doctor_id = d.doctor_id AND sl.day = d.day),
        'tokens', (SELECT json_agg(t ORDER BY t.token_number) FROM ${s}.opd_tokens t WHERE t.doctor_id = d.doctor_id AND t.day = d.day)
      ) ORDER BY doc.created_at, d.doctor_id, d.day), '[]') AS opd_out
      FROM ${s}.opd_days d JOIN ${s}.opd_doctors doc ON doc.doctor_id = d.doctor_id
      WHERE ${where}`;
    const rows = (await this.#query(sql)) as { record: DayRow; slots: SlotRow[] | null; tokens: TokenRow[] | null }[];
    for (const row of rows) {
      yield { record: toDayRecord(row.record), slots: (row.slots ?? []).map(toSlotRecord), tokens: (row.tokens ?? []).map(toTokenRecord) };
    }
  }

  /** @inheritDoc */
  async history(after: number, limit: number): Promise<OpdEvent[]> {
    return (await this.#history(after, limit)).map(([seq, , event]) => toEvent(seq, event));
  }

  async #history(after: number, limit: number): Promise<[number, string, Record<string, unknown>][]> {
    const from = Math.max(0, Math.floor(after));
    const count = Math.max(0, Math.min(Number.MAX_SAFE_INTEGER, Math.floor(limit)));
    if (count === 0) return [];
    return (await this.#query(
      `SELECT coalesce(json_agg(json_build_array(e.seq, e.origin, e.event) ORDER BY e.seq), '[]') AS opd_out
       FROM (SELECT seq, origin, event FROM ${this.#schema.sql}.opd_events WHERE seq > ${from} ORDER BY seq LIMIT ${count}) e`,
    )) as [number, string, Record<string, unknown>][];
  }

  /**
   * With `listen: true`, delivers events committed by other processes and other adapter
   * instances, in `seq` order, each once (see {@link PostgresStorageOptions.listen}). Without it,
   * delivers nothing.
   */
  subscribe(listener: (event: OpdEvent) => void): () => void {
    if (!this.#listen || this.#closed) return () => {};
    this.#listeners.add(listener);
    this.#feed ??= new Feed(this, this.#db, channelOf(this.#schema), listenLockSql(this.#schema), (event) => {
      for (const l of this.#listeners) l(event);
    });
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) {
        void this.#feed?.stop();
        this.#feed = undefined;
      }
    };
  }

  /** @internal Events after `after` committed by others, for the feed. */
  async foreignEvents(after: number): Promise<{ last: number; events: OpdEvent[] }> {
    const rows = await this.#history(after, HISTORY_PAGE);
    let last = after;
    const events: OpdEvent[] = [];
    for (const [seq, origin, event] of rows) {
      last = seq;
      if (origin !== this.#origin) events.push(toEvent(seq, event));
    }
    return { last, events };
  }

  /** @internal The last committed `seq`, where a new feed starts. */
  async lastSeq(): Promise<number> {
    return Number(await this.#query(`SELECT coalesce(max(seq), 0)::text AS opd_out FROM ${this.#schema.sql}.opd_events`));
  }

  /** Stops the `listen` feed. Does not end the pool or PGlite instance it was given. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    const feed = this.#feed;
    this.#feed = undefined;
    await feed?.stop();
  }

  async #query(sql: string): Promise<unknown> {
    this.#assertOpen();
    try {
      return output(await this.#driver.run(sql));
    } catch (error) {
      throw this.#failure(error);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new OpdError('STORAGE_FAILURE', 'The PostgreSQL storage is closed', { details: { adapter: this.name } });
  }

  #failure(error: unknown): OpdError {
    if (isOpdError(error)) return error;
    const code = codeOf(error);
    const constraint = constraintOf(error);
    let message = `PostgreSQL failed${code === undefined ? '' : ` (SQLSTATE ${code}${constraint === undefined ? '' : `, constraint ${constraint}`})`}`;
    if (code === '42P01' || code === '42883' || code === '3F000') message += `; run migrate() for schema \`${this.#schema.name}\` first`;
    if (code === 'OPD01' || code === 'OPD02') message = 'PostgreSQL refused an inconsistent change';
    return new OpdError('STORAGE_FAILURE', message, { details: { adapter: this.name, code, constraint }, cause: error });
  }

  #loadSql(request: LoadRequest, lock: boolean, known: Record<string, number> | undefined): string {
    const req: Record<string, unknown> = {};
    if (known !== undefined) req['known'] = known;
    if (request.doctorId !== undefined) req['doctorId'] = request.doctorId;
    if (request.tokenId !== undefined) {
      const parts = parseTokenId(request.tokenId);
      if (parts !== undefined) {
        req['tokenId'] = request.tokenId;
        req['tokenDoctorId'] = parts.doctorId;
        req['tokenDay'] = parts.day;
        req['tokenNumber'] = parts.tokenNumber;
      }
    }
    if (request.slotId !== undefined) req['slotId'] = request.slotId;
    if (request.slotIds !== undefined && request.slotIds.length > 0) req['slotIds'] = request.slotIds;
    if (request.days !== undefined && request.days.length > 0) req['days'] = request.days;
    if (request.idempotencyKey !== undefined) req['idempotencyKey'] = request.idempotencyKey;
    if (request.schedule !== undefined) req['schedule'] = { from: request.schedule.from, to: request.schedule.to };
    return `SELECT ${this.#schema.sql}.opd_load(${quote(JSON.stringify(req))}::json, ${lock}, ${lock && this.#driver.kind === 'pool' ? this.#timeouts : 'NULL, NULL'}) AS opd_out`;
  }

  /**
   * The snapshot of an `opd_load` answer. With `cached`, days are merged into the cache (and
   * `undefined` is returned when a day came relative to a rev the cache no longer holds).
   */
  #decode(value: unknown, cached: boolean): Loaded | undefined {
    const [doctorArray, dayParts, tokenPart, slotArrays, scheduleParts, idem] = value as LoadOut;
    const doctor: DoctorRecord | undefined =
      doctorArray === null
        ? undefined
        : { id: doctorArray[0], name: doctorArray[1], specialization: doctorArray[2], consultMinutes: doctorArray[3], createdAt: doctorArray[4] };
    const rev = doctorArray?.[5];
    const days = new Map<string, DaySnapshot>();
    for (const part of dayParts ?? []) {
      let day: DaySnapshot | undefined;
      if (cached && doctor !== undefined && rev !== undefined) {
        day = this.#cache.merge(doctor.id, rev, part);
        if (day === undefined) return undefined;
      } else {
        const fresh = { record: dayFromArray(doctor?.id ?? '', part[0], part[2]), slots: new Map<string, SlotRecord>(), tokens: new Map<number, TokenRecord>() };
        for (const a of part[3] ?? []) fresh.slots.set(a[1], slotFromArray(a));
        for (const a of part[4] ?? []) fresh.tokens.set(a[0], tokenFromArray(doctor?.id ?? '', part[0], a));
        day = snapshotOf(fresh);
      }
      days.set(part[0], day);
    }
    const tokens = new Map<string, TokenRecord>();
    if (tokenPart !== null && doctor !== undefined) {
      const token = tokenFromArray(doctor.id, tokenPart[0], tokenPart[1]);
      tokens.set(token.id, token);
    }
    const slots = new Map<string, SlotRecord>();
    for (const a of slotArrays ?? []) slots.set(a[1], slotFromArray(a));
    const schedule: ScheduleEntry[] | undefined = scheduleParts?.map(([a, occupancy]) => ({ slot: slotFromArray(a), occupancy }));
    const idempotency: IdempotencyRecord | undefined = idem === null ? undefined : toIdempotencyRecord(idem);
    return { snapshot: { doctor, days, tokens, slots, schedule, idempotency }, rev };
  }
}


/** A JSON argument of `opd_write`, or SQL `NULL`. */
function jsonArg(value: unknown): string {
  return value === undefined ? 'NULL' : `${quote(JSON.stringify(value))}::json`;
}

function jsonList<T>(list: readonly T[], row: (record: T) => unknown): string {
  return list.length === 0 ? 'NULL' : jsonArg(list.map(row));
}

/**
 * Delivers foreign events for `listen: true`: LISTEN on a dedicated client (or PGlite's
 * `listen`), and on each notification pulls `history` after the last event seen. Reconnects
 * after an error and catches up from where it stopped.
 */
class Feed {
  #stopped = false;
  #last: number | undefined;
  #pulling = false;
  #again = false;
  #client: PgClientLike | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  /** Catches up even if a notification was lost (a writer that died between commit and notify). */
  readonly #poll: ReturnType<typeof setInterval>;

  constructor(
    private readonly storage: PostgresStorage,
    private readonly db: PostgresDb,
    private readonly channel: string,
    /** The key of the shared advisory lock held while listening (see `listenLockSql`). */
    private readonly lockKey: string,
    private readonly deliver: (event: OpdEvent) => void,
  ) {
    this.#poll = setInterval(() => this.#pull(), POLL_MS);
    this.#poll.unref?.();
    void this.#connect();
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    try {
      const db = this.db as Partial<PGliteLike> & Partial<PgPoolLike>;
      if (typeof db.transaction === 'function') {
        if (typeof db.listen !== 'function') return;
        this.#unlisten = await db.listen(this.channel, () => this.#pull());
      } else {
        const client = await (this.db as PgPoolLike).connect();
        this.#client = client;
        const lost = (): void => this.#lost(client);
        client.on?.('error', lost as (arg: never) => void);
        client.on?.('end', lost as (arg: never) => void);
        client.on?.('notification', ((message: { channel: string }) => {
          if (message.channel === this.channel) this.#pull();
        }) as (arg: never) => void);
        // The lock first: a writer that took it exclusively before committed before this
        // feed's first pull, and one that could not take it notifies.
        await client.query(`SELECT pg_advisory_lock_shared(${this.lockKey});LISTEN "${this.channel}"`);
      }
      if (this.#stopped) return void (await this.stop());
      this.#last ??= await this.storage.lastSeq();
      this.#failures = 0;
      this.#pull(); // catch up on anything committed while disconnected
    } catch {
      this.#scheduleReconnect();
    }
  }

  #lost(client: PgClientLike): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    try {
      client.release(true);
    } catch {
      // already gone
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#stopped || this.#retry !== undefined) return;
    const delay = Math.min(5000, 100 * 2 ** this.#failures++) * (0.5 + Math.random() / 2);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#connect();
    }, delay);
  }

  #pull(): void {
    if (this.#pulling) {
      this.#again = true;
      return;
    }
    if (this.#last === undefined || this.#stopped) return;
    this.#pulling = true;
    void (async () => {
      try {
        do {
          this.#again = false;
          for (;;) {
            const { last, events } = await this.storage.foreignEvents(this.#last!);
            if (last === this.#last || this.#stopped) break;
            this.#last = last;
            for (const event of events) this.deliver(event);
          }
        } while (this.#again && !this.#stopped);
      } catch {
        if (this.#client !== undefined) this.#lost(this.#client);
        else this.#scheduleReconnect();
      } finally {
        this.#pulling = false;
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#poll);
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retry = undefined;
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) {
      try {
        await client.query(`UNLISTEN "${this.channel}";SELECT pg_advisory_unlock_shared(${this.lockKey})`);
        client.release();
      } catch {
        client.release(true);
      }
    }
    const unlisten = this.#unlisten;
    this.#unlisten = undefined;
    await unlisten?.().catch(() => undefined);
  }
}

function milliseconds(field: string, value: number | undefined, fallback: number): number {
  const ms = value ?? fallback;
  if (!Number.isInteger(ms) || ms < 0 || ms > 2_147_483_647) throw invalid(field, `Expected \`${field}\` to be a whole number of milliseconds, got \`${String(ms)}\``);
  return ms;
}

function flag(field: string, value: boolean | undefined): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalid(field, `Expected \`${field}\` to be a boolean`);
  return value;
}

function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw invalid('cutoff', 'Expected a finite instant');
  return String(Math.floor(value));
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function constraintOf(error: unknown): string | undefined {
  const constraint = (error as { constraint?: unknown } | null)?.constraint;
  return typeof constraint === 'string' ? constraint : undefined;
}

function pause(attempt: number): Promise<void> {
  const ceiling = Math.min(200, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
