/**
 * Text: NUL characters and unpaired surrogates are refused alike in every string input, naming the
 * field; a surrogate pair is stored as it is.
 */
import { expect, it } from 'vitest';
import { isOpdError } from '../index.js';
import { type Suite, withSlots } from './fixtures.js';

/** Declares the tests of this part of the conformance suite. */
export function textTests(suite: Suite): void {
  const { timeout, scheduler } = suite;
  it('refuses NUL characters and unpaired surrogates in every string input alike, naming the field', { timeout }, async () => {
    const { opd } = await scheduler();
    await withSlots(opd, 'd1', [9], 5);
    const before = await opd.history();
    const odd = ['a\u0000b', 'a\ud800b', 'a\udc00', '\ud83d'];
    const field = async (call: () => Promise<unknown>): Promise<unknown> => {
      try {
        await call();
        return 'accepted';
      } catch (error) {
        return isOpdError(error, 'VALIDATION_FAILED') ? error.details.field : error;
      }
    };
    const book =
      (patient: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      () =>
        opd.book({ doctorId: 'd1', category: 'ONLINE', patient: patient as never, slotId: 'd1-09', ...extra });
    for (const text of odd) {
      expect(await field(book({ name: text }))).toBe('patient.name');
      expect(await field(book({ id: text, name: 'A' }))).toBe('patient.id');
      expect(await field(book({ name: 'A', notes: { diagnosis: [text] } }))).toBe('patient.notes.*[0]');
      expect(await field(book({ name: 'A', [text]: 1 }))).toBe('patient');
      expect(await field(book({ name: 'A' }, { idempotencyKey: text }))).toBe('idempotencyKey');
      expect(await field(book({ name: 'A' }, { slotId: text }))).toBe('slotId');
      expect(await field(() => opd.getSlot(text))).toBe('slotId');
      expect(await field(() => opd.getToken(text))).toBe('tokenId');
      expect(await field(() => opd.cancel(text))).toBe('tokenId');
      expect(await field(() => opd.closeSlot('d1-09', { reason: text }))).toBe('opts.reason');
      expect(await field(() => opd.addDoctor({ name: text }))).toBe('name');
    }
    // A surrogate pair is text like any other.
    const ok = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p\ud83d\ude00', name: 'Emoji \ud83d\ude00' }, slotId: 'd1-09' });
    expect((await opd.getToken(ok.token.id)).patient).toEqual({ id: 'p\ud83d\ude00', name: 'Emoji \ud83d\ude00' });
    expect((await opd.history()).length).toBe(before.length + 1);
    expect((await opd.stats()).tokens).toBe(1);
  });
}
