/**
 * The adapter's day cache, without a database: what changed since a rev merges into the day it
 * holds (in place), a committed change set moves it on, and a snapshot handed out never changes
 * afterwards, whatever the cache merges later.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assembleDay } from '../../src/adapter-kit/assembly.js';
import type { DayRecord, TokenRecord } from '../../src/model/records.js';
import type { TokenStatus } from '../../src/types.js';
import type { ChangeSet, DaySnapshot } from '../../src/model/snapshot.js';
import { ALL_STATUSES, isActiveStatus, isConsultedStatus, isLiveStatus } from '../../src/model/status.js';
import { DayCache, type DayPart } from '../../src/postgres/speed/cache.js';
import { SLOT, TOKEN } from '../../src/postgres/columns.js';
import { fcOptions } from '../property/support.js';

const DAY = '2026-01-30';
const slot = (id: string, start: number): unknown[] => ['d1', id, DAY, start, start + 1800_000, 2, 0, 'OPEN', null];
const token = (n: number, slotId: string, status = 'BOOKED'): unknown[] => [n, slotId, null, 'ONLINE', n, status, { name: 'P' }, 1, 0, 1, null, null, null, 1];
const part = (base: number, last: number, slots: unknown[][] | null, tokens: unknown[][] | null): DayPart => [DAY, base, [last, 0, 0, 0, 0], slots, tokens];

/** Slot ids and token numbers of a snapshot, in its order. */
const shape = (day: DaySnapshot): [string, number[]][] => day.slots.map((s) => [s.slot.id, s.places.map((t) => t.tokenNumber)]);

describe('DayCache', () => {
  it('orders a day read out of order, merges what changed since its rev, and leaves snapshots handed out as they were', () => {
    const cache = new DayCache(16);
    const first = cache.merge('d1', 5, part(-1, 3, [slot('s2', 2000), slot('s1', 1000)], [token(3, 's2'), token(1, 's1'), token(2, 's1')]))!;
    expect(shape(first)).toEqual([
      ['s1', [1, 2]],
      ['s2', [3]],
    ]);
    expect(cache.known('d1', [DAY], 4)).toEqual({ [DAY]: 5 });

    // Rev 7: token 2 cancelled, token 4 booked into s1.
    const second = cache.merge('d1', 7, part(5, 4, null, [token(2, 's1', 'CANCELLED'), token(4, 's1')]))!;
    expect(shape(second)).toEqual([
      ['s1', [1, 4]],
      ['s2', [3]],
    ]);
    expect(second.record.lastTokenNumber).toBe(4);
    expect(shape(first)).toEqual([
      ['s1', [1, 2]],
      ['s2', [3]],
    ]);
    expect(first.record.lastTokenNumber).toBe(3);

    // A unit that read rev 7 commits as rev 8: the day moves on without another read.
    const booked = { ...second.slots[1]!.places[0]!, tokenNumber: 5, id: 'd1~2026-01-30~5' };
    const changes = { days: [{ ...second.record, lastTokenNumber: 5 }], newSlots: [], updatedSlots: [], newTokens: [booked], updatedTokens: [], events: [] };
    cache.commit('d1', 7, 8, changes as unknown as ChangeSet, 1);
    expect(cache.known('d1', [DAY], 4)).toEqual({ [DAY]: 8 });
    const third = cache.merge('d1', 8, part(8, 5, null, null))!;
    expect(shape(third)).toEqual([
      ['s1', [1, 4]],
      ['s2', [3, 5]],
    ]);
    expect(shape(second)).toEqual([
      ['s1', [1, 4]],
      ['s2', [3]],
    ]);
  });

  it('drops a day whose answer is relative to a rev it does not hold, and one a later unit moved past', () => {
    const cache = new DayCache(16);
    cache.merge('d1', 5, part(-1, 1, [slot('s1', 1000)], [token(1, 's1')]));
    expect(cache.merge('d1', 9, part(7, 2, null, [token(2, 's1')]))).toBeUndefined();
    expect(cache.known('d1', [DAY], 4)).toBeUndefined();

    cache.merge('d1', 5, part(-1, 1, [slot('s1', 1000)], [token(1, 's1')]));
    // A commit for rev 4 (read before another unit wrote rev 5): the day is no longer known.
    cache.commit('d1', 4, 5, { days: [], newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [], events: [] } as unknown as ChangeSet, 1);
    expect(cache.known('d1', [DAY], 4)).toEqual({ [DAY]: 5 });
    cache.commit(
      'd1',
      4,
      5,
      {
        days: [{ doctorId: 'd1', day: DAY, lastTokenNumber: 2, bumps: 0, cascades: 0, promotions: 0, drops: 0 }],
        newSlots: [],
        updatedSlots: [],
        newTokens: [],
        updatedTokens: [],
        events: [],
      } as unknown as ChangeSet,
      1,
    );
    expect(cache.known('d1', [DAY], 4)).toBeUndefined();
  });

  it('runs a doctor under the lock while others write for it about once per unit of this adapter, and lets it go once its reads find them gone', () => {
    const cache = new DayCache(16);
    const doctor = (id: string) => ({ id, name: 'Dr', specialization: null, consultMinutes: null, createdAt: 0 });
    const request = (doctorId: string) => ({ doctorId, days: [DAY] });
    for (const id of ['hot', 'spread']) cache.merge(id, 0, part(-1, 0, [slot('s1', 1000)], null));
    // Seven processes write for one doctor between two units of this adapter, each for it too.
    let rev = 0;
    let unit = 0;
    cache.saw(doctor('hot'), rev, ++unit);
    cache.saw(doctor('hot'), (rev += 7), ++unit);
    expect(cache.contended('hot')).toBe(true);
    expect(cache.current(request('hot'))).toBe('contended');
    // The same seven writes, over 50 units this adapter ran for other doctors: deciding on the copy
    // is worth a try (one that finds the doctor moved brings back what changed in the same trip).
    let other = 0;
    cache.saw(doctor('spread'), other, unit);
    for (let i = 0; i < 5; i++) cache.saw(doctor('spread'), (other += 7), (unit += 50));
    expect(cache.contended('spread')).toBe(false);
    cache.merge('spread', other, part(-1, 0, [slot('s1', 1000)], null));
    expect(cache.current(request('spread'))).toMatchObject({ rev: other });
    // A try of the spread doctor that finds it moved by two writes does not tip it over; one that
    // finds four more in the same unit does.
    cache.saw(doctor('spread'), (other += 2), unit);
    expect(cache.contended('spread')).toBe(false);
    cache.saw(doctor('spread'), (other += 4), unit);
    expect(cache.contended('spread')).toBe(true);
    // The hot doctor's own units commit, and its next reads find nobody else wrote: it leaves the
    // lock, as it would without a try spent to find out.
    let reads = 0;
    while (cache.contended('hot')) {
      cache.commit(
        'hot',
        rev,
        rev + 1,
        { days: [], newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [], events: [] } as unknown as ChangeSet,
        ++unit,
      );
      cache.saw(doctor('hot'), ++rev, ++unit);
      reads++;
    }
    expect(reads).toBe(2);
    expect(cache.current(request('hot'))).not.toBe('contended');
  });

  it('forgets a day whose merge fails', () => {
    const cache = new DayCache(16);
    cache.merge('d1', 5, part(-1, 1, [slot('s1', 1000)], [token(1, 's1')]));
    // A token of a slot the day does not have: the snapshot cannot be built.
    expect(() => cache.merge('d1', 6, part(5, 2, null, [token(2, 'nowhere')]))).toThrow();
    expect(cache.known('d1', [DAY], 4)).toBeUndefined();
  });
});

describe('DayCache snapshots, kept in step with what changed', () => {
  const SLOTS = [slot('s1', 1000), slot('s2', 3000), slot('s3', 2000)];
  const PATIENTS = ['p1', 'p2', 'p3', undefined] as const;
  /** A token row as `opd_load` sends it: number, slot, status and patient drawn, the rest fixed. */
  const row = (n: number, slotId: string | null, status: TokenStatus, patient: string | undefined): unknown[] => [
    n,
    slotId,
    null,
    'ONLINE',
    n,
    status,
    patient === undefined ? { name: 'P' } : { id: patient, name: 'P' },
    1,
    0,
    1,
    null,
    null,
    null,
    1,
    null,
    String(n),
  ];
  const tokenArb = fc.tuple(
    fc.integer({ min: 1, max: 8 }),
    fc.constantFrom('s1', 's2', 's3', null),
    fc.constantFrom(...ALL_STATUSES),
    fc.constantFrom(...PATIENTS),
  );
  const opArb = fc.record({ kind: fc.constantFrom('merge', 'commit'), tokens: fc.array(tokenArb, { maxLength: 4 }), slotChange: fc.boolean() });

  /** What a snapshot must show, assembled afresh from the rows: slots, places and waitlist by number, holds, consultations, who holds a live token. */
  const expected = (rows: Map<number, TokenRecord>): { shape: unknown; waitlist: number[]; holds: number; consultations: number; live: Set<string> } => {
    const tokens = [...rows.values()].filter((t) => isActiveStatus(t.status)).sort((a, b) => a.tokenNumber - b.tokenNumber);
    const day = assembleDay(
      'test',
      { doctorId: 'd1', day: DAY, lastTokenNumber: 0, bumps: 0, cascades: 0, promotions: 0, drops: 0, labels: {} } as DayRecord,
      SLOTS.map((a) => SLOT.fromArray(a, undefined)),
      tokens,
    );
    return {
      shape: fullShape(day),
      waitlist: day.waitlist.map((t) => t.tokenNumber),
      holds: tokens.filter((t) => t.status === 'HELD').length,
      consultations: tokens.filter((t) => isConsultedStatus(t.status)).length,
      live: new Set(tokens.filter((t) => isLiveStatus(t.status) && t.patient.id !== undefined).map((t) => t.patient.id!)),
    };
  };
  const fullShape = (day: DaySnapshot): unknown => day.slots.map((s) => [s.slot.id, s.places.map((t) => [t.tokenNumber, t.status, t.patient.id])]);
  const check = (day: DaySnapshot, want: ReturnType<typeof expected>): void => {
    expect(fullShape(day)).toEqual(want.shape);
    expect(day.waitlist.map((t) => t.tokenNumber)).toEqual(want.waitlist);
    expect(day.holds).toBe(want.holds);
    expect(day.consultations).toBe(want.consultations);
    for (const patient of PATIENTS) {
      if (patient === undefined) continue;
      const hit = day.liveTokenOf!(patient);
      expect(hit !== undefined, `live token of ${patient}`).toBe(want.live.has(patient));
      if (hit !== undefined) {
        expect(hit.patient.id).toBe(patient);
        expect(isLiveStatus(hit.status)).toBe(true);
        const inDay = [...day.waitlist, ...day.slots.flatMap((s) => s.places)];
        expect(inDay).toContain(hit);
      }
    }
  };

  it('show what a day assembled afresh shows, after any merges and commits, and every snapshot handed out stays as it was (property)', () => {
    fc.assert(
      fc.property(fc.array(tokenArb, { maxLength: 6 }), fc.array(opArb, { minLength: 1, maxLength: 12 }), (initial, ops) => {
        const cache = new DayCache(16);
        const rows = new Map<number, TokenRecord>();
        const toRecord = (a: unknown[]): TokenRecord => TOKEN.fromArray(a, { doctorId: 'd1', day: DAY });
        const first = initial.map(([n, s, st, p]) => row(n, st === 'WAITLISTED' ? null : (s ?? 's1'), st, p));
        for (const a of first) rows.set(a[0] as number, toRecord(a));
        let rev = 1;
        /** The rev the cache holds the day as of: a commit that writes nothing of the day leaves it. */
        let dayRev = 1;
        const handedOut: [DaySnapshot, ReturnType<typeof expected>][] = [];
        const day = cache.merge('d1', rev, part(-1, 0, SLOTS, first))!;
        handedOut.push([day, expected(rows)]);
        check(day, expected(rows));
        for (const op of ops) {
          const changed = op.tokens.map(([n, s, st, p]) => row(n, st === 'WAITLISTED' ? null : (s ?? 's1'), st, p));
          // A unit commits on the day as of the doctor's rev it read (as the adapter's units do).
          if (op.kind === 'merge' || dayRev !== rev) {
            const slots = op.slotChange ? [slot('s2', 3000)] : null;
            const next = cache.merge('d1', rev + 1, part(dayRev, 0, slots, changed))!;
            rev++;
            dayRev = rev;
            for (const a of changed) rows.set(a[0] as number, toRecord(a));
            const want = expected(rows);
            check(next, want);
            handedOut.push([next, want]);
          } else {
            const records = changed.map(toRecord);
            const changes = {
              days: [],
              newSlots: [],
              updatedSlots: op.slotChange ? [SLOT.fromArray(SLOTS[0]!, undefined)] : [],
              newTokens: records,
              updatedTokens: [],
              events: [],
            };
            cache.commit('d1', rev, rev + 1, changes as unknown as ChangeSet, rev);
            rev++;
            if (records.length > 0 || op.slotChange) dayRev = rev;
            for (const t of records) rows.set(t.tokenNumber, t);
          }
        }
        const last = cache.merge('d1', rev, part(dayRev, 0, null, null))!;
        check(last, expected(rows));
        for (const [snapshot, want] of handedOut) check(snapshot, want);
      }),
      fcOptions(300),
    );
  });
});
