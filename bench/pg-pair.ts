/**
 * CPU per booking of two checkouts, paired: `node --import tsx bench/pg-pair.ts <dir> <dir>
 * [batches] [bookings per batch] [doctors]` (defaults 20, 100, 50), for instance this checkout and
 * a worktree of the main branch (each with its own `node_modules`).
 *
 * One process loads both libraries, each with its own schema (`opd_pair_0`, `opd_pair_1`, or
 * PAIR_SCHEMA`_0` and `_1`, on DATABASE_URL, dropped at the end) and its own one-connection pool, and books in batches that
 * alternate between the two, sequentially, for doctors chosen at random. Per batch it takes the
 * client CPU (`process.cpuUsage()`) and the on-CPU time of each pool's server backend
 * (`/proc/<pid>/schedstat`, in nanoseconds: the server must run on this machine). On a machine
 * whose load changes from second to second, neighbouring batches see the same load: the median of
 * the per-batch ratios says which version costs less far more steadily than two separate runs.
 * Both libraries warm up first (two batches each), so the figures are those of warm code.
 * With PAIR_RIVAL=1 each side also has a rival scheduler (same library, its own pool and backend)
 * that books for the same doctor just before each measured booking, so that every measured unit
 * finds its doctor moved on, as in `bench:pg` where every client books for every doctor (two round
 * trips, the day read as what changed); only the measured bookings count (the client's CPU
 * around each of them, the measured backend's).
 * With PAIR_UNDATED=1 the measured bookings name no slot and no date: each reads its doctor's
 * schedule and searches it for the earliest slot with room (the count of taken places in SQL).
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

const [first, second, batchesArg, batchArg, doctorsArg] = process.argv.slice(2);
if (first === undefined || second === undefined) throw new Error('usage: bench/pg-pair.ts <checkout> <checkout> [batches] [bookings per batch] [doctors]');
const BATCHES = Number(batchesArg ?? 20);
const BATCH = Number(batchArg ?? 100);
const DOCTORS = Number(doctorsArg ?? 50);
const DB_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA_PREFIX = process.env['PAIR_SCHEMA'] ?? 'opd_pair';
const RIVAL = process.env['PAIR_RIVAL'] === '1';
const UNDATED = process.env['PAIR_UNDATED'] === '1';
const SLOTS_PER_DAY = 16;
const CAPACITY = 10;

const dayAfter = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
/** On-CPU time of a process so far, ms. */
const onCpu = (pid: number): number => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;

interface Side {
  readonly name: string;
  readonly pid: number;
  /** Books once (after the rival, if any); the client CPU of the measured booking, µs. */
  readonly book: (n: number) => Promise<number>;
  readonly close: () => Promise<void>;
  readonly client: number[];
  readonly server: number[];
}

async function side(root: string, index: number): Promise<Side> {
  const core = (await import(pathToFileURL(`${root}/src/index.ts`).href)) as typeof import('../src/index.js');
  const wing = (await import(pathToFileURL(`${root}/src/postgres/index.ts`).href)) as typeof import('../src/postgres/index.js');
  const schema = `${SCHEMA_PREFIX}_${index}`;
  const setup = new pg.Pool({ connectionString: DB_URL, max: 1 });
  await setup.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await wing.migrate(setup, { schema });
  const opdSetup = new core.OpdScheduler({ ...core.presets.standard(), storage: new wing.PostgresStorage({ db: setup, schema }) });
  const days = Math.ceil(((BATCHES + 2) * BATCH * (RIVAL ? 4 : 2)) / DOCTORS / (SLOTS_PER_DAY * CAPACITY));
  const slotsOf: string[][] = [];
  for (let d = 0; d < DOCTORS; d++) {
    await opdSetup.addDoctor({ id: `d${d}`, name: `Dr d${d}` });
    const ids: string[] = [];
    for (let k = 1; k <= days; k++) {
      const day = dayAfter(k);
      const slots = Array.from({ length: SLOTS_PER_DAY }, (_, i) => {
        const start = new Date(`${day}T08:00:00Z`).getTime() + i * 30 * 60_000;
        return { id: `d${d}-${day}-${i}`, start: new Date(start), end: new Date(start + 30 * 60_000), capacity: CAPACITY, overflowCapacity: 2 };
      });
      ids.push(...(await opdSetup.addSlots(`d${d}`, slots)).map((s) => s.id));
    }
    slotsOf.push(ids);
  }
  await opdSetup.close();
  await setup.query('VACUUM ANALYZE');
  const pool = new pg.Pool({ connectionString: DB_URL, max: 1 });
  const opd = new core.OpdScheduler({ ...core.presets.standard(), storage: new wing.PostgresStorage({ db: pool, schema }) });
  const pid = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const rivalPool = RIVAL ? new pg.Pool({ connectionString: DB_URL, max: 1 }) : undefined;
  const rival =
    rivalPool === undefined ? undefined : new core.OpdScheduler({ ...core.presets.standard(), storage: new wing.PostgresStorage({ db: rivalPool, schema }) });
  const counts = new Array<number>(DOCTORS).fill(0);
  let seed = 7;
  return {
    name: root,
    pid,
    client: [],
    server: [],
    book: async (n) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const d = (seed >> 8) % DOCTORS;
      const next = (): string => slotsOf[d]![Math.floor(counts[d]!++ / CAPACITY)]!;
      if (rival !== undefined) await rival.book({ doctorId: `d${d}`, category: 'ONLINE', patient: { id: `r${n}`, name: 'Patient' }, slotId: next() });
      const before = process.cpuUsage();
      if (UNDATED) await opd.book({ doctorId: `d${d}`, category: 'ONLINE', patient: { id: `p${n}`, name: 'Patient' } });
      else await opd.book({ doctorId: `d${d}`, category: 'ONLINE', patient: { id: `p${n}`, name: 'Patient' }, slotId: next() });
      const used = process.cpuUsage(before);
      return used.user + used.system;
    },
    close: async () => {
      await opd.close();
      await pool.end();
      await rival?.close();
      await rivalPool?.end();
      await setup.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await setup.end();
    },
  };
}

const sides = [await side(first, 0), await side(second, 1)];
let n = 0;
for (const s of sides) for (let i = 0; i < BATCH * 2; i++) await s.book(n++);
for (let b = 0; b < BATCHES; b++) {
  for (const s of b % 2 === 0 ? sides : [...sides].reverse()) {
    const server0 = onCpu(s.pid);
    let client = 0;
    for (let i = 0; i < BATCH; i++) client += await s.book(n++);
    s.client.push(client / 1000 / BATCH);
    s.server.push((onCpu(s.pid) - server0) / BATCH);
  }
}
const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const ratio = (of: (s: Side) => number[]): number => median(of(sides[0]!).map((x, i) => x / of(sides[1]!)[i]!));
for (const s of sides)
  console.log(
    `${s.name}: client ${median(s.client).toFixed(3)} ms, server ${median(s.server).toFixed(3)} ms per booking (medians of ${BATCHES} batches of ${BATCH})`,
  );
console.log(`first / second, median of paired batches: client ${ratio((s) => s.client).toFixed(3)}, server ${ratio((s) => s.server).toFixed(3)}`);
for (const s of sides) await s.close();
