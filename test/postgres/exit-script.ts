/**
 * A script as an integrator writes one (a cron job, a migration step): a pool with the client-side
 * `query_timeout` docs/storage.md recommends, `migrate`, a doctor, a slot and a booking, then
 * `close()` and `pool.end()`, and nothing keeping the process alive. It prints `started` once its
 * modules are loaded and `done` once its pool has ended; `exit.test.ts` times its exit.
 *
 * Usage: tsx test/postgres/exit-script.ts <databaseUrl> <schema>
 */
import pg from 'pg';
import { OpdScheduler, presets } from '../../src/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';

const [url, schema] = process.argv.slice(2);
process.stdout.write('started\n');
const pool = new pg.Pool({ connectionString: url, query_timeout: 20_000 });
await migrate(pool, { schema: schema! });
const opd = new OpdScheduler({
  ...presets.standard(),
  storage: new PostgresStorage({ db: pool, schema: schema! }),
  clock: () => new Date('2026-01-30T07:00:00Z'),
});
await opd.addDoctor({ id: 'd1', name: 'Dr Exit' });
await opd.addSlots('d1', [{ id: 's9', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 2 }]);
const booked = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'P-1', name: 'A' } });
if (booked.outcome !== 'BOOKED') throw new Error(`unexpected outcome ${booked.outcome}`);
await opd.close();
await pool.end();
process.stdout.write('done\n');
