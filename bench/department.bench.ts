/**
 * `npm run bench:department`: what booking by department costs against booking with a named
 * doctor, on a department of 20 doctors.
 *
 * Workload: 20 doctors of one department, each with eight hourly slots of 6 places on one day
 * (960 places). Each run books, on a fresh store, `--batch` patients by department
 * (`book({ department, date })`) and the same number by doctor (`book({ doctorId, date })`, the
 * doctors in turn), the two batches interleaved in the same process so that both see the same
 * machine. Timed on each store (memory, PGlite, and a PostgreSQL server when DATABASE_URL is set):
 * wall time and CPU time (user + system of this process; the server's own CPU is not in it) per
 * booking, medians of the runs, and the ratio department / doctor measured in the same runs.
 */
import { OpdScheduler, presets } from 'opd-scheduler';
import { benchOptions, median } from './args.js';
import { type BenchStore, benchStores } from './stores.js';

const DAY = '2026-01-30';
const DOCTORS = 20;
const CATEGORIES = ['ONLINE', 'WALK_IN', 'FOLLOW_UP', 'PAID', 'ONLINE', 'WALK_IN', 'ONLINE', 'FOLLOW_UP', 'WALK_IN', 'EMERGENCY'] as const;

const options = benchOptions('bench:department', {
  runs: { env: 'BENCH_RUNS', default: 5, description: 'Runs per store' },
  batch: { env: 'BENCH_BATCH', default: 100, description: 'Bookings per variant per run' },
});

async function seed(opd: OpdScheduler): Promise<void> {
  for (let d = 0; d < DOCTORS; d++) {
    const id = `doc${String(d).padStart(2, '0')}`;
    await opd.addDoctor({ id, name: `Dr ${d}`, department: 'medicine' });
    await opd.addSlots(
      id,
      Array.from({ length: 8 }, (_, h) => ({
        start: `${DAY}T${String(9 + h).padStart(2, '0')}:00:00Z`,
        end: `${DAY}T${String(10 + h).padStart(2, '0')}:00:00Z`,
        capacity: 6,
        overflowCapacity: 1,
      })),
    );
  }
}

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

async function timed(work: () => Promise<void>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await work();
  const used = process.cpuUsage(cpu);
  return { wallMs: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: (used.user + used.system) / 1000 };
}

async function measure(store: BenchStore): Promise<void> {
  const byDepartment: Sample[] = [];
  const byDoctor: Sample[] = [];
  const ratios: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const { storage, drop } = await store.open();
    const opd = new OpdScheduler({ ...presets.standard(), storage, clock: () => new Date(`${DAY}T07:00:00Z`) });
    await seed(opd);
    let n = 0;
    const book = async (department: boolean): Promise<void> => {
      for (let i = 0; i < options.batch; i++) {
        const k = ++n;
        const patient = { id: `p${k}`, name: `Patient ${k}` };
        const category = CATEGORIES[k % CATEGORIES.length]!;
        if (department) await opd.book({ department: 'medicine', category, patient, date: DAY });
        else await opd.book({ doctorId: `doc${String(k % DOCTORS).padStart(2, '0')}`, category, patient, date: DAY });
      }
    };
    // Interleaved halves, alternating which goes first, so that both meet the same fill of the day.
    const half = (department: boolean): Promise<Sample> => timed(() => book(department));
    const first = run % 2 === 0;
    const a1 = await half(first);
    const b1 = await half(!first);
    const dept = first ? a1 : b1;
    const doc = first ? b1 : a1;
    byDepartment.push(dept);
    byDoctor.push(doc);
    ratios.push(dept.cpuMs / doc.cpuMs);
    await opd.close();
    await drop();
  }
  const per = (samples: Sample[], key: keyof Sample): string => `${((median(samples.map((s) => s[key])) * 1000) / options.batch).toFixed(0)} µs`;
  console.log(
    `${store.name.padEnd(22)} by department: ${per(byDepartment, 'wallMs')} wall, ${per(byDepartment, 'cpuMs')} CPU per booking | ` +
      `by doctor: ${per(byDoctor, 'wallMs')} wall, ${per(byDoctor, 'cpuMs')} CPU | CPU ratio ${median(ratios).toFixed(1)}×`,
  );
}

const { stores, close } = benchStores('bench_dept', 4);

console.log(`book by department over ${DOCTORS} doctors vs by doctor: ${options.batch} bookings each per run, median of ${options.runs} runs`);
for (const store of stores) await measure(store);
await close();
