/**
 * Explanations: a doctor-day's events (`dayHistory`, when the adapter has it) are the history's
 * events of that day, and `explain`, `explainText` and `fairness` read them alike on every store.
 */
import { expect, it } from 'vitest';
import { isEventOfDay } from '../storage/adapter.js';
import type { OpdEvent } from '../events.js';
import { presets } from '../index.js';
import { DAY, type Suite, withSlots } from './fixtures.js';

const NEXT_DAY = '2026-01-31';

/** Declares the tests of this part of the conformance suite. */
export function explainTests(suite: Suite): void {
  const { timeout, scheduler } = suite;

  it("reads a doctor-day's events, a patient moved to another day included, and explains each token from them", { timeout }, async () => {
    const { opd, clock, storage } = await scheduler(presets.cascade());
    await withSlots(opd, 'd1', [9, 10], 1);
    await withSlots(opd, 'd2', [9], 2);
    await withSlots(opd, 'd2', [9], 2, NEXT_DAY);
    const other = await opd.book({ doctorId: 'd2', category: 'ONLINE', patient: { name: 'Q' }, slotId: 'd2-09' });
    const walkIn = await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: { name: 'A' }, slotId: 'd1-09' });
    const paid = await opd.book({ doctorId: 'd1', category: 'PAID', patient: { name: 'B' }, slotId: 'd1-09' });
    const moving = await opd.book({ doctorId: 'd2', category: 'ONLINE', patient: { name: 'C' }, slotId: 'd2-09' });
    const moved = await opd.move(moving.token.id, { date: NEXT_DAY });
    clock.set(`${DAY}T09:05:00+05:30`);
    await opd.checkIn(paid.token.id);
    await opd.callNext('d1', { room: 'R1' });

    const all: OpdEvent[] = [];
    for (let after = 0; ;) {
      const page = await opd.history({ after, limit: 100 });
      if (page.length === 0) break;
      all.push(...page);
      after = page[page.length - 1]!.seq;
    }
    const days = [
      ['d1', DAY],
      ['d1', NEXT_DAY],
      ['d2', DAY],
      ['d2', NEXT_DAY],
    ] as const;
    if (storage.dayHistory !== undefined) {
      for (const [doctorId, day] of days) {
        const read = await storage.dayHistory(doctorId, day);
        expect(
          read.map((e) => e.seq),
          `${doctorId} ${day}`,
        ).toEqual(all.filter((e) => isEventOfDay(e, doctorId, day)).map((e) => e.seq));
        expect(JSON.parse(JSON.stringify(read))).toEqual(JSON.parse(JSON.stringify(all.filter((e) => isEventOfDay(e, doctorId, day)))));
      }
    }
    // Every token's steps are read from exactly the events about it, in order.
    const ids = [other, walkIn, paid, moving].map((r) => r.token.id);
    ids.push(moved.token.id);
    for (const id of ids) {
      const about = all.filter((e) => ('tokenId' in e && e.tokenId === id) || (e.type === 'token:moved' && e.fromTokenId === id));
      const { steps } = await opd.explain(id);
      expect([...new Set(steps.map((s) => s.seq))], id).toEqual(about.map((e) => e.seq));
    }
    const bumped = await opd.explain(walkIn.token.id);
    expect(bumped.steps.map((s) => s.rule)).toEqual(['free-place', 'bumped-by', 'cascaded']);
    expect(bumped.steps[1]).toMatchObject({ otherTokenId: paid.token.id, otherCategory: 'PAID', rank: 4, otherRank: 2 });
    expect(await opd.explainText(walkIn.token.id)).toBe(
      `You moved to 10:00 because a patient with higher priority needed the 09:00 place; you keep token ${walkIn.token.label}.`,
    );
    expect(await opd.explainText(paid.token.id, { lang: 'hi' })).toBe(`टोकन ${paid.token.label}: कृपया अभी R1 में जाएँ।`);
    expect((await opd.explain(moving.token.id)).steps.map((s) => s.rule)).toEqual(['free-place', 'moved']);
    expect(await opd.explainText(moving.token.id)).toBe(`Token ${moving.token.label} was replaced by a new token for your new appointment.`);
    expect((await opd.explain(moved.token.id)).steps.map((s) => [s.rule, s.otherTokenId])).toEqual([['moved', moving.token.id]]);
    const fairness = await opd.fairness({ doctorId: 'd1', date: DAY });
    expect(fairness.categories).toEqual([{ category: 'PAID', called: 1, waitP50: 5, waitP95: 5, waitMax: 5, skips: 0, longestPassRun: 0 }]);
  });
}
