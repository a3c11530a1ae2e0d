/** `npm run simulate -- --replay <history.jsonl>`: the policy lab from the command line. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpdScheduler, presets } from 'opd-scheduler';
import { exportHistory, historyToJsonLines } from 'opd-scheduler/lab';
import { describe, expect, it } from 'vitest';
import { LONG } from '../intensity.js';
import { parseFlags, UsageError } from '../../examples/day-simulation/cli.js';
import { cli, pgliteStore } from '../cli/support.js';

const MAIN = join(import.meta.dirname, '..', '..', 'examples', 'day-simulation', 'main.ts');

/** A small recorded day (tomorrow) with bumps to make: one doctor, two slots of two places. */
async function historyFile(dir: string): Promise<string> {
  const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  let now = Date.parse(`${day}T03:00:00Z`);
  const opd = new OpdScheduler({ ...presets.standard(), clock: () => new Date(now) });
  await opd.addDoctor({ id: 'reddy', name: 'Dr. Reddy' });
  await opd.addSlots('reddy', [
    { id: 'r9', start: `${day}T03:30:00Z`, end: `${day}T04:30:00Z`, capacity: 2 },
    { id: 'r10', start: `${day}T04:30:00Z`, end: `${day}T05:30:00Z`, capacity: 2 },
  ]);
  const ids: string[] = [];
  for (const category of ['WALK_IN', 'ONLINE', 'EMERGENCY', 'WALK_IN', 'PAID']) {
    ids.push((await opd.book({ doctorId: 'reddy', category, patient: { name: 'Asha' } })).token.id);
    now += 5 * 60_000;
  }
  for (const id of ids.slice(0, 3)) {
    await opd.checkIn(id);
    await opd.startConsultation(id);
    now += 10 * 60_000;
    await opd.complete(id);
  }
  const file = join(dir, 'history.jsonl');
  writeFileSync(file, historyToJsonLines(await exportHistory(opd)));
  await opd.close();
  return file;
}

describe('simulate --replay', () => {
  it('reads --replay and --risk, and refuses what does not apply to a replay', () => {
    expect(parseFlags(['--replay', 'h.jsonl', '--compare', '--risk', '0.05'])).toMatchObject({ replay: 'h.jsonl', compare: true, risk: 0.05 });
    expect(() => parseFlags(['--replay', 'h.jsonl', '--seed', '3'])).toThrow(UsageError);
    expect(() => parseFlags(['--risk', '0.05'])).toThrow('--risk applies to --replay only');
    expect(() => parseFlags(['--replay', 'h.jsonl', '--risk', '1.5'])).toThrow('--risk must be a number between 0 and 1');
  });

  it('prints the recorded day beside every preset and a calibrated policy, and writes the HTML report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-'));
    const file = await historyFile(dir);
    const report = join(dir, 'lab.html');
    const result = spawnSync(process.execPath, ['--import', 'tsx', MAIN, '--replay', file, '--compare', '--risk', '0.05', '--report', report], {
      encoding: 'utf8',
      timeout: 600_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const header = result.stdout.split('\n').find((line) => line.trim().startsWith('recorded'))!;
    expect(header.trim().split(/\s+/)).toEqual(['recorded', 'standard', 'cascade', 'waitlist', 'elastic', 'calibrated', '0.05']);
    // Replayed under its own preset, the day is as recorded; the cascade preset bumps.
    const bumps = result.stdout
      .split('\n')
      .find((line) => line.trim().startsWith('bumps'))!
      .trim()
      .split(/\s+/);
    expect(bumps[1]).toBe(bumps[2]);
    expect(Number(bumps[3])).toBeGreaterThan(0);
    expect(result.stdout).toContain('Assumptions:');
    expect(result.stdout).not.toContain('Asha');
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<h1>Policy lab</h1>');
    expect(html).toContain('calibrated 0.05');
  });

  // A slow example, run by `npm run test:long` only: a whole day recorded on PGlite, exported and replayed in a process.
  it.runIf(LONG)('replays a file `opd-scheduler export-history` wrote: the recorded day and the replays are those of the store', async () => {
    const store = pgliteStore();
    try {
      const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      const made = await store.withOpd(`${day}T03:00:00Z`, async (opd) => {
        await opd.addDoctor({ id: 'reddy', name: 'Dr. Reddy' });
        await opd.addSlots('reddy', [
          { id: 'r9', start: `${day}T03:30:00Z`, end: `${day}T04:30:00Z`, capacity: 2 },
          { id: 'r10', start: `${day}T04:30:00Z`, end: `${day}T05:30:00Z`, capacity: 2 },
        ]);
        const ids: string[] = [];
        for (const category of ['WALK_IN', 'ONLINE', 'EMERGENCY', 'WALK_IN', 'PAID'])
          ids.push((await opd.book({ doctorId: 'reddy', category, patient: { name: 'Asha' } })).token.id);
        return ids;
      });
      await store.withOpd(`${day}T03:40:00Z`, async (opd) => {
        for (const id of made.slice(0, 2)) {
          await opd.checkIn(id);
          await opd.startConsultation(id);
          await opd.complete(id);
        }
      });
      const exported = await cli(['export-history', ...store.args], { now: `${day}T06:00:00Z` });
      expect(exported.code, exported.stderr).toBe(0);
      const file = join(mkdtempSync(join(tmpdir(), 'lab-')), 'exported.jsonl');
      writeFileSync(file, exported.stdout);
      const result = spawnSync(process.execPath, ['--import', 'tsx', MAIN, '--replay', file, '--no-report'], { encoding: 'utf8', timeout: 600_000 });
      expect(result.status, result.stderr).toBe(0);
      const row = (name: string) =>
        result.stdout
          .split('\n')
          .find((line) => line.trim().startsWith(name))
          ?.trim()
          .split(/\s{2,}/);
      expect(row('recorded')).toEqual(['recorded', 'standard']);
      // The day as recorded, and replayed under its own preset: two consultations each, nothing refused.
      expect(row('consultations')).toEqual(['consultations', '2', '2']);
      expect(result.stdout).not.toContain('DOCTOR_NOT_FOUND');
      expect(result.stdout).not.toContain('Asha');
    } finally {
      await store.drop();
    }
  });

  it('says so when the history cannot be read (exit 2)', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', MAIN, '--replay', join(tmpdir(), 'no-such-history.jsonl'), '--no-report'], {
      encoding: 'utf8',
      timeout: 600_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('cannot read the history');
  });
});
