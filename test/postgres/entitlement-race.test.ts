/**
 * Many processes booking one patient inside an entitlement to free revisits (the option
 * `followUps`: two free revisits with any doctor of the department): whatever the interleaving,
 * exactly two of the acknowledged tokens use it, with visit numbers 1 and 2, and every other token
 * is booked as a paid visit. Needs DATABASE_URL; skipped without it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpdScheduler, presets } from '../../src/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';
import { intensity } from '../intensity.js';
import { FREE_REVISITS, REVISIT_DAYS } from './entitlement-shared.js';
import { DAY, DOCTORS, exited, killWorkers, seed } from './shared.js';

const url = process.env['DATABASE_URL'];
/** Worker processes: 4 in `npm test`, 8 in `npm run test:long`. */
const WORKERS = intensity(4, 8);
/** Attempts of each of a worker's three callers. */
const ATTEMPTS = intensity(4, 8);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

if (url === undefined || url === '') console.warn('PostgreSQL free-revisit race skipped: DATABASE_URL is not set');

describe.skipIf(url === undefined || url === '')('PostgreSQL: one entitlement to free revisits raced for from many processes', () => {
  let pool: pg.Pool;
  const schema = `opd_t_free_race_${process.pid}`;
  let visit = '';

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: url, max: 4 });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await migrate(pool, { schema });
    await seed(pool, schema);
    const opd = new OpdScheduler({
      ...presets.standard(),
      followUps: FREE_REVISITS,
      storage: new PostgresStorage({ db: pool, schema }),
      clock: () => new Date(`${DAY}T09:05:00Z`),
    });
    for (const id of DOCTORS) {
      await opd.addSlots(
        id,
        REVISIT_DAYS.map((day) => ({ start: `${day}T09:00:00Z`, end: `${day}T10:00:00Z`, capacity: 40 })),
      );
    }
    // The charged visit that opens the entitlement, with the first doctor, today.
    const { token } = await opd.book({ doctorId: DOCTORS[0], category: 'ONLINE', patient: { id: 'the-patient', name: 'One patient' }, date: DAY });
    await opd.checkIn(token.id);
    await opd.startConsultation(token.id);
    await opd.complete(token.id, { charged: true });
    visit = token.id;
    await opd.close();
  });
  afterAll(async () => {
    killWorkers();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it(`never uses one free revisit twice, with ${WORKERS} processes at once`, async () => {
    const outputs: string[][] = [];
    let ready = 0;
    const children = Array.from({ length: WORKERS }, (_, w) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/postgres/entitlement-worker.ts', url!, schema, String(w), String(ATTEMPTS)], {
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
    for (let waited = 0; ready < WORKERS && waited < 60_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    for (const child of children) child.stdin!.end('go\n');
    expect(await codes).toEqual(outputs.map(() => 0));
    const acknowledged = outputs.flat().map((line) => line.split(' ') as [string, string]);
    expect(acknowledged).toHaveLength(WORKERS * 3 * ATTEMPTS);
    // Exactly the two free revisits were given, numbered 1 and 2; the store says the same.
    expect(
      acknowledged
        .filter(([, v]) => v !== '-')
        .map(([, v]) => v)
        .sort(),
    ).toEqual(['1', '2']);
    const rows = (await pool.query(`SELECT token_id, revisit FROM ${schema}.opd_tokens WHERE revisit->'entitlement'->>'from' = $1 ORDER BY token_id`, [visit]))
      .rows as { token_id: string; revisit: { entitlement: { visit: number } } }[];
    expect(rows.map((r) => r.revisit.entitlement.visit).sort()).toEqual([1, 2]);
  });
});
