/**
 * A worker process of the free-revisit race: its own pool and scheduler under the option
 * `followUps`, booking one patient again and again (with each doctor of the department, as
 * bookings and holds, on three days) at the same moment as the other workers. Prints one line per
 * acknowledged token (`id visit`, the visit number of the free revisit it uses, or `-`); any
 * refusal fails it.
 *
 * Usage: tsx test/postgres/entitlement-worker.ts <databaseUrl> <schema> <worker> <attempts>; it prints `ready` once
 * connected and starts on a line on its standard input.
 */
import pg from 'pg';
import { OpdScheduler, presets } from '../../src/index.js';
import { PostgresStorage } from '../../src/postgres/index.js';
import { DOCTORS, NOW } from './shared.js';
import { FREE_REVISITS, REVISIT_DAYS } from './entitlement-shared.js';

const [url, schema, workerArg, attemptsArg] = process.argv.slice(2);
const worker = Number(workerArg);
const pool = new pg.Pool({ connectionString: url, max: 3 });
const opd = new OpdScheduler({
  ...presets.standard(),
  followUps: FREE_REVISITS,
  allowDuplicateBookings: true,
  storage: new PostgresStorage({ db: pool, schema: schema! }),
  clock: () => new Date(NOW),
});

const patient = { id: 'the-patient', name: 'One patient' };
let failed = false;
await Promise.all([1, 2, 3].map(() => pool.query('SELECT pg_sleep(0.05)')));
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.pause();
await Promise.all(
  Array.from({ length: 3 }, async (_, caller) => {
    for (let i = 0; i < Number(attemptsArg); i++) {
      const n = worker * 31 + caller * 7 + i;
      const date = REVISIT_DAYS[n % REVISIT_DAYS.length]!;
      const doctorId = DOCTORS[Math.floor(n / REVISIT_DAYS.length) % DOCTORS.length]!;
      try {
        const request = { doctorId, category: 'FOLLOW_UP', patient, date };
        const result = n % 4 === 3 ? await opd.hold({ ...request, holdMinutes: 600 }) : await opd.book(request);
        process.stdout.write(`${result.token.id} ${result.token.entitlement?.visit ?? '-'}\n`);
      } catch (error) {
        failed = true;
        console.error(error);
      }
    }
  }),
);
await opd.close();
await pool.end();
process.exit(failed ? 1 : 0);
