/**
 * A call at a service point reads what it needs in one round on a store whose reads of a unit's
 * further doctors cost nothing until looked at (`lazyReads`, the in-memory store), and in two on
 * any other; at a point serving the whole facility it names no doctor on a store that resolves
 * every doctor itself (`everyDoctor`), and each doctor on any other: the same patient called,
 * either way.
 */
import { MemoryStorage, OpdScheduler, presets, type OpdSchedulerOptions, type ServicePoint } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import type { Decision, DoctorSnapshot, LoadRequest } from '../../src/model/snapshot.js';
import { at, request, TestClock } from '../helpers.js';

const POINTS: ServicePoint[] = [
  { id: 'reg', kind: 'registration', department: 'medicine', rooms: ['Counter 1'] },
  { id: 'lab', kind: 'lab', rooms: ['Lab window'] },
];
const ROUTES = { visit: ['registration', 'doctor', 'lab', 'doctor'] };

/** The in-memory store, counting the rounds of each unit and keeping the request each unit starts with. */
class CountingStorage extends MemoryStorage {
  rounds: number[] = [];
  loads: LoadRequest[] = [];
  constructor(lazy: boolean, every: boolean) {
    super();
    // A store without lazy reads, or one that does not resolve every doctor, for the other way round.
    Object.defineProperty(this, 'lazyReads', { value: lazy });
    Object.defineProperty(this, 'everyDoctor', { value: every });
  }
  override async transact<R>(load: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>): Promise<R> {
    this.loads.push(load);
    let rounds = 0;
    try {
      return await super.transact(load, (snapshot) => {
        rounds++;
        return decide(snapshot);
      });
    } finally {
      this.rounds.push(rounds);
    }
  }
}

async function day(lazy: boolean, every: boolean): Promise<{ opd: OpdScheduler; storage: CountingStorage; ids: string[] }> {
  const storage = new CountingStorage(lazy, every);
  const clock = new TestClock(at('09:00'));
  const options: OpdSchedulerOptions = { ...presets.standard(), consultMinutes: 10, servicePoints: POINTS, routes: ROUTES, storage, clock: clock.now };
  const opd = new OpdScheduler(options);
  for (const id of ['a', 'b', 'c']) {
    await opd.addDoctor({ id, name: `Dr ${id}`, department: 'medicine' });
    await opd.addSlots(id, [{ id: `${id}-9`, start: at('09:00'), end: at('10:00'), capacity: 4 }]);
  }
  const ids: string[] = [];
  for (const [doctorId, category] of [
    ['b', 'WALK_IN'],
    ['c', 'EMERGENCY'],
    ['a', 'FOLLOW_UP'],
  ] as const) {
    const { token } = await opd.book(request(doctorId, category));
    await opd.checkIn(token.id, { route: 'visit' });
    ids.push(token.id);
  }
  return { opd, storage, ids };
}

describe('a call at a service point', () => {
  it('calls in one round on a store with lazyReads, in two on one without, names every doctor or each, and calls the same patients', async () => {
    const calls: Record<string, { called: (string | null)[]; rounds: number[]; lab: LoadRequest }> = {};
    for (const [lazy, every] of [
      [true, true],
      [false, false],
      [true, false],
      [false, true],
    ] as const) {
      const { opd, storage } = await day(lazy, every);
      const called: (string | null)[] = [];
      storage.rounds = [];
      for (let i = 0; i < 4; i++) {
        const token = (await opd.callNext({ servicePoint: 'reg' })).token;
        called.push(token?.id ?? null);
        if (token !== null) await opd.forward(token.id, { to: 'doctor' });
      }
      // The facility's point: every doctor locked, the one whose patient is called read.
      const first = called[0]!;
      await opd.startConsultation(first);
      await opd.forward(first, { to: 'lab' });
      storage.rounds = [];
      storage.loads = [];
      const atLab = (await opd.callNext({ servicePoint: 'lab' })).token;
      called.push(atLab?.id ?? null);
      calls[`${lazy}/${every}`] = { called, rounds: [...storage.rounds], lab: storage.loads[0]! };
      await opd.close();
    }
    const lazy = calls['true/true']!;
    const eager = calls['false/false']!;
    for (const other of [calls['true/false']!, calls['false/true']!]) expect(other.called).toEqual(lazy.called);
    // The emergency first, then by queue order; nobody left for the fourth call.
    expect(lazy.called).toEqual(eager.called);
    expect(lazy.called[0]).toMatch(/^c~/);
    expect(lazy.called[3]).toBeNull();
    expect(lazy.called[4]).toBe(lazy.called[0]);
    // The lab call alone: one round with lazy reads, two without.
    expect(lazy.rounds).toEqual([1]);
    expect(eager.rounds).toEqual([2]);
    // The facility's doctors: resolved by a store that can (no doctor named), else each named.
    for (const key of ['true/true', 'false/true']) {
      expect(calls[key]!.lab.everyDoctor).toBeDefined();
      expect(calls[key]!.lab.others).toBeUndefined();
    }
    for (const key of ['true/false', 'false/false']) {
      expect(calls[key]!.lab.everyDoctor).toBeUndefined();
      expect(calls[key]!.lab.others?.map((o) => o.doctorId)).toEqual(['a', 'b', 'c']);
    }
  });
});
