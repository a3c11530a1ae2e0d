import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage, type OpdEvent, OpdScheduler, presets, RuleOverflow, TOKEN_STATUSES } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { COUNTER_WITHIN_MINUTES, drawPatients, WAYS_IN, type PatientPlan } from '../../examples/day-simulation/arrivals.js';
import { DEFAULT_REPORT, DEFAULT_SEED, parseFlags, UsageError, type Options } from '../../examples/day-simulation/cli.js';
import { PRESET_NAMES, PRIORITY_NAMES } from '../../examples/day-simulation/policies.js';
import { terminalProgress } from '../../examples/day-simulation/progress.js';
import { int } from '../../examples/day-simulation/format.js';
import { CSV_COLUMNS } from '../../examples/day-simulation/report/csv.js';
import { simulate } from '../../examples/day-simulation/run.js';
import { runDay } from '../../examples/day-simulation/simulate.js';
import { retentionHeld } from '../../examples/day-simulation/retention.js';
import { emergencyRoom } from '../../examples/day-simulation/safety.js';
import { buildScenario } from '../../examples/day-simulation/scenarios.js';
import { percentile, summarize, type Summary } from '../../examples/day-simulation/summary.js';
import { categoryWord, dayText } from '../../examples/day-simulation/text.js';
import { intensity, LONG } from '../intensity.js';

/**
 * The limit of every simulation test: a guard against a hang, not a measure of speed (the
 * benchmarks measure). Ten minutes, so that a test passes on a busy two-core machine as on an
 * idle one.
 */
const HANG_GUARD = 600_000;

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'examples', 'day-simulation', 'main.ts');

/** Options as the command line would give them. */
function options(...argv: string[]): Options {
  return parseFlags(['--no-report', ...argv]);
}

/** Runs `npm run simulate -- …` the way a user does (tsx, tsconfig paths), without npm's own output. */
function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', ...env },
    timeout: HANG_GUARD,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A figure printed on the console, such as `bumps 2`. */
function printed(text: string, label: string): number {
  const match = new RegExp(`${label} (\\d[\\d,]*)`).exec(text);
  if (match === null) throw new Error(`"${label}" not found in the output`);
  return Number(match[1]!.replace(/,/g, ''));
}

/**
 * The time a test that simulates `days` days may take: a guard against a hang on a loaded machine
 * (a day takes well under a second here, and has taken two on a busy machine; ten times that, and
 * never under ten minutes), not a speed check. A `--compare` run simulates one day per preset.
 */
function forDays(days: number): number {
  return Math.max(HANG_GUARD, days * 20_000);
}

const COMPARED = PRESET_NAMES.length;

/**
 * Patients the doctor saw: completed or in consultation, and those sent to the lab who were not
 * back before the day closed; at least the patients completed or in consultation.
 */
function seenByDoctor(summary: Summary): number {
  const seen = [...summary.result.tokens.values()].filter((t) => t.consultStart !== null).length;
  expect(seen).toBeGreaterThanOrEqual(summary.byStatus.COMPLETED + summary.byStatus.IN_CONSULTATION);
  if (summary.result.journeys === null) expect(seen).toBe(summary.byStatus.COMPLETED + summary.byStatus.IN_CONSULTATION);
  return seen;
}

describe('day simulation: determinism', () => {
  it(
    'prints and draws the same day, byte for byte, for the same seed, and another day for another seed',
    async () => {
      const a = await simulate({ ...options('--seed', '7'), report: 'x.html' });
      const b = await simulate({ ...options('--seed', '7'), report: 'x.html' });
      const c = await simulate({ ...options('--seed', '8'), report: 'x.html' });
      expect(a.text).toBe(b.text);
      expect(a.html).toBe(b.html);
      expect(c.text).not.toBe(a.text);
      expect(c.html).not.toBe(a.html);
    },
    forDays(3),
  );

  it(
    'is deterministic under --compare too, and every preset sees the same patients',
    async () => {
      const a = await simulate({ ...options('--compare', '--seed', '3'), report: 'x.html' });
      const b = await simulate({ ...options('--compare', '--seed', '3'), report: 'x.html' });
      expect(a.text).toBe(b.text);
      expect(a.html).toBe(b.html);
      expect(a.summaries.map((s) => s.result.preset)).toEqual([...PRESET_NAMES]);
      const patients = a.summaries.map((s) => JSON.stringify(s.result.patients));
      expect(new Set(patients).size).toBe(1);
      // The policies differ, so the days differ.
      expect(new Set(a.summaries.map((s) => JSON.stringify(s.result.stats))).size).toBeGreaterThan(1);
      // Eight simulated days: a guard against a hang on a loaded machine, not a speed check.
    },
    HANG_GUARD,
  );

  it(
    'writes the same stdout and report file from the command line for the same seed, on any machine time zone, timing only on stderr',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'opd-sim-'));
      const report = join(dir, 'day.html');
      const first = cli(['--seed', '11', '--report', report]);
      const html1 = readFileSync(report, 'utf8');
      // Another machine time zone and locale change nothing: the day is in Asia/Kolkata.
      const second = cli(['--seed', '11', '--report', report], { TZ: 'Pacific/Auckland', LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' });
      const html2 = readFileSync(report, 'utf8');
      const other = cli(['--seed', '12', '--report', report]);
      const html3 = readFileSync(report, 'utf8');
      expect(first.status).toBe(0);
      expect(first.stdout).toBe(second.stdout);
      expect(html1).toBe(html2);
      expect(other.stdout).not.toBe(first.stdout);
      expect(html3).not.toBe(html1);
      expect(first.stdout).not.toMatch(/simulated in/);
      expect(first.stderr).toMatch(/simulated in \d+\.\d+ s/);
      // Piped and under CI: no progress bar.
      expect(first.stderr).not.toMatch(/\r|\u001b\[/);
    },
    HANG_GUARD,
  );
});

describe('day simulation: the figures agree with the scheduler', () => {
  // Seeds: one in `npm test`, five in `npm run test:long` (test/intensity.ts), or SIM_RUNS.
  const runs = Number(process.env['SIM_RUNS'] ?? intensity(1, 5));
  const scenarios = ['three-doctors', 'doctor-leave'] as const;

  it(`passes every consistency check for ${runs} seeds × scenarios × presets (SIM_RUNS raises it)`, async () => {
    for (let seed = 1; seed <= runs; seed++) {
      for (const scenario of scenarios) {
        const priority = PRIORITY_NAMES[(seed - 1) % PRIORITY_NAMES.length]!;
        const outcome = await simulate(options('--seed', String(seed), '--scenario', scenario, '--priority', priority, '--compare'));
        for (const summary of outcome.summaries) {
          const failed = summary.checks.filter((c) => !c.ok).map((c) => c.text);
          expect(failed, `seed ${seed}, ${scenario}, preset ${summary.result.preset}, priority ${priority}`).toEqual([]);
        }
        expect(outcome.ok).toBe(true);
      }
    }
  }, 300_000);

  it(
    'counts tokens, statuses, movements and places exactly as stats() does',
    async () => {
      const { summaries, text } = await simulate(options('--seed', String(DEFAULT_SEED)));
      const { result, byStatus } = summaries[0]!;
      const { stats } = result;
      for (const status of TOKEN_STATUSES) expect(byStatus[status], status).toBe(stats.byStatus[status]);
      expect(result.tokens.size).toBe(stats.tokens);
      const markers = (kind: string): number => result.markers.filter((m) => m.kind === kind).length;
      expect([markers('bump'), markers('cascade'), markers('promotion'), markers('drop')]).toEqual([
        stats.bumps,
        stats.cascades,
        stats.promotions,
        stats.drops,
      ]);
      const places = result.schedules
        .flatMap((s) => s.slots)
        .filter((v) => v.slot.status === 'OPEN')
        .reduce((n, v) => n + v.places.length, 0);
      expect(places).toBe(stats.places);
      // What the console says is what stats() says.
      expect(printed(text, 'bumps')).toBe(stats.bumps);
      expect(printed(text, 'cascades')).toBe(stats.cascades);
      expect(printed(text, 'promotions')).toBe(stats.promotions);
      expect(printed(text, 'drops')).toBe(stats.drops);
      expect(text).toContain(`${stats.tokens} tokens by status`);
      expect(text).toMatch(new RegExp(`Utilisation  ${Math.round(stats.utilisation * 100)}% of the ${stats.capacity} places`));
      // The default day shows the engine at work.
      expect(stats.bumps).toBeGreaterThan(0);
      expect(stats.cascades).toBeGreaterThan(0);
      expect(stats.promotions).toBeGreaterThan(0);
      expect(stats.byStatus.NO_SHOW).toBeGreaterThan(0);
      expect(stats.byStatus.CANCELLED).toBeGreaterThan(0);
    },
    forDays(1),
  );

  it(
    "draws the day's HMIS return: attendance as stats() counts it, the specialist OPDs' and the emergencies registered",
    async () => {
      const outcome = await simulate({ ...options('--scenario', 'hospital', '--doctors', '20'), report: 'x.html' });
      const { result } = outcome.summaries[0]!;
      const value = (item: string): number => result.hmis.find((r) => r.item === item)!.value;
      expect(value('14.2.1')).toBe(result.stats.byStatus.COMPLETED);
      const completed = [...result.tokens.values()].filter((t) => t.status === 'COMPLETED');
      const generalMedicine = new Set(result.scenario.doctors.filter((d) => d.department === 'General Medicine').map((d) => d.id));
      expect(value('14.2.1.a')).toBe(completed.filter((t) => !generalMedicine.has(t.doctorId)).length);
      expect(value('14.2.1.a')).toBeGreaterThan(0);
      expect(value('14.2.1.a')).toBeLessThan(value('14.2.1'));
      expect(value('14.5.1')).toBe([...result.tokens.values()].filter((t) => t.category === 'EMERGENCY').length);
      expect([value('14.2.2'), value('14.3.10'), value('14.3.5.a'), value('14.3.5.b')]).toEqual([0, 0, 0, 0]);
      expect(outcome.html).toContain('<section id="hmis">');
      expect(outcome.html).toContain(`<td>14.2.1</td><td class="label">Allopathic- Outpatient attendance</td><td>${int(value('14.2.1'))}</td>`);
    },
    forDays(1),
  );

  it(
    "prints the scheduler's fairness ledger per category: everyone seen counted once, waits as the patients' own",
    async () => {
      const { summaries, text } = await simulate({ ...options('--seed', String(DEFAULT_SEED)), report: 'x.html' });
      const { result } = summaries[0]!;
      const { categories } = result.fairness;
      // Every patient seen is in the ledger once, in their category (a patient sent to the lab who was not back before the day closed was seen too).
      expect(categories.reduce((n, c) => n + c.called, 0)).toBe(seenByDoctor(summaries[0]!));
      expect(categories.map((c) => c.category)).toContain('WALK_IN');
      for (const c of categories) {
        expect(c.waitP50!).toBeLessThanOrEqual(c.waitP95!);
        expect(c.waitP95!).toBeLessThanOrEqual(c.waitMax!);
        expect(text).toMatch(
          new RegExp(
            `\\n  ${categoryWord(c.category)} +${c.called} +${Math.round(c.waitP50!)} +${Math.round(c.waitP95!)} +${Math.round(c.waitMax!)} +${c.skips} +${c.longestPassRun}\\n`,
          ),
        );
      }
    },
    forDays(1),
  );

  it(
    'prints a table per doctor and slot with places/capacity as getSchedule() shows them',
    async () => {
      const { summaries, text } = await simulate(options());
      for (const schedule of summaries[0]!.result.schedules) {
        expect(text).toContain(schedule.doctor.name);
        for (const view of schedule.slots) {
          const hhmm = (d: Date): string => new Date(d.getTime() + 330 * 60_000).toISOString().slice(11, 16);
          expect(text).toMatch(new RegExp(`${hhmm(view.slot.start)}–${hhmm(view.slot.end)} +${view.places.length}/${view.slot.capacity}\\b`));
        }
      }
      expect(text).toMatch(/Tokens by category and status/);
      expect(text).toMatch(/walk-ins 60\+/);
      expect(text).toMatch(/est\. p50 +est\. p95/);
    },
    forDays(1),
  );

  it(
    'closes the slots of a doctor who leaves, exactly as the dry run predicted, and the presets treat the displaced differently',
    async () => {
      const { summaries, text } = await simulate(options('--scenario', 'doctor-leave', '--compare'));
      for (const summary of summaries) {
        const closures = summary.result.closures;
        expect(closures.map((c) => c.slotIds)).toEqual([['reddy-1100', 'reddy-1200']]);
        for (const c of closures) expect(c.happened).toEqual(c.predicted);
        expect(summary.result.stats.closedSlots).toBe(2);
      }
      const byPreset = Object.fromEntries(summaries.map((s) => [s.result.preset, s]));
      // The cascade family drops the displaced at the end of the day; the others never drop.
      expect(byPreset['cascade']!.result.stats.drops).toBeGreaterThan(0);
      expect(byPreset['standard']!.result.stats.drops).toBe(0);
      expect(byPreset['waitlist']!.result.stats.drops).toBe(0);
      expect(text).toMatch(/closures/);
    },
    forDays(COMPARED),
  );

  it(
    'books the same patients by doctor and by department, side by side: the department spreads them and emergencies wait less',
    async () => {
      const { summaries, text, ok } = await simulate(options('--scenario', 'department'));
      expect(ok).toBe(true);
      expect(summaries.map((s) => s.result.booking)).toEqual(['doctor', 'department']);
      const [byDoctor, byDepartment] = summaries as [Summary, Summary];
      expect(byDepartment.result.patients).toEqual(byDoctor.result.patients);
      const used = (s: Summary): number[] => s.doctors.map((d) => d.slots.reduce((n, x) => n + x.places, 0));
      const spread = (list: number[]): number => Math.max(...list) - Math.min(...list);
      // Booked by doctor, the doctor in demand is over capacity while colleagues have room; by department the load evens out.
      expect(spread(used(byDepartment))).toBeLessThan(spread(used(byDoctor)));
      expect(used(byDepartment).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(used(byDoctor).reduce((a, b) => a + b, 0));
      const longest = (s: Summary): number => Math.max(0, ...s.emergencies.toConsultation);
      expect(longest(byDepartment)).toBeLessThanOrEqual(longest(byDoctor));
      // Every token booked by department names one of the department's doctors.
      const ids = new Set(byDepartment.result.scenario.doctors.map((d) => d.id));
      for (const t of byDepartment.result.tokens.values()) expect(ids.has(t.doctorId)).toBe(true);
      expect(text).toMatch(/by doctor: used +utilisation +seen +by department: used/);
      expect(text).toMatch(/by department +\d+ +\d+ min/);
      expect(text).toMatch(/Checks: all \d+ passed, both ways of booking/);
    },
    forDays(1),
  );

  it(
    'a doctor who leaves the hospital early has patients reassigned to colleagues of the department, as the dry run predicted',
    { timeout: HANG_GUARD },
    async () => {
      // Seed 2 of a 30-doctor hospital: Dr. J. Yadav (Orthopaedics) is unwell from 11:00.
      const { summaries, ok } = await simulate(options('--scenario', 'hospital', '--doctors', '30', '--seed', '2'));
      expect(ok).toBe(true);
      const closures = summaries[0]!.result.closures;
      expect(closures.length).toBeGreaterThan(0);
      for (const c of closures) expect(c.happened).toEqual(c.predicted);
      const moves = closures.flatMap((c) =>
        c.happened
          .map((h) => JSON.parse(h) as { type: string; fromDoctorId?: string; toDoctorId?: string; tokenId: string; fromTokenId: string })
          .filter((e) => e.type === 'token:moved'),
      );
      expect(moves.length, 'patients moved to a colleague').toBeGreaterThan(0);
      for (const m of moves) expect(m.toDoctorId).not.toBe(m.fromDoctorId);
      // Each moved patient's new token is tracked with the colleague; the old one is cancelled.
      const tokens = summaries[0]!.result.tokens;
      for (const m of moves) {
        expect(tokens.get(m.fromTokenId)?.status).toBe('CANCELLED');
        expect(tokens.get(m.tokenId)).toBeDefined();
      }
    },
  );

  it(
    'lets the senior-citizen policy move older walk-ins up their queues',
    async () => {
      const standard = await simulate(options('--scenario', 'hospital', '--doctors', '16', '--seed', '4'));
      const senior = await simulate(options('--scenario', 'hospital', '--doctors', '16', '--seed', '4', '--priority', 'senior'));
      const median = (o: typeof standard, label: string): number => {
        const values = o.summaries[0]!.waits.find((w) => w.label === label)!.estimated;
        return values[Math.ceil(values.length / 2) - 1]!;
      };
      expect(senior.summaries[0]!.result.policyName).toBe('senior-citizen(standard)');
      expect(median(senior, 'walk-ins 60+')).toBeLessThan(median(standard, 'walk-ins 60+'));
    },
    HANG_GUARD,
  );
});

describe('day simulation: emergency safety and waits from arrival', () => {
  const CHECK = "no emergency waited without a place while its doctor's day had room";

  it(
    'prints emergency time to consultation and passes the emergency check on every scenario and preset',
    async () => {
      for (const scenario of ['three-doctors', 'doctor-leave'] as const) {
        const outcome = await simulate(options('--scenario', scenario, '--compare', '--seed', '9'));
        for (const summary of outcome.summaries) {
          expect(
            summary.checks.find((c) => c.text.startsWith(CHECK)),
            `${scenario}, ${summary.result.preset}`,
          ).toEqual({ ok: true, text: CHECK });
          const seen = [...summary.result.tokens.values()].filter((t) => t.category === 'EMERGENCY' && t.consultStart !== null);
          expect(summary.emergencies.toConsultation).toEqual(seen.map((t) => (t.consultStart! - t.requestedAt) / 60_000).sort((a, b) => a - b));
          expect(summary.emergencies.waitingAtEnd).toBe(
            [...summary.result.tokens.values()].filter((t) => t.category === 'EMERGENCY' && t.status === 'WAITLISTED').length,
          );
        }
        expect(outcome.text).toMatch(/Emergencies: minutes from registering to the consultation/);
      }
      const day = await simulate(options());
      const e = day.summaries[0]!.emergencies;
      expect(day.text).toContain(
        `Emergencies  ${e.toConsultation.length} seen, registering → consultation p50 ${Math.round(percentile(e.toConsultation, 50)!)} · p95 ${Math.round(percentile(e.toConsultation, 95)!)} · max ${Math.round(e.toConsultation.at(-1)!)} min`,
      );
      expect(day.text).toContain(`✓ ${CHECK}\n`);
      const hospital = await simulate(options('--scenario', 'hospital', '--doctors', '20', '--seed', '3'));
      expect(hospital.summaries[0]!.checks.find((c) => c.text.startsWith(CHECK))?.ok).toBe(true);
      expect(hospital.summaries[0]!.result.emergencyChecks).toBeGreaterThanOrEqual(hospital.summaries[0]!.emergencies.unplaced);
    },
    HANG_GUARD,
  );

  it(
    'fails the run when an emergency waited while its day had room',
    async () => {
      const { summaries } = await simulate(options());
      const violation = '#40 (Dr. Reddy) waited at 11:09 while the day had an elastic place in 12:00–13:00';
      const summary = summarize({ ...summaries[0]!.result, emergencyChecks: 3, emergencyViolations: [violation] });
      expect(summary.checks.filter((c) => !c.ok)).toEqual([{ ok: false, text: `${CHECK} — 1 of 3 looks at a waiting emergency, first: ${violation}` }]);
      const header = { scenario: summary.result.scenario, seed: DEFAULT_SEED, storage: 'memory', report: null };
      expect(dayText(header, summary)).toContain(`  ✗ ${CHECK} — 1 of 3`);
    },
    forDays(1),
  );

  it(
    'checks that every emergency checked in was the next one called, and fails the run when a call passed one over',
    async () => {
      const CALLED = 'every emergency checked in was the next one called';
      const { summaries, text } = await simulate(options());
      const calls = summaries[0]!.result.emergencyCalls;
      // The road accident: calls made while an emergency waited at Dr. Reddy's door, each of an emergency.
      expect(calls.calls).toBeGreaterThanOrEqual(5);
      expect(calls.passedOver).toEqual([]);
      expect(text).toContain(`  ✓ ${CALLED}: ${calls.calls} calls made while one waited called an emergency\n`);
      const passedOver = 'Dr. Reddy called #21 (WALK_IN) at 11:11 while emergency #36 was checked in';
      const summary = summarize({ ...summaries[0]!.result, emergencyCalls: { calls: 4, passedOver: [passedOver] } });
      expect(summary.checks.filter((c) => !c.ok)).toEqual([
        { ok: false, text: `${CALLED}: 4 calls made while one waited called an emergency — 1 did not, first: ${passedOver}` },
      ]);
      const header = { scenario: summary.result.scenario, seed: DEFAULT_SEED, storage: 'memory', report: null };
      expect(dayText(header, summary)).toContain(`  ✗ ${CALLED}: 4 calls`);
    },
    forDays(1),
  );

  it(
    'sends an emergency to the doctor as soon as it has a place, whatever its slot',
    async () => {
      const scenario = buildScenario('three-doctors', DEFAULT_SEED);
      let history: OpdEvent[] = [];
      await runDay({
        scenario,
        patients: drawPatients(scenario, DEFAULT_SEED),
        preset: 'standard',
        priority: 'standard',
        storage: new MemoryStorage(),
        beforeClose: async (opd) => {
          history = await opd.history({ limit: 100_000 });
        },
      });
      const emergencies = new Set(history.flatMap((e) => (e.type === 'token:booked' && e.category === 'EMERGENCY' ? [e.tokenId] : [])));
      const placedAt = new Map<string, { at: number; slotId: string }>();
      const checkIns: { at: number; slotId: string; placed: { at: number; slotId: string } }[] = [];
      for (const e of history) {
        if (!('tokenId' in e) || !emergencies.has(e.tokenId)) continue;
        if (e.type === 'token:booked' || e.type === 'token:promoted' || e.type === 'token:cascaded')
          placedAt.set(e.tokenId, { at: e.at.getTime(), slotId: 'toSlotId' in e && e.toSlotId !== undefined ? e.toSlotId : e.slotId });
        if (e.type === 'token:checked-in') checkIns.push({ at: e.at.getTime(), slotId: e.slotId, placed: placedAt.get(e.tokenId)! });
      }
      expect(checkIns.length).toBeGreaterThan(10);
      // Each checks in the moment it has its place, even those placed in a slot starting later (the road accident's).
      for (const c of checkIns) expect(c.at).toBe(c.placed.at);
      expect(checkIns.some((c) => scenario.doctors.some((d) => d.slots.some((s) => s.id === c.slotId && s.start > c.at + 30 * 60_000)))).toBe(true);
    },
    forDays(1),
  );

  it('finds the room a waiting emergency had: a free place, an elastic place or a place to bump, from the slot it asked for', async () => {
    // A policy that protects nobody, so that an emergency waits where the presets would place it.
    const clock = { now: Date.parse('2026-02-02T02:30:00Z') };
    const overflow = new RuleOverflow({ whenFull: { default: ['waitlist'] }, protect: [] });
    const opd = new OpdScheduler({ ...presets.standard(), overflow, clock: () => new Date(clock.now), timeZone: 'Asia/Kolkata' });
    await opd.addDoctor({ id: 'd', name: 'Dr D' });
    const slot = (hh: string, capacity: number, overflowCapacity: number) => ({
      id: `d-${hh}`,
      start: `2026-02-02T${hh}:00:00+05:30`,
      end: `2026-02-02T${hh}:59:00+05:30`,
      capacity,
      overflowCapacity,
    });
    await opd.addSlots('d', [slot('08', 1, 2), slot('09', 1, 0), slot('10', 1, 1), slot('11', 2, 0)]);
    const book = (n: number, category: string, slotId: string) => opd.book({ doctorId: 'd', category, patient: { id: `P${n}`, name: `P${n}` }, slotId });
    await book(0, 'WALK_IN', 'd-08');
    const present = await book(1, 'WALK_IN', 'd-09');
    await opd.checkIn(present.token.id);
    await book(2, 'ONLINE', 'd-10');
    const late = [await book(4, 'ONLINE', 'd-11'), await book(5, 'ONLINE', 'd-11')];
    const waiting = await book(3, 'EMERGENCY', 'd-09');
    expect(waiting.outcome).toBe('WAITLISTED');
    const schedule = async () => opd.getSchedule('d', '2026-02-02');
    const room = async (preset: 'standard' | 'cascade' | 'waitlist' | 'elastic', day = schedule()) =>
      emergencyRoom(preset, await day, waiting.token, clock.now);
    // 08:00 had elastic places and a place to bump, but the emergency asked for 09:00.
    expect(await room('standard')).toBe('an elastic place in 10:00–10:59');
    expect(await room('elastic')).toBe('an elastic place in 09:00–09:59'); // two per slot, whatever overflowCapacity
    expect(await room('waitlist')).toBe('a place to bump in 10:00–10:59');
    expect(await room('cascade')).toBe('a place to bump in 10:00–10:59');
    clock.now = Date.parse('2026-02-02T11:00:00+05:30'); // only 11:00 is left
    expect(await room('standard')).toBe('a place to bump in 11:00–11:59');
    expect(await room('elastic')).toBe('an elastic place in 11:00–11:59');
    for (const t of late) await opd.checkIn(t.token.id);
    expect(await room('standard')).toBeNull();
    expect(await room('waitlist')).toBeNull();
    const day = await schedule();
    const freed = { ...day, slots: day.slots.map((v) => (v.slot.id === 'd-11' ? { ...v, places: v.places.slice(1), free: 1 } : v)) };
    expect(await room('cascade', Promise.resolve(freed))).toBe('a free place in 11:00–11:59');
    await opd.close();
  });

  it(
    'measures waits from when the patient is at the hospital: online and follow-up patients from their arrival',
    async () => {
      const { summaries } = await simulate(options());
      const { result, waits } = summaries[0]!;
      const tokens = [...result.tokens.values()];
      for (const t of tokens) {
        const plan = result.patients[t.patientIndex]!;
        const desk = t.requestedAt !== plan.requestAt;
        expect(t.presentAt, t.id).toBe(desk ? t.requestedAt : Math.max(t.requestedAt, plan.arrivesAt ?? t.requestedAt));
      }
      const online = tokens.filter((t) => t.category === 'ONLINE' && t.consultStart !== null);
      expect(online.some((t) => t.presentAt > t.requestedAt + 60 * 60_000)).toBe(true);
      expect(waits.find((w) => w.label === 'ONLINE')!.actual).toEqual(online.map((t) => (t.consultStart! - t.presentAt) / 60_000).sort((a, b) => a - b));
      expect(summaries.length).toBe(1);
    },
    forDays(1),
  );
});

describe('day simulation: ABDM Scan & Share and UHI patients', () => {
  it(
    'brings a share of walk-ins by Scan & Share and of online patients by UHI on the scaled-down hospital, every count consistent',
    async () => {
      const outcome = await simulate({ ...options('--scenario', 'hospital', '--doctors', '20'), report: 'x.html' });
      const { result, checks } = outcome.summaries[0]!;
      const { rails } = result;
      const scanners = result.patients.filter((p) => p.wayIn === 'scan-share');
      const uhiPatients = result.patients.filter((p) => p.wayIn === 'uhi');
      // Only desk walk-ins scan, only online patients use UHI; about one in ten of each (WAYS_IN).
      expect(
        scanners.every((p) => p.category === 'WALK_IN' && p.wayInMinutes !== null && p.wayInMinutes >= 1 && p.wayInMinutes <= COUNTER_WITHIN_MINUTES),
      ).toBe(true);
      expect(uhiPatients.every((p) => p.category === 'ONLINE')).toBe(true);
      const share = (part: number, of: number): number => part / of;
      expect(share(scanners.length, result.patients.filter((p) => p.category === 'WALK_IN').length)).toBeGreaterThan(WAYS_IN.scanShare / 2);
      expect(share(scanners.length, result.patients.filter((p) => p.category === 'WALK_IN').length)).toBeLessThan(WAYS_IN.scanShare * 2);
      expect(share(uhiPatients.length, result.patients.filter((p) => p.category === 'ONLINE').length)).toBeGreaterThan(WAYS_IN.uhi / 2);
      expect(share(uhiPatients.length, result.patients.filter((p) => p.category === 'ONLINE').length)).toBeLessThan(WAYS_IN.uhi * 2);
      expect(result.patients.filter((p) => p.wayIn !== 'scan-share' && p.wayIn !== 'uhi').every((p) => p.wayInMinutes === null)).toBe(true);

      // Scan & Share: tokens held from the scan, each confirmed at the counter (the patient reaches it within its validity).
      expect(rails.shares).toBeGreaterThan(0);
      expect(rails.shareConfirmed).toBe(rails.shares - rails.shareExpired - rails.shareReleased);
      expect(rails.shares + rails.shareAtDesk).toBe(scanners.length);
      const shareTokens = [...result.tokens.values()].filter((t) => t.wayIn === 'scan-share');
      expect(shareTokens.length).toBe(rails.shares);
      expect(shareTokens.every((t) => t.category === 'WALK_IN')).toBe(true);
      // UHI: every UHI patient searched; inits confirmed, or expired for those who never confirm; PIN check-ins of confirmed orders only.
      expect(rails.uhiSearches).toBe(uhiPatients.length);
      expect(rails.uhiInits).toBeGreaterThan(0);
      expect(rails.uhiConfirmed).toBeGreaterThan(0);
      expect(rails.uhiExpired).toBeGreaterThan(0);
      expect(rails.pinCheckIns).toBeGreaterThan(0);
      expect(rails.uhiInits + rails.uhiAtPortal).toBe(rails.uhiSearches);
      expect(rails.uhiConfirmed + rails.uhiExpired + rails.uhiReleased).toBe(rails.uhiInits);
      expect(rails.uhiExpired).toBeLessThanOrEqual(uhiPatients.filter((p) => p.wayInMinutes === null).length);
      expect(rails.pinCheckIns + rails.uhiCancelled).toBeLessThanOrEqual(rails.uhiConfirmed);
      // The tokens tell the same: UHI tokens are online ones, and those checked in with their PIN were seen.
      const uhiTokens = [...result.tokens.values()].filter((t) => t.wayIn === 'uhi');
      expect(uhiTokens.length).toBeGreaterThanOrEqual(rails.uhiInits);
      expect(uhiTokens.every((t) => t.category === 'ONLINE')).toBe(true);
      expect(uhiTokens.filter((t) => t.status === 'COMPLETED').length).toBeGreaterThan(0);
      expect(result.stats.byStatus.HELD).toBe(0);
      // Paid holds are counted apart from the rails' holds.
      expect(result.holds.made).toBeLessThanOrEqual(result.patients.filter((p) => p.category === 'PAID').length);

      // The safety checks still hold, and the text and report count the rails.
      expect(outcome.ok).toBe(true);
      expect(checks.every((c) => c.ok)).toBe(true);
      expect(checks.some((c) => c.text.startsWith(`every Scan & Share token (${rails.shares})`))).toBe(true);
      expect(checks.some((c) => c.text.startsWith(`every UHI init (${rails.uhiInits})`))).toBe(true);
      expect(outcome.text).toContain(`${rails.shares} tokens held · ${rails.shareConfirmed} confirmed at the counter`);
      expect(outcome.text).toContain(`${rails.uhiInits} inits · ${rails.uhiConfirmed} confirmed · ${rails.uhiExpired} expired unconfirmed`);
      expect(outcome.text).toContain(`${rails.pinCheckIns} PIN check-ins`);
      expect(outcome.html).toContain('Scan &amp; Share');
    },
    HANG_GUARD,
  );

  it('draws the ways in from their own stream: without them every other draw of the seed is what it was', async () => {
    const scenario = buildScenario('three-doctors', DEFAULT_SEED);
    const withRails = drawPatients(scenario, DEFAULT_SEED);
    const without = drawPatients({ ...scenario, waysIn: { scanShare: 0, uhi: 0, uhiUnconfirmed: 0 } }, DEFAULT_SEED);
    const strip = (p: PatientPlan): Omit<PatientPlan, 'wayIn' | 'wayInMinutes'> => {
      const { wayIn: _way, wayInMinutes: _minutes, ...rest } = p;
      return rest;
    };
    expect(withRails.map(strip)).toEqual(without.map(strip));
    expect(without.every((p) => p.wayIn === 'desk' || p.wayIn === 'portal')).toBe(true);
    expect(withRails.some((p) => p.wayIn === 'uhi')).toBe(true);
  });

  it(
    'replays the same ways in through every preset under --compare',
    async () => {
      const { summaries, text } = await simulate(options('--compare', '--scenario', 'hospital', '--doctors', '8'));
      expect(summaries).toHaveLength(COMPARED);
      for (const s of summaries) {
        expect(s.result.patients).toBe(summaries[0]!.result.patients);
        expect(s.result.rails.uhiSearches).toBe(summaries[0]!.result.rails.uhiSearches);
        expect(s.result.rails.shares + s.result.rails.shareAtDesk).toBe(summaries[0]!.result.rails.shares + summaries[0]!.result.rails.shareAtDesk);
        expect(s.checks.every((c) => c.ok)).toBe(true);
      }
      expect(text).toMatch(/National rails: ABDM Scan & Share/);
    },
    forDays(COMPARED * 2),
  );
});

describe('day simulation: holds for paid patients', () => {
  it(
    "holds paid patients' places while they pay: in the default run some holds are confirmed and some expire unpaid",
    async () => {
      const { summaries, text } = await simulate(options('--seed', String(DEFAULT_SEED)));
      const { result, checks } = summaries[0]!;
      const { holds } = result;
      expect(holds.made).toBeGreaterThan(0);
      expect(holds.confirmed).toBeGreaterThan(0);
      expect(holds.expired).toBeGreaterThan(0);
      expect(holds.confirmed + holds.expired + holds.released).toBe(holds.made);
      // Only paid patients who pay confirm; only those who never pay let a hold expire.
      const paid = result.patients.filter((p) => p.category === 'PAID');
      expect(holds.made).toBeLessThanOrEqual(paid.length);
      expect(holds.confirmed).toBeLessThanOrEqual(paid.filter((p) => p.payMinutes !== null).length);
      expect(holds.expired).toBeLessThanOrEqual(paid.filter((p) => p.payMinutes === null).length);
      expect(result.patients.filter((p) => p.category !== 'PAID').every((p) => p.payMinutes === null)).toBe(true);
      // Nobody is left holding a place at the end of the day, and every check still passes.
      expect(result.stats.byStatus.HELD).toBe(0);
      expect(checks.every((c) => c.ok)).toBe(true);
      expect(text).toContain(`${holds.made} held · ${holds.confirmed} confirmed · ${holds.expired} expired unpaid`);
    },
    forDays(1),
  );
});

describe('day simulation: offers of freed places', () => {
  it(
    'offers freed places to waiting patients: each offer ends once, the YES answers pull patients forward, and nothing is overbooked',
    async () => {
      const plain = (await simulate(options())).summaries[0]!.result;
      expect(plain.offers).toBeNull();
      const { summaries, text } = await simulate(options('--offers', '15', '--offer-acceptance', '0.3'));
      const { result, checks } = summaries[0]!;
      const offers = result.offers!;
      expect(offers.made).toBeGreaterThan(0);
      expect(offers.accepted).toBeGreaterThan(0);
      expect(offers.accepted + offers.declined + offers.lapsed + offers.withdrawn + offers.open).toBe(offers.made);
      expect(offers.accepted).toBe(offers.fromWaitlist + offers.minutesSooner.length);
      expect(offers.minutesSooner.every((m) => m > 0)).toBe(true);
      // The same patients, the same checks: no slot beyond its places, emergencies never kept waiting.
      expect(
        checks.every((c) => c.ok),
        checks
          .filter((c) => !c.ok)
          .map((c) => c.text)
          .join('; '),
      ).toBe(true);
      expect(text).toContain(`${offers.made} offers made · ${offers.accepted} accepted`);
      // Nobody answers YES at 0 %: every offer lapses or is withdrawn, and the places go back to promotion.
      const none = (await simulate(options('--offers', '15', '--offer-acceptance', '0'))).summaries[0]!.result.offers!;
      expect(none.accepted).toBe(0);
      expect(none.made).toBeGreaterThan(0);
      expect(none.backToPromotion).toBeGreaterThan(0);
      // Deterministic: the same seed gives the same answers.
      const again = (await simulate(options('--offers', '15', '--offer-acceptance', '0.3'))).summaries[0]!.result.offers!;
      expect(again).toEqual(offers);
    },
    forDays(4),
  );
});

describe('day simulation: retention of patient data', () => {
  it(
    "keeps the patients' data through its retention, then purge() erases every token's of the day, and the figures stay",
    async () => {
      const plain = (await simulate(options())).summaries[0]!;
      expect(plain.result.retention).toBeNull();
      const { summaries, text } = await simulate(options('--retention-days', '30'));
      const { result, checks } = summaries[0]!;
      const retention = result.retention!;
      expect(retention).toMatchObject({ days: 30, erasedAtDayEnd: 0, left: 0, laterErased: 0, statsUnchanged: true });
      expect(retention.dayTokens).toBe(result.tokens.size);
      expect(retention.erased).toBe(retention.dayTokens);
      // The first purge that erases the day is the one after the 30 days that follow it.
      expect(retention.erasedOn).toBe(new Date(Date.parse(`${result.scenario.day}T00:00:00Z`) + 31 * 86_400_000).toISOString().slice(0, 10));
      expect(
        checks.every((c) => c.ok),
        checks
          .filter((c) => !c.ok)
          .map((c) => c.text)
          .join('; '),
      ).toBe(true);
      expect(text).toContain(`on ${retention.erasedOn} it erased the patient data of ${retention.erased} of the day's ${retention.dayTokens} tokens`);
      // The day itself is the day without retention: the purge comes after it.
      expect(result.stats).toEqual(plain.result.stats);
      // The check fails when a purge left a token's data, or erased within the retention.
      expect(retentionHeld({ ...retention, left: 1 })).toBe(false);
      expect(retentionHeld({ ...retention, erasedAtDayEnd: 1 })).toBe(false);
      expect(retentionHeld({ ...retention, statsUnchanged: false })).toBe(false);
      expect(() => options('--retention-days', '5', '--days', '2')).toThrow(UsageError);
      expect(() => options('--retention-days', '-1')).toThrow(UsageError);
    },
    forDays(2),
  );
});

describe('day simulation: closing the day', () => {
  it(
    'closes each doctor’s day: nobody is left waiting, booked or checked in, and the report counts who expired',
    async () => {
      const { summaries, text, html } = await simulate({ ...options('--seed', String(DEFAULT_SEED)), report: 'x.html' });
      const { result } = summaries[0]!;
      for (const status of ['WAITLISTED', 'HELD', 'BOOKED', 'CHECKED_IN'] as const) expect(result.stats.byStatus[status], status).toBe(0);
      const expired = [...result.tokens.values()].filter((t) => t.status === 'CANCELLED').length;
      expect(result.closeOut.expired).toBeLessThanOrEqual(expired);
      // One day only: nobody has a later day to be carried to.
      expect(result.closeOut.carried).toBe(0);
      expect(text).toContain(`${result.closeOut.expired} expired · 0 carried to a later day`);
      expect(html).toContain('Day closed');
    },
    forDays(1),
  );
});

describe('day simulation: quota and estimate error', () => {
  it(
    'keeps online bookings within 60 % of every slot and walk-in places until 30 minutes before the start',
    async () => {
      const { summaries } = await simulate(options('--compare'));
      for (const s of summaries) {
        for (const schedule of s.result.schedules) {
          for (const view of schedule.slots) {
            // Online patients are never placed beyond their share (emergencies aside, nobody is above it here).
            expect(view.places.filter((t) => t.category === 'ONLINE').length, `${s.result.preset} ${view.slot.id}`).toBeLessThanOrEqual(
              Math.floor(0.6 * view.slot.capacity),
            );
          }
        }
      }
    },
    forDays(COMPARED),
  );

  it(
    'prints and reports the estimate error per preset, computed from the estimate at booking and the consultation start',
    async () => {
      const { summaries, text, html } = await simulate(parseFlags(['--compare', '--report', join(mkdtempSync(join(tmpdir(), 'sim-')), 'r.html')]));
      expect(text).toContain('Estimate error');
      expect(html).toContain('id="estimate-error"');
      for (const s of summaries) {
        const seen = [...s.result.tokens.values()].filter((t) => t.consultStart !== null && t.estimatedAtBooking !== null);
        const errors = seen.map((t) => Math.abs(t.consultStart! - t.estimatedAtBooking!) / 60_000).sort((a, b) => a - b);
        expect(s.estimateError.patients, s.result.preset).toBe(seen.length);
        expect(seen.length).toBeGreaterThan(50);
        expect(s.estimateError.median).toBe(percentile(errors, 50));
        expect(s.estimateError.p90).toBe(percentile(errors, 90));
        expect(s.estimateError.meanAbsolute).toBeCloseTo(errors.reduce((a, b) => a + b, 0) / errors.length, 9);
        // A booking is never estimated before the moment it was made.
        for (const t of seen) expect(t.estimatedAtBooking!, t.id).toBeGreaterThanOrEqual(t.requestedAt);
      }
    },
    forDays(COMPARED),
  );
});

describe('day simulation: hospital scenario (reduced size; full size with npm run simulate -- --scenario hospital)', () => {
  it(
    'runs a scaled-down hospital with the department mix, one line per doctor and a department table',
    async () => {
      const outcome = await simulate({ ...options('--scenario', 'hospital', '--doctors', '20'), report: 'x.html' });
      const { result } = outcome.summaries[0]!;
      expect(outcome.ok).toBe(true);
      expect(result.scenario.doctors).toHaveLength(20);
      expect(new Set(result.scenario.doctors.map((d) => d.department)).size).toBeGreaterThan(10);
      // About 100 patients per doctor, as in the full 200-doctor, 20,000-patient day.
      expect(result.patients.length).toBeGreaterThan(1_500);
      expect(result.patients.length).toBeLessThan(2_500);
      expect(outcome.text).toMatch(/Doctors: places\/capacity per slot/);
      expect(outcome.text).toMatch(/By department/);
      expect(outcome.html).toContain('class="chart heatmap"');
    },
    HANG_GUARD,
  );
});

describe('day simulation: flags', () => {
  it('has defaults that need no flags', () => {
    expect(parseFlags([])).toEqual({
      seed: DEFAULT_SEED,
      preset: 'standard',
      priority: 'standard',
      scenario: 'three-doctors',
      doctors: 200,
      report: DEFAULT_REPORT,
      csv: 'reports/day-simulation.csv',
      compare: false,
      offers: null,
      callOrder: null,
      storage: 'memory',
      replay: null,
      risk: null,
      days: 1,
      history: null,
      retentionDays: null,
      journeys: true,
      json: null,
      followUps: null,
      help: false,
    });
    expect(parseFlags(['--seed=5', '--preset', 'cascade', '--priority', 'senior+aging', '--report', 'out/a.html'])).toMatchObject({
      seed: 5,
      preset: 'cascade',
      priority: 'senior+aging',
      report: 'out/a.html',
    });
  });

  it.each([
    [['--preset', 'fast'], '--preset must be one of standard, cascade, waitlist, elastic (got `fast`)'],
    [['--priority', 'vip'], '--priority must be one of standard, senior, aging, senior+aging (got `vip`)'],
    [['--scenario', 'clinic'], '--scenario must be one of three-doctors, hospital, doctor-leave, department (got `clinic`)'],
    [['--scenario', 'department', '--compare'], '--scenario department compares booking by doctor and by department; leave out --compare'],
    [['--storage', 'sqlite'], '--storage must be one of memory, pglite, postgres (got `sqlite`)'],
    [['--seed', '-1'], '--seed must be a whole number from 0 to 4294967295 (got `-1`)'],
    [['--seed', 'abc'], '--seed must be a whole number from 0 to 4294967295 (got `abc`)'],
    [['--seed', '1.5'], '--seed must be a whole number from 0 to 4294967295 (got `1.5`)'],
    [['--seed'], '--seed needs a value'],
    [['--seed', '1', '--seed', '2'], '--seed is given twice'],
    [['--doctors', '10'], '--doctors applies to --scenario hospital only'],
    [['--scenario', 'hospital', '--doctors', '0'], '--doctors must be a whole number from 1 to 2000 (got `0`)'],
    [['--compare', '--preset', 'cascade'], '--compare runs every preset; leave out --preset'],
    [['--report', 'day.txt'], '--report must name an .html file (got `day.txt`)'],
    [['--report', 'a.html', '--no-report'], '--report and --no-report cannot be given together'],
    [['--compare=yes'], '--compare takes no value'],
    [['--offers', '0'], '--offers must be a whole number from 1 to 240 (got `0`)'],
    [['--offer-group', '2'], '--offer-group and --offer-acceptance apply with --offers <minutes> only'],
    [
      ['--offers', '15', '--offer-acceptance', 'ONLINE=1.5'],
      '--offer-acceptance must be a share from 0 to 1 (0.1), or CATEGORY=share pairs such as ONLINE=0.12,WALK_IN=0.3 with CATEGORY one of EMERGENCY, PAID, FOLLOW_UP, ONLINE, WALK_IN (got `ONLINE=1.5`)',
    ],
    [['--fast'], 'Unknown flag --fast. Run with --help to see the flags.'],
    [['hospital'], 'Unexpected argument `hospital`: flags start with --. Run with --help to see them.'],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(() => parseFlags(argv)).toThrow(new UsageError(message));
  });

  it(
    'fails on the command line with the message on stderr and exit code 2; --help explains every flag',
    () => {
      const bad = cli(['--preset', 'fast']);
      expect(bad.status).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toContain('simulate: --preset must be one of standard, cascade, waitlist, elastic (got `fast`)');
      const help = cli(['--help']);
      expect(help.status).toBe(0);
      for (const flag of ['--seed', '--scenario', '--doctors', '--preset', '--priority', '--compare', '--report', '--no-report', '--storage', '--help']) {
        expect(help.stdout).toContain(flag);
      }
      for (const name of [...PRESET_NAMES, ...PRIORITY_NAMES, 'three-doctors', 'hospital', 'doctor-leave', 'pglite', 'postgres'])
        expect(help.stdout).toContain(name);
    },
    HANG_GUARD,
  );

  // A slow example, run by `npm run test:long` only: a whole day run three times, once on PGlite.
  it.runIf(LONG)(
    'runs the same day on PGlite (and on the server at DATABASE_URL) as in memory',
    () => {
      const memory = cli(['--storage', 'memory', '--no-report', '--seed', '5']);
      expect(memory.status).toBe(0);
      const run = cli(['--storage', 'pglite', '--no-report', '--seed', '5']);
      expect(run.status).toBe(0);
      // Same day, whatever the store: only the storage label differs.
      expect(run.stdout.replace('storage pglite', 'storage memory')).toBe(memory.stdout);
      const url = process.env['DATABASE_URL'];
      if (url !== undefined && url !== '') {
        const server = cli(['--storage', 'postgres', '--no-report', '--seed', '5'], { DATABASE_URL: url });
        expect(server.status).toBe(0);
        expect(server.stdout.replace('storage postgres', 'storage memory')).toBe(memory.stdout);
      }
      const postgres = cli(['--storage', 'postgres', '--no-report'], { DATABASE_URL: '' });
      expect(postgres.status).toBe(2);
      expect(postgres.stderr).toContain('--storage postgres needs DATABASE_URL');
    },
    HANG_GUARD,
  );
});

describe('day simulation: progress bar', () => {
  const fakeTerminal = (isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } => {
    const written: string[] = [];
    const stream = { isTTY, write: (chunk: string) => written.push(chunk) } as unknown as NodeJS.WriteStream;
    return { stream, written };
  };

  it('draws on a terminal for long runs and clears itself', () => {
    const { stream, written } = fakeTerminal(true);
    const bar = terminalProgress(stream, {}, 20_000);
    expect(bar).not.toBeNull();
    bar!.update('standard', 5_000, 20_000);
    bar!.done();
    expect(written.join('')).toMatch(/standard \[█{8}░{22}\] 25% · 5000\/20000 patients/);
    expect(written[written.length - 1]).toBe('\r\u001b[K');
  });

  it('stays silent when piped, under CI, or for short runs', () => {
    expect(terminalProgress(fakeTerminal(false).stream, {}, 20_000)).toBeNull();
    expect(terminalProgress(fakeTerminal(true).stream, { CI: 'true' }, 20_000)).toBeNull();
    expect(terminalProgress(fakeTerminal(true).stream, {}, 150)).toBeNull();
    expect(terminalProgress(fakeTerminal(true).stream, { CI: 'false' }, 20_000)).not.toBeNull();
  });
});

describe('day simulation: the report', () => {
  /** The x of the right edge of each slot's window and of its places area, from the SVG. */
  function laneEdges(svg: string): { slotEnd: number; placesEnd: number }[] {
    const ends = [...svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+" fill="none" stroke="#5b7a99"/g)].map(
      (m) => Number(m[1]) + Number(m[2]),
    );
    const areas = [...svg.matchAll(/<path d="([^"]+)" fill="[^"]+" fill-opacity="0.85"><title>places held in/g)].map((m) =>
      Math.max(...[...m[1]!.matchAll(/H([\d.]+)/g)].map((h) => Number(h[1]))),
    );
    expect(ends.length).toBeGreaterThan(0);
    expect(areas).toHaveLength(ends.length);
    return ends.map((slotEnd, i) => ({ slotEnd, placesEnd: areas[i]! }));
  }

  it(
    'draws no occupancy after a slot ends',
    async () => {
      const outcome = await simulate({ ...options(), report: 'day.html' });
      const lanes = laneEdges(outcome.html!);
      for (const { slotEnd, placesEnd } of lanes) expect(placesEnd).toBeLessThanOrEqual(slotEnd + 0.01);
      // Slots ended before the day did, so the old drawing (to the end of the day) would show here.
      expect(lanes.some(({ slotEnd }) => slotEnd < Math.max(...lanes.map((l) => l.slotEnd)))).toBe(true);
    },
    HANG_GUARD,
  );

  it(
    'exports every token and its wait as CSV, without patient data',
    async () => {
      const outcome = await simulate({ ...options('--compare', '--csv', 'out/day.csv') });
      const rows = outcome.csv!.trimEnd().split('\r\n');
      expect(rows[0]).toBe(
        'preset,doctor_id,doctor,token_id,token_number,category,requested_at,requested_time,arrived_at,arrival_time,status,slot,bumps,consultation_started_at,consultation_time,wait_minutes',
      );
      const header = rows[0]!.split(',');
      const cells = rows.slice(1).map((row) => Object.fromEntries(row.split(',').map((value, i) => [header[i]!, value])));
      const tokens = outcome.summaries.reduce((n, s) => n + s.result.tokens.size, 0);
      expect(cells).toHaveLength(tokens);
      expect(new Set(cells.map((c) => c['preset']))).toEqual(new Set(PRESET_NAMES));
      for (const c of cells) {
        expect(Object.keys(c)).toHaveLength(header.length);
        expect(TOKEN_STATUSES as readonly string[]).toContain(c['status']);
        expect(c['requested_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        // At the hospital no earlier than the request; a wait exactly when the patient was seen,
        // counted from arrival: never negative, never longer than from the request.
        expect(Date.parse(c['arrived_at']!)).toBeGreaterThanOrEqual(Date.parse(c['requested_at']!));
        const seen = c['consultation_started_at'] !== '';
        expect(c['wait_minutes'] !== '').toBe(seen);
        if (!seen) continue;
        const wait = Number(c['wait_minutes']);
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBe(Math.round(Math.max(0, Date.parse(c['consultation_started_at']!) - Date.parse(c['arrived_at']!)) / 60_000));
        expect(wait).toBeLessThanOrEqual(Math.round((Date.parse(c['consultation_started_at']!) - Date.parse(c['requested_at']!)) / 60_000));
      }
      // The report's own waits, preset by preset: the same patients, the same minutes.
      for (const summary of outcome.summaries) {
        const fromCsv = cells.filter((c) => c['preset'] === summary.result.preset && c['wait_minutes'] !== '').map((c) => Number(c['wait_minutes']));
        expect(fromCsv).toHaveLength(seenByDoctor(summary));
        const reported = summary.waits.find((w) => w.label === 'all patients')!.actual.map((minutes) => Math.round(minutes));
        expect([...fromCsv].sort((a, b) => a - b)).toEqual([...reported].sort((a, b) => a - b));
      }
      // Online bookings are made before the patient comes: their waits start later than their requests.
      expect(cells.some((c) => c['category'] === 'ONLINE' && c['arrived_at'] !== c['requested_at'])).toBe(true);
      // Patient ids (the hospital's UHIDs) stay out of it.
      const ids = outcome.summaries[0]!.result.patients.map((p) => p.id);
      expect(ids.length).toBeGreaterThan(50);
      for (const id of ids) expect(outcome.csv).not.toContain(`,${id},`);
    },
    HANG_GUARD,
  );

  it('documents every CSV column in the README, in order', () => {
    const readme = readFileSync(new URL('../../examples/day-simulation/README.md', import.meta.url), 'utf8');
    const documented = [...readme.matchAll(/^\| `([a-z_]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
    expect(documented).toEqual(CSV_COLUMNS.map((column) => [column.name, column.description]));
  });

  it(
    'writes the CSV beside the report by default, and where --csv says',
    () => {
      expect(parseFlags([]).csv).toBe('reports/day-simulation.csv');
      expect(parseFlags(['--report', 'out/a.html']).csv).toBe('out/a.csv');
      expect(parseFlags(['--no-report']).csv).toBeNull();
      expect(parseFlags(['--no-report', '--csv', 'waits.csv']).csv).toBe('waits.csv');
      expect(() => parseFlags(['--csv', 'waits.txt'])).toThrow(new UsageError('--csv must name a .csv file (got `waits.txt`)'));
      const dir = mkdtempSync(join(tmpdir(), 'opd-csv-'));
      const run = cli(['--report', join(dir, 'day.html'), '--seed', '3']);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain(`Tokens and waits written to ${join(dir, 'day.csv')}.`);
      const csv = readFileSync(join(dir, 'day.csv'), 'utf8');
      expect(csv.split('\r\n')[0]).toMatch(/^preset,doctor_id,/);
      expect(csv.split('\r\n').length).toBeGreaterThan(100);
    },
    HANG_GUARD,
  );
});

describe('day simulation: the call order', () => {
  it('reads --call-order and its refinements, and refuses what FairCallOrder refuses', () => {
    expect(options().callOrder).toBeNull();
    expect(options('--call-order', 'queue').callOrder).toBeNull();
    expect(options('--call-order', 'fair').callOrder).toEqual({});
    expect(options('--call-order', 'fair', '--interleave-every', '2', '--max-wait', '90', '--call-rates', 'PAID=4,WALK_IN=1.5').callOrder).toEqual({
      interleaveEvery: 2,
      maxWaitMinutes: 90,
      rates: { PAID: 4, WALK_IN: 1.5 },
    });
    expect(options('--call-order', '{"interleaveEvery":3}').callOrder).toEqual({ interleaveEvery: 3 });
    expect(() => options('--max-wait', '30')).toThrow(/apply with --call-order fair only/);
    expect(() => options('--call-order', 'fastest')).toThrow(/--call-order must be one of queue, fair/);
    expect(() => options('--call-order', '{"interleaveEvery":2', '--max-wait', '5')).toThrow(/as JSON takes no --interleave-every/);
    expect(() => options('--call-order', '{interleave')).toThrow(/--call-order must be queue, fair, or FairCallOrder options as JSON/);
    expect(() => options('--call-order', 'fair', '--interleave-every', '0')).toThrow(/^--call-order: .*interleaveEvery/);
    expect(() => options('--call-order', 'fair', '--max-wait', 'soon')).toThrow(/--max-wait must be a whole number/);
    expect(() => options('--call-order', 'fair', '--call-rates', 'EMERGENCY=9')).toThrow(/--call-rates must be CATEGORY=rate pairs/);
    expect(() => options('--call-order', '{"maxWait":5}')).toThrow(/^--call-order: .*maxWait/);
  });

  it(
    'has the doctors call patients with callNext under the call order chosen: emergencies first, and the waits per category printed and drawn under it',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sim-'));
      const queue = await simulate(parseFlags(['--report', join(dir, 'q.html')]));
      const fair = await simulate(parseFlags(['--call-order', 'fair', '--interleave-every', '1', '--max-wait', '60', '--report', join(dir, 'f.html')]));
      for (const outcome of [queue, fair]) expect(outcome.ok).toBe(true);
      const [q, f] = [queue.summaries[0]!, fair.summaries[0]!];
      expect(q.result.callOrder).toBeNull();
      expect(f.result.callOrder).toEqual({ interleaveEvery: 1, maxWaitMinutes: 60 });
      expect(queue.text).toMatch(/^Calls {5}queue order \(slot by slot, as booked\): the doctors call the next patient with callNext$/m);
      expect(fair.text).toMatch(/^Calls {5}fair-call-order\(PAID 4, FOLLOW_UP 3, ONLINE 2, WALK_IN 1; interleave 1; max wait 60 min\)/m);
      // The same patients, called in another order: the ledger counts every patient seen, once.
      expect(f.result.patients).toEqual(q.result.patients);
      for (const s of [q, f]) {
        const called = s.result.fairness.categories.reduce((n, c) => n + c.called, 0);
        expect(called).toBe(seenByDoctor(s));
      }
      // In both orders an emergency checked in is called before anyone else waiting, whatever its
      // slot: on this day the road accident's emergencies, placed in a later slot while the doctor
      // runs late, are called before the earlier slot's patients.
      for (const s of [q, f]) {
        expect(s.result.emergencyCalls.calls).toBeGreaterThan(0);
        expect(s.result.emergencyCalls.passedOver).toEqual([]);
      }
      // The report draws the waits per category under the call order, and names it in a card.
      expect(queue.html).toContain('Waits per category under queue order');
      expect(queue.html).not.toContain('<div class="title">Call order</div>');
      expect(fair.html).toContain('Waits per category under the fair call order');
      expect(fair.html).toContain('<div class="title">Call order</div>');
      expect(fair.html).toContain("--call-order '{&quot;interleaveEvery&quot;:1,&quot;maxWaitMinutes&quot;:60}'");
      expect(fair.html).not.toBe(queue.html);
    },
    forDays(2),
  );
});
