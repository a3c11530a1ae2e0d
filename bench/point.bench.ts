/**
 * `npm run bench:point -- [doctors] [calls]` (defaults 200, 200): a call at a service point that
 * serves the whole facility, on PostgreSQL (DATABASE_URL, schema `opd_point`, dropped at the end).
 * Each doctor has a day of one slot; patients of the doctors in turn are checked in on a route
 * whose first stage is that point, then the point calls them one by one (each sent on to the next
 * stage after it, which is not timed). Such a call locks every doctor of the facility and reads the
 * point's queue and the called patient's day: it prints the wall time of a call (median and mean),
 * so that its cost can be followed as the facility grows (run it with 20 and with 200 doctors) and
 * compared with another checkout (run the same file there, on the same server, in turns).
 */
import { loadavg } from 'node:os';
import pg from 'pg';
import { OpdScheduler, presets } from '../src/index.js';
import { migrate, PostgresStorage } from '../src/postgres/index.js';

const DB_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const DOCTORS = Number(process.argv[2] ?? 200);
const CALLS = Number(process.argv[3] ?? 200);
const SCHEMA = 'opd_point';
const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

const setup = new pg.Pool({ connectionString: DB_URL, max: 1 });
await setup.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
await migrate(setup, { schema: SCHEMA });
const pool = new pg.Pool({ connectionString: DB_URL, max: 2 });
const opd = new OpdScheduler({
  ...presets.standard(),
  clock: () => new Date(`${day}T04:00:00Z`),
  timeZone: 'UTC',
  servicePoints: [
    { id: 'reg', kind: 'registration' },
    { id: 'vitals', kind: 'vitals' },
  ],
  routes: { visit: ['registration', 'vitals', 'doctor'] },
  storage: new PostgresStorage({ db: pool, schema: SCHEMA }),
});
for (let d = 0; d < DOCTORS; d++) {
  await opd.addDoctor({ id: `d${d}`, name: `Dr ${d}` });
  await opd.addSlots(`d${d}`, [{ id: `s${d}`, start: `${day}T03:00:00Z`, end: `${day}T09:00:00Z`, capacity: Math.ceil((CALLS + 40) / DOCTORS) + 2 }]);
}
for (let i = 0; i < CALLS + 40; i++) {
  const { token } = await opd.book({ doctorId: `d${i % DOCTORS}`, category: 'WALK_IN', patient: { id: `p${i}`, name: 'Patient' } });
  await opd.checkIn(token.id, { route: 'visit' });
}
// Warm: the first calls compile the code and the statements' plans.
const times: number[] = [];
for (let i = 0; i < CALLS + 20; i++) {
  const start = performance.now();
  const { token } = await opd.callNext({ servicePoint: 'reg' });
  if (i >= 20) times.push(performance.now() - start);
  if (token === null) throw new Error('bench:point: the queue ran out');
  await opd.forward(token.id, { to: 'vitals' });
}
times.sort((a, b) => a - b);
const mean = times.reduce((a, b) => a + b, 0) / times.length;
console.log(
  `${DOCTORS} doctors: a call at a point serving the facility ${times[times.length >> 1]!.toFixed(2)} ms median, ${mean.toFixed(2)} ms mean (${CALLS} calls); load average ${loadavg()[0]!.toFixed(1)}`,
);
await opd.close();
await pool.end();
await setup.query(`DROP SCHEMA ${SCHEMA} CASCADE`);
await setup.end();
