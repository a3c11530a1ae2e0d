/**
 * After `erasePatient` (or `purge`), no byte the store keeps holds the erased patient's fields,
 * while every other patient's stay: random days of bookings (some with idempotency keys),
 * cancellations, check-ins, completions and moves over several doctors and days, with offers of
 * freed places accepted (and accepts retried: an accepted offer's stored result), then the
 * erasure of a random patient (or a purge with a random retention), then a dump of the whole
 * store searched for every field value of the patients' `patient` objects.
 *
 * The dump: `MemoryStorage.dump()` serialised; on PGlite and PostgreSQL, every row of every table
 * of the schema as text (what `pg_dump --data-only` of the schema holds). Old row versions that
 * `VACUUM` has not reclaimed yet are not rows: see docs/storage.md, "Patient data".
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStorage, OpdScheduler, presets, StagedOffers, type OpdEvent, type Patient, type StorageAdapter } from '../../src/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';
import { intensity } from '../intensity.js';
import { borrowPglite, giveBackPglite } from '../pglite.js';
import { fcOptions, timeoutFor } from './support.js';

const DAYS = ['2026-01-30', '2026-01-31', '2026-02-01'] as const;
const DOCTORS = ['d1', 'd2'] as const;
const HOURS = [9, 10] as const;

type Action =
  | {
      readonly op: 'book';
      readonly patient: number;
      readonly doctor: number;
      readonly day: number;
      readonly hour: number;
      readonly category: 'ONLINE' | 'WALK_IN' | 'EMERGENCY';
      readonly keyed: boolean;
    }
  | { readonly op: 'cancel' | 'checkIn' | 'complete' | 'move'; readonly token: number }
  | { readonly op: 'accept'; readonly offer: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('book' as const),
      patient: fc.nat(5),
      doctor: fc.nat(1),
      day: fc.nat(2),
      hour: fc.nat(1),
      category: fc.constantFrom('ONLINE' as const, 'WALK_IN' as const, 'EMERGENCY' as const),
      keyed: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('cancel' as const, 'checkIn' as const, 'complete' as const, 'move' as const), token: fc.nat(30) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('accept' as const), offer: fc.nat(30) }) },
);

interface Scenario {
  readonly salts: readonly number[];
  readonly actions: readonly Action[];
  /** The patient erased, or `null` for a purge. */
  readonly erase: number | null;
  readonly retentionDays: number;
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  salts: fc.array(fc.integer({ min: 0, max: 0xffffff }), { minLength: 6, maxLength: 6 }),
  actions: fc.array(action, { minLength: 4, maxLength: 30 }),
  erase: fc.option(fc.nat(5), { nil: null }),
  retentionDays: fc.nat(2),
});

/** Patient `i`: every field a distinctive value (no value is part of another). */
function patientOf(i: number, salt: number): Patient {
  const s = salt.toString(36);
  return {
    id: `P${i}:${s}:id`,
    name: `N${i}:${s}:name`,
    phone: `T${i}:${s}:phone`,
    address: { city: `C${i}:${s}:city`, lines: [`L${i}:${s}:line`] },
    age: 30 + i,
  };
}

/** Every string value of a patient (numbers are too short to search for). */
function valuesOf(patient: unknown): string[] {
  if (typeof patient === 'string') return [patient];
  if (Array.isArray(patient)) return patient.flatMap(valuesOf);
  if (typeof patient === 'object' && patient !== null) return Object.values(patient).flatMap(valuesOf);
  return [];
}

interface Store {
  readonly storage: StorageAdapter;
  dump(): Promise<string>;
  close(): Promise<void>;
}

/** Plays the scenario's day, erases or purges, and checks the dump. */
async function check(open: () => Promise<Store>, s: Scenario): Promise<void> {
  const store = await open();
  try {
    let now = Date.parse('2026-01-30T06:00:00Z');
    const opd = new OpdScheduler({
      ...presets.standard(),
      storage: store.storage,
      clock: () => new Date(now),
      retention: { patientDataDays: s.retentionDays },
      offers: new StagedOffers({ windowMinutes: 15, groupSize: 2 }),
    });
    const patients = s.salts.map((salt, i) => patientOf(i, salt));
    for (const doctor of DOCTORS) {
      await opd.addDoctor({ id: doctor, name: `Dr ${doctor}` });
      await opd.addSlots(
        doctor,
        DAYS.flatMap((day) =>
          HOURS.map((h) => ({
            id: `${doctor}-${day}-${h}`,
            start: `${day}T${String(h).padStart(2, '0')}:00:00Z`,
            end: `${day}T${String(h + 1).padStart(2, '0')}:00:00Z`,
            capacity: 2,
          })),
        ),
      );
    }
    const tokens: { id: string; patient: number; day: string }[] = [];
    const offers: string[] = [];
    const note = (effects: readonly OpdEvent[]): void => {
      for (const e of effects) if (e.type === 'token:offered') offers.push(e.offerId);
    };
    for (const [n, a] of s.actions.entries()) {
      try {
        if (a.op === 'accept') {
          const offerId = offers[a.offer % Math.max(1, offers.length)];
          if (offerId !== undefined) note((await opd.acceptOffer(offerId)).effects);
        } else if (a.op === 'book') {
          const day = DAYS[a.day]!;
          const doctorId = DOCTORS[a.doctor]!;
          const slotId = `${doctorId}-${day}-${HOURS[a.hour]!}`;
          const r = await opd.book({ doctorId, category: a.category, patient: patients[a.patient]!, slotId, ...(a.keyed ? { idempotencyKey: `k${n}` } : {}) });
          if (r.replayed !== true) tokens.push({ id: r.token.id, patient: a.patient, day: r.token.day });
          note(r.effects);
        } else {
          const t = tokens[a.token % Math.max(1, tokens.length)];
          if (t === undefined) continue;
          if (a.op === 'cancel') note((await opd.cancel(t.id)).effects);
          else if (a.op === 'checkIn') note((await opd.checkIn(t.id)).effects);
          else if (a.op === 'complete') note((await opd.complete(t.id)).effects);
          else {
            const moved = await opd.move(t.id, { date: DAYS[(DAYS.indexOf(t.day as (typeof DAYS)[number]) + 1) % DAYS.length]! });
            note(moved.effects);
            if (moved.token.id !== t.id) tokens.push({ id: moved.token.id, patient: t.patient, day: moved.token.day });
          }
        }
      } catch (error) {
        // A refused call (full, duplicate, transition) changes nothing; anything else is a failure.
        if (!(error instanceof Error) || !('code' in error)) throw error;
        expect([
          'SLOT_FULL',
          'DUPLICATE_BOOKING',
          'INVALID_TRANSITION',
          'NOT_YET_DUE',
          'SLOT_ENDED',
          'VALIDATION_FAILED',
          'SLOT_CLOSED',
          'OFFER_TAKEN',
          'OFFER_EXPIRED',
        ]).toContain((error as { code: string }).code);
      }
    }
    // Every day is over: two days after the last one.
    now = Date.parse('2026-02-04T12:00:00Z');
    const before = await opd.stats();
    const gone = new Set<number>();
    if (s.erase !== null) {
      const erased = await opd.erasePatient(patients[s.erase]!.id!);
      expect(new Set(erased.tokenIds)).toEqual(new Set(tokens.filter((t) => t.patient === s.erase).map((t) => t.id)));
      gone.add(s.erase);
    } else {
      // Tokens of days before the date `retentionDays` before now are purged.
      const cutoff = opd.dayOf(new Date(now - s.retentionDays * 86_400_000));
      const purged = await opd.purge();
      const expected = tokens.filter((t) => t.day < cutoff);
      expect(new Set(purged.tokenIds)).toEqual(new Set(expected.map((t) => t.id)));
      for (let p = 0; p < patients.length; p++)
        if (expected.some((t) => t.patient === p) && !tokens.some((t) => t.patient === p && t.day >= cutoff)) gone.add(p);
    }
    expect(await opd.stats()).toEqual(before);
    const dump = await store.dump();
    for (let p = 0; p < patients.length; p++) {
      const held = tokens.some((t) => t.patient === p);
      for (const value of valuesOf(patients[p])) {
        if (gone.has(p)) expect(dump.includes(value), `${value} of an erased patient`).toBe(false);
        else if (held) expect(dump.includes(value), `${value} of a kept patient`).toBe(true);
      }
    }
    await opd.close();
  } finally {
    await store.close();
  }
}

/** Every row of every table of the schema, as text. */
async function dumpSchema(query: (sql: string, values?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>, schema: string): Promise<string> {
  const tables = await query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1`, [schema]);
  let out = '';
  for (const { table_name: table } of tables.rows) {
    const rows = await query(`SELECT t::text AS row FROM "${schema}"."${String(table)}" t`);
    for (const r of rows.rows) out += `${String(table)} ${String(r['row'])}\n`;
  }
  return out;
}

const MEMORY_RUNS = intensity(25, 200);
const PG_RUNS = intensity(3, 30);

describe('patient erasure leaves no byte of the patient in the store', () => {
  it('MemoryStorage', { timeout: timeoutFor(MEMORY_RUNS, 100) }, async () => {
    await fc.assert(
      fc.asyncProperty(scenario, (s) =>
        check(async () => {
          const storage = new MemoryStorage();
          return { storage, dump: async () => JSON.stringify(storage.dump()), close: async () => {} };
        }, s),
      ),
      fcOptions(MEMORY_RUNS),
    );
  });

  let n = 0;
  it('PostgresStorage on PGlite', { timeout: timeoutFor(PG_RUNS, 5000) }, async () => {
    const db = await borrowPglite();
    afterAll(() => giveBackPglite(db));
    await fc.assert(
      fc.asyncProperty(scenario, (s) =>
        check(async () => {
          const schema = `opd_erase_${++n}`;
          await migrate(db, { schema });
          const storage = new PostgresStorage({ db, schema });
          return {
            storage,
            dump: () => dumpSchema((sql, values) => db.query(sql, values), schema),
            close: async () => {
              await storage.close();
              await db.exec(`DROP SCHEMA ${schema} CASCADE`);
            },
          };
        }, s),
      ),
      fcOptions(PG_RUNS),
    );
  });

  const url = process.env['DATABASE_URL'];
  it.skipIf(url === undefined || url === '')('PostgresStorage on the server (DATABASE_URL)', { timeout: timeoutFor(PG_RUNS, 5000) }, async () => {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    try {
      await fc.assert(
        fc.asyncProperty(scenario, (s) =>
          check(async () => {
            const schema = `opd_erase_${process.pid}_${++n}`;
            await migrate(pool, { schema });
            const storage = new PostgresStorage({ db: pool, schema });
            return {
              storage,
              dump: () => dumpSchema((sql, values) => pool.query(sql, values), schema),
              close: async () => {
                await storage.close();
                await pool.query(`DROP SCHEMA ${schema} CASCADE`);
              },
            };
          }, s),
        ),
        fcOptions(PG_RUNS),
      );
    } finally {
      await pool.end();
    }
  });
});
