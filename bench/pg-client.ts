/**
 * One client process of `npm run bench:pg`: reads its orders as one JSON line on stdin, prints
 * `READY`, waits for `GO`, books until the deadline, then prints its results as one JSON line.
 */
import { createInterface } from 'node:readline';
import pg from 'pg';
import { OpdScheduler, presets } from '../src/index.js';
import { PostgresStorage } from '../src/postgres/index.js';

/** What the bench tells a client. */
export interface ClientOrders {
  readonly url: string;
  readonly schema: string;
  readonly doctors: readonly { readonly id: string; readonly slots: readonly string[] }[];
  readonly capacity: number;
  readonly seconds: number;
  readonly client: number;
  readonly clients: number;
  readonly run: number;
}

/** What a client reports. */
export interface ClientReport {
  readonly latencies: number[];
  readonly tokenIds: string[];
  readonly failures: number;
}

const lines = createInterface({ input: process.stdin });
const next = (): Promise<string> => new Promise((resolve) => lines.once('line', resolve));
const orders = JSON.parse(await next()) as ClientOrders;
const pool = new pg.Pool({ connectionString: orders.url, max: 1 });
const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool, schema: orders.schema }) });
await pool.query('SELECT 1');
process.stdout.write('READY\n');
await next();

const report: { latencies: number[]; tokenIds: string[]; failures: number } = { latencies: [], tokenIds: [], failures: 0 };
const counts = new Array<number>(orders.doctors.length).fill(0);
let seed = orders.run * 1000 + orders.client + 1;
const deadline = performance.now() + orders.seconds * 1000;
let patient = 0;
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
await opd.close();
await pool.end();
process.stdout.write(`${JSON.stringify(report)}\n`);
lines.close();
