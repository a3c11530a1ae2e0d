/**
 * One client process of `npm run bench:pg`: reads its orders as one JSON line on stdin, books its
 * warm-up bookings if any (for the warm-up doctors, which every process books for in turn), prints
 * `READY`, waits for `GO`, books with its callers (each one booking at a time, on a pool of as many
 * connections) until the deadline, then prints its results as one JSON line: latencies,
 * acknowledged token ids, and the CPU time this process and its server backends spent while
 * booking.
 */
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { processCpuMs } from './cpu.js';

/** What the bench tells a client. */
export interface ClientOrders {
  readonly url: string;
  readonly schema: string;
  /** The checkout whose `src/` the client books through (this one, or an older version's). */
  readonly root: string;
  readonly doctors: readonly { readonly id: string; readonly slots: readonly string[] }[];
  /**
   * Bookings made before measuring (none: a cold start), for warm-up doctors every client books
   * for in turn: as in the measured phases, other processes write for them too.
   */
  readonly warmup?: { readonly doctors: readonly { readonly id: string; readonly slots: readonly string[] }[]; readonly bookings: number } | undefined;
  readonly capacity: number;
  readonly seconds: number;
  /** This process's number, from 0. */
  readonly client: number;
  /** Client processes in the phase. */
  readonly clients: number;
  /** Callers booking at once in this process, each one booking at a time, on a pool of as many connections. */
  readonly callers: number;
  readonly run: number;
  /** Count the time spent in the SQL functions (`track_functions = 'pl'`). */
  readonly profile: boolean;
}

/** What a client reports. */
export interface ClientReport {
  readonly latencies: number[];
  readonly tokenIds: string[];
  readonly failures: number;
  /** CPU time of this process while booking (user + system), ms. */
  readonly clientCpuMs: number;
  /** CPU time of its pool's server backends while booking (user + system), ms; `null` if one of them changed. */
  readonly serverCpuMs: number | null;
  /** How the measured units ran (`unitPaths` of the adapter), when the checkout counts them. */
  readonly paths?: Record<string, number> | undefined;
}

const lines = createInterface({ input: process.stdin });
const next = (): Promise<string> => new Promise((resolve) => lines.once('line', resolve));
const orders = JSON.parse(await next()) as ClientOrders & { ticksPerSecond: number };
const core = (await import(pathToFileURL(`${orders.root}/src/index.ts`).href)) as typeof import('../src/index.js');
const wing = (await import(pathToFileURL(`${orders.root}/src/postgres/index.ts`).href)) as typeof import('../src/postgres/index.js');
const callers = orders.callers;
const pool = new pg.Pool({ connectionString: orders.url, max: callers, idleTimeoutMillis: 0 });
const storage = new wing.PostgresStorage({ db: pool, schema: orders.schema });
const opd = new core.OpdScheduler({ ...core.presets.standard(), storage });
// Checkouts that count how units ran export `unitPaths` from the adapter's module (not the package's API);
// a checkout whose adapter is laid out otherwise simply reports no counts.
type Internals = { unitPaths?: (s: unknown) => Record<string, number> | undefined };
const internals = (await import(pathToFileURL(`${orders.root}/src/postgres/storage.ts`).href).catch(() => ({}))) as Internals;
const paths = (): Record<string, number> | undefined => {
  const counts = internals.unitPaths?.(storage);
  return counts === undefined ? undefined : { ...counts };
};
if (orders.profile) await pool.query(`SET track_functions = 'pl'`);
/** The server backends of the pool's connections (all of them open at once, then kept: no idle timeout). */
const backends = async (): Promise<number[]> => {
  const clients = await Promise.all(Array.from({ length: callers }, () => pool.connect()));
  try {
    return (await Promise.all(clients.map(async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid))).sort((a, b) => a - b);
  } finally {
    for (const c of clients) c.release();
  }
};
const pids = await backends();
/** CPU time of the backends, ms; `null` when one is gone. */
const serverCpu = (): number | null => {
  let sum = 0;
  for (const pid of pids) {
    const cpu = processCpuMs(pid, orders.ticksPerSecond);
    if (cpu === null) return null;
    sum += cpu;
  }
  return sum;
};
if (orders.warmup !== undefined) {
  const { doctors, bookings } = orders.warmup;
  const taken = new Array<number>(doctors.length).fill(0);
  for (let n = 0; n < bookings; n++) {
    const d = (n + orders.client) % doctors.length;
    const doctor = doctors[d]!;
    const k = taken[d]!++ * orders.clients + orders.client;
    const slotId = doctor.slots[Math.min(doctor.slots.length - 1, Math.floor(k / orders.capacity))]!;
    await opd.book({ doctorId: doctor.id, category: 'ONLINE', patient: { id: `w${orders.run}-c${orders.client}-p${n}`, name: 'Patient' }, slotId });
  }
}
process.stdout.write('READY\n');
await next();

const report = { latencies: [] as number[], tokenIds: [] as string[], failures: 0 };
const counts = new Array<number>(orders.doctors.length).fill(0);
const paths0 = paths();
const cpu0 = process.cpuUsage();
const server0 = serverCpu();
const deadline = performance.now() + orders.seconds * 1000;
let patient = 0;
/** One caller: books one at a time until the deadline. */
async function caller(k: number): Promise<void> {
  let seed = orders.run * 1000 + orders.client * callers + k + 1;
  while (performance.now() < deadline) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const d = seed % orders.doctors.length;
    const doctor = orders.doctors[d]!;
    // The clients fill each doctor's slots together, in order.
    const n = counts[d]!++ * orders.clients + orders.client;
    const slotId = doctor.slots[Math.min(doctor.slots.length - 1, Math.floor(n / orders.capacity))]!;
    const t0 = performance.now();
    try {
      const result = await opd.book({
        doctorId: doctor.id,
        category: 'ONLINE',
        patient: { id: `r${orders.run}-c${orders.client}-p${++patient}`, name: 'Patient' },
        slotId,
      });
      report.latencies.push(performance.now() - t0);
      report.tokenIds.push(result.token.id);
    } catch (error) {
      report.failures++;
      if (report.failures <= 3) console.error(error);
    }
  }
}
await Promise.all(Array.from({ length: callers }, (_, k) => caller(k)));
const cpu = process.cpuUsage(cpu0);
const paths1 = paths();
const server1 = serverCpu();
const same = (await backends()).join() === pids.join();
await opd.close();
await pool.end();
const out: ClientReport = {
  ...report,
  clientCpuMs: (cpu.user + cpu.system) / 1000,
  serverCpuMs: same && server0 !== null && server1 !== null ? server1 - server0 : null,
  paths: paths0 === undefined || paths1 === undefined ? undefined : Object.fromEntries(Object.entries(paths1).map(([k, v]) => [k, v - (paths0[k] ?? 0)])),
};
process.stdout.write(`${JSON.stringify(out)}\n`);
lines.close();
