/**
 * `npm run simulate -- --days <n> --history <file.jsonl>`: consecutive days of the hospital, their
 * history written as JSON lines; replayed by the lab under the options the days ran with, the
 * history gives back every token's final status, slot and number (issue 59's fidelity, over days).
 */
import { createReadStream, mkdtempSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHistory, replay } from 'opd-scheduler/lab';
import { describe, expect, it } from 'vitest';
import { parseFlags, UsageError } from '../../examples/day-simulation/cli.js';
import { fileSink, onDuty, simulateDays } from '../../examples/day-simulation/days.js';
import { dayAfter } from '../../examples/day-simulation/time.js';
import { buildScenario } from '../../examples/day-simulation/scenarios.js';
import { dayOptions } from '../../examples/day-simulation/simulate.js';

describe('simulate --days', () => {
  it('reads --days and --history, and refuses what does not apply to them', () => {
    expect(parseFlags(['--scenario', 'hospital', '--doctors', '6', '--days', '3', '--history', 'h.jsonl'])).toMatchObject({
      days: 3,
      history: 'h.jsonl',
      report: null,
      csv: null,
    });
    expect(parseFlags([])).toMatchObject({ days: 1, history: null });
    expect(() => parseFlags(['--days', '3', '--compare'])).toThrow(UsageError);
    expect(() => parseFlags(['--days', '3', '--replay', 'h.jsonl'])).toThrow(UsageError);
    expect(() => parseFlags(['--days', '3', '--scenario', 'department'])).toThrow(UsageError);
    expect(() => parseFlags(['--days', '3', '--csv', 'r.csv'])).toThrow('--csv does not apply');
    // The report draws the days when asked for; none by default.
    expect(parseFlags(['--days', '3', '--report', 'r.html'])).toMatchObject({ report: 'r.html', csv: null });
    expect(() => parseFlags(['--days', '0'])).toThrow('--days must be a whole number');
    expect(() => parseFlags(['--history', 'h.json'])).toThrow('--history must name a .jsonl file');
  });

  it('gives each doctor a weekly day off and each day its own date', () => {
    const doctors = buildScenario('hospital', 1, 14).doctors;
    for (let n = 0; n < 7; n++) expect(onDuty(doctors, n)).toHaveLength(12);
    expect(new Set([0, 1, 2, 3, 4, 5, 6].flatMap((n) => onDuty(doctors, n).map((d) => d.id))).size).toBe(14);
    expect(dayAfter('2026-02-28', 1)).toBe('2026-03-01');
  });

  it('writes a history of several days that the lab replays into the same outcomes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'days-'));
    const file = join(dir, 'days.jsonl');
    const options = parseFlags(['--scenario', 'hospital', '--doctors', '8', '--days', '3', '--seed', '5', '--history', file]);
    const outcomes = new Map<string, { status: string; slotId: string | null; tokenNumber: number }>();
    const days = new Set<string>();
    const result = await simulateDays(options, await fileSink(file), async (opd, history) => {
      for (const e of history.events) {
        if (!('tokenId' in e) || outcomes.has(e.tokenId)) continue;
        days.add(e.day);
        const t = await opd.getToken(e.tokenId);
        outcomes.set(e.tokenId, { status: t.status, slotId: t.slotId, tokenNumber: t.tokenNumber });
      }
    });
    expect(result.days).toBe(3);
    expect(days.size).toBe(3);
    expect(result.text).toContain('3 day(s)');
    const history = readHistory(readFileSync(file, 'utf8'));
    expect(history.events).toHaveLength(result.events);
    // Event numbers run on across the days, as one store's would.
    expect(history.events.every((e, i) => e.seq === i + 1)).toBe(true);
    expect(new Set(history.slots.map((s) => s.id)).size).toBe(history.slots.length);
    expect(history.doctors).toHaveLength(8);

    const replayed = await replay(history, { ...dayOptions(options.preset, options.priority), label: 'recorded options' });
    try {
      expect(replayed.requests.skipped).toBe(0);
      for (const [id, outcome] of outcomes) {
        expect(replayed.tokens.get(id), `token ${id} was made again`).toBe(id);
        const again = await replayed.scheduler.getToken(id);
        expect({ status: again.status, slotId: again.slotId, tokenNumber: again.tokenNumber }, `token ${id}`).toEqual(outcome);
      }
      expect(replayed.delta.bumps).toBe(0);
      expect(replayed.delta.drops).toBe(0);
      expect(replayed.replayed.tokens).toBe(replayed.recorded.tokens);

      // Streamed from the file a line at a time, the days over forgotten: the same figures, and
      // the store keeps only the last day.
      const streamed = await replay(createInterface({ input: createReadStream(file), crlfDelay: Infinity }), {
        ...dayOptions(options.preset, options.priority),
        label: 'recorded options',
        forgetDaysAfter: 1,
      });
      try {
        expect(streamed.events).toBe(result.events);
        expect({ recorded: streamed.recorded, replayed: streamed.replayed, requests: streamed.requests }).toEqual({
          recorded: replayed.recorded,
          replayed: replayed.replayed,
          requests: replayed.requests,
        });
        const [first, , last] = [...days].sort();
        const kept = [...outcomes.keys()].filter((id) => streamed.tokens.has(id));
        expect(kept.length).toBeGreaterThan(0);
        expect(kept.length).toBeLessThan(outcomes.size);
        for (const id of kept) {
          const again = await streamed.scheduler.getToken(streamed.tokens.get(id)!);
          expect(again.day, `token ${id}`).toBe(last);
          expect({ status: again.status, slotId: again.slotId, tokenNumber: again.tokenNumber }, `token ${id}`).toEqual(outcomes.get(id));
        }
        for (const doctor of history.doctors) expect((await streamed.scheduler.getSchedule(doctor.id, first!)).slots).toHaveLength(0);
      } finally {
        await streamed.scheduler.close();
      }
    } finally {
      await replayed.scheduler.close();
    }
  });

  it('refuses a forgetting period that is not a whole number of days', async () => {
    await expect(replay('', { forgetDaysAfter: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'forgetDaysAfter' } });
    await expect(replay('', { forgetDaysAfter: 1.5 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'forgetDaysAfter' } });
  });
});
