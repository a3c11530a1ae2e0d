/**
 * What the bench's backends are doing, second by second: `node --import tsx bench/pg-waits.ts
 * [seconds]` (default 300), run beside `npm run bench:pg` with the same `BENCH_DB`. Every 5 ms it
 * reads `pg_stat_activity` for the client backends of that database (pgbench's own excluded) and
 * prints, per second, how many backends were on average in each state and wait: waiting for the
 * doctor's lock (`active Lock:advisory`), flushing the WAL (`active IO:WALSync`) or waiting for
 * another backend's flush (`active LWLock:WALWrite`), waiting for their client inside a
 * transaction (`idle in transaction Client:ClientRead`: a lock held across a round trip) or
 * between units (`idle Client:ClientRead`), or on a CPU (`active` with no wait). The phases show
 * in the figures: one doctor's has seven backends waiting for the lock, and each line ends with how
 * many doctors' locks were seen taken or awaited in that second (one for one doctor, eight while
 * clients warm up, dozens over 50 doctors).
 *
 * Environment: DATABASE_URL (postgres://postgres@127.0.0.1:5432/test), BENCH_DB (opd_bench).
 */
import pg from 'pg';

const SECONDS = Number(process.argv[2] ?? 300);
const BENCH_DB = process.env['BENCH_DB'] ?? 'opd_bench';
const client = new pg.Client({ connectionString: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test' });
await client.connect();
const end = Date.now() + SECONDS * 1000;
let second = Math.floor(Date.now() / 1000);
let tally = new Map<string, number>();
let samples = 0;
let doctors = new Set<string>();
while (Date.now() < end) {
  const { rows } = await client.query<{ state: string | null; wait: string }>(
    `SELECT state, coalesce(wait_event_type, '') || ':' || coalesce(wait_event, '') AS wait FROM pg_stat_activity
      WHERE datname = $1 AND backend_type = 'client backend' AND application_name <> 'pgbench' AND pid <> pg_backend_pid()`,
    [BENCH_DB],
  );
  samples++;
  const locks = await client.query<{ key: string }>(
    `SELECT l.classid::text || ':' || l.objid::text AS key FROM pg_locks l JOIN pg_database d ON d.oid = l.database
      WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.mode = 'ExclusiveLock' AND d.datname = $1`,
    [BENCH_DB],
  );
  for (const { key } of locks.rows) doctors.add(key);
  for (const { state, wait } of rows) {
    const key = `${state ?? '?'} ${wait}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  const now = Math.floor(Date.now() / 1000);
  if (now !== second) {
    const shares = [...tally].sort((a, b) => b[1] - a[1]).map(([key, n]) => `${key} ${(n / samples).toFixed(2)}`);
    console.log(`${new Date(second * 1000).toISOString().slice(11, 19)} (${samples} samples) ${shares.join(' | ')} || doctors' locks ${doctors.size}`);
    second = now;
    tally = new Map();
    samples = 0;
    doctors = new Set();
  }
  await new Promise((resolve) => setTimeout(resolve, 5));
}
await client.end();
