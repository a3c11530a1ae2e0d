import type { OpdEvent } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { drawPatients } from '../../examples/day-simulation/arrivals.js';
import { DEFAULT_SEED, parseFlags } from '../../examples/day-simulation/cli.js';
import { drawJourneys } from '../../examples/day-simulation/journeys.js';
import { simulate } from '../../examples/day-simulation/run.js';
import { buildScenario } from '../../examples/day-simulation/scenarios.js';
import { runDay } from '../../examples/day-simulation/simulate.js';
import { storageFactory } from '../../examples/day-simulation/storage.js';
import { stageTable } from '../../examples/day-simulation/text.js';

const MINUTE = 60_000;

/** Every event of the day, read from the scheduler before it closes. */
async function dayWithEvents(seed: number): Promise<{ events: OpdEvent[]; result: Awaited<ReturnType<typeof runDay>> }> {
  const scenario = buildScenario('three-doctors', seed, 200);
  const patients = drawPatients(scenario, seed);
  const factory = await storageFactory('memory');
  const events: OpdEvent[] = [];
  try {
    const result = await runDay({
      scenario,
      patients,
      preset: 'standard',
      priority: 'standard',
      storage: await factory.open(),
      journeys: drawJourneys(scenario, patients, seed),
      beforeClose: async (opd) => {
        for (let page = await opd.history({ limit: 1000 }); page.length > 0; page = await opd.history({ after: page.at(-1)!.seq, limit: 1000 }))
          events.push(...page);
      },
    });
    return { events, result };
  } finally {
    await factory.close();
  }
}

describe('day simulation: journeys through the service points', () => {
  it('keeps every patient in one queue at a time, and each whole visit at least the sum of its waits at the stages', async () => {
    const { events, result } = await dayWithEvents(DEFAULT_SEED);
    expect(result.journeys).not.toBeNull();
    expect(result.journeys!.twoQueues).toBe(0);
    const kinds = (e: { readonly servicePointId: string | null; readonly kind: string }): string => e.servicePointId ?? 'doctor';
    const queue = new Map<string, string | null>();
    const entered = new Map<string, number>();
    const waited = new Map<string, number>();
    const checkedIn = new Map<string, number>();
    const visits = new Map<string, number>();
    const pointOf = (id: string): string => id;
    let forwards = 0;
    for (const e of events) {
      if (!('tokenId' in e)) continue;
      const at = e.at.getTime();
      const wait = (): void => {
        waited.set(e.tokenId, (waited.get(e.tokenId) ?? 0) + (at - entered.get(e.tokenId)!));
        entered.delete(e.tokenId);
      };
      if (e.type === 'token:checked-in') {
        // Nobody checks in who already waits somewhere.
        expect(queue.get(e.tokenId) ?? null).toBeNull();
        checkedIn.set(e.tokenId, at);
        entered.set(e.tokenId, at);
        // The first queue is named by the first call or forward that follows; until then "somewhere".
        queue.set(e.tokenId, '?');
      } else if (e.type === 'token:forwarded') {
        forwards++;
        const now = queue.get(e.tokenId);
        // A forward leaves the queue the patient waits in (or the doctor's room): never a second queue.
        if (now !== null && now !== '?') expect(now, `token ${e.tokenId} forwarded from ${kinds(e.from)}`).toBe(kinds(e.from));
        if (entered.has(e.tokenId)) entered.delete(e.tokenId);
        queue.set(e.tokenId, kinds(e.to));
        entered.set(e.tokenId, at);
      } else if (e.type === 'token:called' && !e.recall && entered.has(e.tokenId)) {
        const where = e.servicePointId === undefined ? 'doctor' : pointOf(e.servicePointId);
        const now = queue.get(e.tokenId);
        if (now !== '?') expect(where).toBe(now);
        queue.set(e.tokenId, where);
        wait();
      } else if (e.type === 'token:consultation-started') {
        if (entered.has(e.tokenId)) wait();
        queue.set(e.tokenId, null);
      } else if (e.type === 'token:completed' && checkedIn.has(e.tokenId)) {
        visits.set(e.tokenId, at - checkedIn.get(e.tokenId)!);
        queue.delete(e.tokenId);
      } else if (e.type === 'token:cancelled' || e.type === 'token:expired') queue.delete(e.tokenId);
    }
    expect(forwards).toBe(result.journeys!.forwards);
    expect(visits.size).toBe(result.fairness.visits.count);
    for (const [id, visit] of visits) expect(visit, `token ${id}`).toBeGreaterThanOrEqual(waited.get(id) ?? 0);
    // The ledger's figures: each stage counts a patient at most once, and the whole visit is at least the waits of its stages.
    const { stages } = result.fairness;
    expect(stages.map((x) => `${x.kind}/${x.round}`)).toEqual(['registration/1', 'vitals/1', 'doctor/1', 'lab/1', 'doctor/2']);
    for (const x of stages) {
      expect(x.waits.count).toBeGreaterThan(0);
      expect(x.waits.count).toBeLessThanOrEqual(result.tokens.size);
      expect(x.waits.count).toBeLessThanOrEqual(result.patients.length);
      expect(x.waits.p50!).toBeLessThanOrEqual(x.waits.p90!);
      expect(x.waits.p90!).toBeLessThanOrEqual(x.waits.max!);
    }
    const total = [...waited.values()].reduce((a, b) => a + b, 0) / MINUTE;
    const counted = stages.reduce((n, x) => n + x.waits.count * x.waits.mean!, 0);
    expect(counted).toBeCloseTo(total, 6);
    const of = (kind: string, round: number) => stages.find((x) => x.kind === kind && x.round === round)!.waits.count;
    // Everybody back from the lab had been there; everybody at the lab was sent by the doctor.
    expect(of('doctor', 2)).toBeLessThanOrEqual(of('lab', 1));
    expect(of('lab', 1)).toBeLessThanOrEqual(result.journeys!.toLab);
    expect(result.journeys!.back).toBeLessThanOrEqual(result.journeys!.toLab);
    expect(result.fairness.visits.mean!).toBeGreaterThanOrEqual(of('registration', 1) > 0 ? stages.find((x) => x.kind === 'registration')!.waits.mean! : 0);
  });

  it("prints and reports where the time goes, and --no-journeys runs the day at the doctors' rooms only on the same patients", async () => {
    const on = await simulate({ ...parseFlags(['--no-report']), report: 'x.html' });
    const off = await simulate({ ...parseFlags(['--no-report', '--no-journeys']), report: 'x.html' });
    const summary = on.summaries[0]!;
    expect(on.ok).toBe(true);
    expect(off.ok).toBe(true);
    expect(on.text).toContain('Where the time goes');
    expect(on.text).toContain(stageTable(summary));
    expect(on.text).toMatch(/✓ every patient waited in one queue at a time/);
    expect(on.html).toContain('id="stages"');
    expect(on.html).toContain('Whole visit');
    // The journeys are drawn on a stream of their own: the patients are the same, draw for draw.
    expect(off.summaries[0]!.result.patients).toEqual(summary.result.patients);
    expect(off.summaries[0]!.result.journeys).toBeNull();
    expect(off.text).not.toContain('Where the time goes');
    expect(off.html).not.toContain('id="stages"');
    // Without journeys the ledger has the doctor's stage only.
    expect(off.summaries[0]!.result.fairness.stages.map((x) => x.kind)).toEqual(['doctor']);
  });

  it('prints the stages of every preset under --compare', async () => {
    const outcome = await simulate({ ...parseFlags(['--no-report', '--compare']), report: 'x.html' });
    expect(outcome.ok).toBe(true);
    for (const s of outcome.summaries) expect(s.result.journeys).not.toBeNull();
    expect(outcome.text).toContain('Where the time goes');
    expect(outcome.html).toContain('id="stages"');
  });
});
