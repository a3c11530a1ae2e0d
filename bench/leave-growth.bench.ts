/**
 * `node --import tsx bench/leave-growth.bench.ts`: how a doctor's leave (`closeSlots`) grows
 * with the number of patients it displaces from one doctor-day, with and without
 * `reassign: 'department'`.
 *
 * Workload per size n: a department of two doctors. d1 has eight hourly slots on the leave's day
 * holding n booked patients (mixed categories, one in ten an emergency) and eight empty slots the
 * next day with room for all of them; d2 has eight empty slots on the leave's day with room for
 * half of them. The leave covers d1's whole day (`horizonDays: 1`): without reassignment every
 * patient moves to d1's next day; with it, half move to d2 the same day and the rest to d1's next
 * day. A third variant reassigns with half the patients already booked with d2 that day (d2 then
 * has room for all of them): those stay with d1 and move to its next day, the others go to d2, and
 * every look-up at d2 finds or rules out a token the store knew. Each run seeds a fresh memory store, then times `closeSlots` as a dry run and then for
 * real. Reported: medians of the runs in milliseconds, the growth ratio between successive sizes,
 * and a digest of the real call's effects (the same before and after a change that keeps
 * behaviour).
 *
 * `npm run bench:leave -- --runs 3 --max 1600`: `--runs` per size and variant (default 3), `--max`
 * the largest size (default 1600; sizes double from 200).
 */
import { createHash } from 'node:crypto';
import { OpdScheduler, presets } from 'opd-scheduler';
import { benchOptions, median } from './args.js';

const DAY = '2026-01-30';
const NEXT = '2026-01-31';
const CATEGORIES = ['ONLINE', 'WALK_IN', 'FOLLOW_UP', 'PAID', 'ONLINE', 'WALK_IN', 'ONLINE', 'FOLLOW_UP', 'WALK_IN', 'EMERGENCY'] as const;
const HOURS = [9, 10, 11, 12, 13, 14, 15, 16];

const options = benchOptions('bench:leave', {
  runs: { env: 'BENCH_RUNS', default: 3, description: 'Runs per size and variant' },
  max: { env: 'BENCH_MAX', default: 1600, description: 'Largest number of displaced patients' },
});

const pad = (h: number): string => String(h).padStart(2, '0');

function slots(doctorId: string, day: string, capacity: number): { id: string; start: string; end: string; capacity: number; overflowCapacity: number }[] {
  return HOURS.map((h) => ({
    id: `${doctorId}-${day}-${pad(h)}`,
    start: `${day}T${pad(h)}:00:00Z`,
    end: `${day}T${pad(h + 1)}:00:00Z`,
    capacity,
    overflowCapacity: 1,
  }));
}

/** How the leave is taken: without reassignment, with it, or with it and half the patients already booked with d2. */
type Variant = 'own' | 'department' | 'held';

const TITLES: Readonly<Record<Variant, string>> = {
  own: 'no reassignment',
  department: "reassign: 'department'",
  held: "reassign: 'department', half the patients already booked with d2",
};

async function setup(n: number, variant: Variant): Promise<OpdScheduler> {
  const opd = new OpdScheduler({ ...presets.standard(), clock: () => new Date(`${DAY}T07:00:00Z`) });
  await opd.addDoctor({ id: 'd1', name: 'Dr One', department: 'medicine' });
  await opd.addDoctor({ id: 'd2', name: 'Dr Two', department: 'medicine' });
  const per = Math.ceil(n / HOURS.length);
  await opd.addSlots('d1', [...slots('d1', DAY, per), ...slots('d1', NEXT, per)]);
  await opd.addSlots('d2', slots('d2', DAY, variant === 'held' ? per : Math.ceil(per / 2)));
  for (let i = 0; i < n; i++) {
    const slotId = `d1-${DAY}-${pad(HOURS[i % HOURS.length]!)}`;
    await opd.book({ doctorId: 'd1', category: CATEGORIES[i % CATEGORIES.length]!, patient: { id: `p${i}`, name: `Patient ${i}` }, slotId });
  }
  if (variant === 'held') {
    for (let i = 0; i < n; i += 2) {
      await opd.book({
        doctorId: 'd2',
        category: 'ONLINE',
        patient: { id: `p${i}`, name: `Patient ${i}` },
        slotId: `d2-${DAY}-${pad(HOURS[i % HOURS.length]!)}`,
      });
    }
  }
  return opd;
}

async function time(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const sizes: number[] = [];
for (let n = 200; n <= options.max; n *= 2) sizes.push(n);

for (const variant of ['own', 'department', 'held'] as const) {
  console.log(`\ncloseSlots, ${TITLES[variant]} — medians of ${options.runs} runs`);
  const rows: Record<string, string | number>[] = [];
  let previous: { dry: number; real: number } | undefined;
  for (const n of sizes) {
    const dry: number[] = [];
    const real: number[] = [];
    let digest = '';
    for (let r = 0; r < options.runs; r++) {
      const opd = await setup(n, variant);
      const leave = {
        from: `${DAY}T09:00:00Z`,
        to: `${DAY}T17:00:00Z`,
        reason: 'on leave',
        horizonDays: 1,
        ...(variant === 'own' ? {} : { reassign: 'department' as const }),
      };
      dry.push(await time(() => opd.closeSlots('d1', { ...leave, dryRun: true })));
      let effects: readonly unknown[] = [];
      real.push(await time(async () => (effects = await opd.closeSlots('d1', leave))));
      digest = createHash('sha256').update(JSON.stringify(effects)).digest('hex').slice(0, 12);
    }
    const m = { dry: median(dry), real: median(real) };
    rows.push({
      displaced: n,
      'dry ms': +m.dry.toFixed(1),
      'dry ×': previous === undefined ? '' : +(m.dry / previous.dry).toFixed(2),
      'real ms': +m.real.toFixed(1),
      'real ×': previous === undefined ? '' : +(m.real / previous.real).toFixed(2),
      'effects digest': digest,
    });
    previous = m;
    console.log(`  n=${n}: dry ${m.dry.toFixed(1)} ms, real ${m.real.toFixed(1)} ms (${digest})`);
  }
  console.table(rows);
}
