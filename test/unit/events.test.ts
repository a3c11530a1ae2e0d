import { MemoryStorage, OPD_EVENT_TYPES, type OpdEvent, OpdScheduler, presets, type StorageAdapter } from 'opd-scheduler';
import { describe, expect, it, vi } from 'vitest';
import { DAY, doctorWithSlots, request, scheduler } from '../helpers.js';

describe('events', () => {
  it('emits typed events after the change is stored, with increasing seq, the same objects as effects and history', async () => {
    const { opd } = scheduler(presets.cascade());
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    const seen: OpdEvent[] = [];
    const stored: number[] = [];
    opd.on('event', (e) => seen.push(e));
    opd.on('token:booked', (e) => {
      // The change is already stored when the listener runs.
      void opd.getToken(e.tokenId).then((t) => stored.push(t.tokenNumber));
    });
    const bumpedListener = vi.fn();
    opd.on('token:bumped', bumpedListener);
    await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const result = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(seen.map((e) => e.type)).toEqual(['token:booked', 'token:booked', 'token:bumped', 'token:cascaded']);
    expect(seen.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(result.effects[0]).toBe(seen[2]);
    expect(bumpedListener).toHaveBeenCalledWith(seen[2]);
    expect(await opd.history()).toEqual(seen);
    expect(await opd.history({ after: 2 })).toEqual(seen.slice(2));
    expect(await opd.history({ after: 1, limit: 2 })).toEqual(seen.slice(1, 3));
    expect(Object.isFrozen(seen[0])).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(stored).toEqual([1, 2]);
  });

  it('concurrent calls emit in commit order, units over several doctors too', async () => {
    const { opd } = scheduler();
    for (const id of ['d1', 'd2']) {
      await opd.addDoctor({ id, name: `Dr ${id}`, department: 'medicine' });
      await opd.addSlots(id, [{ id: `${id}-09`, start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: 4 }]);
    }
    const moving = await opd.book(request('d2', 'WALK_IN'));
    const seen: number[] = [];
    opd.on('event', (e) => seen.push(e.seq));
    // A department booking (d1 has fewer places taken) and a move to d1, each with a booking of d1 called in the same tick.
    await Promise.all([opd.book({ department: 'medicine', category: 'WALK_IN', patient: { id: 'a', name: 'A' } }), opd.book(request('d1', 'WALK_IN'))]);
    await Promise.all([opd.move(moving.token.id, { doctorId: 'd1' }), opd.book(request('d1', 'WALK_IN'))]);
    expect(seen).toEqual((await opd.history()).map((e) => e.seq).slice(-seen.length));
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('every event carries type, seq, at, doctorId and the ids it concerns', async () => {
    const { opd, clock } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    const a = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    await opd.checkIn(a.token.id);
    await opd.startConsultation(a.token.id);
    await opd.complete(a.token.id);
    await opd.setCapacity('d1-10', 2);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    clock.set(`${DAY}T09:30:00Z`);
    await opd.closeSlot('d1-10', { reason: 'left' });
    const history = await opd.history();
    for (const event of history) {
      expect(OPD_EVENT_TYPES).toContain(event.type);
      expect(event.at).toBeInstanceOf(Date);
      expect(event.doctorId).toBe('d1');
      if (event.type.startsWith('token:')) expect(event).toHaveProperty('tokenId');
      else expect(event).toHaveProperty('slotId');
    }
    expect(new Set(history.map((e) => e.type))).toEqual(
      new Set([
        'token:booked',
        'token:bumped',
        'token:cascaded',
        'token:checked-in',
        'token:consultation-started',
        'token:completed',
        'slot:capacity-changed',
        'slot:closed',
        'token:waitlisted',
      ]),
    );
  });

  it('a throwing listener does not fail the call nor silence other listeners', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1);
    const errors: unknown[] = [];
    opd.on('error', (e) => errors.push(e));
    opd.on('token:booked', () => {
      throw new Error('listener bug');
    });
    const all = vi.fn();
    opd.on('event', all);
    const result = await opd.book(request('d1', 'ONLINE'));
    expect(result.outcome).toBe('BOOKED');
    expect(all).toHaveBeenCalledOnce();
    expect(errors).toHaveLength(1);
  });

  it('a throwing listener without an error listener warns once, naming no patient, and never brings the process down', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 3);
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const uncaught = vi.fn();
    process.on('uncaughtException', uncaught);
    try {
      // Events carry no patient; a listener that looks one up may still quote it in its error.
      opd.on('token:booked', () => {
        throw new RangeError('cannot show Secret Name (secret-id)');
      });
      const all = vi.fn();
      opd.on('event', all);
      const first = await opd.book(request('d1', 'ONLINE', { patient: { id: 'secret-id', name: 'Secret Name' } }));
      const second = await opd.book(request('d1', 'ONLINE'));
      await new Promise((r) => setTimeout(r, 10));
      expect([first.outcome, second.outcome]).toEqual(['BOOKED', 'BOOKED']);
      expect(all).toHaveBeenCalledTimes(2);
      expect(uncaught).not.toHaveBeenCalled();
      expect(warnings).toHaveBeenCalledOnce();
      const [message, options] = warnings.mock.calls[0]!;
      expect(options).toEqual({ type: 'OpdSchedulerWarning', code: 'OPD_LISTENER_FAILED' });
      expect(message).toContain('`token:booked`');
      expect(message).toContain('RangeError');
      expect(String(message)).not.toMatch(/Secret|secret-id/);
    } finally {
      warnings.mockRestore();
      process.off('uncaughtException', uncaught);
    }
  });

  it('each listener runs on its own: a throwing or rejecting one costs the others nothing, once listeners run once', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 3);
    const errors: unknown[] = [];
    opd.on('error', (e) => errors.push(e));
    const uncaught = vi.fn();
    process.on('unhandledRejection', uncaught);
    try {
      const calls: string[] = [];
      opd.on('token:booked', () => {
        calls.push('throws');
        throw new Error('sync bug');
      });
      opd.on('token:booked', async () => {
        calls.push('rejects');
        throw new Error('SMS gateway down');
      });
      opd.once('token:booked', () => void calls.push('once'));
      opd.on('token:booked', () => void calls.push('last'));
      await opd.book(request('d1', 'ONLINE'));
      await opd.book(request('d1', 'ONLINE'));
      await new Promise((r) => setTimeout(r, 10));
      expect(calls).toEqual(['throws', 'rejects', 'once', 'last', 'throws', 'rejects', 'last']);
      expect(errors.map((e) => (e as Error).message).sort()).toEqual(['SMS gateway down', 'SMS gateway down', 'sync bug', 'sync bug']);
      expect(uncaught).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', uncaught);
    }
  });

  it('an error listener that throws in turn does not fail the call either', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1);
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      opd.on('error', () => {
        throw new Error('error listener bug');
      });
      opd.on('token:booked', () => {
        throw new Error('listener bug');
      });
      const result = await opd.book(request('d1', 'ONLINE'));
      expect(result.outcome).toBe('BOOKED');
      expect(await opd.getToken(result.token.id)).toMatchObject({ status: 'BOOKED' });
      expect(warnings).toHaveBeenCalledOnce();
    } finally {
      warnings.mockRestore();
    }
  });

  it('a warning sink that throws as well costs the call and the other listeners nothing, and goes to the console instead', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 3);
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => {
      throw new Error('log sink down');
    });
    const console_ = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      opd.on('token:booked', () => {
        throw new Error('display board bug');
      });
      const after = vi.fn();
      opd.on('token:booked', after);
      const result = await opd.book(request('d1', 'ONLINE'));
      expect(result.outcome).toBe('BOOKED');
      expect(after).toHaveBeenCalledOnce();
      expect(warnings).toHaveBeenCalledOnce();
      expect(console_).toHaveBeenCalledOnce();
      expect(String(console_.mock.calls[0]![0])).toMatch(/^OpdSchedulerWarning \[OPD_LISTENER_FAILED\]: /);
      // Nor when the console throws too.
      console_.mockImplementation(() => {
        throw new Error('stderr closed');
      });
      const again = await opd.book(request('d1', 'ONLINE'));
      expect(again.outcome).toBe('BOOKED');
      expect(after).toHaveBeenCalledTimes(2);
      expect((await opd.getSlot(result.token.slotId!)).places).toHaveLength(2);
    } finally {
      warnings.mockRestore();
      console_.mockRestore();
    }
  });

  it('dry runs emit nothing', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1);
    await opd.book(request('d1', 'ONLINE'));
    const listener = vi.fn();
    opd.on('event', listener);
    await opd.closeSlot('d1-09', { dryRun: true });
    await opd.setCapacity('d1-09', 0, { dryRun: true });
    expect(listener).not.toHaveBeenCalled();
    expect((await opd.history()).length).toBe(1);
  });

  it('history can be bounded in memory', async () => {
    const storage = new MemoryStorage({ historyLimit: 2 });
    const { opd } = scheduler({ storage });
    await doctorWithSlots(opd, 'd1', [9], 5);
    for (let i = 0; i < 4; i++) await opd.book(request('d1', 'ONLINE'));
    expect((await opd.history()).map((e) => e.seq)).toEqual([3, 4]);
    expect((await opd.history({ after: 3 })).map((e) => e.seq)).toEqual([4]);
  });

  it('emits events that the storage adapter reports from other writers, and stops on close', async () => {
    let deliver: ((event: OpdEvent) => void) | undefined;
    let unsubscribed = false;
    class SharedStore extends MemoryStorage implements StorageAdapter {
      subscribe(listener: (event: OpdEvent) => void): () => void {
        deliver = listener;
        return () => {
          unsubscribed = true;
        };
      }
    }
    const storage = new SharedStore();
    const opd = new OpdScheduler({ storage });
    const seen: OpdEvent[] = [];
    opd.on('slot:closed', (e) => seen.push(e));
    const foreign: OpdEvent = {
      type: 'slot:closed',
      seq: 7,
      facilityId: 'default',
      at: new Date(0),
      doctorId: 'd9',
      actor: null,
      slotId: 's9',
      day: DAY,
      reason: null,
    };
    deliver!(foreign);
    expect(seen).toEqual([foreign]);
    expect(Object.isFrozen(seen[0])).toBe(true);
    await opd.close();
    expect(unsubscribed).toBe(true);
  });
});
