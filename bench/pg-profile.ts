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
 * With PROFILE_FLOOR=1 the measured bookings alternate, in batches of 100, with units of the same
 * shape that do nothing but the round trips (through the same driver on the same connection:
 * `BEGIN` and a statement that echoes a doctor-day answer of the same size, then a statement
 * given a change set of the same size, `COMMIT`), and it prints the CPU of both: what a booking
 * costs beyond its round trips.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import pg from 'pg';
import { OpdScheduler, presets } from '../src/index.js';
import { migrate, PostgresStorage } from '../src/postgres/index.js';
import { driverFor, type Statement } from '../src/postgres/db.js';

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
const rival =
  rivalPool === undefined ? undefined : new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: rivalPool, schema: SCHEMA }) });
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
const floor = process.env['PROFILE_FLOOR'] === '1' ? floorUnits() : undefined;
/** The backend's time in the floor units, left out of the bookings' figure. */
let floorServer = 0;
const server0 = onCpu(pid);
const t0 = performance.now();
for (let i = 0; i < BOOKINGS; i++) {
  await book();
  if (floor !== undefined && i % 100 === 99) {
    const s0 = onCpu(pid);
    for (let k = 0; k < 100; k++) await floor.run();
    floorServer += onCpu(pid) - s0;
  }
}
const wall = performance.now() - t0;
if (floor !== undefined) {
  const f = floor.measured;
  console.log(
    `${floor.count} floor units (the round trips of a booking alone): client ${((f.user + f.system) / 1000 / floor.count).toFixed(3)} ms CPU ` +
      `(user ${(f.user / 1000 / floor.count).toFixed(3)}, system ${(f.system / 1000 / floor.count).toFixed(3)})`,
  );
}
const client = measured;
const server = onCpu(pid) - server0 - floorServer;
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
/**
 * Units with a booking's round trips and nothing else, on the measured scheduler's pool: `BEGIN`
 * and the doctor-day answer of the last booking echoed back, then a statement given a text of the
 * size of the last change set, and `COMMIT`.
 */
function floorUnits(): { run: () => Promise<void>; measured: { user: number; system: number }; count: number } {
  const driver = driverFor('db', pool, 'opd_floor');
  const echo: Statement = { name: 'opd_floor_echo', text: 'SELECT $1::json AS opd_out', json: true };
  const write: Statement = { name: 'opd_floor_write', text: 'SELECT json_build_array(length($1), 2, false) AS opd_out', json: true };
  const answer = JSON.stringify([
    ['d1', 'Dr d1', null, 15, 1_700_000_000_000, 42, null],
    [
      [
        '2026-11-23',
        41,
        [41, 0, 0, 0, 0, { ONLINE: 41 }],
        null,
        [
          [
            41,
            'd1-2026-11-23-4',
            null,
            'ONLINE',
            30,
            'BOOKED',
            { id: 'r1', name: 'Patient' },
            1_700_000_000_000,
            0,
            1_700_000_000_000,
            null,
            null,
            null,
            1_700_000_000_000,
            null,
            'O-41',
          ],
        ],
      ],
    ],
    null,
    null,
    null,
    null,
    1234,
  ]);
  const change = 'x'.repeat(900);
  const out = { measured: { user: 0, system: 0 }, count: 0, run: async (): Promise<void> => {} };
  out.run = async () => {
    const before = process.cpuUsage();
    await driver.unit(async (tx) => {
      await tx.run([{ statement: echo, values: [answer] }]);
      await tx.run([{ statement: write, values: [change] }], {});
    });
    const used = process.cpuUsage(before);
    out.measured = { user: out.measured.user + used.user, system: out.measured.system + used.system };
    out.count++;
  };
  return out;
}

await opd.close();
await rival?.close();
await rivalPool?.end();
await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
await pool.end();
