/** Closing: `close` is idempotent, and a closed store refuses work with `STORAGE_FAILURE`. */
import { expect, it } from 'vitest';
import { isOpdError } from '../index.js';
import { emptyChanges, type Suite } from './fixtures.js';

/** Declares the tests of this part of the conformance suite. */
export function closeTests(suite: Suite): void {
  const { timeout, open } = suite;
  it('closes idempotently and refuses work once closed', { timeout }, async () => {
    const storage = await open();
    await storage.close();
    await storage.close();
    await expect(storage.read({ doctorId: 'd1' })).rejects.toSatisfy((e: unknown) => isOpdError(e, 'STORAGE_FAILURE'));
    await expect(storage.transact({ doctorId: 'd1' }, () => ({ kind: 'commit', changes: emptyChanges(), result: 0 }))).rejects.toSatisfy((e: unknown) =>
      isOpdError(e, 'STORAGE_FAILURE'),
    );
  });
}
