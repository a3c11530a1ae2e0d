/**
 * The `subscribe` capability: events committed through another handle reach this one's listeners,
 * once each and in order.
 */
import { expect, it } from 'vitest';
import { presets } from '../index.js';
import { type Suite, waitUntil, withSlots } from './fixtures.js';

/** Declares the tests of this part of the conformance suite. */
export function subscribeTests(suite: Suite): void {
  const { timeout, sharedSchedulers } = suite;
  it('brings events committed through another handle to this one’s listeners', { timeout }, async () => {
    const [a, b] = await sharedSchedulers(presets.standard());
    const heard: string[] = [];
    b.on('token:booked', (e) => heard.push(e.tokenId));
    await withSlots(a, 'a', [9], 5);
    const book = async (name: string): Promise<string> => (await a.book({ doctorId: 'a', category: 'ONLINE', patient: { name }, slotId: 'a-09' })).token.id;
    const hears = (id: string, ms: number): Promise<boolean> => waitUntil(() => heard.includes(id), ms);
    // A feed starts at the horizon it reads once subscribed, which a commit through another
    // handle may precede on a busy machine: a booking is heard once the feed has started.
    let first = await book('A');
    for (let tries = 1; !(await hears(first, 5_000)) && tries < 3; tries++) first = await book(`A${tries}`);
    expect(heard).toContain(first);
    // From then on, every booking through the other handle is heard, once and in order.
    const next = [await book('B'), await book('C')];
    expect(await hears(next[1]!, 10_000)).toBe(true);
    expect(heard.slice(heard.indexOf(first))).toEqual([first, ...next]);
  });
}
