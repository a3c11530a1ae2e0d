/**
 * A month of a small OPD, driven through the public API on any store: three doctors (an
 * allopathic general physician, an AYUSH specialist, an allopathic cardiologist), four hourly
 * slots a day, advance bookings from a portal, walk-ins and emergencies at the desk, check-ins,
 * calls, consultations, cancellations, and a sweep that marks no-shows and closes each day. A
 * seeded random source makes a month the same every run; patients come back, so some requests
 * are repeats.
 */
import { isOpdError, type OpdScheduler, type Token } from 'opd-scheduler';
import { TestClock } from '../helpers.js';

/** The month's first day. */
export const FIRST_DAY = '2026-03-02';
/** The zone of the month: days and hours are local to Kolkata. */
export const ZONE = 'Asia/Kolkata';
/** The slots' local starting hours. */
const HOURS = [9, 10, 11, 12];

/** A seeded random source (mulberry32). */
export function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `day` plus `n` days. */
export function dayPlus(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** A local wall time of Kolkata (UTC+05:30) on `day`. */
export function ist(day: string, hhmm: string): Date {
  return new Date(`${day}T${hhmm}:00+05:30`);
}

/** The doctors of the month. */
export async function addDoctors(opd: OpdScheduler): Promise<void> {
  await opd.addDoctor({ id: 'gp', name: 'Dr General', department: 'general' });
  await opd.addDoctor({ id: 'ay', name: 'Dr Ayush', department: 'ayush', system: 'ayush', specialist: true });
  await opd.addDoctor({ id: 'cardio', name: 'Dr Heart', department: 'cardiology', specialist: true });
}

/**
 * Runs `days` days from {@link FIRST_DAY} on `opd`, whose clock is `clock`.
 * @returns the ids of the patients who came
 */
export async function simulateMonth(opd: OpdScheduler, clock: TestClock, days: number, seed = 7): Promise<string[]> {
  const random = randomSource(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const patients = Array.from({ length: 60 }, (_, i) => `p${i + 1}`);
  const seen = new Set<string>();
  const doctors = ['gp', 'ay', 'cardio'];
  let key = 0;
  const book = async (doctorId: string, day: string, category: string, actor: string): Promise<Token | null> => {
    const id = pick(patients);
    try {
      const { token } = await opd.book({ doctorId, category, patient: { id, name: `Patient ${id}` }, date: day, actor, idempotencyKey: `k${++key}` });
      seen.add(id);
      return token;
    } catch (error) {
      // The same patient twice with one doctor on one day, or a full day: the desk turns them away.
      if (isOpdError(error, 'DUPLICATE_BOOKING') || isOpdError(error, 'SLOT_FULL')) return null;
      throw error;
    }
  };
  for (let n = 0; n < days; n++) {
    const day = dayPlus(FIRST_DAY, n);
    clock.set(ist(dayPlus(day, -1), '17:00'));
    for (const doctorId of doctors) {
      await opd.addSlots(doctorId, HOURS.map((h) => ({ id: `${doctorId}-${day}-${h}`, start: ist(day, `${String(h).padStart(2, '0')}:00`), end: ist(day, `${String(h + 1).padStart(2, '0')}:00`), capacity: 3, overflowCapacity: 1 })));
      // The evening before: the portal's bookings.
      const ahead = 4 + Math.floor(random() * 6);
      for (let i = 0; i < ahead; i++) await book(doctorId, day, pick(['ONLINE', 'ONLINE', 'PAID', 'FOLLOW_UP']), 'portal');
    }
    // Some cancel the same evening.
    for (const doctorId of doctors) {
      const schedule = await opd.getSchedule(doctorId, day);
      for (const view of schedule.slots) for (const t of view.places) if (random() < 0.08) await opd.cancel(t.id, { actor: 'portal', reason: random() < 0.5 ? 'referred-out' : 'changed plans' });
    }
    // The morning: walk-ins at the desk.
    clock.set(ist(day, '08:40'));
    for (const doctorId of doctors) {
      const walkIns = 1 + Math.floor(random() * 4);
      for (let i = 0; i < walkIns; i++) await book(doctorId, day, 'WALK_IN', 'desk-1');
    }
    for (const h of HOURS) {
      const hh = String(h).padStart(2, '0');
      clock.set(ist(day, `${hh}:02`));
      if (h === 10 && random() < 0.6) await book(pick(doctors), day, 'EMERGENCY', 'casualty');
      for (const doctorId of doctors) {
        const slot = (await opd.getSchedule(doctorId, day)).slots.find((s) => s.slot.id === `${doctorId}-${day}-${h}`)!;
        for (const t of slot.places) if (t.status === 'BOOKED' && random() < 0.85) await opd.checkIn(t.id, { actor: 'desk-1' });
      }
      clock.set(ist(day, `${hh}:05`));
      for (const doctorId of doctors) {
        for (let i = 0; i < 4; i++) {
          const { token } = await opd.callNext(doctorId, { actor: doctorId });
          if (token === null) break;
          clock.advance(1 + Math.floor(random() * 3));
          await opd.startConsultation(token.id, { actor: doctorId });
          clock.advance(4 + Math.floor(random() * 6));
          await opd.complete(token.id, { actor: doctorId });
        }
      }
    }
    // The evening: no-shows marked and the day closed.
    clock.set(ist(day, '14:00'));
    await opd.sweep();
    clock.set(ist(day, '23:30'));
    await opd.sweep();
  }
  clock.set(ist(dayPlus(FIRST_DAY, days + 1), '09:00'));
  return [...seen].sort();
}
