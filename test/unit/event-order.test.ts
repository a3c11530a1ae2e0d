/**
 * When a call's events reach listeners: after the change is stored, after the call returns and
 * before its caller resumes, in commit order, and before a `close()` waiting for the call goes on;
 * a plug-in that calls the scheduler from inside a unit gets a unit of its own.
 */
import { type BookingResult, MemoryStorage, type OpdEvent, OpdScheduler, presets, type PriorityPolicy, type StorageAdapter } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { doctorWithSlots, request, TestClock } from '../helpers.js';

function schedulerOn(storage: StorageAdapter): OpdScheduler {
  return new OpdScheduler({ storage, clock: new TestClock().now, telemetry: false });
}

describe('the events of a call', () => {
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
});
