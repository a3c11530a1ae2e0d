/**
 * `opd-scheduler status` lists the follow-ups due without a place, by the doctor each is with, with
 * their due date and window and no patient data: against PGlite (always) and the PostgreSQL server
 * of DATABASE_URL (in a fresh schema, dropped after).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, pgliteStore, serverStore, type CliStore } from './support.js';

const url = process.env['DATABASE_URL'];

const DAY = '2026-03-02';
/** The seed's clock: before the day's slot. */
const EARLY = `${DAY}T06:00:00Z`;
/** The command line's clock. */
const NOW = `${DAY}T08:30:00Z`;
const PATIENT = 'Kiran Patient-Secret';
const PATIENT_ID = 'ABHA-SECRET-';

const stores: [string, () => CliStore][] = [['PGlite', pgliteStore]];
if (url !== undefined && url !== '') stores.push(['PostgreSQL', () => serverStore(url)]);

interface Status {
  date: string;
  followUpsDue: {
    count: number;
    byDoctor: { doctorId: string; followUps: { followUpId: string; dueDate: string; from: string; to: string; department: string | null }[] }[];
  };
}

describe.each(stores)('status and the follow-ups due, against %s', (_name, makeStore) => {
  let store: CliStore;
  const ids: Record<string, string> = {};
  const run = (argv: readonly string[]) => cli([...argv, ...store.args], { now: NOW, openDataDir: store.openDataDir });

  beforeAll(async () => {
    store = makeStore();
    await store.withOpd(EARLY, async (opd) => {
      await opd.addDoctor({ id: 'd1', name: 'Dr. One', department: 'general' });
      await opd.addDoctor({ id: 'd2', name: 'Dr. Two', department: 'cardiology' });
      await opd.addSlots('d1', [
        { id: 's09', start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: 5 },
        { id: 'next-day', start: '2026-03-03T09:00:00Z', end: '2026-03-03T10:00:00Z', capacity: 5 },
      ]);
      const visit = async (n: number): Promise<string> => {
        const { token } = await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: { id: `${PATIENT_ID}${n}`, name: PATIENT }, slotId: 's09' });
        await opd.checkIn(token.id);
        return token.id;
      };
      // Three follow-ups with no place in their windows, and one booked (not due).
      ids['week'] = (await opd.bookFollowUp(await visit(1), { afterDays: 7, windowDays: 1 })).followUp.id;
      ids['cardiology'] = (await opd.bookFollowUp(await visit(2), { on: '2026-03-16', department: 'cardiology' })).followUp.id;
      ids['d2'] = (await opd.bookFollowUp(await visit(3), { afterDays: 3, doctorId: 'd2' })).followUp.id;
      const booked = await opd.bookFollowUp(await visit(4), { afterDays: 1 });
      expect(booked.followUp.status).toBe('BOOKED');
      expect((await opd.dueFollowUps()).map((f) => f.status)).toEqual(['DUE', 'DUE', 'DUE']);
    });
  });

  afterAll(() => store.drop());

  it('lists each due follow-up under its doctor, with its due date and window, in the table and in --json', async () => {
    const table = await run(['status']);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.split('\n');
    const from = lines.indexOf('Follow-ups due without a place: 3');
    expect(from, table.stdout).toBeGreaterThan(0);
    expect(lines.slice(from + 1, from + 4)).toEqual([
      `  d1: due 2026-03-09 (window 2026-03-08 to 2026-03-10), follow-up ${ids['week']}`,
      `  d1: due 2026-03-16 (window 2026-03-16), department cardiology, follow-up ${ids['cardiology']}`,
      `  d2: due 2026-03-05 (window 2026-03-05), follow-up ${ids['d2']}`,
    ]);

    const json = await run(['status', '--json', '--date', DAY]);
    expect(json.code, json.stderr).toBe(0);
    const status = JSON.parse(json.stdout) as Status;
    expect(status.followUpsDue).toEqual({
      count: 3,
      byDoctor: [
        {
          doctorId: 'd1',
          followUps: [
            { followUpId: ids['week'], dueDate: '2026-03-09', from: '2026-03-08', to: '2026-03-10', department: null },
            { followUpId: ids['cardiology'], dueDate: '2026-03-16', from: '2026-03-16', to: '2026-03-16', department: 'cardiology' },
          ],
        },
        { doctorId: 'd2', followUps: [{ followUpId: ids['d2'], dueDate: '2026-03-05', from: '2026-03-05', to: '2026-03-05', department: null }] },
      ],
    });
    // Due follow-ups are listed whatever the day shown.
    expect((JSON.parse((await run(['status', '--json', '--date', '2026-04-01'])).stdout) as Status).followUpsDue.count).toBe(3);
    for (const out of [table.stdout, json.stdout]) {
      expect(out).not.toContain(PATIENT);
      expect(out).not.toContain(PATIENT_ID);
    }
  });

  it('stops listing a follow-up once cancelled', async () => {
    await store.withOpd(NOW, async (opd) => {
      await opd.cancelFollowUp(ids['d2']!, { actor: 'desk', reason: 'treated elsewhere' });
    });
    const status = JSON.parse((await run(['status', '--json'])).stdout) as Status;
    expect(status.followUpsDue.count).toBe(2);
    expect(status.followUpsDue.byDoctor.map((d) => d.doctorId)).toEqual(['d1']);
    const table = await run(['status']);
    expect(table.stdout).toContain('Follow-ups due without a place: 2\n');
    expect(table.stdout).not.toContain(ids['d2']!);
  });
});
