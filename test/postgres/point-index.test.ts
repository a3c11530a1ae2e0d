/**
 * A service point's queue by index on PostgreSQL: a store written at schema version 16 (journeys,
 * before the index of the tokens at each point), populated with patients waiting at service
 * points, migrated to the latest version; its queues read the same before and after, through the
 * index (`opd_tokens_at_point`), and a call at a point calls from it. On PGlite, and on the server
 * when DATABASE_URL is set.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { OpdScheduler, presets, type OpdSchedulerOptions, type ServicePoint } from '../../src/index.js';
import { migrate, PostgresStorage, type PostgresDb } from '../../src/postgres/index.js';
import { FUNCTIONS_VERSION, functionsSql } from '../../src/postgres/functions.js';
import { schemaName } from '../../src/postgres/schema.js';
import { bootstrapSql, MIGRATIONS } from '../../src/postgres/migrations.js';
import { statementsFor } from '../../src/postgres/sql.js';
import { pgliteOfFile } from '../pglite.js';

const url = process.env['DATABASE_URL'];
const hasServer = url !== undefined && url !== '';
const DAY = '2026-01-30';
const clock = (): Date => new Date(`${DAY}T04:00:00Z`);
const POINTS: ServicePoint[] = [
  { id: 'reg', kind: 'registration' },
  { id: 'vitals-med', kind: 'vitals', department: 'medicine' },
  { id: 'lab', kind: 'lab' },
];
const options: OpdSchedulerOptions = {
  ...presets.standard(),
  servicePoints: POINTS,
  routes: { visit: ['registration', 'vitals', 'doctor', 'lab', 'doctor'] },
  clock,
  timeZone: 'Asia/Kolkata',
};

type Query = (text: string, values?: unknown[]) => Promise<Record<string, unknown>[]>;

async function execOn(db: PostgresDb, text: string): Promise<void> {
  if ('exec' in db) await (db as { exec(t: string): Promise<unknown> }).exec(text);
  else await (db as unknown as { query(t: string): Promise<unknown> }).query(text);
}

function queryOf(db: PostgresDb): Query {
  return async (text, values = []) =>
    (await (db as unknown as { query(t: string, v: unknown[]): Promise<{ rows: Record<string, unknown>[] }> }).query(text, values)).rows;
}

/** Three doctors (two of medicine), patients checked in on the route, some forwarded on. */
async function populate(opd: OpdScheduler): Promise<void> {
  for (const [id, department] of [
    ['a', 'medicine'],
    ['b', 'medicine'],
    ['c', 'surgery'],
  ] as const) {
    await opd.addDoctor({ id, name: `Dr ${id}`, department });
    await opd.addSlots(
      id,
      [9, 10, 11].map((h) => ({
        id: `${id}-${h}`,
        start: `${DAY}T${String(h).padStart(2, '0')}:00:00+05:30`,
        end: `${DAY}T${String(h + 1).padStart(2, '0')}:00:00+05:30`,
        capacity: 4,
      })),
    );
    for (let n = 0; n < 6; n++) {
      const category = n === 5 ? 'EMERGENCY' : n % 2 === 0 ? 'WALK_IN' : 'ONLINE';
      const { token } = await opd.book({
        doctorId: id,
        category,
        patient: { id: `${id}-p${n}`, name: `patient ${id}${n}` },
        ...(category === 'ONLINE' ? { slotId: `${id}-${9 + (n % 3)}` } : {}),
      });
      await opd.checkIn(token.id, { route: 'visit' });
      if (n % 3 === 1 && department === 'medicine') await opd.forward(token.id, { to: 'vitals' });
      if (n === 4) await opd.forward(token.id, { to: 'doctor' });
    }
  }
  // A patient called at registration, still there (the counter keeps them).
  await opd.callNext({ servicePoint: 'reg' });
}

async function queues(opd: OpdScheduler): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const p of POINTS) out[p.id] = (await opd.getServicePointQueue(p.id, DAY)).map((t) => `${t.id}:${t.status}:${t.position ?? ''}`);
  return out;
}

/** Runs `work` on one session of `db` (PGlite is one; a pool lends a client). */
async function oneSession<T>(db: PostgresDb, work: (q: Query) => Promise<T>): Promise<T> {
  if (!(db instanceof pg.Pool)) return work(queryOf(db));
  const client = await db.connect();
  try {
    return await work(async (text, values = []) => (await client.query(text, values)).rows as Record<string, unknown>[]);
  } finally {
    client.release();
  }
}

function cases(open: () => Promise<{ db: PostgresDb; query: Query }>, prefix: string): void {
  it('migrates a store written at version 16 with patients waiting at service points: the same queues, now read through the index, and calls from it', async () => {
    const { db, query } = await open();
    const old = `${prefix}_v16`;
    const name = schemaName('schema', old);
    await query(`CREATE SCHEMA ${old}`);
    await execOn(db, `${bootstrapSql(name)}\nCREATE TABLE ${old}.opd_functions (version integer NOT NULL);`);
    // Every migration but the index's (the adapter of today writes the later columns): the store
    // as version 16 left its tokens, without the index of the tokens at each point.
    for (const m of MIGRATIONS.filter((x) => x.version !== 17)) {
      await execOn(db, `${m.sql(name)}\nINSERT INTO ${old}.opd_migrations (version, name) VALUES (${m.version}, 'v${m.version}');`);
    }
    await execOn(db, `${functionsSql(name)}\nINSERT INTO ${old}.opd_functions (version) VALUES (${FUNCTIONS_VERSION});`);
    const indexes = async (): Promise<string[]> =>
      (await query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'opd_tokens' ORDER BY 1`, [old])).map((r) => String(r['indexname']));
    expect(await indexes()).not.toContain('opd_tokens_at_point');

    const before = new PostgresStorage({ db, schema: old });
    const opdBefore = new OpdScheduler({ ...options, storage: before });
    await populate(opdBefore);
    const seen = await queues(opdBefore);
    expect(seen['reg']!.length).toBeGreaterThan(5);
    expect(seen['vitals-med']!.length).toBeGreaterThan(1);
    await before.close();

    expect((await migrate(db, { schema: old })).applied).toEqual([17]);
    expect(await indexes()).toContain('opd_tokens_at_point');
    const after = new PostgresStorage({ db, schema: old });
    const opd = new OpdScheduler({ ...options, storage: after });
    expect(await queues(opd)).toEqual(seen);

    // The statement a unit reads a point's queue with can use the index (the planner is told off
    // the whole table: on a table this small it would rather read it all).
    const statement = statementsFor(name)
      .pointQueue.text.replace(/\$1::text/g, "'reg'")
      .replace(/\$2::text/g, `'${DAY}'`)
      .replace(/\$3::json/g, `'["a","b","c"]'`);
    const plan = await oneSession(db, async (q) => {
      await q('BEGIN');
      try {
        await q('SET LOCAL enable_seqscan = off');
        return await q(`EXPLAIN ${statement}`);
      } finally {
        await q('ROLLBACK');
      }
    });
    expect(plan.map((r) => String(r['QUERY PLAN'])).join('\n')).toContain('opd_tokens_at_point');

    // A call at the facility's registration calls the first of its queue; the queue goes on without them.
    const queue = await opd.getServicePointQueue('reg', DAY);
    const called = (await opd.callNext({ servicePoint: 'reg' })).token;
    expect(called?.id).toBe(queue[0]!.id);
    await opd.forward(called!.id, { to: 'doctor' });
    expect((await opd.getServicePointQueue('reg', DAY)).map((t) => t.id)).toEqual(queue.slice(1).map((t) => t.id));
    await after.close();
    await query(`DROP SCHEMA ${old} CASCADE`);
  });
}

describe('a service point queue by index on PGlite', () => {
  const pglite = pgliteOfFile();
  cases(async () => {
    const db = await pglite();
    return { db, query: queryOf(db) };
  }, 'opd_t_point');
});

describe.skipIf(!hasServer)('a service point queue by index on a PostgreSQL server', () => {
  const pool = hasServer ? new pg.Pool({ connectionString: url, max: 4 }) : undefined;
  afterAll(() => pool?.end());
  cases(async () => ({ db: pool!, query: queryOf(pool!) }), `opd_t_point_${process.pid}`);
});
