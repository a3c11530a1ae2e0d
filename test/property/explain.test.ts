/**
 * Explanations over random days: every token's reason chain names, step by step, exactly the
 * stored events about it, and the step that placed it is the last event that gave it its place
 * (or its waitlist entry); no explanation or sentence carries patient data beyond the label.
 */
import fc from 'fast-check';
import type { OpdEvent } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { allHistory } from '../helpers.js';
import { configSpecArb, fcOptions, timeoutFor } from './support.js';
import { opsArb, World } from './world.js';

const RUNS = 60;

/** Events that put a token where it is: a place, a hold or a waitlist entry. */
const PLACING: ReadonlySet<string> = new Set(['token:booked', 'token:promoted', 'token:cascaded', 'token:moved', 'token:held', 'token:waitlisted']);

/** The events about a token, as a reader of the history finds them. */
function about(history: readonly OpdEvent[], tokenId: string): OpdEvent[] {
  return history.filter((e) => ('tokenId' in e && e.tokenId === tokenId) || (e.type === 'token:moved' && e.fromTokenId === tokenId));
}

describe('explain (property)', () => {
  it(
    'the explanation of every token in a random day names the event that placed it, and only the events about it',
    { timeout: timeoutFor(RUNS, 400) },
    async () => {
      await fc.assert(
        fc.asyncProperty(configSpecArb, opsArb(30), async (spec, ops) => {
          const world = await World.create(spec);
          for (const op of ops) await world.run(op);
          const history = await allHistory(world.opd);
          for (const id of new Set(world.tokenIds)) {
            const token = await world.opd.getToken(id);
            const explanation = await world.opd.explain(id);
            const events = about(history, id);
            // Every event about the token, and nothing else, in order (a quota's refusal is a second step of its event).
            expect([...new Set(explanation.steps.map((s) => s.seq))], `${id}: the steps read the events about it`).toEqual(events.map((e) => e.seq));
            for (const s of explanation.steps) expect(events.find((e) => e.seq === s.seq)?.type, `${id}: step ${s.rule} names its event`).toBe(s.event);
            expect(explanation).toMatchObject({ tokenId: id, label: token.label, status: token.status, slotId: token.slotId });
            if (token.status === 'BOOKED' || token.status === 'WAITLISTED' || token.status === 'HELD' || token.status === 'CHECKED_IN') {
              // The event that placed it: the last one about it that gave it a place or a waitlist entry (for a patient
              // who moved out to another token, that token holds the place).
              const placing = events.filter((e) => PLACING.has(e.type) && !(e.type === 'token:moved' && e.tokenId !== id)).at(-1);
              expect(placing, `${id}: an event placed it`).toBeDefined();
              const steps = explanation.steps.filter((s) => s.seq === placing!.seq && s.rule !== 'quota-refused');
              expect(steps.length, `${id}: the explanation names the event that placed it`).toBe(1);
              const step = steps[0]!;
              expect(step.event).toBe(placing!.type);
              if (token.status === 'WAITLISTED') expect(step.rule).toBe('waitlisted');
              else expect(step.slotId, `${id}: the placing step names its slot`).toBe(token.slotId);
              if (placing!.type === 'token:booked') expect(['free-place', 'elastic-place', 'bump', 'next-slot']).toContain(step.rule);
              if (step.rule === 'bump') {
                // The rank compared: the token bumped was ranked strictly worse when it was bumped. A hold
                // a bump falls on is released, not moved (`token:released`, DESIGN §12): reason
                // `emergency` for an emergency, `bumped` for a booking a policy lets bump by rank.
                const bump = history.find(
                  (e) =>
                    (e.type === 'token:bumped' || (e.type === 'token:released' && (e.reason === 'emergency' || e.reason === 'bumped'))) &&
                    e.seq > step.seq &&
                    e.tokenId === step.otherTokenId,
                );
                expect(bump, `${id}: the token it bumped was bumped by it`).toMatchObject({ byTokenId: id });
                expect(step.otherRank!).toBeGreaterThan(step.rank!);
              }
            }
            // No patient data beyond the label, in the chain or either sentence.
            const text = JSON.stringify([explanation, await world.opd.explainText(id), await world.opd.explainText(id, { lang: 'hi' })]);
            expect(text).not.toContain('Patient ');
            expect(text).not.toMatch(/"p\d+"/);
          }
        }),
        fcOptions(RUNS),
      );
    },
  );
});
