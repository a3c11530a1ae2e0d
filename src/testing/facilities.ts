/**
 * The `facilities` capability: schedulers of two facilities over one store, with the same doctor
 * ids, share nothing. Every read of one facility — records, listings, stats, explanations,
 * `history()`, `tail()`, the events delivered from another handle — holds its own facility's
 * records and events only; another facility's doctor, slot or token id answers `*_NOT_FOUND`;
 * department bookings, moves, leaves, duplicate rules and idempotency keys stay inside a facility,
 * also under concurrent bookings in both.
 */
import { expect, it } from 'vitest';
import { isOpdError, type OpdEvent, OpdScheduler, presets } from '../index.js';
import { Clock, DAY, type Suite, withSlots } from './fixtures.js';

/** The two facilities of the tests. */
const FACILITIES = ['north', 'south'] as const;
type Facility = (typeof FACILITIES)[number];

const other = (facility: Facility): Facility => (facility === 'north' ? 'south' : 'north');

/**
 * Every string a value holds (object keys and values, array items, dates as ISO strings), so that
 * a read can be searched for the other facility's marks.
 */
function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Date) out.push(value.toISOString());
  else if (Array.isArray(value)) for (const item of value) stringsOf(item, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      out.push(key);
      stringsOf(item, out);
    }
  }
  return out;
}

/** Fails when anything `read` shows names the other facility (its id, or a mark put in its data). */
function expectOwn(facility: Facility, what: string, read: unknown): void {
  const foreign = other(facility);
  const found = stringsOf(read).filter((s) => s === foreign || s.includes(`${foreign}-`));
  expect(found, `${facility}: ${what} shows ${foreign}'s data`).toEqual([]);
}

/** Every `facilityId` field anywhere in `value`. */
function facilityIdsOf(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) facilityIdsOf(item, out);
  else if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'facilityId' && typeof item === 'string') out.add(item);
      else facilityIdsOf(item, out);
    }
  }
  return out;
}

/** The same staff in each facility (doctors `c1`, `c2` of `cardio`), and a doctor of the facility's own (`${facility}-own`). */
async function staff(opd: OpdScheduler, facility: Facility): Promise<void> {
  for (const id of ['c1', 'c2']) {
    await opd.addDoctor({ id, name: `Dr ${id}`, department: 'cardio' });
    await withSlots(opd, id, [9, 10, 11], 4);
  }
  await withSlots(opd, `${facility}-own`, [9, 10], 4);
}

/** A patient of a facility: its name and id carry the facility's mark. */
const patient = (facility: Facility, n: number): { id: string; name: string } => ({ id: `${facility}-p${n}`, name: `${facility}-patient ${n}` });

/** Reads everything a facility's scheduler shows of `tokenIds`, and its own doctor's day. */
async function everyRead(opd: OpdScheduler, facility: Facility, tokenIds: readonly string[]): Promise<unknown[]> {
  const reads: unknown[] = [await opd.listDoctors(), await opd.stats(), await opd.stats({ date: DAY })];
  for (const doctorId of ['c1', 'c2', `${facility}-own`]) {
    reads.push(await opd.getDoctor(doctorId), await opd.getSchedule(doctorId, DAY), await opd.getWaitlist(doctorId, DAY), await opd.stats({ doctorId }));
    reads.push(await opd.fairness({ doctorId, date: DAY }));
  }
  for (const slotId of ['c1-09', 'c1-10', 'c1-11', 'c2-09', 'c2-10', 'c2-11']) reads.push(await opd.getSlot(slotId));
  for (const id of tokenIds) reads.push(await opd.getToken(id), await opd.explain(id), await opd.explainText(id));
  reads.push(await opd.exportPatient(`${facility}-p1`), await opd.history());
  return reads;
}

/** Reads `tail()` up to the last stored event, then stops. */
async function tailed(opd: OpdScheduler): Promise<OpdEvent[]> {
  const last = (await opd.history()).at(-1)?.seq ?? 0;
  const out: OpdEvent[] = [];
  if (last === 0) return out;
  for await (const event of opd.tail()) {
    out.push(event);
    if (event.seq >= last) break;
  }
  return out;
}

/** Declares the tests of this part of the conformance suite. */
export function facilitiesTests(suite: Suite): void {
  const { timeout, concurrency, facilitySchedulers } = suite;

  it(
    'two facilities with the same doctor ids over one store: interleaved calls of every kind, and nothing read of one shows the other',
    { timeout },
    async () => {
      const clock = new Clock();
      const { main, seen } = await facilitySchedulers(FACILITIES, { ...presets.standard(), duplicates: { scope: 'facility-day' } }, clock);
      const opd = (f: Facility): OpdScheduler => main[f];
      const tokens: Record<Facility, string[]> = { north: [], south: [] };
      // Interleaved, call by call: the same doctors, slots and idempotency keys in both.
      for (const f of FACILITIES) await staff(opd(f), f);
      for (let n = 1; n <= 3; n++) {
        for (const f of FACILITIES) {
          const r = await opd(f).book({ doctorId: 'c1', category: 'ONLINE', patient: patient(f, n), slotId: 'c1-09', idempotencyKey: `key-${n}` });
          expect(r.token.facilityId).toBe(f);
          expect(r.token.patient.name).toBe(`${f}-patient ${n}`);
          tokens[f].push(r.token.id);
        }
      }
      for (const f of FACILITIES) {
        // A replay of a key answers this facility's booking, never the other's.
        const replay = await opd(f).book({ doctorId: 'c1', category: 'ONLINE', patient: patient(f, 1), slotId: 'c1-09', idempotencyKey: 'key-1' });
        expect(replay.token.patient.name).toBe(`${f}-patient 1`);
        const department = await opd(f).book({ department: 'cardio', category: 'WALK_IN', patient: patient(f, 4) });
        expect(['c1', 'c2']).toContain(department.token.doctorId);
        tokens[f].push(department.token.id);
        const own = await opd(f).book({ doctorId: `${f}-own`, category: 'ONLINE', patient: patient(f, 5) });
        tokens[f].push(own.token.id);
        // The facility's day: patient 5 holds a token of this facility, not of the other.
        await expect(opd(f).book({ doctorId: 'c2', category: 'ONLINE', patient: patient(f, 5) })).rejects.toSatisfy((e: unknown) =>
          isOpdError(e, 'DUPLICATE_BOOKING'),
        );
      }
      for (const f of FACILITIES) {
        const [first, second, third] = tokens[f];
        const moved = await opd(f).move(first!, { doctorId: 'c2', slotId: 'c2-10' });
        expect(moved.token.facilityId).toBe(f);
        tokens[f].push(moved.token.id);
        await opd(f).cancel(second!, { reason: `${f}-reason` });
        await opd(f).checkIn(third!);
        await opd(f).updateDoctor('c2', { room: `${f}-room` });
        await opd(f).closeSlots('c1', { from: `${DAY}T11:00:00+05:30`, to: `${DAY}T12:00:00+05:30`, reason: `${f}-leave` });
        const added = await opd(f).addDoctor({ name: `${f}-generated` });
        expect(added.facilityId).toBe(f);
      }
      clock.advance(3 * 3_600_000);
      for (const f of FACILITIES) await opd(f).sweep();

      for (const f of FACILITIES) {
        const reads = await everyRead(opd(f), f, tokens[f]);
        expectOwn(f, 'a read', reads);
        expect([...facilityIdsOf(reads)], `${f}: the facility of every record and event read`).toEqual([f]);
        const events = await opd(f).history();
        expect(events.length).toBeGreaterThan(0);
        expect(new Set(events.map((e) => e.facilityId))).toEqual(new Set([f]));
        const tail = await tailed(opd(f));
        expect(tail.map((e) => e.seq)).toEqual(events.map((e) => e.seq));
        expectOwn(f, 'tail()', tail);
        // Another facility's own doctor, its slots and tokens are unknown here.
        const foreign = other(f);
        await expect(opd(f).getDoctor(`${foreign}-own`)).rejects.toSatisfy((e: unknown) => isOpdError(e, 'DOCTOR_NOT_FOUND'));
        await expect(opd(f).getSlot(`${foreign}-own-09`)).rejects.toSatisfy((e: unknown) => isOpdError(e, 'SLOT_NOT_FOUND'));
        const foreignToken = tokens[foreign].find((id) => id.startsWith(`${foreign}-own`))!;
        await expect(opd(f).getToken(foreignToken)).rejects.toSatisfy((e: unknown) => isOpdError(e, 'TOKEN_NOT_FOUND'));
        await expect(opd(f).cancel(foreignToken)).rejects.toSatisfy((e: unknown) => isOpdError(e, 'TOKEN_NOT_FOUND'));
        await expect(opd(f).book({ doctorId: `${foreign}-own`, category: 'ONLINE', patient: patient(f, 9) })).rejects.toSatisfy((e: unknown) =>
          isOpdError(e, 'DOCTOR_NOT_FOUND'),
        );
        expect((await opd(f).exportPatient(`${foreign}-p1`)).tokens).toEqual([]);
      }
      // The events another handle delivers (when the store has one) are its own facility's.
      for (const f of FACILITIES) expectOwn(f, 'the events delivered from another handle', seen[f]);
    },
  );

  it(
    'concurrent bookings in both facilities for the same doctor and slot ids: each facility fills its own places and numbers its own tokens',
    { timeout },
    async () => {
      const { main, shared } = await facilitySchedulers(FACILITIES, presets.waitlist(), new Clock());
      for (const f of FACILITIES) await withSlots(main[f], 'c1', [9], 5);
      const n = Math.max(6, Math.min(concurrency, 40));
      const handles = (f: Facility): OpdScheduler[] => [main[f], ...(shared === undefined ? [] : [shared[f]])];
      const calls = Array.from({ length: 2 * n }, (_, i) => {
        const f = FACILITIES[i % 2]!;
        const by = handles(f)[Math.floor(i / 2) % handles(f).length]!;
        return by.book({ doctorId: 'c1', category: 'ONLINE', patient: patient(f, i), slotId: 'c1-09' }).then((r) => ({ f, r }));
      });
      const results = await Promise.all(calls);
      for (const f of FACILITIES) {
        const mine = results.filter((x) => x.f === f).map((x) => x.r);
        expect(mine.filter((r) => r.outcome === 'BOOKED')).toHaveLength(5);
        expect(mine.map((r) => r.token.tokenNumber).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        const view = await main[f].getSlot('c1-09');
        expect(view.places).toHaveLength(5);
        expectOwn(f, 'the slot after concurrent bookings', view);
        const events = await main[f].history();
        expect(events.filter((e) => e.type === 'token:booked' || e.type === 'token:waitlisted')).toHaveLength(n);
        expectOwn(f, 'history() after concurrent bookings', events);
      }
    },
  );

  it("a service point serving the whole facility queues and calls its own facility's patients only", { timeout }, async () => {
    const options = { ...presets.standard(), servicePoints: [{ id: 'reg', kind: 'registration' }], routes: { visit: ['registration', 'doctor'] } };
    const { main } = await facilitySchedulers(FACILITIES, options, new Clock());
    const waiting: Record<Facility, string[]> = { north: [], south: [] };
    for (const f of FACILITIES) {
      await staff(main[f], f);
      // The same doctor ids in both, and a doctor of the facility's own.
      for (const doctorId of ['c1', `${f}-own`, 'c2']) {
        const { token } = await main[f].book({ doctorId, category: 'WALK_IN', patient: patient(f, waiting[f].length + 1) });
        await main[f].checkIn(token.id, { route: 'visit' });
        waiting[f].push(token.id);
      }
    }
    for (const f of FACILITIES) {
      const queue = await main[f].getServicePointQueue('reg');
      expect(queue.map((t) => t.id).sort()).toEqual([...waiting[f]].sort());
      expectOwn(f, 'the queue of a point serving the facility', queue);
      const called: string[] = [];
      for (let n = 0; n < waiting[f].length; n++) {
        const call = await main[f].callNext({ servicePoint: 'reg' });
        expect(call.token?.facilityId).toBe(f);
        expectOwn(f, 'a call at a point serving the facility', call);
        called.push(call.token!.id);
        await main[f].forward(call.token!.id, { to: 'doctor' });
      }
      expect(called.sort()).toEqual([...waiting[f]].sort());
      expect((await main[f].callNext({ servicePoint: 'reg' })).token).toBeNull();
    }
  });

  it('a facility id the option refuses, and the default facility of a scheduler without one', { timeout }, async () => {
    const { main } = await facilitySchedulers(['default'], presets.standard(), new Clock());
    const doctor = await main['default'].addDoctor({ id: 'd1', name: 'Dr d1' });
    expect(doctor.facilityId).toBe('default');
    for (const bad of ['', ' north', 'x'.repeat(101), 'a/b', 7]) {
      const storage = await suite.open();
      expect(() => new OpdScheduler({ storage, facilityId: bad as string })).toThrow(
        expect.objectContaining({ code: 'VALIDATION_FAILED', details: expect.objectContaining({ field: 'facilityId' }) }) as Error,
      );
    }
  });
}
