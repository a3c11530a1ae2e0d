/**
 * Many processes booking one patient under `duplicates: { scope: 'department-day',
 * maxActivePerPatient: 2 }`: whatever the interleaving, the patient ends with exactly two live
 * tokens (the cap), on two different days, never two the same day in the department. Needs
 * DATABASE_URL; skipped without it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpdScheduler, presets } from '../../src/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';
import { intensity } from '../intensity.js';
import { DUPLICATE_DAYS, DUPLICATE_RULES } from './duplicates-shared.js';
import { DOCTORS, exited, killWorkers, seed } from './shared.js';

const url = process.env['DATABASE_URL'];
/** Worker processes: 4 in `npm test`, 8 in `npm run test:long`. */
const WORKERS = intensity(4, 8);
/** Attempts of each of a worker's three callers. */
const ATTEMPTS = intensity(6, 12);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

if (url === undefined || url === '') console.warn('PostgreSQL duplicate-rules race skipped: DATABASE_URL is not set');

describe.skipIf(url === undefined || url === '')('PostgreSQL: one patient booked from many processes under the duplicate rules', () => {
  let pool: pg.Pool;
  const schema = `opd_t_dups_${process.pid}`;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: url, max: 4 });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await migrate(pool, { schema });
    await seed(pool, schema);
    // The same doctors' slots on the two days after.
    const opd = new OpdScheduler({
      ...presets.standard(),
      storage: new PostgresStorage({ db: pool, schema }),
      clock: () => new Date(`${DUPLICATE_DAYS[0]}T07:00:00Z`),
    });
    for (const id of DOCTORS) {
      await opd.addSlots(
        id,
        DUPLICATE_DAYS.slice(1).flatMap((day) =>
          [9, 10].map((h) => ({ start: `${day}T${String(h).padStart(2, '0')}:00:00Z`, end: `${day}T${String(h + 1).padStart(2, '0')}:00:00Z`, capacity: 4 })),
        ),
      );
    }
    await opd.close();
  });
  afterAll(async () => {
    killWorkers();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it(`never gives the patient more live tokens than the rules allow, with ${WORKERS} processes at once`, async () => {
    const outputs: string[][] = [];
    let ready = 0;
    const children = Array.from({ length: WORKERS }, (_, w) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/postgres/duplicates-worker.ts', url!, schema, String(w), String(ATTEMPTS)], {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const lines: string[] = [];
      outputs.push(lines);
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        for (const line of chunk.split('\n').filter(Boolean)) {
          if (line === 'ready') ready++;
          else lines.push(line);
        }
      });
      return child;
    });
    const codes = Promise.all(children.map((child) => exited(child)));
    // Every worker started and connected: all start booking at once.
    for (let waited = 0; ready < WORKERS && waited < 60_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    for (const child of children) child.stdin!.end('go\n');
    expect(await codes).toEqual(outputs.map(() => 0));
    const acknowledged = outputs.flat();
    // Tokens never end in this race: every acknowledged one is still live, so the count now is the most there ever were.
    expect(acknowledged).toHaveLength(DUPLICATE_RULES.maxActivePerPatient!);
    const rows = (
      await pool.query(`SELECT token_id, doctor_id, day, status FROM ${schema}.opd_tokens WHERE patient_id = $1 ORDER BY token_id`, ['the-patient'])
    ).rows as { token_id: string; doctor_id: string; day: string; status: string }[];
    expect(rows.map((r) => r.token_id).sort()).toEqual([...acknowledged].sort());
    expect(rows.every((r) => ['BOOKED', 'HELD', 'WAITLISTED'].includes(r.status))).toBe(true);
    expect(new Set(rows.map((r) => r.day)).size).toBe(rows.length);
  });
});
