/**
 * What a storage adapter gives back is checked before it reaches the caller: an answer that is
 * not what the `StorageAdapter` contract says (history that is not a list of events, a unit that
 * resolves with something other than its decision's result, an id number that is not one,
 * records with fields missing or of the wrong kind) fails the call with STORAGE_FAILURE naming
 * the adapter, never quoting the patient; and whatever the adapter's `subscribe` delivers that is
 * not an event of a known type is dropped and reported, never thrown back into the adapter.
 */
import { isOpdError, MemoryStorage, type OpdEvent, OpdScheduler, type StorageAdapter } from 'opd-scheduler';
import type { DayDump, DoctorSnapshot } from 'opd-scheduler/adapter-kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { at, DAY, delegatingStorage, TestClock } from '../helpers.js';

/** A patient's name: it must never appear in an error. */
const PATIENT = 'Asha Verma';

/** A scheduler over `storage` with doctor `d1`, slot `s09` and one booking (its token id returned). */
async function withBooking(storage: StorageAdapter): Promise<{ opd: OpdScheduler; tokenId: string }> {
  const opd = new OpdScheduler({ storage, clock: new TestClock().now, telemetry: false });
  await opd.addDoctor({ id: 'd1', name: 'Dr One' });
  await opd.addSlots('d1', [{ id: 's09', start: at('09:00'), end: at('10:00'), capacity: 5 }]);
  const { token } = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'P-1', name: PATIENT }, slotId: 's09' });
  return { opd, tokenId: token.id };
}

/** Asserts a STORAGE_FAILURE naming the adapter `custom` and `what`, without the patient. */
async function refused(call: Promise<unknown>, what: string): Promise<void> {
  let failure: unknown;
  try {
    const value = await call;
    failure = new Error(`expected STORAGE_FAILURE, resolved with ${JSON.stringify(value)}`);
  } catch (error) {
    failure = error;
  }
  expect(isOpdError(failure, 'STORAGE_FAILURE'), String(failure)).toBe(true);
  const error = failure as { message: string; details: Record<string, unknown>; cause?: unknown };
  expect(error.details['adapter']).toBe('custom');
  expect(error.message).toContain(what);
  expect(error.message).not.toContain(PATIENT);
  expect(String(error.cause ?? '')).not.toContain(PATIENT);
}

describe('history() refuses an answer that is not a list of events', () => {
  for (const [label, answer] of [
    ['a string', 'garbage'],
    ['null', null],
    ['numbers', [1, 2]],
    ['an object without a seq', [{}]],
    ['an event without a valid date', [{ type: 'token:booked', seq: 1, doctorId: 'd1', at: 'yesterday' }]],
  ] as const) {
    it(label, async () => {
      const { storage, replace } = delegatingStorage();
      const { opd } = await withBooking(storage);
      replace('history', async () => answer);
      await refused(opd.history(), '`history`');
    });
  }

  it('events as stored pass', async () => {
    const { storage, inner } = delegatingStorage();
    const { opd } = await withBooking(storage);
    expect(await opd.history()).toEqual(await inner.history(0, 100));
  });
});

describe("a unit that resolves with something other than its decision's result is refused", () => {
  it('book, cancel and addSlots: the committed unit answering 42', async () => {
    const { storage, replace, inner } = delegatingStorage();
    const { opd, tokenId } = await withBooking(storage);
    const emitted = vi.fn();
    opd.on('event', emitted);
    replace('transact', async (req: never, decide: never) => {
      await inner.transact(req, decide);
      return 42;
    });
    await refused(opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: PATIENT } }), '`transact`');
    await refused(opd.cancel(tokenId), '`transact`');
    await refused(opd.addSlots('d1', [{ start: at('11:00'), end: at('12:00'), capacity: 1 }]), '`transact`');
    expect(emitted).not.toHaveBeenCalled();
  });

  it('a unit that never decided', async () => {
    const { storage, replace } = delegatingStorage();
    const { opd, tokenId } = await withBooking(storage);
    replace('transact', async () => ({ token: null }));
    await refused(opd.checkIn(tokenId), '`transact`');
    replace('transact', async () => undefined);
    await refused(opd.addSlots('d1', [{ start: at('11:00'), end: at('12:00'), capacity: 1 }]), '`transact`');
  });
});

describe('addDoctor refuses a generated id number that is not one, storing nothing', () => {
  for (const answer of [{}, Number.NaN, -1.5, -1, 2 ** 53, 'a b', 'x'.repeat(500), '7', null]) {
    it(`allocateId resolving ${typeof answer === 'string' ? `a string of ${answer.length}` : String(answer)}`, async () => {
      const { storage, replace, inner } = delegatingStorage();
      const opd = new OpdScheduler({ storage, clock: new TestClock().now, telemetry: false });
      replace('allocateId', async () => answer);
      await refused(opd.addDoctor({ name: 'Dr Two' }), '`allocateId`');
      expect(await inner.listDoctors()).toEqual([]);
    });
  }

  it('allocateId rejecting: STORAGE_FAILURE naming the adapter', async () => {
    const { storage, replace } = delegatingStorage();
    const opd = new OpdScheduler({ storage, clock: new TestClock().now, telemetry: false });
    replace('allocateId', async () => {
      throw new Error(PATIENT);
    });
    await refused(opd.addDoctor({ name: 'Dr Two' }), 'allocate');
  });
});

describe('records that are not records never reach a view', () => {
  it('listDoctors resolving [{}] or not an array: listDoctors() and stats() refuse it', async () => {
    for (const answer of [[{}], [{ id: 'd1', name: 'Dr One', specialization: null, consultMinutes: 'ten', createdAt: 0 }], null]) {
      const { storage, replace } = delegatingStorage();
      const { opd } = await withBooking(storage);
      replace('listDoctors', async () => answer);
      await refused(opd.listDoctors(), '`listDoctors`');
      await refused(opd.stats(), '`listDoctors`');
    }
  });

  const spoilt: [string, (day: DayDump) => DayDump][] = [
    ['a capacity that is a string', (d) => ({ ...d, slots: d.slots.map((s) => ({ ...s, capacity: '0x' as never })) })],
    ['a token without a category', (d) => ({ ...d, tokens: d.tokens.map((t) => ({ ...t, category: undefined as never })) })],
    ['a token with a status of no kind', (d) => ({ ...d, tokens: d.tokens.map((t) => ({ ...t, status: 'LOST' as never })) })],
    ['a day record without counters', (d) => ({ ...d, record: { doctorId: d.record.doctorId, day: d.record.day } as never })],
    ['slots that are not an array', (d) => ({ ...d, slots: null as never })],
  ];
  for (const [label, spoil] of spoilt) {
    it(`scanDays handing out a day with ${label}: stats() refuses it`, async () => {
      const { storage, replace, inner } = delegatingStorage();
      const { opd } = await withBooking(storage);
      replace('scanDays', async function* (filter: never) {
        for await (const day of inner.scanDays(filter)) yield spoil(day);
      });
      await refused(opd.stats(), '`scanDays`');
    });
  }

  it('scanDays handing out null: stats() refuses it', async () => {
    const { storage, replace } = delegatingStorage();
    const { opd } = await withBooking(storage);
    replace('scanDays', () => [null]);
    await refused(opd.stats(), '`scanDays`');
  });

  /** `read` handing out every token with `field` set to `value`. */
  function spoilTokens(replace: (member: keyof StorageAdapter, value: unknown) => void, inner: MemoryStorage, field: string, value: unknown): void {
    const spoil = <T>(t: T): T => ({ ...t, [field]: value });
    replace('read', async (req: never): Promise<DoctorSnapshot> => {
      const s = await inner.read(req);
      const days = new Map(
        [...s.days].map(([key, d]) => [
          key,
          { ...d, slots: d.slots.map((x) => ({ slot: x.slot, places: x.places.map(spoil) })), waitlist: d.waitlist.map(spoil) },
        ]),
      );
      return { ...s, days, tokens: new Map([...s.tokens].map(([id, t]) => [id, spoil(t)])) };
    });
  }

  for (const value of [Number.NaN, null, '2026-01-30', undefined]) {
    it(`read handing out a token whose requestedAt is ${String(value)}: getToken, getSlot, getSchedule refuse it`, async () => {
      const { storage, replace, inner } = delegatingStorage();
      const { opd, tokenId } = await withBooking(storage);
      spoilTokens(replace, inner, 'requestedAt', value);
      await refused(opd.getToken(tokenId), '`read`');
      await refused(opd.getSlot('s09'), '`read`');
      await refused(opd.getSchedule('d1', DAY), '`read`');
    });
  }

  it('read handing out a slot or a doctor that is not a record', async () => {
    const { storage, replace, inner } = delegatingStorage();
    const { opd, tokenId } = await withBooking(storage);
    replace('read', async (req: never): Promise<DoctorSnapshot> => {
      const s = await inner.read(req);
      return { ...s, doctor: s.doctor === undefined ? undefined : ({ ...s.doctor, createdAt: 'now' } as never) };
    });
    await refused(opd.getSchedule('d1', DAY), '`read`');
    await refused(opd.getToken(tokenId), '`read`');
    replace('read', async (req: never): Promise<DoctorSnapshot> => {
      const s = await inner.read(req);
      return { ...s, slots: new Map([...s.slots].map(([id, slot]) => [id, { ...slot, day: 20260130 } as never])) };
    });
    await refused(opd.getSlot('s09'), '`read`');
  });

  it('read handing out a day whose claims are not claim records, before and after a good read of the day', async () => {
    const { storage, replace, inner } = delegatingStorage();
    const { opd, tokenId } = await withBooking(storage);
    await opd.hold({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'P-claim', name: 'Held' }, slotId: 's09', holdMinutes: 10 });
    expect((await opd.getSchedule('d1', DAY)).slots.length).toBeGreaterThan(0);
    // The same day again, its claim list replaced by one holding something else: refused.
    replace('read', async (req: never): Promise<DoctorSnapshot> => {
      const s = await inner.read(req);
      const days = new Map([...s.days].map(([key, d]) => [key, { ...d, record: { ...d.record, claims: [...(d.record.claims ?? []), { id: 7 }] } as never }]));
      return { ...s, days };
    });
    await refused(opd.getSchedule('d1', DAY), '`read`');
    await refused(opd.getToken(tokenId), '`read`');
  });

  it('records as stored pass', async () => {
    const { storage } = delegatingStorage();
    const { opd, tokenId } = await withBooking(storage);
    expect((await opd.listDoctors()).map((d) => d.id)).toEqual(['d1']);
    expect((await opd.getToken(tokenId)).requestedAt).toBeInstanceOf(Date);
    expect((await opd.stats()).tokens).toBe(1);
    expect((await opd.getSchedule('d1', DAY)).slots[0]!.places).toHaveLength(1);
  });
});

describe('what subscribe delivers that is not an event of a known type is dropped, never thrown into the adapter', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** A scheduler over an adapter whose `subscribe` hands its listener to the test. */
  function subscribed(): { opd: OpdScheduler; deliver: (event: unknown) => void } {
    const { storage, replace } = delegatingStorage();
    let listener: ((event: OpdEvent) => void) | undefined;
    replace('subscribe', (l: (event: OpdEvent) => void) => {
      listener = l;
      return () => {};
    });
    const opd = new OpdScheduler({ storage, clock: new TestClock().now, telemetry: false });
    return { opd, deliver: (event) => listener!(event as OpdEvent) };
  }

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
  const throwingType = Object.defineProperty({ ...foreign }, 'type', {
    enumerable: true,
    get() {
      throw new Error(PATIENT);
    },
  });
  /** Answers `slot:closed` to the first read of `type`, `error` to every later one. */
  const changingType = (): unknown => {
    let reads = 0;
    return Object.defineProperty({ ...foreign }, 'type', { enumerable: true, get: () => (reads++ === 0 ? 'slot:closed' : 'error') });
  };
  const bad: [string, () => unknown][] = [
    ['null', () => null],
    ['undefined', () => undefined],
    ['a string', () => 'token:booked'],
    ['an event whose type getter throws', () => throwingType],
    ['an event of an unknown type', () => ({ ...foreign, type: 'token:teleported' })],
    ["an event of type 'error'", () => ({ ...foreign, type: 'error' })],
    ["an event of type 'event'", () => ({ ...foreign, type: 'event' })],
    ['an event without a seq', () => ({ ...foreign, seq: undefined })],
    [
      'a proxy that throws',
      () =>
        new Proxy(
          {},
          {
            ownKeys: () => {
              throw new Error(PATIENT);
            },
          },
        ),
    ],
  ];

  for (const [label, make] of bad) {
    it(`${label}: the error listeners get STORAGE_FAILURE, the event listeners nothing`, () => {
      const { opd, deliver } = subscribed();
      const errors: unknown[] = [];
      const events: unknown[] = [];
      opd.on('error', (e) => errors.push(e));
      opd.on('event', (e) => events.push(e));
      expect(() => deliver(make())).not.toThrow();
      expect(events).toEqual([]);
      expect(errors).toHaveLength(1);
      expect(isOpdError(errors[0], 'STORAGE_FAILURE')).toBe(true);
      const error = errors[0] as { message: string; details: Record<string, unknown> };
      expect(error.details['adapter']).toBe('custom');
      expect(error.message).toContain('`subscribe`');
      expect(error.message).not.toContain(PATIENT);
    });
  }

  it('an event whose type changes between reads is read once', () => {
    const { opd, deliver } = subscribed();
    const errors: unknown[] = [];
    const closed: unknown[] = [];
    opd.on('error', (e) => errors.push(e));
    opd.on('slot:closed', (e) => closed.push(e));
    deliver(changingType());
    expect(errors).toEqual([]);
    expect(closed).toEqual([foreign]);
  });

  it('without an error listener: one process warning, never a throw', () => {
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const { deliver } = subscribed();
    expect(() => deliver(null)).not.toThrow();
    expect(() => deliver(throwingType)).not.toThrow();
    expect(warning).toHaveBeenCalledTimes(1);
    expect(warning.mock.calls[0]![1]).toMatchObject({ type: 'OpdSchedulerWarning', code: 'OPD_EVENT_DROPPED' });
    expect(String(warning.mock.calls[0]![0])).not.toContain(PATIENT);
  });

  it('an error listener that throws in turn: a warning, never a throw', () => {
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const { opd, deliver } = subscribed();
    opd.on('error', () => {
      throw new Error('listener down');
    });
    expect(() => deliver(undefined)).not.toThrow();
    expect(warning).toHaveBeenCalledTimes(1);
    expect(warning.mock.calls[0]![1]).toMatchObject({ code: 'OPD_EVENT_DROPPED' });
  });

  it('a well-formed event is still emitted, frozen', () => {
    const { opd, deliver } = subscribed();
    const seen: OpdEvent[] = [];
    opd.on('slot:closed', (e) => seen.push(e));
    deliver(foreign);
    expect(seen).toEqual([foreign]);
    expect(Object.isFrozen(seen[0])).toBe(true);
  });
});
