/**
 * A storage adapter whose units never wait (the in-memory store) may offer `transactSync`: the
 * scheduler then runs a booking's unit at once, with nothing recorded by telemetry, and
 * publishes its events in a microtask queued before the call returns — after the call, before
 * its caller resumes, before a `close()` waiting for it goes on, and in commit order however
 * listeners book in turn. An adapter that overrides the `transact` of one offering it keeps its
 * own; an answer that is not the committed decision's result, or a failure, fails the call as any.
 */
import { type BookingResult, MemoryStorage, type OpdEvent, OpdScheduler, presets, type PriorityPolicy, type StorageAdapter } from 'opd-scheduler';
import type { Decision, DoctorSnapshot, LoadRequest } from 'opd-scheduler/adapter-kit';
import { describe, expect, it } from 'vitest';
import { delegatingStorage, doctorWithSlots, rejectsWith, request, TestClock } from '../helpers.js';

function schedulerOn(storage: StorageAdapter): OpdScheduler {
  return new OpdScheduler({ storage, clock: new TestClock().now, telemetry: false });
}

describe("a unit run at once (the adapter's transactSync)", () => {
  it('publishes after the call returns and before its caller resumes', async () => {
    const opd = schedulerOn(new MemoryStorage());
    await doctorWithSlots(opd, 'd1', [9], 3);
    const order: string[] = [];
    opd.on('token:booked', () => order.push('listener'));
    const pending = opd.book(request('d1', 'ONLINE'));
    order.push('returned');
    await pending;
    order.push('resumed');
    expect(order).toEqual(['returned', 'listener', 'resumed']);
  });

  it('publishes in commit order when a listener books in turn', async () => {
    const opd = schedulerOn(new MemoryStorage());
    await doctorWithSlots(opd, 'd1', [9], 5);
    const heard: number[] = [];
    let inTurn: Promise<unknown> | undefined;
    opd.on('event', (e: OpdEvent) => {
      heard.push(e.seq);
      inTurn ??= opd.book(request('d1', 'WALK_IN', { patientId: 'second' }));
    });
    await Promise.all([opd.book(request('d1', 'ONLINE', { patientId: 'first' })), opd.book(request('d1', 'PAID', { patientId: 'third' }))]);
    await inTurn;
    await new Promise((resolve) => setImmediate(resolve));
    // The listener's booking committed after the two calls' units: its event is heard last.
    expect(heard).toEqual([heard[0], heard[0]! + 1, heard[0]! + 2]);
    await opd.close();
  });

  it('close() goes on only once the events of a call in flight are published', async () => {
    const opd = schedulerOn(new MemoryStorage());
    await doctorWithSlots(opd, 'd1', [9], 5);
    const heard: string[] = [];
    opd.on('token:booked', () => heard.push('event'));
    void opd.book(request('d1', 'ONLINE'));
    await opd.close();
    expect(heard).toEqual(['event']);
  });

  it("is not used for an adapter that overrides the transact of one offering it: its own transact runs each unit", async () => {
    const inner = new MemoryStorage();
    let byOwn = 0;
    const over: StorageAdapter = Object.create(inner, {
      transact: {
        value: <R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>): Promise<R> => {
          byOwn++;
          return inner.transact(request, decide);
        },
      },
    });
    class Audited extends MemoryStorage {
      units = 0;
      override async transact<R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>): Promise<R> {
        this.units++;
        return super.transact(request, decide);
      }
    }
    const audited = new Audited();
    for (const storage of [over, audited]) {
      const opd = schedulerOn(storage);
      await doctorWithSlots(opd, 'd1', [9], 3);
      await opd.book(request('d1', 'ONLINE'));
    }
    // A doctor, its slots and a booking: three units each.
    expect([byOwn, audited.units]).toEqual([3, 3]);
  });

  it('an answer other than the decision it committed, or a failure thrown, fails the call as any; nothing is left waiting', async () => {
    let mode: 'pass' | 'other' | 'throw' = 'pass';
    const { storage, inner, replace } = delegatingStorage({ name: 'at-once' });
    replace('transactSync', <R>(r: LoadRequest, d: (snapshot: DoctorSnapshot) => Decision<R>): R => {
      if (mode === 'throw') throw new Error('disk full');
      const result = inner.transactSync(r, d);
      return (mode === 'other' ? { ...(result as object) } : result) as R;
    });
    const opd = schedulerOn(storage);
    await doctorWithSlots(opd, 'd1', [9], 5);
    mode = 'other';
    const other = await rejectsWith(opd.book(request('d1', 'ONLINE', { patientId: 'a' })), 'STORAGE_FAILURE');
    expect(other.message).toMatch(/transactSync/);
    mode = 'throw';
    await rejectsWith(opd.book(request('d1', 'ONLINE', { patientId: 'b' })), 'STORAGE_FAILURE');
    mode = 'pass';
    await opd.book(request('d1', 'ONLINE', { patientId: 'c' }));
    await opd.close();
  });

  it('a unit begun from inside another (a plug-in that books) is a unit of its own: each call keeps its own events and actor', async () => {
    let opd: OpdScheduler | undefined;
    let inner: Promise<BookingResult> | undefined;
    const standard = presets.standard().priority!;
    const booking: PriorityPolicy = {
      name: 'books-while-ranking',
      categories: standard.categories,
      accepts: (category) => standard.accepts(category),
      rank(context) {
        // Once, while the PAID booking's unit decides: a booking with another doctor.
        if (context.category === 'PAID' && inner === undefined) inner = opd!.book({ ...request('d2', 'WALK_IN', { patientId: 'inner' }), actor: 'desk-inner' });
        return standard.rank(context);
      },
    };
    opd = new OpdScheduler({ storage: new MemoryStorage(), clock: new TestClock().now, telemetry: false, priority: booking });
    await doctorWithSlots(opd, 'd1', [9], 5);
    await doctorWithSlots(opd, 'd2', [9], 5);
    const heard: OpdEvent[] = [];
    opd.on('token:booked', (e: OpdEvent) => heard.push(e));
    const outer = await opd.book({ ...request('d1', 'PAID', { patientId: 'outer' }), actor: 'desk-outer' });
    const nested = await inner!;
    expect([outer.outcome, outer.token.doctorId, nested.outcome, nested.token.doctorId]).toEqual(['BOOKED', 'd1', 'BOOKED', 'd2']);
    // The inner unit committed first; each event names its own call's actor.
    expect(heard.map((e) => [e.doctorId, e.actor])).toEqual([
      ['d2', 'desk-inner'],
      ['d1', 'desk-outer'],
    ]);
    // Later calls run as before.
    expect((await opd.book(request('d1', 'ONLINE', { patientId: 'later' }))).outcome).toBe('BOOKED');
    await opd.close();
  });

  it('is refused at construction when it is not a function', () => {
    const storage = Object.assign(Object.create(new MemoryStorage()) as StorageAdapter, { transactSync: 'soon' });
    expect(() => new OpdScheduler({ storage })).toThrowError(/transactSync/);
  });
});
