/**
 * Reads on standbys with read-your-writes (`new PostgresStorage({ db, read: [standby] })`,
 * src/postgres/replicas.ts) without a cluster: the standby is a second PGlite instance that answers
 * as a hot standby would (in recovery, at a replay position the test sets), and that the test
 * "replays" by copying the primary's rows into it, at the primary's WAL position of the moment.
 * The real cluster (a standby killed, a primary killed) is test/long/replicas.test.ts.
 */
import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isOpdError, OpdScheduler, presets } from '../../src/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';
import { replicaCounts } from '../../src/postgres/storage.js';
import { pgliteOfFile } from '../pglite.js';

const today = new Date();
const day = today.toISOString().slice(0, 10);
const clock = () => new Date(`${day}T03:00:00Z`);
const SLOTS = [
  { id: 'X-1', start: `${day}T09:00:00Z`, end: `${day}T10:00:00Z`, capacity: 4 },
  { id: 'X-2', start: `${day}T10:00:00Z`, end: `${day}T11:00:00Z`, capacity: 4 },
];

/** A PGlite instance seen as a hot standby: in recovery, at the replay position `at()` answers; `down()` makes it fail. */
interface Standby {
  readonly db: PGlite;
  readonly copy: PGlite;
  at: string;
  down: boolean;
  reads: number;
}

function standbyOf(copy: PGlite): Standby {
  const s: Standby = { db: undefined as unknown as PGlite, copy, at: '0/0', down: false, reads: 0 };
  const rewrite = (text: string): string => {
    if (s.down) throw Object.assign(new Error('connection refused'), { code: '08006' });
    if (text.includes('pg_last_wal_replay_lsn')) s.reads++;
    return text.replaceAll('pg_catalog.pg_is_in_recovery()', 'true').replaceAll('pg_catalog.pg_last_wal_replay_lsn()', `'${s.at}'::pg_lsn`);
  };
  const passOn = <T extends object>(target: T, own: Record<string, unknown>): T =>
    new Proxy(target, {
      get(t, key) {
        if (typeof key === 'string' && key in own) return own[key];
        const value: unknown = Reflect.get(t, key);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
      },
    });
  type Tx = { query: (text: string, params?: unknown[]) => Promise<unknown> };
  (s as { db: PGlite }).db = passOn(copy, {
    query: async (text: string, params?: unknown[]) => copy.query(rewrite(text), params),
    transaction: <T>(work: (tx: Tx) => Promise<T>) =>
      copy.transaction((tx) => work(passOn(tx, { query: async (text: string, params?: unknown[]) => tx.query(rewrite(text), params) }))),
  });
  return s;
}

/** The tables of the adapter, parents before children. */
async function tablesOf(db: PGlite): Promise<string[]> {
  const rows = (
    await db.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'opd\\_%' ORDER BY tablename")
  ).rows;
  return rows.map((r) => r.name);
}

/** Replays the primary into the standby: every row copied, the replay position the primary's of the moment. */
async function replay(primary: PGlite, standby: Standby): Promise<void> {
  const at = (await primary.query<{ at: string }>('SELECT pg_current_wal_lsn()::text AS at')).rows[0]!.at;
  const tables = await tablesOf(primary);
  const rows = new Map<string, unknown>();
  for (const table of tables)
    rows.set(table, (await primary.query<{ rows: unknown }>(`SELECT coalesce(json_agg(t), '[]') AS rows FROM ${table} t`)).rows[0]!.rows);
  await standby.copy.transaction(async (tx) => {
    await tx.query("SET LOCAL session_replication_role = 'replica'");
    for (const table of tables) {
      await tx.query(`DELETE FROM ${table}`);
      await tx.query(`INSERT INTO ${table} SELECT * FROM json_populate_recordset(null::${table}, $1::json)`, [JSON.stringify(rows.get(table))]);
    }
  });
  standby.at = at;
}

/** The file's two PGlite databases, each started once: the primary and the one that plays its standby. */
const primaryDb = pgliteOfFile();
const standbyDb = pgliteOfFile();

/**
 * A primary and its standby as new: both emptied and migrated afresh (the adapter's tables in the
 * public schema, as a store of its own), doctor X and its slots written and replayed.
 */
async function cluster(): Promise<{ primary: PGlite; standby: Standby }> {
  const [primary, copy] = [await primaryDb(), await standbyDb()];
  for (const db of [primary, copy]) {
    await db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    await migrate(db);
  }
  const seed = new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db: primary }), clock });
  await seed.addDoctor({ id: 'X', name: 'Dr X' });
  await seed.addSlots('X', SLOTS);
  await seed.close();
  const standby = standbyOf(copy);
  await replay(primary, standby);
  return { primary, standby };
}

const book = (opd: OpdScheduler, patient: string, slotId: string) =>
  opd.book({ doctorId: 'X', slotId, category: 'ONLINE', patient: { id: patient, name: 'n' } });

// Ten minutes: a guard against a hang, not a measure of speed; the properties here pass on a busy
// two-core machine as on an idle one.
describe('PostgresStorage with read: [standby] (PGlite, a simulated standby)', { timeout: 600_000 }, () => {
  it('reads on the standby once it has replayed the scheduler’s writes, on the primary before, and when the standby fails', async () => {
    const { primary, standby } = await cluster();
    const primaryDown = { on: false };
    const failing = <T extends object>(target: T): T =>
      new Proxy(target, {
        get(t, key) {
          const value: unknown = Reflect.get(t, key);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            if (primaryDown.on && (key === 'query' || key === 'transaction' || key === 'exec'))
              return Promise.reject(Object.assign(new Error('connection refused'), { code: '08006' }));
            return (value as (...a: unknown[]) => unknown).apply(t, args);
          };
        },
      });
    const storage = new PostgresStorage({ db: failing(primary), read: [standby.db] });
    const opd = new OpdScheduler({ ...presets.cascade(), storage, clock });
    try {
      const counts = replicaCounts(storage)!;
      // Nothing written by this scheduler yet: the standby serves.
      expect((await opd.getSlot('X-1')).places).toHaveLength(0);
      expect(counts.standby).toBe(1);
      const { token } = await book(opd, 'p1', 'X-1');
      // The standby has not replayed the booking: the primary serves the read, which sees it.
      expect((await opd.getToken(token.id)).slotId).toBe('X-1');
      expect(counts).toMatchObject({ standby: 1, primary: 1 });
      expect(counts.behind).toBeGreaterThan(0);
      await replay(primary, standby);
      const before = standby.reads;
      expect((await opd.getToken(token.id)).slotId).toBe('X-1');
      expect((await opd.getSchedule('X', day)).slots[0]!.places).toHaveLength(1);
      expect(counts).toMatchObject({ standby: 3, primary: 1 });
      expect(standby.reads).toBe(before + 2);
      // The standby down: every read is served, by the primary.
      standby.down = true;
      expect((await opd.getToken(token.id)).slotId).toBe('X-1');
      expect(counts.failed).toBe(1);
      expect(counts.primary).toBe(2);
      // Back, and asked again after its rest.
      standby.down = false;
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await opd.getToken(token.id)).slotId).toBe('X-1');
      expect(counts.standby).toBe(4);
      // The primary down: with no write since the position last known, the standby serves, and a
      // booking that fails (nothing written) changes nothing of that.
      await replay(primary, standby);
      primaryDown.on = true;
      expect((await opd.getToken(token.id)).slotId).toBe('X-1');
      await expect(book(opd, 'p9', 'X-2')).rejects.toThrow();
      expect((await opd.getToken(token.id)).slotId).toBe('X-1');
      expect(counts.standby).toBe(6);
      primaryDown.on = false;
      // The events of the token's day, for its explanation, are a display read too.
      const asked = standby.reads;
      const explained = await opd.explain(token.id);
      expect(explained.tokenId).toBe(token.id);
      expect(standby.reads).toBeGreaterThan(asked);
      // A unit never reads the standby.
      const reads = standby.reads;
      await book(opd, 'p2', 'X-2');
      await opd.cancel(token.id);
      expect(standby.reads).toBe(reads);
    } finally {
      await opd.close();
    }
  });

  it('a standby that is not in recovery (promoted, or an old primary) serves no read', async () => {
    const { primary, standby } = await cluster();
    // The copy itself, unwrapped: PGlite is never in recovery.
    const storage = new PostgresStorage({ db: primary, read: [standby.copy] });
    const opd = new OpdScheduler({ ...presets.cascade(), storage, clock });
    try {
      const { token } = await book(opd, 'p1', 'X-1');
      expect((await opd.getToken(token.id)).slotId).toBe('X-1');
      expect(replicaCounts(storage)).toMatchObject({ standby: 0, primary: 1 });
    } finally {
      await opd.close();
    }
  });

  it('refuses a read option that lists no database, or something else', async () => {
    const db = await primaryDb();
    const field = (read: unknown): unknown => {
      try {
        new PostgresStorage({ db, read: read as never });
        return 'accepted';
      } catch (error) {
        return isOpdError(error, 'VALIDATION_FAILED') ? error.details.field : error;
      }
    };
    expect(field([])).toBe('read');
    expect(field('postgres://x')).toBe('read');
    expect(field([{}])).toBe('read');
    expect(field([db])).toBe('accepted');
  });

  it('property: a scheduler reads its own bookings and cancellations from any pool, and a standby read never shows what a later primary read contradicts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('book' as const), slot: fc.constantFrom('X-1', 'X-2') }),
            fc.record({ kind: fc.constant('cancel' as const), index: fc.nat() }),
            fc.constant({ kind: 'replay' as const }),
            fc.constant({ kind: 'read' as const }),
          ),
          {
            minLength: 4,
            maxLength: 14,
          },
        ),
        async (steps) => {
          const { primary, standby } = await cluster();
          const storage = new PostgresStorage({ db: primary, read: [standby.db] });
          const opd = new OpdScheduler({ ...presets.cascade(), storage, clock });
          const direct = new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db: primary }), clock });
          const mine: { id: string; slotId: string; cancelled: boolean }[] = [];
          try {
            let n = 0;
            for (const step of steps) {
              if (step.kind === 'book') {
                const result = await book(opd, `p${String(++n)}`, step.slot).catch(() => undefined);
                if (result !== undefined) mine.push({ id: result.token.id, slotId: result.token.slotId!, cancelled: false });
              } else if (step.kind === 'cancel' && mine.length > 0) {
                const t = mine[step.index % mine.length]!;
                if (!t.cancelled) {
                  await opd.cancel(t.id);
                  t.cancelled = true;
                }
              } else if (step.kind === 'replay') {
                await replay(primary, standby);
              }
              // After every step: each of my tokens as I last left it, whichever pool served the read.
              for (const t of mine) {
                const seen = await opd.getToken(t.id);
                expect(seen.status === 'CANCELLED').toBe(t.cancelled);
              }
              for (const slotId of ['X-1', 'X-2']) {
                const routed = (await opd.getSlot(slotId)).places.map((p) => p.id).sort();
                const later = (await direct.getSlot(slotId)).places.map((p) => p.id).sort();
                expect(routed).toEqual(later);
              }
            }
          } finally {
            await opd.close();
            await direct.close();
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});
