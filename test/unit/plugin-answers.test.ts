/**
 * What a strategy or policy plug-in gives back is checked: a promise, or an answer of the wrong
 * kind, is refused with VALIDATION_FAILED naming the plug-in, and changes nothing; what a plug-in
 * throws never carries its message (it may quote the patient) into the error's cause.
 */
import util from 'node:util';
import { CategoryPriority, ErrorSummary, type OpdSchedulerOptions, OpdScheduler, presets, SeniorCitizenPriority } from 'opd-scheduler';
import { describe, expect, it, vi } from 'vitest';
import { at, rejectsWith, request, TestClock } from '../helpers.js';

/** An overflow strategy of plain functions, `parts` replacing the defaults. */
function overflowOf(parts: Record<string, unknown>): never {
  return {
    waitlist: 'day',
    bumpLimit: 1,
    victimOrder: 'latest',
    whenFull: () => ['waitlist'],
    whenDisplaced: () => [{ kind: 'waitlist' }],
    ...parts,
  } as never;
}

/** A scheduler with doctor `d1` and slot `s09` of one place, empty. */
async function oneSlot(options: OpdSchedulerOptions): Promise<OpdScheduler> {
  const opd = new OpdScheduler({ ...options, clock: new TestClock().now });
  await opd.addDoctor({ id: 'd1', name: 'Dr One' });
  await opd.addSlots('d1', [{ id: 's09', start: at('09:00'), end: at('10:00'), capacity: 1, overflowCapacity: 0 }]);
  return opd;
}

/** {@link oneSlot}, its place taken by a walk-in. */
async function fullSlot(options: OpdSchedulerOptions): Promise<OpdScheduler> {
  const opd = await oneSlot(options);
  await opd.book(request('d1', 'WALK_IN', { slotId: 's09' }));
  return opd;
}

/** The second booking into the full slot, refused naming `field` and `strategy`; nothing changed. */
async function refusedAnswer(opd: OpdScheduler, field: string, strategy: string, category = 'ONLINE'): Promise<void> {
  const before = await opd.history();
  const error = await rejectsWith(opd.book(request('d1', category, { slotId: 's09' })), 'VALIDATION_FAILED');
  expect(error.details).toMatchObject({ field, strategy });
  expect(await opd.history()).toEqual(before);
}

describe('plug-in answers', () => {
  it('refuses a promise from any plug-in and handles its rejection (no unhandled rejection)', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const standard = presets.standard();
      const rejecting = (): Promise<never> => Promise.reject(new Error('remote service unreachable'));
      const quota = { name: 'remote-quota', admits: rejecting };
      const opd1 = new OpdScheduler({ quota: quota as never, clock: new TestClock().now });
      await opd1.addDoctor({ id: 'd1', name: 'Dr One' });
      await opd1.addSlots('d1', [{ id: 's09', start: at('09:00'), end: at('10:00'), capacity: 5 }]);
      const error = await rejectsWith(opd1.book(request('d1', 'ONLINE')), 'VALIDATION_FAILED');
      expect(error.details).toMatchObject({ field: 'quota strategy', strategy: 'remote-quota' });
      expect(error.message).toContain('promise');

      await refusedAnswer(
        await fullSlot({ ...standard, overflow: overflowOf({ name: 'async-overflow', whenFull: rejecting }) }),
        'overflow strategy',
        'async-overflow',
      );

      const priority = new CategoryPriority();
      const asyncRank = { name: 'async-rank', categories: priority.categories, accepts: (c: string) => priority.accepts(c), rank: rejecting };
      const ranked = await rejectsWith((await oneSlot({ priority: asyncRank as never })).book(request('d1', 'ONLINE')), 'VALIDATION_FAILED');
      expect(ranked.details).toMatchObject({ field: 'priority policy', strategy: 'async-rank' });
      const asyncAccepts = { name: 'async-accepts', categories: priority.categories, accepts: rejecting, rank: () => 1 };
      const refused = await rejectsWith(new OpdScheduler({ priority: asyncAccepts as never }).book(request('d1', 'ONLINE')), 'VALIDATION_FAILED');
      expect(refused.details).toMatchObject({ field: 'priority policy', strategy: 'async-accepts' });
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('refuses whenFull, whenDisplaced, elasticPlaces, protection and admits answers of the wrong kind', async () => {
    const standard = presets.standard();
    // An array whose items throw when read, and one whose items change from one read to the next
    // (what is checked must be what is tried).
    const trap = new Proxy(['waitlist'], {
      get: (target, key) =>
        key === '0'
          ? (() => {
              throw new Error('trap');
            })()
          : Reflect.get(target, key),
    });
    let reads = 0;
    const shifting = new Proxy(['waitlist'], { get: (target, key) => (key === '0' ? (reads++ === 0 ? 'waitlist' : 'fly') : Reflect.get(target, key)) });
    for (const answer of [undefined, 'bump', [null], ['fly'], 42, trap]) {
      await refusedAnswer(await fullSlot({ ...standard, overflow: overflowOf({ name: 'odd-full', whenFull: () => answer }) }), 'overflow strategy', 'odd-full');
    }
    // Read once: the booking waits, as the answer read said.
    const waiting = await fullSlot({ ...standard, overflow: overflowOf({ name: 'shifting-full', whenFull: () => shifting }) });
    expect((await waiting.book(request('d1', 'ONLINE', { slotId: 's09' }))).outcome).toBe('WAITLISTED');
    expect(reads).toBe(1);
    for (const answer of [undefined, [null], [{ kind: 'teleport' }], {}]) {
      // An emergency bumps the walk-in, whose displacement asks whenDisplaced.
      const overflow = overflowOf({
        name: 'odd-displaced',
        whenFull: () => ['bump'],
        whenDisplaced: () => answer,
        protection: ({ category }: { category: string }) => (category === 'EMERGENCY' ? { bump: true } : null),
      });
      await refusedAnswer(await fullSlot({ ...standard, overflow }), 'overflow strategy', 'odd-displaced', 'EMERGENCY');
    }
    for (const answer of [undefined, -1, Number.NaN, 1n, '2']) {
      const capacity = { name: 'odd-elastic', elasticPlaces: () => answer };
      await refusedAnswer(await fullSlot({ ...standard, capacity: capacity as never }), 'capacity strategy', 'odd-elastic', 'EMERGENCY');
    }
    for (const answer of [
      {},
      { bump: 'yes' },
      1,
      new Proxy(
        {},
        {
          get: () => {
            throw new Error('trap');
          },
        },
      ),
    ]) {
      await refusedAnswer(
        await oneSlot({ ...standard, overflow: overflowOf({ name: 'odd-protection', protection: () => answer }) }),
        'overflow strategy',
        'odd-protection',
      );
    }
    for (const answer of [undefined, 1, 'yes']) {
      const quota = { name: 'odd-quota', admits: () => answer };
      const opd = new OpdScheduler({ quota: quota as never, clock: new TestClock().now });
      await opd.addDoctor({ id: 'd1', name: 'Dr One' });
      await opd.addSlots('d1', [{ id: 's09', start: at('09:00'), end: at('10:00'), capacity: 5 }]);
      const error = await rejectsWith(opd.book(request('d1', 'ONLINE')), 'VALIDATION_FAILED');
      expect(error.details).toMatchObject({ field: 'quota strategy', strategy: 'odd-quota' });
      expect(await opd.history()).toEqual([]);
    }
  });

  it("keeps no plug-in message in the cause: a policy's error quoting the patient stays out of the OpdError", async () => {
    const priority = new SeniorCitizenPriority({
      ageOf: (patient) => {
        throw new TypeError(`no age for ${patient.name} (${String(patient.id)})`);
      },
    });
    const opd = new OpdScheduler({ priority, clock: new TestClock().now });
    await opd.addDoctor({ id: 'd1', name: 'Dr One' });
    await opd.addSlots('d1', [{ id: 's09', start: at('09:00'), end: at('10:00'), capacity: 5 }]);
    const error = await rejectsWith(
      opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'PHI-ID-7731', name: 'PHI-NAME-Zed' } }),
      'VALIDATION_FAILED',
    );
    expect((error as unknown as { cause: unknown }).cause).toBeInstanceOf(ErrorSummary);
    expect((error as unknown as { cause: ErrorSummary }).cause.kind).toBe('TypeError');
    expect(util.inspect(error, { depth: 10 })).not.toMatch(/PHI-/);
    expect(JSON.stringify(error)).not.toMatch(/PHI-/);
  });
});
