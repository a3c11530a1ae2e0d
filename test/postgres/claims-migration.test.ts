/**
 * One claim record, migrated: a store written at schema version 17 by the release before it —
 * two holds as `HELD` tokens (one with its actor), a place held for an offer in `opd_days.offers`
 * and a desk's lease in `opd_days.leases` (test/fixtures/store-v17.json, the rows that release
 * wrote, with what it read and swept from them) — migrated to the latest version reads the same
 * schedule, tokens and history, and every claim ends when and as it did: the holds expire, the
 * offer lapses, the lease expires, none lost and none twice. On PGlite, and on the server when
 * DATABASE_URL is set.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { OpdScheduler, presets, StagedOffers } from '../../src/index.js';
import { migrate, PostgresStorage, type PostgresDb } from '../../src/postgres/index.js';
import { schemaName } from '../../src/postgres/schema.js';
import { bootstrapSql, MIGRATIONS } from '../../src/postgres/migrations.js';
import { pgliteOfFile } from '../pglite.js';

interface Fixture {
  readonly version: number;
  readonly tokens: readonly string[];
  readonly rows: Readonly<Record<string, readonly unknown[]>>;
  readonly sequences: Readonly<Record<string, number>>;
  readonly expected: {
    readonly schedule: unknown;
    readonly tokens: readonly unknown[];
    readonly history: readonly unknown[];
    readonly sweeps: readonly { readonly at: string; readonly effects: readonly unknown[]; readonly schedule: unknown }[];
  };
}

const FIXTURE = JSON.parse(readFileSync(new URL('../fixtures/store-v17.json', import.meta.url), 'utf8')) as Fixture;
const DAY = '2026-01-30';
const url = process.env['DATABASE_URL'];
const hasServer = url !== undefined && url !== '';

type Query = (text: string, values?: unknown[]) => Promise<Record<string, unknown>[]>;

async function execOn(db: PostgresDb, text: string): Promise<void> {
  if ('exec' in db) await (db as { exec(t: string): Promise<unknown> }).exec(text);
  else await (db as unknown as { query(t: string): Promise<unknown> }).query(text);
}

function queryOf(db: PostgresDb): Query {
  return async (text, values = []) =>
    (await (db as unknown as { query(t: string, v: unknown[]): Promise<{ rows: Record<string, unknown>[] }> }).query(text, values)).rows;
}

/** What the scheduler answered, as JSON carries it (dates as ISO strings). */
const asJson = (x: unknown): unknown => JSON.parse(JSON.stringify(x));
/** A schedule recorded at version 17, its doctor as read after version 19 (allopathic, not a specialist, by default). */
const laterDoctor = (schedule: unknown): unknown => {
  const s = schedule as { doctor: Record<string, unknown> };
  return { ...s, doctor: { ...s.doctor, system: 'allopathic', specialist: false } };
};

function cases(open: () => Promise<{ db: PostgresDb; query: Query }>, name: string): void {
  it('migrates holds, an offer and a lease of a version-17 store into one claim record each, and reads and sweeps them as that release did', async () => {
    const { db, query } = await open();
    const schema = schemaName('schema', name);
    await query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    await query(`CREATE SCHEMA ${name}`);
    await execOn(
      db,
      `${bootstrapSql(schema)}\nCREATE TABLE ${name}.opd_functions (version integer NOT NULL);\nINSERT INTO ${name}.opd_functions (version) VALUES (0);`,
    );
    for (const m of MIGRATIONS.filter((x) => x.version <= FIXTURE.version)) {
      await execOn(db, `${m.sql(schema)}\nINSERT INTO ${name}.opd_migrations (version, name) VALUES (${m.version}, 'v${m.version}');`);
    }
    for (const [table, rows] of Object.entries(FIXTURE.rows)) {
      await query(`INSERT INTO ${name}.${table} SELECT * FROM json_populate_recordset(NULL::${name}.${table}, $1::json)`, [JSON.stringify(rows)]);
    }
    for (const [sequence, value] of Object.entries(FIXTURE.sequences)) await query(`SELECT setval('${name}.${sequence}', ${value})`);
    // The rows as version 17 keeps them: two HELD tokens, the offer and the lease in their columns.
    expect(await query(`SELECT count(*)::int AS n FROM ${name}.opd_tokens WHERE status = 'HELD'`)).toEqual([{ n: 2 }]);
    expect(await query(`SELECT offers IS NOT NULL AS offers, leases IS NOT NULL AS leases FROM ${name}.opd_days`)).toEqual([{ offers: true, leases: true }]);

    expect((await migrate(db, { schema: name })).applied).toEqual(MIGRATIONS.map((m) => m.version).filter((v) => v > FIXTURE.version));
    const columns = (await query('SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2', [name, 'opd_days'])).map(
      (r) => String(r['column_name']),
    );
    expect(columns).toContain('claims');
    expect(columns.filter((c) => ['offers', 'offer_due_at', 'leases', 'lease_due_at'].includes(c))).toEqual([]);

    const clock = { now: Date.parse(`${DAY}T07:00:00Z`) };
    const storage = new PostgresStorage({ db, schema: name });
    const opd = new OpdScheduler({
      ...presets.standard(),
      offers: new StagedOffers({ windowMinutes: 30, groupSize: 1 }),
      clock: () => new Date(clock.now),
      timeZone: 'Asia/Kolkata',
      storage,
    });
    // Each claim, one record: two holds (the actor kept), the offered place, the lease's place.
    const day = (await storage.read({ doctorId: 'd1', days: [DAY] })).days.get(DAY)!.record;
    expect((day.claims ?? []).map((c) => [c.kind, c.slotId, c.places, c.state, c.actor]).sort()).toEqual(
      [
        ['hold', 'd1-12', 1, 'ACTIVE', 'desk-1'],
        ['hold', 'd1-12', 1, 'ACTIVE', null],
        ['lease', 'd1-12', 1, 'ACTIVE', 'WEST'],
        ['offer', 'd1-09', 1, 'ACTIVE', null],
      ].sort(),
    );
    expect(asJson(await opd.getSchedule('d1', DAY))).toEqual(laterDoctor(FIXTURE.expected.schedule));
    expect(asJson(await Promise.all(FIXTURE.tokens.map((id) => opd.getToken(id))))).toEqual(FIXTURE.expected.tokens);
    expect(asJson(await opd.history())).toEqual(FIXTURE.expected.history);
    // Every claim ends when, and as, it did before: nothing lost, nothing ended twice.
    for (const sweep of FIXTURE.expected.sweeps) {
      clock.now = Date.parse(sweep.at);
      expect(asJson(await opd.sweep()), sweep.at).toEqual(sweep.effects);
      expect(asJson(await opd.getSchedule('d1', DAY)), sweep.at).toEqual(laterDoctor(sweep.schedule));
    }
    expect(await opd.sweep()).toEqual([]);
    await opd.close();
    await query(`DROP SCHEMA ${name} CASCADE`);
  });
}

describe('one claim record, migrated from version 17, on PGlite', () => {
  const pglite = pgliteOfFile();
  cases(async () => {
    const db = await pglite();
    return { db, query: queryOf(db) };
  }, 'opd_t_claims_v17');
});

describe.skipIf(!hasServer)('one claim record, migrated from version 17, on a PostgreSQL server', () => {
  const pool = hasServer ? new pg.Pool({ connectionString: url, max: 4 }) : undefined;
  afterAll(() => pool?.end());
  cases(async () => ({ db: pool!, query: queryOf(pool!) }), `opd_t_claims_v17_${process.pid}`);
});
