/**
 * `opd-scheduler export-history` writes the lab's history (issue 70): what an operator exports,
 * `readHistory` reads and `replay` replays under the same options into the recorded outcomes —
 * against PGlite (always) and the PostgreSQL server of DATABASE_URL (in a fresh schema).
 */
import { presets, type OpdEvent, type Token } from 'opd-scheduler';
import { readHistory, replay } from 'opd-scheduler/lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, pgliteStore, serverStore, type CliStore } from './support.js';

const url = process.env['DATABASE_URL'];
const DAY = '2026-05-04';
const PATIENT = 'Meera Patient-Secret';

const stores: [string, () => CliStore][] = [['PGlite', pgliteStore]];
if (url !== undefined && url !== '') stores.push(['PostgreSQL', () => serverStore(url)]);

describe.each(stores)('export-history against %s, replayed by the lab', (_name, makeStore) => {
  let store: CliStore;
  /** Every token the seed made. */
  const made: string[] = [];
  const run = (argv: readonly string[]) => cli([...argv, ...store.args], { now: `${DAY}T12:00:00Z`, openDataDir: store.openDataDir });

  beforeAll(async () => {
    store = makeStore();
    // d1: two slots of two places, then one place more at 09:00; d2: one slot, closed later.
    await store.withOpd(`${DAY}T06:00:00Z`, async (opd) => {
      await opd.addDoctor({ id: 'd1', name: 'Dr. One' });
      await opd.addDoctor({ id: 'd2', name: 'Dr. Two' });
      await opd.addSlots('d1', [
        { id: 's09', start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: 2, overflowCapacity: 0 },
        { id: 's10', start: `${DAY}T10:00:00Z`, end: `${DAY}T11:00:00Z`, capacity: 2, overflowCapacity: 0 },
      ]);
      await opd.addSlots('d2', [{ id: 't09', start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: 1, overflowCapacity: 0 }]);
    });
    await store.withOpd(`${DAY}T07:00:00Z`, async (opd) => {
      for (const [i, category] of ['ONLINE', 'WALK_IN', 'PAID', 'WALK_IN'].entries()) {
        made.push((await opd.book({ doctorId: 'd1', category, patient: { id: `p${i}`, name: PATIENT }, slotId: 's09' })).token.id);
      }
      made.push((await opd.book({ doctorId: 'd2', category: 'ONLINE', patient: { id: 'p9', name: PATIENT } })).token.id);
    });
    await store.withOpd(`${DAY}T08:00:00Z`, async (opd) => {
      // An emergency at a full session, a place more, a cancellation, a closing.
      made.push((await opd.book({ doctorId: 'd1', category: 'EMERGENCY', patient: { id: 'p5', name: PATIENT }, slotId: 's09' })).token.id);
      await opd.setCapacity('s09', 3);
      await opd.cancel(made[1]!);
      await opd.closeSlot('t09', { reason: 'meeting' });
    });
    await store.withOpd(`${DAY}T09:05:00Z`, async (opd) => {
      await opd.checkIn(made[0]!);
      await opd.startConsultation(made[0]!);
    });
    await store.withOpd(`${DAY}T09:20:00Z`, async (opd) => {
      await opd.complete(made[0]!);
    });
  });

  afterAll(async () => {
    await store.drop();
  });

  it('writes the doctors, the slots of the days the events name, then the events, with no patient data', async () => {
    const out = await run(['export-history']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).not.toContain(PATIENT);
    expect(out.stdout).not.toContain('"p1"');
    const lines = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    const kinds = lines.map((l) => (l.type === 'lab:doctor' || l.type === 'lab:slot' ? l.type : 'event'));
    expect(kinds.slice(0, 5)).toEqual(['lab:doctor', 'lab:doctor', 'lab:slot', 'lab:slot', 'lab:slot']);
    expect(kinds.slice(5).every((k) => k === 'event')).toBe(true);
    const history = readHistory(out.stdout);
    expect(history.doctors.map((d) => d.id)).toEqual(['d1', 'd2']);
    expect(history.slots.map((s) => [s.id, s.capacity, s.status])).toEqual([
      ['s09', 3, 'OPEN'],
      ['s10', 2, 'OPEN'],
      ['t09', 1, 'CLOSED'],
    ]);
  });

  it('replayed under the same options, gives back the recorded outcomes and figures', async () => {
    const history = readHistory((await run(['export-history'])).stdout);
    const result = await replay(history, { ...presets.standard(), label: 'standard' });
    try {
      const original = await store.withOpd(`${DAY}T12:00:00Z`, async (opd) => Promise.all(made.map((id) => opd.getToken(id))));
      const outcome = (t: Token) => ({ status: t.status, slotId: t.slotId, tokenNumber: t.tokenNumber, waitingForSlotId: t.waitingForSlotId });
      for (const [i, id] of made.entries()) {
        const again = result.tokens.get(id);
        expect(again, `token ${id} was made again`).toBe(id);
        expect(outcome(await result.scheduler.getToken(again!)), `token ${id}`).toEqual(outcome(original[i]!));
      }
      // Something happened, and the replay's figures are the recorded ones.
      expect(original.map((t) => t.status)).toContain('COMPLETED');
      expect(result.recorded.consultations).toBe(1);
      expect(result.replayed).toEqual(result.recorded);
      expect(result.requests).toEqual({ issued: expect.any(Number), refused: {}, skipped: 0 });
      expect(result.requests.issued).toBeGreaterThanOrEqual(made.length + 6);
      expect(result.events).toBe(history.events.length);
    } finally {
      await result.scheduler.close();
    }
  });

  it('--after <seq>: a history of the events after it, of its own, that replays', async () => {
    const all = readHistory((await run(['export-history'])).stdout);
    const cut = all.events.find((e) => e.type === 'token:booked' && e.category === 'EMERGENCY')!.seq;
    const rest = await run(['export-history', '--after', String(cut)]);
    expect(rest.code, rest.stderr).toBe(0);
    const history = readHistory(rest.stdout);
    expect(history.doctors.map((d) => d.id)).toEqual(['d1', 'd2']);
    expect(history.events.map((e) => e.seq)).toEqual(all.events.filter((e) => e.seq > cut).map((e) => e.seq));
    // The days of those events: d1's and d2's (the closing of t09).
    expect(history.slots.map((s) => s.id)).toEqual(['s09', 's10', 't09']);
    const result = await replay(history, presets.standard());
    try {
      // Its events are about tokens made before the cut, which it does not hold: skipped, not refused.
      expect(result.requests.refused).toEqual({});
      expect(result.requests.skipped).toBeGreaterThan(0);
    } finally {
      await result.scheduler.close();
    }
    const past = await run(['export-history', '--after', String(all.events.at(-1)!.seq)]);
    expect(past.stdout.split('\n').filter((l) => l.includes('"seq"'))).toEqual([]);
  });

  it('stops on the stop signal, naming the last seq written', async () => {
    const stop = new AbortController();
    let lines = 0;
    const stdout = {
      text: '',
      write(chunk: string) {
        this.text += chunk;
        if (++lines === 8) stop.abort();
        return true;
      },
    };
    const out = await cli(['export-history', ...store.args], { now: `${DAY}T12:00:00Z`, signal: stop.signal, stdout, openDataDir: store.openDataDir });
    expect(out.code).toBe(1);
    const written = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as OpdEvent);
    expect(written).toHaveLength(8);
    expect(out.stderr).toContain(`opd-scheduler: INTERRUPTED: Interrupted: events up to seq ${written.at(-1)!.seq} were written`);
  });
});
