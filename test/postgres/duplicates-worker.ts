/**
 * A worker process of the duplicate-rules race: its own pool and scheduler under
 * `duplicates: { scope: 'department-day', maxActivePerPatient: 2 }`, booking one patient again and
 * again (by doctor, by department, as holds; on three days) at the same moment as the other
 * workers. Prints one line per acknowledged token id; any refusal but `DUPLICATE_BOOKING` fails it.
 *
 * Usage: tsx test/postgres/duplicates-worker.ts <databaseUrl> <schema> <worker> <attempts>; it prints `ready` once
 * connected and starts on a line on its standard input.
 */
import pg from 'pg';
import { isOpdError, OpdScheduler, presets } from '../../src/index.js';
import { PostgresStorage } from '../../src/postgres/index.js';
import { DOCTORS, NOW } from './shared.js';
import { DUPLICATE_DAYS, DUPLICATE_RULES } from './duplicates-shared.js';

const [url, schema, workerArg, attemptsArg] = process.argv.slice(2);
const worker = Number(workerArg);
const pool = new pg.Pool({ connectionString: url, max: 3 });
const opd = new OpdScheduler({
  ...presets.standard(),
  duplicates: DUPLICATE_RULES,
  storage: new PostgresStorage({ db: pool, schema: schema! }),
  clock: () => new Date(NOW),
});

const patient = { id: 'the-patient', name: 'One patient' };
let failed = false;
// Connected first (three connections, one per caller), then every worker starts when told: the first bookings race.
await Promise.all([1, 2, 3].map(() => pool.query('SELECT pg_sleep(0.05)')));
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.pause();
await Promise.all(
  Array.from({ length: 3 }, async (_, caller) => {
    for (let i = 0; i < Number(attemptsArg); i++) {
      const n = worker * 31 + caller * 7 + i;
      const date = DUPLICATE_DAYS[n % DUPLICATE_DAYS.length]!;
      const doctorId = DOCTORS[Math.floor(n / DUPLICATE_DAYS.length) % DOCTORS.length]!;
      try {
        // Mostly bookings with one doctor each (units that lock different doctors), some holds, a
        // few department bookings (which lock every doctor of the department).
        const kind = n % 5;
        const result =
          kind === 4
            ? await opd.book({ department: 'race', category: 'ONLINE', patient, date })
            : kind === 3
              ? await opd.hold({ doctorId, category: 'ONLINE', patient, date, holdMinutes: 600 })
              : await opd.book({ doctorId, category: 'ONLINE', patient, date });
        process.stdout.write(`${result.token.id}\n`);
      } catch (error) {
        if (!isOpdError(error, 'DUPLICATE_BOOKING')) {
          failed = true;
          console.error(error);
        }
      }
    }
  }),
);
await opd.close();
await pool.end();
process.exit(failed ? 1 : 0);
