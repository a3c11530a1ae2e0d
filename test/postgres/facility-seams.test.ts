/**
 * Where facilities meet the integrator's code and the scheduler's options, on PGlite (and on the
 * server with DATABASE_URL): the integrator's transaction given to the store runs in the units of
 * a facility's scheduler built over that store; a scheduler and the store's view it is given
 * agree on the facility, or the constructor refuses them.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStorage, OpdScheduler, presets } from '../../src/index.js';
import { migrate, PostgresStorage, type PostgresDb } from '../../src/postgres/index.js';
import { borrowPglite, giveBackPglite } from '../pglite.js';

const DAY = '2026-01-30';
const url = process.env['DATABASE_URL'];
const pool = url === undefined || url === '' ? undefined : new pg.Pool({ connectionString: url, max: 4 });
afterAll(async () => pool?.end());

const dbs: Record<
  string,
  (() => Promise<{ db: PostgresDb; query: (text: string) => Promise<Record<string, unknown>[]>; done: () => Promise<void> }>) | undefined
> = {
  PGlite: async () => {
    const lite = await borrowPglite();
    return { db: lite, query: async (text) => (await lite.query<Record<string, unknown>>(text)).rows, done: () => giveBackPglite(lite) };
  },
  'a PostgreSQL server':
    pool === undefined
      ? undefined
      : async () => ({ db: pool, query: async (text) => (await pool.query<Record<string, unknown>>(text)).rows, done: async () => undefined }),
};

for (const [name, open] of Object.entries(dbs)) {
  describe.skipIf(open === undefined)(`facility seams on ${name}`, () => {
    it("the store's withTransaction runs the integrator's work in the units of facility A's scheduler built over the store", async () => {
      const { db, query, done } = await open!();
      const schema = `opd_t_seams_${process.pid}`;
      await query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await migrate(db, { schema });
      await query(`CREATE TABLE ${schema}.bills (token_id text PRIMARY KEY)`);
      const storage = new PostgresStorage({ db, schema });
      const opd = new OpdScheduler({ ...presets.standard(), storage, facilityId: 'A', clock: () => new Date(`${DAY}T03:00:00Z`), timeZone: 'Asia/Kolkata' });
      try {
        await opd.addDoctor({ id: 'd1', name: 'Dr One' });
        await opd.addSlots('d1', [{ id: 's1', start: `${DAY}T09:00:00+05:30`, end: `${DAY}T10:00:00+05:30`, capacity: 2 }]);
        let ran = 0;
        const booking = await storage.withTransaction(
          () => opd.book({ doctorId: 'd1', category: 'PAID', patient: { id: 'p1', name: 'Asha' }, slotId: 's1' }),
          async (tx, result) => {
            ran++;
            await tx.query(`INSERT INTO ${schema}.bills (token_id) VALUES ($1)`, [(result as { token: { id: string } }).token.id]);
          },
        );
        expect(ran).toBe(1);
        expect(await query(`SELECT token_id FROM ${schema}.bills`)).toEqual([{ token_id: booking.token.id }]);
        // A work that throws rolls the booking back with it.
        await expect(
          storage.withTransaction(
            () => opd.book({ doctorId: 'd1', category: 'PAID', patient: { id: 'p2', name: 'Ravi' }, slotId: 's1' }),
            async () => Promise.reject(new Error('bill refused')),
          ),
        ).rejects.toMatchObject({ code: 'STORAGE_FAILURE' });
        expect((await opd.getSlot('s1')).places.map((t) => t.patient.id)).toEqual(['p1']);
      } finally {
        await opd.close();
        await storage.close();
        await query(`DROP SCHEMA ${schema} CASCADE`);
        await done();
      }
    });
  });
}

describe('a scheduler and the store it is given agree on the facility', () => {
  it("refuses a view of facility A without facilityId, or with another, naming both; takes it with facilityId 'A'", async () => {
    for (const root of [new MemoryStorage()]) {
      const view = root.forFacility('A');
      for (const options of [{}, { facilityId: 'B' }, { facilityId: 'default' }]) {
        let error: unknown;
        try {
          new OpdScheduler({ storage: view, ...options });
        } catch (e) {
          error = e;
        }
        expect(error, JSON.stringify(options)).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'facilityId' } });
        expect(String((error as Error).message)).toContain("'A'");
      }
      const a = new OpdScheduler({ storage: view, facilityId: 'A', clock: () => new Date(`${DAY}T03:00:00Z`) });
      await a.addDoctor({ id: 'd1', name: 'Dr One' });
      // The same facility as a scheduler given the store itself and facilityId 'A'.
      const same = new OpdScheduler({ storage: root, facilityId: 'A' });
      expect((await same.getDoctor('d1')).facilityId ?? 'default').toBe('A');
    }
  });
});

describe('closing one facility closes it alone, and the facility gets a new scheduler', () => {
  const stores: Record<string, () => Promise<{ storage: () => MemoryStorage | PostgresStorage; done: () => Promise<void> }>> = {
    memory: async () => {
      const storage = new MemoryStorage();
      return { storage: () => storage, done: async () => undefined };
    },
    PGlite: async () => {
      const lite = await borrowPglite();
      await migrate(lite, { schema: 'opd_t_close' });
      const storage = new PostgresStorage({ db: lite, schema: 'opd_t_close' });
      return { storage: () => storage, done: () => giveBackPglite(lite) };
    },
  };
  for (const [name, open] of Object.entries(stores)) {
    it(`on ${name}: the default facility's scheduler closed, A works; A's closed, a new scheduler of A finds its records`, async () => {
      const { storage, done } = await open();
      const make = (facilityId?: string) =>
        new OpdScheduler({
          ...presets.standard(),
          storage: storage(),
          clock: () => new Date(`${DAY}T03:00:00Z`),
          ...(facilityId === undefined ? {} : { facilityId }),
        });
      const home = make();
      const a = make('A');
      await a.addDoctor({ id: 'd1', name: 'Dr One' });
      await home.close();
      await a.addDoctor({ id: 'd2', name: 'Dr Two' });
      expect((await a.listDoctors()).map((d) => d.id)).toEqual(['d1', 'd2']);
      await a.close();
      const again = make('A');
      expect((await again.listDoctors()).map((d) => d.id)).toEqual(['d1', 'd2']);
      await again.addDoctor({ id: 'd3', name: 'Dr Three' });
      await again.close();
      await done();
    });
  }
});
