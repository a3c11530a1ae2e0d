/**
 * Facilities on PostgreSQL beyond the conformance suite: a store written at schema version 11
 * migrated and read back as the facility 'default', `facility_id` first in every key and index,
 * row-level security (`migrate(db, { rowLevelSecurity: true })`) seen straight from SQL, and two
 * facilities with the same doctor ids never waiting on each other's locks (server). On PGlite, and
 * on the server when DATABASE_URL is set.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isOpdError, type OpdEvent, OpdScheduler, presets } from '../../src/index.js';
import { migrate, migrationSql, PostgresStorage, type PostgresDb } from '../../src/postgres/index.js';
import { schemaName } from '../../src/postgres/schema.js';
import { bootstrapSql, FACILITY_TABLES, MIGRATIONS } from '../../src/postgres/migrations.js';
import { freshPglite } from '../pglite.js';

const url = process.env['DATABASE_URL'];
const hasServer = url !== undefined && url !== '';
const DAY = '2026-01-30';
const clock = (): Date => new Date(`${DAY}T03:00:00Z`);

/** Runs SQL text with bind parameters on a pool or PGlite, answering its rows. */
type Query = (text: string, values?: unknown[]) => Promise<Record<string, unknown>[]>;

/** Runs a script of several statements (PGlite's `exec`, a pool's simple query). */
async function execOn(db: PostgresDb, text: string): Promise<void> {
  if ('exec' in db) await (db as { exec(t: string): Promise<unknown> }).exec(text);
  else await (db as unknown as { query(t: string): Promise<unknown> }).query(text);
}

function queryOf(db: PostgresDb): Query {
  return async (text, values = []) =>
    (await (db as unknown as { query(t: string, v: unknown[]): Promise<{ rows: Record<string, unknown>[] }> }).query(text, values)).rows;
}

function scheduler(storage: PostgresStorage, facilityId?: string): OpdScheduler {
  return new OpdScheduler({ ...presets.standard(), storage, clock, timeZone: 'Asia/Kolkata', ...(facilityId === undefined ? {} : { facilityId }) });
}

/** A day of a doctor with a slot, three bookings, a cancellation and a check-in. */
async function populate(opd: OpdScheduler, doctorId: string, mark: string): Promise<string[]> {
  await opd.addDoctor({ id: doctorId, name: `Dr ${doctorId}`, department: 'cardio' });
  await opd.addSlots(doctorId, [
    { id: `${doctorId}-09`, start: `${DAY}T09:00:00+05:30`, end: `${DAY}T10:00:00+05:30`, capacity: 3 },
    { id: `${doctorId}-10`, start: `${DAY}T10:00:00+05:30`, end: `${DAY}T11:00:00+05:30`, capacity: 3 },
  ]);
  const ids: string[] = [];
  for (let n = 1; n <= 3; n++) {
    const r = await opd.book({
      doctorId,
      category: 'ONLINE',
      patient: { id: `${mark}-p${n}`, name: `${mark} patient ${n}` },
      slotId: `${doctorId}-09`,
      idempotencyKey: `k${n}`,
    });
    ids.push(r.token.id);
  }
  await opd.cancel(ids[1]!, { reason: 'changed plans' });
  await opd.checkIn(ids[2]!);
  return ids;
}

/** The cases, on one database. */
function cases(open: () => Promise<{ db: PostgresDb; query: Query }>, prefix: string): void {
  let n = 0;
  const schema = (name: string): string => `${prefix}_${name}_${++n}`;

  it('migrates a store written at version 11 and reads it back as the facility default, with facility_id first in every key and index', async () => {
    const { db, query } = await open();
    // The store's rows written by the adapter, then copied into a schema made by migrations 1–11
    // (every column but facility_id): a store as the release before facilities left it.
    const source = schema('v12');
    await migrate(db, { schema: source });
    const written = new PostgresStorage({ db, schema: source });
    const ids = await populate(scheduler(written), 'd1', 'old');
    const old = schema('v11');
    const name = schemaName('schema', old);
    await query(`CREATE SCHEMA ${old}`);
    await execOn(db, `${bootstrapSql(name)}\nCREATE TABLE ${old}.opd_functions (version integer NOT NULL);`);
    for (const m of MIGRATIONS.filter((x) => x.version <= 11)) {
      await execOn(db, `${m.sql(name)}\nINSERT INTO ${old}.opd_migrations (version, name) VALUES (${m.version}, 'v${m.version}');`);
    }
    for (const table of FACILITY_TABLES.filter((t) => t !== 'opd_facility_counters')) {
      const columns = (
        await query('SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position', [old, table])
      ).map((r) => String(r['column_name']));
      expect(columns.length).toBeGreaterThan(0);
      expect(columns).not.toContain('facility_id');
      // A column later versions dropped (the offers and leases of a day, a hold's actor) stays empty:
      // the rows carry no such claims.
      const kept = (await query('SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2', [source, table])).map((r) =>
        String(r['column_name']),
      );
      const list = columns.filter((c) => kept.includes(c)).join(', ');
      await query(`INSERT INTO ${old}.${table} (${list}) SELECT ${list} FROM ${source}.${table}`);
    }
    await query(`SELECT setval('${old}.opd_event_seq', (SELECT last_value FROM ${source}.opd_event_seq))`);
    await query(`SELECT setval('${old}.opd_doctor_id_seq', (SELECT last_value FROM ${source}.opd_doctor_id_seq))`);

    expect((await migrate(db, { schema: old })).applied).toEqual(MIGRATIONS.map((m) => m.version).filter((v) => v > 11));
    const migrated = new PostgresStorage({ db, schema: old });
    const opd = scheduler(migrated);
    const before = scheduler(written);
    expect(await opd.getSchedule('d1', DAY)).toEqual(await before.getSchedule('d1', DAY));
    for (const id of ids) expect(await opd.getToken(id)).toEqual(await before.getToken(id));
    const history = await opd.history();
    expect(history).toEqual(await before.history());
    expect(new Set(history.map((e) => e.facilityId))).toEqual(new Set(['default']));
    // A replay of a stored key answers the stored booking; the day's numbers go on.
    const replay = await opd.book({
      doctorId: 'd1',
      category: 'ONLINE',
      patient: { id: 'old-p1', name: 'old patient 1' },
      slotId: 'd1-09',
      idempotencyKey: 'k1',
    });
    expect(replay.token.id).toBe(ids[0]);
    const next = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'new-p', name: 'new patient' }, slotId: 'd1-10' });
    expect(next.token.tokenNumber).toBe(4);
    // Another facility of the migrated store holds none of it.
    const north = scheduler(migrated.forFacility('north'), 'north');
    await expect(north.getDoctor('d1')).rejects.toSatisfy((e: unknown) => isOpdError(e, 'DOCTOR_NOT_FOUND'));
    expect(await north.history()).toEqual([]);

    for (const table of FACILITY_TABLES.filter((t) => t !== 'opd_facility_counters')) {
      expect(await query(`SELECT DISTINCT facility_id FROM ${old}.${table}`), table).toEqual([{ facility_id: 'default' }]);
    }
    // Generated doctor ids: the default facility's go on from the sequence, another facility's start at 1.
    expect((await opd.addDoctor({ name: 'Dr generated' })).id).toMatch(/^doc-\d+$/);
    expect((await north.addDoctor({ name: 'Dr north' })).id).toBe('doc-1');
    expect((await north.addDoctor({ name: 'Dr north 2' })).id).toBe('doc-2');
    // Every key and index of a facility's table begins with facility_id, in both schemas.
    for (const s of [old, source]) {
      const indexes = await query(
        `SELECT c.relname AS table, i.indexrelid::regclass::text AS index, a.attname AS first
         FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace ns ON ns.oid = c.relnamespace
         LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
         WHERE ns.nspname = $1 AND c.relname = ANY ($2::text[])`,
        [s, [...FACILITY_TABLES]],
      );
      expect(indexes.length).toBeGreaterThanOrEqual(FACILITY_TABLES.length + 14);
      expect(indexes.filter((r) => r['first'] !== 'facility_id')).toEqual([]);
      const keys = await query(
        `SELECT c.relname AS table FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace ns ON ns.oid = c.relnamespace
         WHERE ns.nspname = $1 AND i.indisprimary ORDER BY 1`,
        [s],
      );
      expect(keys.map((r) => r['table'])).toEqual(expect.arrayContaining([...FACILITY_TABLES]));
    }
    await Promise.all([written.close(), migrated.close()]);
    await query(`DROP SCHEMA ${old} CASCADE`);
    await query(`DROP SCHEMA ${source} CASCADE`);
  });

  it('the listen feed of another adapter delivers to each facility view its own events only, every one of them', async () => {
    const { db, query } = await open();
    const s = schema('feed');
    await migrate(db, { schema: s });
    const writer = new PostgresStorage({ db, schema: s });
    const reader = new PostgresStorage({ db, schema: s, listen: true });
    const facilities = ['north', 'south'] as const;
    const got: Record<string, OpdEvent[]> = { north: [], south: [], default: [] };
    for (const f of [...facilities, 'default']) reader.forFacility(f).subscribe((e) => got[f]!.push(e));
    const opd = Object.fromEntries(facilities.map((f) => [f, scheduler(writer.forFacility(f), f)])) as Record<(typeof facilities)[number], OpdScheduler>;
    // Each view's feed starts where its first read finds the store: probe until it delivers.
    const since: Record<string, number> = {};
    for (const f of facilities) {
      await opd[f].addDoctor({ id: 'probe', name: 'Dr probe' });
      await opd[f].addSlots('probe', [{ id: 'probe-09', start: `${DAY}T09:00:00+05:30`, end: `${DAY}T10:00:00+05:30`, capacity: 200 }]);
      for (let i = 0; got[f]!.length === 0; i++) {
        expect(i).toBeLessThan(100);
        await opd[f].book({ doctorId: 'probe', category: 'ONLINE', patient: { id: `${f}-probe-${i}`, name: `${f} probe` }, slotId: 'probe-09' });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      since[f] = (await opd[f].history()).at(-1)!.seq;
    }
    for (const f of facilities) await populate(opd[f], 'c1', f);
    for (const f of facilities) {
      const stored = (await opd[f].history()).filter((e) => e.seq > since[f]!);
      for (let i = 0; got[f]!.filter((e) => e.seq > since[f]!).length < stored.length; i++) {
        expect(i).toBeLessThan(200);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const delivered = got[f]!.filter((e) => e.seq > since[f]!);
      expect(delivered.map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
      expect(new Set(got[f]!.map((e) => e.facilityId))).toEqual(new Set([f]));
      expect(JSON.stringify(got[f]).includes(f === 'north' ? 'south' : 'north')).toBe(false);
    }
    expect(got['default']).toEqual([]);
    // The views are in use (subscribed to): each closes on its own, then the stores.
    await Promise.all(facilities.map((f) => opd[f].close()));
    for (const f of facilities) await reader.forFacility(f).close();
    await Promise.all([writer.close(), reader.close()]);
    await query(`DROP SCHEMA ${s} CASCADE`);
  });

  it('one view for each facility id; closing a view or the store closes it alone; a closed view gives way to a new one', async () => {
    const { db, query } = await open();
    const s = schema('views');
    await migrate(db, { schema: s });
    const storage = new PostgresStorage({ db, schema: s });
    const north = storage.forFacility('north');
    expect(storage.forFacility('north')).toBe(north);
    expect(north.forFacility('default')).toBe(storage);
    expect(north.forFacility('south')).toBe(storage.forFacility('south'));
    expect(() => storage.forFacility('a/b')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', details: expect.objectContaining({ field: 'facilityId' }) }) as Error,
    );
    const southView = storage.forFacility('south');
    const south = scheduler(southView, 'south');
    await south.addDoctor({ id: 'd1', name: 'Dr d1' });
    await north.close();
    await expect(north.listDoctors()).rejects.toSatisfy((e: unknown) => isOpdError(e, 'STORAGE_FAILURE'));
    expect((await south.listDoctors()).map((d) => d.id)).toEqual(['d1']);
    expect(await storage.listDoctors()).toEqual([]);
    // The facility closed gets a new view, for its next scheduler.
    const northAgain = storage.forFacility('north');
    expect(northAgain).not.toBe(north);
    expect(await northAgain.listDoctors()).toEqual([]);
    // Closing the store (the 'default' facility's, as its scheduler's close() does) closes it alone.
    await storage.close();
    expect((await south.listDoctors()).map((d) => d.id)).toEqual(['d1']);
    await south.addDoctor({ id: 'd2', name: 'Dr d2' });
    expect(() => storage.forFacility('default')).toThrow(expect.objectContaining({ code: 'STORAGE_FAILURE' }) as Error);
    expect(storage.forFacility('south')).toBe(southView);
    await Promise.all([south.close(), northAgain.close()]);
    await expect(southView.listDoctors()).rejects.toSatisfy((e: unknown) => isOpdError(e, 'STORAGE_FAILURE'));
    await query(`DROP SCHEMA ${s} CASCADE`);
  });

  it('refuses a rowLevelSecurity option that is not a boolean, and prints the policies in the script', async () => {
    const { db } = await open();
    await expect(migrate(db, { schema: schema('bad'), rowLevelSecurity: 'yes' as never })).rejects.toSatisfy(
      (e: unknown) => isOpdError(e, 'VALIDATION_FAILED') && e.details['field'] === 'rowLevelSecurity',
    );
    const script = await migrationSql(null, { schema: 'opd_rls', rowLevelSecurity: true });
    for (const table of FACILITY_TABLES) {
      expect(script).toContain(`ALTER TABLE "opd_rls".${table} ENABLE ROW LEVEL SECURITY;`);
      expect(script).toContain(
        `CREATE POLICY opd_facility ON "opd_rls".${table} USING (facility_id = current_setting('opd.facility_id', true)) WITH CHECK (facility_id = current_setting('opd.facility_id', true));`,
      );
    }
    expect(await migrationSql(null, { schema: 'opd_rls' })).not.toContain('ROW LEVEL SECURITY');
  });
}

/**
 * Row-level security as a role subject to it: its sessions scoped to one facility read no row of
 * the other from any table, and schedulers connected as that role book in their own facility.
 * `connectAs` gives a database whose sessions run as the role.
 */
async function rlsCase(
  db: PostgresDb,
  query: Query,
  s: string,
  role: string,
  connectAs: () => Promise<{ db: PostgresDb; session: Query; done: () => Promise<void> }>,
): Promise<void> {
  await migrate(db, { schema: s, rowLevelSecurity: true });
  // Idempotent: a second run makes the policies again.
  expect((await migrate(db, { schema: s, rowLevelSecurity: true })).applied).toEqual([]);
  expect(await migrationSql(db, { schema: s, rowLevelSecurity: true })).toContain('(up to date: nothing to apply; row-level security of facilities)');
  await query(`GRANT USAGE ON SCHEMA ${s} TO ${role}`);
  await query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${role}`);
  await query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${s} TO ${role}`);
  const as = await connectAs();
  try {
    const storage = new PostgresStorage({ db: as.db, schema: s });
    const north = scheduler(storage.forFacility('north'), 'north');
    const south = scheduler(storage.forFacility('south'), 'south');
    const northIds = await populate(north, 'c1', 'north');
    await populate(south, 'c1', 'south');
    // Each facility's own counter of generated doctor ids.
    expect([(await north.addDoctor({ name: 'Dr n' })).id, (await south.addDoctor({ name: 'Dr s' })).id]).toEqual(['doc-1', 'doc-1']);
    expect((await north.getToken(northIds[0]!)).patient.name).toBe('north patient 1');
    expect(new Set((await south.history()).map((e) => e.facilityId))).toEqual(new Set(['south']));
    // Straight from SQL, as the role, in one session: scoped to north, it reads north's rows
    // only (south's are there, below); scoped to nothing, it reads none.
    const session = as.session;
    expect((await session('SELECT current_user AS u'))[0]!['u']).toBe(role);
    for (const table of FACILITY_TABLES) {
      await session("SELECT set_config('opd.facility_id', 'north', false)");
      const all = (await session(`SELECT count(*)::int AS n, count(*) FILTER (WHERE facility_id <> 'north')::int AS others FROM ${s}.${table}`))[0]!;
      expect(all['others'], table).toBe(0);
      expect(Number(all['n']), table).toBeGreaterThan(0);
      await session("SELECT set_config('opd.facility_id', '', false)");
      expect((await session(`SELECT count(*)::int AS n FROM ${s}.${table}`))[0]!['n'], table).toBe(0);
    }
    // A row moved to another facility is refused by the policy's check.
    await session("SELECT set_config('opd.facility_id', 'north', false)");
    await expect(session(`UPDATE ${s}.opd_doctors SET facility_id = 'south' WHERE doctor_id = 'c1'`)).rejects.toThrow(/row-level security/);
    await session("SELECT set_config('opd.facility_id', '', false)");
    await storage.close();
  } finally {
    await as.done();
  }
  // As the tables' owner, both facilities are there, each table holding rows of both.
  for (const table of FACILITY_TABLES) {
    expect(
      (await query(`SELECT DISTINCT facility_id FROM ${s}.${table} ORDER BY 1`)).map((r) => r['facility_id']),
      table,
    ).toEqual(['north', 'south']);
  }
}

describe('facilities on PGlite', () => {
  let shared: Awaited<ReturnType<typeof freshPglite>> | undefined;
  afterAll(() => shared?.close());
  const open = async (): Promise<{ db: PostgresDb; query: Query }> => {
    shared ??= await freshPglite();
    return { db: shared, query: queryOf(shared) };
  };
  cases(open, 'opd_t_fac');

  it('with row-level security, a role subject to it reads no row of another facility and books in its own', async () => {
    const db = await freshPglite();
    try {
      const query = queryOf(db);
      await query('CREATE ROLE opd_clerk NOLOGIN');
      // PGlite is one session: the role is taken for the session, then given back.
      await rlsCase(db, query, 'opd_t_rls', 'opd_clerk', async () => {
        await query('SET ROLE opd_clerk');
        return { db, session: query, done: async () => void (await query('RESET ROLE')) };
      });
    } finally {
      await db.close();
    }
  });
});

describe.skipIf(!hasServer)('facilities on a PostgreSQL server', () => {
  const pool = hasServer ? new pg.Pool({ connectionString: url, max: 8 }) : undefined;
  afterAll(() => pool?.end());
  const open = async (): Promise<{ db: PostgresDb; query: Query }> => ({ db: pool!, query: queryOf(pool!) });
  cases(open, `opd_t_fac_${process.pid}`);

  it('with row-level security, a role subject to it reads no row of another facility and books in its own', async () => {
    const role = `opd_t_clerk_${process.pid}`;
    const s = `opd_t_rls_${process.pid}`;
    const query = queryOf(pool!);
    await query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await query(
      `DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN EXECUTE 'DROP OWNED BY ${role}'; EXECUTE 'DROP ROLE ${role}'; END IF; END $$`,
    );
    await query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS`);
    try {
      await rlsCase(pool!, query, s, role, async () => {
        // The role in the address itself: node-postgres prefers the address's user to a `user` option.
        const address = new URL(url!);
        address.username = role;
        const as = new pg.Pool({ connectionString: address.toString(), max: 4 });
        const client = await as.connect();
        const session: Query = async (text, values = []) => (await client.query(text, values)).rows as Record<string, unknown>[];
        return {
          db: as,
          session,
          done: async () => {
            client.release();
            await as.end();
          },
        };
      });
    } finally {
      await query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await query(`DROP OWNED BY ${role}`);
      await query(`DROP ROLE ${role}`);
    }
  });

  it('two facilities with the same doctor id never wait on each other: a unit of one holding the doctor lock, the other books at once', async () => {
    const s = `opd_t_fac_locks_${process.pid}`;
    await pool!.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await migrate(pool!, { schema: s });
    const storage = new PostgresStorage({ db: pool!, schema: s, lockTimeout: 3000 });
    const northStorage = storage.forFacility('north');
    expect(storage.forFacility('north')).toBe(northStorage);
    expect(storage.forFacility('default')).toBe(storage);
    expect(() => storage.forFacility('a/b')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }) as Error);
    const north = scheduler(northStorage, 'north');
    const south = scheduler(storage.forFacility('south'), 'south');
    // North on another adapter, as another process would be: it waits for the lock in the database.
    const other = new PostgresStorage({ db: pool!, schema: s, lockTimeout: 3000 });
    const same = scheduler(other.forFacility('north'), 'north');
    for (const opd of [north, south]) {
      await opd.addDoctor({ id: 'c1', name: 'Dr c1' });
      await opd.addSlots('c1', [{ id: 'c1-09', start: `${DAY}T09:00:00+05:30`, end: `${DAY}T10:00:00+05:30`, capacity: 5 }]);
    }
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let heldNow!: () => void;
    const holding = new Promise<void>((resolve) => (heldNow = resolve));
    // North's unit holds c1's lock (in its transaction, before its COMMIT) until south has booked c1.
    const northBooking = northStorage.withTransaction(
      () => north.book({ doctorId: 'c1', category: 'ONLINE', patient: { id: 'n1', name: 'north 1' }, slotId: 'c1-09' }),
      async () => {
        heldNow();
        await held;
      },
    );
    await holding;
    const started = Date.now();
    const southBooking = await south.book({ doctorId: 'c1', category: 'ONLINE', patient: { id: 's1', name: 'south 1' }, slotId: 'c1-09' });
    const waited = Date.now() - started;
    // North's own booking of c1 on the other adapter does wait for the lock until north's first commits.
    let sameDone = false;
    const sameBooking = same.book({ doctorId: 'c1', category: 'ONLINE', patient: { id: 'n2', name: 'north 2' }, slotId: 'c1-09' }).then((r) => {
      sameDone = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sameDone).toBe(false);
    release();
    const [first, second] = await Promise.all([northBooking, sameBooking]);
    expect(waited).toBeLessThan(2000);
    expect([southBooking.token.tokenNumber, first.token.tokenNumber, second.token.tokenNumber]).toEqual([1, 1, 2]);
    await Promise.all([north.close(), south.close(), same.close()]);
    await Promise.all([storage.close(), other.close()]);
    await pool!.query(`DROP SCHEMA ${s} CASCADE`);
  });
});
