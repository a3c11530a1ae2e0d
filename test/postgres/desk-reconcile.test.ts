/**
 * An offline desk on PGlite reconciled into a central `PostgresStorage` while the network goes
 * mid-reconcile, at every write of the reconcile in turn: the desk books (a walk-in, a follow-up,
 * an emergency …), cancels and checks in while cut off; then the central store's connection is lost
 * at the k-th unit of the reconcile — before the round trip reached the server (nothing of it
 * committed) or after it was sent whole (it committed, the answer never came) — and the reconcile
 * is run again until it succeeds. Nothing is applied twice and nothing is lost: every desk token
 * once centrally under its key and label, none revoked, no slot over capacity plus elastic, the
 * lease's unused places back in the day, and the last report's counts add up to the log.
 *
 * With DATABASE_URL the central pool goes through a TCP proxy that closes the connection
 * (`cut-proxy.ts`); without it the central store is PGlite too, and the loss is made by a wrapper
 * of the database that fails the unit's transaction at the same two moments.
 */
import type { PGlite, Transaction } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOpdError, OpdScheduler, presets } from '../../src/index.js';
import { OfflineDesk, type ReconcileReport } from '../../src/desk/index.js';
import { migrate, PostgresStorage, type PostgresDb } from '../../src/postgres/index.js';
import { DAY, at } from '../helpers.js';
import { pgliteOfFile } from '../pglite.js';
import { CutProxy } from './cut-proxy.js';

const url = process.env['DATABASE_URL'];
const hasServer = url !== undefined && url !== '';
const clock = (): Date => at('07:00');
const CAPACITY = 3;
const ELASTIC = 1;
/** The adapter's write functions (`opd_write`, `opd_write_or_load`, `opd_write_next`): one per unit that changes something. */
const WRITE = /OPD_WRITE/i;

/** How the central store's connection is lost at a write: before it reached the server, or after it was sent whole (it commits unanswered). */
type Cut = 'before-request' | 'before-answer';

/** The central store of one scenario: where the connection can be lost, and SQL to look at it. */
interface Central {
  readonly storage: PostgresStorage;
  /** Loses the connection at the (`skip` + 1)-th write from now. */
  arm(cut: Cut, skip: number): void;
  /** Whether the armed loss has not happened (the reconcile had fewer writes left). */
  readonly armed: boolean;
  disarm(): void;
  /** Writes seen so far. */
  writes(): number;
  /** Resolves once every write whose connection was lost has finished on the server (committed or not). */
  settled(): Promise<void>;
  query<T>(sql: string): Promise<T[]>;
  readonly schema: string;
  done(): Promise<void>;
}

/** A PGlite database whose unit transactions can be made to fail at the n-th write, before it runs or after the transaction committed. */
function cuttable(db: PGlite): { db: PostgresDb; arm: (cut: Cut, skip: number) => void; armed: () => boolean; disarm: () => void; writes: () => number } {
  let armed: { cut: Cut; skip: number } | undefined;
  let writes = 0;
  const lost = (): Error => Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
  const transaction = async <T>(work: (tx: Transaction) => Promise<T>): Promise<T> => {
    let answerLost = false;
    const out = await db.transaction(async (tx) => {
      const wrapped = new Proxy(tx, {
        get(target, prop) {
          if (prop === 'query') {
            return async (text: string, values?: unknown[]) => {
              if (WRITE.test(text)) {
                writes++;
                if (armed !== undefined && armed.skip-- === 0) {
                  const { cut } = armed;
                  armed = undefined;
                  if (cut === 'before-request') throw lost();
                  answerLost = true;
                }
              }
              return target.query(text, values);
            };
          }
          const value = Reflect.get(target, prop, target) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
      return work(wrapped);
    });
    // The transaction committed; its caller never hears so.
    if (answerLost) throw lost();
    return out;
  };
  const wrapped = new Proxy(db, {
    get(target, prop) {
      if (prop === 'transaction') return transaction;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    db: wrapped as unknown as PostgresDb,
    arm: (cut, skip) => (armed = { cut, skip }),
    armed: () => armed !== undefined,
    disarm: () => (armed = undefined),
    writes: () => writes,
  };
}

const run = `${process.pid}_${Date.now().toString(36)}`;
let n = 0;

/** Server mode: a proxied pool, an admin pool, a schema per scenario. */
const server = {
  admin: undefined as pg.Pool | undefined,
  pool: undefined as pg.Pool | undefined,
  proxy: undefined as CutProxy | undefined,
};

async function serverCentral(): Promise<Central> {
  const schema = `opd_t_desk_${run}_${++n}`;
  const admin = server.admin!;
  const proxy = server.proxy!;
  await migrate(admin, { schema });
  const storage = new PostgresStorage({ db: server.pool!, schema });
  proxy.watch = WRITE;
  const start = proxy.watched;
  return {
    storage,
    schema,
    arm: (cut, skip) => proxy.arm(cut, { statement: WRITE, skip }),
    get armed() {
      return proxy.armed;
    },
    disarm: () => proxy.disarm(),
    writes: () => proxy.watched - start,
    settled: () => proxy.settled(),
    query: async <T>(sql: string) => (await admin.query(sql)).rows as T[],
    done: async () => {
      await storage.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    },
  };
}

/**
 * The file's PGlite databases, each started once, with a schema of its own for each scenario: the
 * desks' database, and in PGlite mode the central one.
 */
const centralDb = pgliteOfFile();
const desksDb = pgliteOfFile();

async function pgliteCentral(): Promise<Central> {
  const schema = `central_${++n}`;
  const db = await centralDb();
  await migrate(db, { schema });
  const cut = cuttable(db);
  const storage = new PostgresStorage({ db: cut.db, schema });
  return {
    storage,
    schema,
    arm: cut.arm,
    get armed() {
      return cut.armed();
    },
    disarm: cut.disarm,
    writes: cut.writes,
    // The transaction of a lost answer committed before its caller failed.
    settled: async () => undefined,
    query: async <T>(sql: string) => (await db.query(sql)).rows as T[],
    done: async () => {
      await storage.close();
      await db.exec(`DROP SCHEMA ${schema} CASCADE`);
    },
  };
}

/** The day: two slots of three places and one elastic; a central booking; a lease of five places to desk WEST. */
async function centralDay(central: Central): Promise<{ opd: OpdScheduler; desk: OfflineDesk; deskDone: () => Promise<void> }> {
  const opd = new OpdScheduler({ ...presets.standard(), storage: central.storage, clock });
  await opd.addDoctor({ id: 'd1', name: 'Dr d1' });
  await opd.addSlots('d1', [
    { id: 'd1-09', start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: CAPACITY, overflowCapacity: ELASTIC },
    { id: 'd1-10', start: `${DAY}T10:00:00Z`, end: `${DAY}T11:00:00Z`, capacity: CAPACITY, overflowCapacity: ELASTIC },
  ]);
  await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'c-1', name: 'Central one' }, slotId: 'd1-09' });
  const lease = await opd.leaseCapacity({ deskId: 'WEST', doctorId: 'd1', date: DAY, places: 5, ttlMinutes: 480 });
  expect(lease.slots.map((s) => [s.slotId, s.places])).toEqual([
    ['d1-09', 2],
    ['d1-10', 3],
  ]);
  const deskDb = await desksDb();
  const deskSchema = `desk_${n}`;
  await migrate(deskDb, { schema: deskSchema });
  const desk = await OfflineDesk.open(JSON.parse(JSON.stringify(lease)) as typeof lease, {
    storage: new PostgresStorage({ db: deskDb, schema: deskSchema }),
    clock,
  });
  return { opd, desk, deskDone: async () => void (await deskDb.exec(`DROP SCHEMA ${deskSchema} CASCADE`)) };
}

/** Cut off, the desk books four patients (an emergency among them), cancels one and checks one in. */
async function workOffline(desk: OfflineDesk): Promise<void> {
  const a = await desk.book({ category: 'WALK_IN', patient: { id: 'w-1', name: 'Walk-in one' }, idempotencyKey: 'west-1' });
  const b = await desk.book({ category: 'FOLLOW_UP', patient: { id: 'w-2', name: 'Follow-up two' }, idempotencyKey: 'west-2' });
  await desk.book({ category: 'WALK_IN', patient: { id: 'w-3', name: 'Walk-in three' }, idempotencyKey: 'west-3' });
  await desk.book({ category: 'EMERGENCY', patient: { id: 'w-4', name: 'Emergency four' }, idempotencyKey: 'west-4' });
  await desk.cancel(b.id, { idempotencyKey: 'west-cancel-2' });
  await desk.checkIn(a.id, { idempotencyKey: 'west-in-1' });
  expect(desk.log().map((c) => c.kind)).toEqual(['book', 'book', 'book', 'book', 'cancel', 'check-in']);
}

interface TokenRow {
  token_id: string;
  token_number: number;
  label: string;
  status: string;
  slot_id: string | null;
  idempotency_key: string | null;
}

/** How many commands of the desk's log the central store holds now: bookings under their key, cancels and check-ins done. */
async function enteredCentrally(central: Central, desk: OfflineDesk): Promise<number> {
  const rows = await central.query<{ idempotency_key: string; status: string }>(
    `SELECT idempotency_key, status FROM ${central.schema}.opd_tokens WHERE idempotency_key IS NOT NULL`,
  );
  const status = new Map(rows.map((r) => [r.idempotency_key, r.status]));
  return desk
    .log()
    .filter((c) => (c.kind === 'book' ? status.has(c.idempotencyKey) : status.get(c.booking) === (c.kind === 'cancel' ? 'CANCELLED' : 'CHECKED_IN'))).length;
}

/**
 * Reconciles with the connection lost at each write of `cuts` in turn (the k-th write of that
 * attempt, from 1), retrying after each typed failure; the last attempt runs uncut. Returns the
 * final report, how many attempts failed, and how many commands the central store held before the
 * last attempt. The first cut falls on the k-th unit of the log exactly (every write of a first
 * reconcile is a command's, then the lease's); a later attempt may also send a write that finds its
 * key stored and writes nothing, so what a later cut leaves is read from the store.
 */
async function reconcileThroughCuts(
  central: Central,
  opd: OpdScheduler,
  desk: OfflineDesk,
  cut: Cut,
  cuts: readonly number[],
): Promise<{ report: ReconcileReport; failed: number; enteredBefore: number }> {
  let failed = 0;
  const commands = desk.log().length;
  for (const k of cuts) {
    const before = central.writes();
    central.arm(cut, k - 1);
    const outcome = await opd.reconcile(desk).catch((e: unknown) => e);
    if (central.armed) {
      // Fewer writes were left than k: this attempt ran whole.
      central.disarm();
      return { report: outcome as ReconcileReport, failed, enteredBefore: await enteredCentrally(central, desk) };
    }
    expect(isOpdError(outcome), JSON.stringify(outcome)).toBe(true);
    expect(isOpdError(outcome) && outcome.code).toBe('STORAGE_FAILURE');
    expect(central.writes() - before).toBe(k);
    await central.settled();
    // The writes before the cut committed; the cut one too when its answer alone was lost.
    if (failed === 0) expect(await enteredCentrally(central, desk)).toBe(Math.min(commands, k - 1 + (cut === 'before-answer' ? 1 : 0)));
    failed++;
  }
  await central.settled();
  const enteredBefore = await enteredCentrally(central, desk);
  const report = await opd.reconcile(desk);
  return { report, failed, enteredBefore };
}

/** Everything the scenario must leave, checked in SQL and through the API. */
async function checkMerged(central: Central, opd: OpdScheduler, desk: OfflineDesk, report: ReconcileReport): Promise<void> {
  const s = central.schema;
  const log = desk.log();
  const tokens = await central.query<TokenRow>(
    `SELECT token_id, token_number, label, status, slot_id, idempotency_key FROM ${s}.opd_tokens ORDER BY token_number`,
  );
  // Every desk booking once, under its key and the desk's label, in the slot the desk gave it;
  // cancelled or checked in as the desk did, never revoked.
  const deskTokens = await desk.tokens();
  const cancelled = new Set(log.flatMap((c) => (c.kind === 'cancel' ? [c.booking] : [])));
  const checkedIn = new Set(log.flatMap((c) => (c.kind === 'check-in' ? [c.booking] : [])));
  for (const c of log) {
    if (c.kind !== 'book') continue;
    const rows = tokens.filter((t) => t.idempotency_key === c.idempotencyKey);
    expect(rows, c.idempotencyKey).toHaveLength(1);
    const row = rows[0]!;
    expect(row.label).toBe(c.label);
    expect(row.status).toBe(cancelled.has(c.idempotencyKey) ? 'CANCELLED' : checkedIn.has(c.idempotencyKey) ? 'CHECKED_IN' : 'BOOKED');
    expect(row.slot_id).toBe(cancelled.has(c.idempotencyKey) ? null : c.slotId);
    if (!cancelled.has(c.idempotencyKey)) expect(deskTokens.find((t) => t.idempotencyKey === c.idempotencyKey)?.label).toBe(c.label);
  }
  // Nothing else: the central booking and the desk's four.
  expect(tokens).toHaveLength(1 + log.filter((c) => c.kind === 'book').length);
  expect(new Set(tokens.map((t) => t.token_number)).size).toBe(tokens.length);
  expect(new Set(tokens.map((t) => t.label)).size).toBe(tokens.length);
  // Each event of the desk's commands once in the history: nothing applied twice.
  const events = await central.query<{ type: string; token_id: string | null }>(
    `SELECT event->>'type' AS type, event->>'tokenId' AS token_id FROM ${s}.opd_events ORDER BY seq`,
  );
  for (const row of tokens) {
    const of = events.filter((e) => e.token_id === row.token_id).map((e) => e.type);
    const expected =
      row.status === 'CANCELLED' ? ['token:booked', 'token:cancelled'] : row.status === 'CHECKED_IN' ? ['token:booked', 'token:checked-in'] : ['token:booked'];
    expect(of, row.label).toEqual(expected);
  }
  expect(events.filter((e) => e.type === 'lease:returned')).toHaveLength(1);
  // No slot over capacity plus elastic; the lease holds nothing any more.
  const schedule = await opd.getSchedule('d1', DAY);
  for (const slot of schedule.slots) {
    expect(slot.places.length).toBeLessThanOrEqual(slot.slot.capacity + slot.slot.overflowCapacity);
    expect(slot.leased).toBe(0);
    expect(slot.claimed).toBe(0);
    expect(slot.free).toBe(Math.max(0, slot.slot.capacity - slot.places.length));
  }
  // The report: the lease given back, its places used by the desk's live tokens (the one cancelled
  // at the desk gave its place back to the lease, as at the desk); every command entered or
  // entered before, nothing for staff.
  expect(report.lease.status).toBe('RETURNED');
  expect(report.lease.slots.reduce((k, x) => k + x.used, 0)).toBe(log.filter((c) => c.kind === 'book').length - cancelled.size);
  expect(report.applied.length + report.alreadyApplied.length).toBe(log.length);
  expect([...report.alreadyApplied, ...report.applied].map((c) => c.idempotencyKey).sort()).toEqual(log.map((c) => c.idempotencyKey).sort());
  expect(report.toResolve).toEqual([]);
}

/** Every scenario: a cut at each write of the reconcile (the 7th gives the lease back), then, twice over, a cut at k and again at the first write of the retry. */
function scenarios(writes: number): { cut: Cut; cuts: number[] }[] {
  const out: { cut: Cut; cuts: number[] }[] = [];
  for (const cut of ['before-request', 'before-answer'] as const) {
    for (let k = 1; k <= writes; k++) out.push({ cut, cuts: [k] });
    for (let k = 1; k < writes; k += 2) out.push({ cut, cuts: [k, 1] });
  }
  return out;
}

function cases(open: () => Promise<Central>): void {
  it('reconciles a whole log with no loss in as many writes as commands, plus one giving the lease back', async () => {
    const central = await open();
    const { opd, desk, deskDone } = await centralDay(central);
    try {
      await workOffline(desk);
      const before = central.writes();
      const report = await opd.reconcile(desk);
      expect(central.writes() - before).toBe(desk.log().length + 1);
      expect(report.alreadyApplied).toEqual([]);
      await checkMerged(central, opd, desk, report);
      // A repeat enters nothing and changes nothing.
      const count = `SELECT (SELECT count(*) FROM ${central.schema}.opd_tokens) AS tokens, (SELECT count(*) FROM ${central.schema}.opd_events) AS events`;
      const stored = await central.query(count);
      const repeat = await opd.reconcile(desk);
      expect(repeat.applied).toEqual([]);
      expect(repeat.alreadyApplied).toHaveLength(desk.log().length);
      expect(await central.query(count)).toEqual(stored);
    } finally {
      await desk.close();
      await deskDone();
      await opd.close();
      await central.done();
    }
  });

  const measured: string[] = [];
  afterAll(() => {
    if (measured.length > 0) console.info(`desk reconcile through lost connections: ${measured.join('; ')}`);
  });

  for (const { cut, cuts } of scenarios(7)) {
    it(`loses the connection ${cut} at write${cuts.length > 1 ? 's' : ''} ${cuts.join(' then ')} of the reconcile: nothing applied twice, nothing lost`, async () => {
      const central = await open();
      const { opd, desk, deskDone } = await centralDay(central);
      try {
        await workOffline(desk);
        const { report, failed, enteredBefore } = await reconcileThroughCuts(central, opd, desk, cut, cuts);
        expect(failed).toBe(cuts.length);
        // What committed before the last attempt is reported as entered before, the rest as entered now.
        expect(report.alreadyApplied).toHaveLength(enteredBefore);
        expect(report.applied).toHaveLength(desk.log().length - enteredBefore);
        await checkMerged(central, opd, desk, report);
        measured.push(`${cut} ${cuts.join('+')}: ${failed} failed, ${report.alreadyApplied.length} already + ${report.applied.length} applied`);
      } finally {
        await desk.close();
        await deskDone();
        await opd.close();
        await central.done();
      }
    });
  }
}

describe('an offline desk on PGlite reconciled into PGlite through lost answers', () => {
  cases(pgliteCentral);
});

if (!hasServer) console.warn('Desk reconcile over a server with a cut connection skipped: DATABASE_URL is not set (the PGlite cases run)');

describe.skipIf(!hasServer)('an offline desk on PGlite reconciled into a PostgreSQL server through a proxy that closes the connection', () => {
  beforeAll(async () => {
    server.admin = new pg.Pool({ connectionString: url, max: 2, application_name: `opd-desk-admin-${run}` });
    const target = new URL(url!);
    const started = await CutProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    server.proxy = started.proxy;
    target.hostname = '127.0.0.1';
    target.port = String(started.port);
    server.pool = new pg.Pool({ connectionString: target.toString(), max: 4, application_name: `opd-desk-${run}` });
    server.pool.on('error', () => undefined);
  });
  afterAll(async () => {
    await server.pool?.end();
    await server.proxy?.close();
    await server.admin?.end();
  });
  cases(serverCentral);
});
