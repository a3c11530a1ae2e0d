/**
 * `npm run bench:rota`: what a booking without a date costs against how far ahead the doctor's
 * rota runs. Such a booking reads the doctor's schedule from now to find the earliest free place:
 * its first 64 slots, more only when they hold no place for it, so its cost should not grow with
 * the slots ahead, nor should that of a booking naming its date, which reads one day. A booking
 * by department without a date reads each doctor's schedule the same way.
 *
 * Workload per rota length (7, 30 and 90 days by default): a department of three doctors, each
 * with eight hourly slots of 5 places a day, each day half booked (20 of 40 places, by date), the
 * clock before the first slot. Timed: `--bookings` bookings without a date with the first doctor
 * (online patients; each takes the earliest free place, so they fill the first days), as many
 * naming the second day's date, then as many by department without a date. On each store:
 * memory, PGlite, and a PostgreSQL server when DATABASE_URL is set, a fresh schema per run.
 * Reported: milliseconds per booking, the median of the runs.
 */
import { OpdScheduler, presets, type StorageAdapter } from 'opd-scheduler';
import { benchOptions, median } from './args.js';
import { benchStores } from './stores.js';

const options = benchOptions('bench:rota', {
  runs: { env: 'BENCH_RUNS', default: 3, description: 'runs per store and rota length' },
  bookings: { env: 'BENCH_BOOKINGS', default: 50, description: 'bookings timed per kind and run' },
});
const LENGTHS = [7, 30, 90];
const FIRST = Date.UTC(2026, 0, 5);
const DAY_MS = 86_400_000;
const dayOf = (d: number): string => new Date(FIRST + d * DAY_MS).toISOString().slice(0, 10);

const { stores: STORES, close } = benchStores('rota_bench');

const DOCTORS = ['d1', 'd2', 'd3'];

/** The department's doctors, each with `days` days of slots, each day half booked. */
async function setup(storage: StorageAdapter, days: number): Promise<OpdScheduler> {
  const opd = new OpdScheduler({ ...presets.standard(), storage, clock: () => new Date(FIRST) });
  for (const id of DOCTORS) {
    await opd.addDoctor({ id, name: `Doctor ${id}`, department: 'medicine' });
    const slots = [];
    for (let d = 0; d < days; d++) {
      for (let s = 0; s < 8; s++) {
        const start = FIRST + d * DAY_MS + (9 + s) * 3_600_000;
        slots.push({ start: new Date(start), end: new Date(start + 3_600_000), capacity: 5 });
      }
    }
    for (let i = 0; i < slots.length; i += 500) await opd.addSlots(id, slots.slice(i, i + 500));
    for (let d = 0; d < days; d++) {
      for (let j = 0; j < 20; j++)
        await opd.book({ doctorId: id, category: 'ONLINE', patient: { id: `${id}f${d}-${j}`, name: `Patient ${d}-${j}` }, date: dayOf(d) });
    }
  }
  return opd;
}

/** Milliseconds per call of `n` calls of `book(i)`, each awaited in turn. */
async function perBooking(n: number, book: (i: number) => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await book(i);
  return Number(process.hrtime.bigint() - started) / 1e6 / n;
}

const rows: Record<string, string | number>[] = [];
for (const store of STORES) {
  for (const days of LENGTHS) {
    const withoutDate: number[] = [];
    const byDate: number[] = [];
    const byDepartment: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      const { storage, drop } = await store.open();
      const opd = await setup(storage, days);
      withoutDate.push(
        await perBooking(options.bookings, (i) => opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: `a${i}`, name: `Patient a${i}` } })),
      );
      byDate.push(
        await perBooking(options.bookings, (i) =>
          opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: `b${i}`, name: `Patient b${i}` }, date: dayOf(1) }),
        ),
      );
      byDepartment.push(
        await perBooking(options.bookings, (i) => opd.book({ department: 'medicine', category: 'ONLINE', patient: { id: `c${i}`, name: `Patient c${i}` } })),
      );
      await opd.close();
      await drop();
    }
    rows.push({
      store: store.name,
      rotaDays: days,
      slotsAhead: days * 8,
      msWithoutDate: Number(median(withoutDate).toFixed(3)),
      msByDate: Number(median(byDate).toFixed(3)),
      msDepartment: Number(median(byDepartment).toFixed(3)),
    });
  }
}
console.log(`opd-scheduler rota-length benchmark — Node ${process.version}, ${options.runs} runs, ${options.bookings} bookings of each kind per run, medians`);
console.table(rows);
console.log(
  'target: every column about flat from 7 to 90 days ahead (a booking without a date reads the first 64 slots of each doctor when the earliest free place is among them)',
);
await close();
