/**
 * `opd-scheduler report`: the OPD's numbers from a PGlite store, as JSON (the report of
 * `opdReport`), CSV (one table) and one HTML page; the HMIS return from a mapping file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmisReturn, opdReport, reportCsv, type OpdReport } from 'opd-scheduler/reports';
import { cli, pgliteStore, type CliStore } from './support.js';

const DAY = '2026-03-02';
const PATIENT = 'Asha Patient-Secret';

describe('opd-scheduler report', () => {
  let store: CliStore;
  let expected: OpdReport;
  const run = (argv: readonly string[], readFile?: (path: string) => Promise<string>) =>
    cli([...argv, ...store.args], { now: `${DAY}T12:00:00Z`, openDataDir: store.openDataDir, ...(readFile === undefined ? {} : { readFile }) });

  beforeAll(async () => {
    store = pgliteStore();
    expected = await store.withOpd(`${DAY}T06:00:00Z`, async (opd) => {
      await opd.addDoctor({ id: 'd1', name: 'Dr. One', department: 'medicine' });
      await opd.addDoctor({ id: 'd2', name: 'Dr. Two', department: 'ayush', system: 'ayush' });
      for (const d of ['d1', 'd2']) await opd.addSlots(d, [{ id: `${d}-9`, start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: 4 }]);
      for (const [i, d] of ['d1', 'd1', 'd2'].entries()) {
        const { token } = await opd.book({ doctorId: d, category: i === 0 ? 'WALK_IN' : 'ONLINE', patient: { id: `p${i}`, name: PATIENT }, actor: 'desk' });
        if (i < 2) {
          await opd.checkIn(token.id);
          await opd.startConsultation(token.id);
          await opd.complete(token.id);
        } else await opd.cancel(token.id, { reason: 'referred-out' });
      }
      return opdReport(opd, { from: DAY, to: DAY });
    });
  });

  afterAll(() => store.drop());

  it('writes the report as JSON, the same as opdReport gives, without patient data', async () => {
    const { code, stdout, stderr } = await run(['report', '--from', DAY, '--to', DAY]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(expected.total).toMatchObject({ requested: 3, attended: 2, cancelledByPatient: 1 });
    expect(stdout).not.toContain(PATIENT);
  });

  it('writes a table as CSV, and the HMIS return from a mapping file', async () => {
    const csv = await run(['report', '--from', DAY, '--to', DAY, '--by', 'department,category', '--format', 'csv']);
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe(reportCsv(expected, 'department'));
    const mapping = { referralsOut: { cancelReasons: ['referred-out'] } };
    const files = async (path: string): Promise<string> => (path === 'mapping.json' ? JSON.stringify(mapping) : Promise.reject(new Error('ENOENT')));
    const hmis = await run(['report', '--from', DAY, '--to', DAY, '--format', 'csv', '--table', 'hmis', '--hmis-mapping', 'mapping.json'], files);
    expect(hmis.code).toBe(0);
    const rows = hmisReturn(expected, { mapping });
    expect(hmis.stdout.split('\r\n').slice(1, -1)).toEqual(rows.map((r) => `${r.item},${r.label.includes(',') ? `"${r.label}"` : r.label},${r.value}`));
    expect(rows.find((r) => r.item === '14.2.2')!.value).toBe(0);
    expect(rows.find((r) => r.item === '14.2.1')!.value).toBe(2);
    // Referred at 06:00 UTC, before the day shift (08:00–20:00): a night referral.
    expect(rows.find((r) => r.item === '14.3.5.b')!.value).toBe(1);
    const json = JSON.parse((await run(['report', '--from', DAY, '--to', DAY, '--hmis-mapping', 'mapping.json'], files)).stdout) as { hmisReturn: unknown };
    expect(json.hmisReturn).toEqual(rows);
  });

  it('writes one self-contained HTML page with its charts', async () => {
    const { code, stdout } = await run(['report', '--from', DAY, '--to', DAY, '--format', 'html']);
    expect(code).toBe(0);
    expect(stdout.startsWith('<!doctype html>')).toBe(true);
    for (const id of ['attendance-by-hour', 'attendance-by-department', 'waits-by-category', 'no-shows-by-channel', 'utilisation-by-doctor'])
      expect(stdout).toContain(`data-chart="${id}"`);
    expect(stdout).not.toMatch(/<script|<link|src="http|href="http/);
    expect(stdout).not.toContain(PATIENT);
  });

  it('refuses a command line it cannot run, with exit code 2', async () => {
    for (const argv of [
      ['report', '--to', DAY],
      ['report', '--from', DAY, '--to', DAY, '--by', 'ward'],
      ['report', '--from', DAY, '--to', DAY, '--format', 'pdf'],
      ['report', '--from', DAY, '--to', DAY, '--table', 'doctor'],
      ['report', '--from', DAY, '--to', DAY, '--format', 'csv', '--by', 'hour', '--table', 'doctor'],
    ]) {
      expect((await run(argv)).code, argv.join(' ')).toBe(2);
    }
    expect((await run(['report', '--from', DAY, '--to', '2026-03-01'])).code).toBe(1);
  });
});
