/**
 * Doctors and ids: `listDoctors` in order of creation, then id; `allocateId` never gives an id
 * twice.
 */
import { expect, it } from 'vitest';
import { type Suite } from './fixtures.js';

/** Declares the tests of this part of the conformance suite. */
export function directoryTests(suite: Suite): void {
  const { timeout, open, scheduler } = suite;
  it('lists doctors in order of creation, then id', { timeout }, async () => {
    const { opd, clock } = await scheduler();
    await opd.addDoctor({ id: 'zeta', name: 'Z' });
    clock.advance(1);
    await opd.addDoctor({ id: 'beta', name: 'B' });
    await opd.addDoctor({ id: 'alpha', name: 'A' });
    clock.advance(1);
    const generated = await opd.addDoctor({ name: 'G', specialization: 'ENT', consultMinutes: 7.5, department: 'ent' });
    expect((await opd.listDoctors()).map((d) => d.id)).toEqual(['zeta', 'alpha', 'beta', generated.id]);
    expect(await opd.listDoctors()).toContainEqual(generated);
  });

  it('never allocates an id twice', { timeout }, async () => {
    const storage = await open();
    const ids = await Promise.all(Array.from({ length: 20 }, () => storage.allocateId('doctor')));
    expect(new Set(ids).size).toBe(20);
    for (const id of ids) expect(Number.isSafeInteger(id) && id > 0).toBe(true);
  });
}
