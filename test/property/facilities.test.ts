/**
 * Facilities as a property: two facilities over one store, the same doctor and slot ids in both,
 * any interleaving of calls of both (batches run at once) — bookings by doctor and by department,
 * holds, moves, cancellations, check-ins (some onto a route through a registration point that
 * serves the whole facility), calls at that point, leaves, sweeps. No read of one facility ever returns a
 * record or an event of the other: every token, slot, doctor and event read carries the facility's
 * own id and none of the other's patient marks.
 */
import fc from 'fast-check';
import { isOpdError, MemoryStorage, OpdScheduler, presets, type Token } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { fcOptions } from './support.js';

const DAY = '2026-01-30';
const FACILITIES = ['north', 'south'] as const;
type Facility = (typeof FACILITIES)[number];
const DOCTORS = ['d1', 'd2'] as const;

type Op =
  | { readonly f: Facility; readonly kind: 'book' | 'hold'; readonly doctor: string; readonly hour: number; readonly patient: number }
  | { readonly f: Facility; readonly kind: 'department'; readonly patient: number }
  | { readonly f: Facility; readonly kind: 'cancel' | 'checkIn' | 'route'; readonly pick: number }
  | { readonly f: Facility; readonly kind: 'point' }
  | { readonly f: Facility; readonly kind: 'move'; readonly pick: number; readonly doctor: string; readonly hour: number }
  | { readonly f: Facility; readonly kind: 'leave'; readonly doctor: string; readonly hour: number }
  | { readonly f: Facility; readonly kind: 'sweep' };

const fArb = fc.constantFrom(...FACILITIES);
const doctorArb = fc.constantFrom(...DOCTORS);
const hourArb = fc.integer({ min: 9, max: 11 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ f: fArb, kind: fc.constantFrom('book' as const, 'hold' as const), doctor: doctorArb, hour: hourArb, patient: fc.nat(5) }),
  },
  { weight: 2, arbitrary: fc.record({ f: fArb, kind: fc.constant('department' as const), patient: fc.nat(5) }) },
  { weight: 3, arbitrary: fc.record({ f: fArb, kind: fc.constantFrom('cancel' as const, 'checkIn' as const, 'route' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ f: fArb, kind: fc.constant('point' as const) }) },
  { weight: 2, arbitrary: fc.record({ f: fArb, kind: fc.constant('move' as const), pick: fc.nat(), doctor: doctorArb, hour: hourArb }) },
  { weight: 1, arbitrary: fc.record({ f: fArb, kind: fc.constant('leave' as const), doctor: doctorArb, hour: hourArb }) },
  { weight: 1, arbitrary: fc.record({ f: fArb, kind: fc.constant('sweep' as const) }) },
);

const other = (f: Facility): Facility => (f === 'north' ? 'south' : 'north');
const hh = (hour: number): string => String(hour).padStart(2, '0');

async function tokensOf(opd: OpdScheduler): Promise<Token[]> {
  const out: Token[] = [];
  for (const doctor of DOCTORS) {
    const day = await opd.getSchedule(doctor, DAY);
    for (const slot of day.slots) out.push(...slot.places);
    out.push(...day.waitlist);
  }
  return out;
}

async function run(opd: OpdScheduler, op: Op, tokens: readonly Token[]): Promise<unknown> {
  const patient = (n: number): { id: string; name: string } => ({ id: `${op.f}-p${n}`, name: `${op.f}-name-${n}` });
  const pick = (n: number): Token | undefined => (tokens.length === 0 ? undefined : tokens[n % tokens.length]);
  switch (op.kind) {
    case 'book':
      return opd.book({ doctorId: op.doctor, slotId: `${op.doctor}-${hh(op.hour)}`, category: 'ONLINE', patient: patient(op.patient) });
    case 'hold':
      return opd.hold({ doctorId: op.doctor, slotId: `${op.doctor}-${hh(op.hour)}`, category: 'ONLINE', patient: patient(op.patient), holdMinutes: 10 });
    case 'department':
      return opd.book({ department: 'opd', date: DAY, category: 'WALK_IN', patient: patient(op.patient) });
    case 'cancel': {
      const t = pick(op.pick);
      return t === undefined ? undefined : opd.cancel(t.id, { reason: `${op.f}-why` });
    }
    case 'checkIn': {
      const t = pick(op.pick);
      return t === undefined ? undefined : opd.checkIn(t.id);
    }
    case 'route': {
      const t = pick(op.pick);
      return t === undefined ? undefined : opd.checkIn(t.id, { route: 'visit' });
    }
    case 'point': {
      // The point serves every doctor of the facility: it calls one of this facility's patients, or nobody.
      const called = (await opd.callNext({ servicePoint: 'reg' })).token;
      if (called !== null && called.facilityId !== op.f) throw new Error(`a call at ${op.f}'s point called a token of ${called.facilityId}`);
      return called === null ? undefined : opd.forward(called.id, { to: 'doctor' });
    }
    case 'move': {
      const t = pick(op.pick);
      return t === undefined ? undefined : opd.move(t.id, { doctorId: op.doctor, slotId: `${op.doctor}-${hh(op.hour)}` });
    }
    case 'leave':
      return opd.closeSlots(op.doctor, { from: `${DAY}T${hh(op.hour)}:00:00+05:30`, to: `${DAY}T${hh(op.hour + 1)}:00:00+05:30`, reason: `${op.f}-leave` });
    case 'sweep':
      return opd.sweep();
  }
}

/** Every string in a value (keys, values, dates as ISO strings). */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Date) out.push(value.toISOString());
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) out.push(k, ...strings(v));
  return out;
}

/** Whatever facility `f` reads: doctors, schedules, slots, tokens, stats, history. */
async function reads(opd: OpdScheduler): Promise<unknown[]> {
  const tokens = await tokensOf(opd);
  const out: unknown[] = [await opd.listDoctors(), await opd.stats(), await opd.history(), tokens, await opd.getServicePointQueue('reg', DAY)];
  for (const doctor of DOCTORS) out.push(await opd.getSchedule(doctor, DAY), await opd.getWaitlist(doctor, DAY));
  for (const t of tokens.slice(0, 4)) out.push(await opd.getToken(t.id), await opd.explain(t.id));
  return out;
}

describe('facilities (property)', () => {
  it('no read of one facility ever returns a record or an event of the other, over any interleaving of both', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(opArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 10 }), async (batches) => {
        const storage = new MemoryStorage();
        const now = Date.parse(`${DAY}T01:30:00Z`);
        const opd = {} as Record<Facility, OpdScheduler>;
        for (const f of FACILITIES) {
          opd[f] = new OpdScheduler({
            ...presets.waitlist(),
            storage,
            facilityId: f,
            timeZone: 'Asia/Kolkata',
            clock: () => new Date(now),
            servicePoints: [{ id: 'reg', kind: 'registration' }],
            routes: { visit: ['registration', 'doctor'] },
          });
          for (const doctor of DOCTORS) {
            await opd[f].addDoctor({ id: doctor, name: `Dr ${doctor}`, department: 'opd' });
            await opd[f].addSlots(
              doctor,
              [9, 10, 11].map((h) => ({ start: `${DAY}T${hh(h)}:00:00+05:30`, end: `${DAY}T${hh(h + 1)}:00:00+05:30`, capacity: 2 })),
            );
          }
        }
        for (const batch of batches) {
          const tokens = { north: await tokensOf(opd.north), south: await tokensOf(opd.south) };
          const settled = await Promise.allSettled(batch.map((op) => run(opd[op.f], op, tokens[op.f])));
          for (const s of settled) if (s.status === 'rejected' && !isOpdError(s.reason)) throw s.reason;
          for (const f of FACILITIES) {
            const read = await reads(opd[f]);
            const foreign = other(f);
            expect(strings(read).filter((s) => s === foreign || s.startsWith(`${foreign}-`))).toEqual([]);
            for (const e of await opd[f].history()) expect(e.facilityId).toBe(f);
            for (const t of await tokensOf(opd[f])) expect(t.facilityId).toBe(f);
          }
        }
        for (const f of FACILITIES) await opd[f].close();
      }),
      fcOptions(40),
    );
  });
});
