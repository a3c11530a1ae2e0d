/**
 * Where a warm client's CPU goes, per booking: `node --import tsx bench/pg-profile.ts [bookings]
 * [doctors]` (defaults 3000, 50) books sequentially through one scheduler on DATABASE_URL (schema
 * `opd_profile`, or PROFILE_SCHEMA; dropped at the end) for doctors chosen at random, warms up
 * with as many bookings first, and prints the client CPU per measured booking
 * (`process.cpuUsage()`) and the on-CPU time of its backend (`/proc/<pid>/schedstat`). With
 * PROFILE_OUT=<file> it also records a V8 CPU profile of the measured bookings only (100 µs
 * sampling), which `node bench/pg-profile-split.mjs <file>` splits by where the samples ran.
 * With PROFILE_RIVAL=1 a second scheduler (its own pool and backend) books for the same doctor
 * before each booking, so that every measured unit finds its doctor moved on, as in `bench:pg`
 * where every client books for every doctor (two round trips, the day read as what changed); only
 * the measured bookings' CPU is counted (the client's around each of them, the measured backend's).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import pg from 'pg';
import { OpdScheduler, presets } from '../src/index.js';
import { migrate, PostgresStorage } from '../src/postgres/index.js';

const BOOKINGS = Number(process.argv[2] ?? 3000);
const DOCTORS = Number(process.argv[3] ?? 50);
const DB_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = process.env['PROFILE_SCHEMA'] ?? 'opd_profile';
const SLOTS_PER_DAY = 16;
const CAPACITY = 10;
const dayAfter = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const onCpu = (pid: number): number => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;

const pool = new pg.Pool({ connectionString: DB_URL, max: 1 });
await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
await migrate(pool, { schema: SCHEMA });
const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool, schema: SCHEMA }) });
const rivalPool = process.env['PROFILE_RIVAL'] === '1' ? new pg.Pool({ connectionString: DB_URL, max: 1 }) : undefined;
const rival = rivalPool === undefined ? undefined : new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: rivalPool, schema: SCHEMA }) });
const days = Math.ceil((BOOKINGS * (process.env['PROFILE_RIVAL'] === '1' ? 4 : 2)) / DOCTORS / (SLOTS_PER_DAY * CAPACITY)) + 1;
const slotsOf: string[][] = [];
for (let d = 0; d < DOCTORS; d++) {
  await opd.addDoctor({ id: `d${d}`, name: `Dr d${d}` });
  const ids: string[] = [];
  for (let k = 1; k <= days; k++) {
    const day = dayAfter(k);
    const slots = Array.from({ length: SLOTS_PER_DAY }, (_, i) => {
      const start = new Date(`${day}T08:00:00Z`).getTime() + i * 30 * 60_000;
      return { id: `d${d}-${day}-${i}`, start: new Date(start), end: new Date(start + 30 * 60_000), capacity: CAPACITY, overflowCapacity: 2 };
    });
    ids.push(...(await opd.addSlots(`d${d}`, slots)).map((s) => s.id));
  }
  slotsOf.push(ids);
}
await pool.query('VACUUM ANALYZE');
const pid = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
const counts = new Array<number>(DOCTORS).fill(0);
let seed = 7;
let n = 0;
let measured = { user: 0, system: 0 };
const book = async (): Promise<void> => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  const d = (seed >> 8) % DOCTORS;
  const next = (): string => slotsOf[d]![Math.floor(counts[d]!++ / CAPACITY)]!;
  if (rival !== undefined) await rival.book({ doctorId: `d${d}`, category: 'ONLINE', patient: { id: `r${n}`, name: 'Patient' }, slotId: next() });
  const before = process.cpuUsage();
  await opd.book({ doctorId: `d${d}`, category: 'ONLINE', patient: { id: `p${++n}`, name: 'Patient' }, slotId: next() });
  const used = process.cpuUsage(before);
  measured = { user: measured.user + used.user, system: measured.system + used.system };
};
for (let i = 0; i < BOOKINGS; i++) await book();
const profileTo = process.env['PROFILE_OUT'];
const session = profileTo === undefined ? undefined : new Session();
if (session !== undefined) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
}
measured = { user: 0, system: 0 };
const server0 = onCpu(pid);
const t0 = performance.now();
for (let i = 0; i < BOOKINGS; i++) await book();
const wall = performance.now() - t0;
const client = measured;
const server = onCpu(pid) - server0;
if (session !== undefined) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(profileTo!, JSON.stringify(profile));
  session.disconnect();
}
console.log(
  `${BOOKINGS} warm bookings over ${DOCTORS} doctors: client ${((client.user + client.system) / 1000 / BOOKINGS).toFixed(3)} ms CPU ` +
    `(user ${(client.user / 1000 / BOOKINGS).toFixed(3)}, system ${(client.system / 1000 / BOOKINGS).toFixed(3)}), ` +
    `server ${(server / BOOKINGS).toFixed(3)} ms on CPU, wall ${(wall / BOOKINGS).toFixed(3)} ms per booking`,
);
await opd.close();
await rival?.close();
await rivalPool?.end();
await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
await pool.end();
