/**
 * The workload of `npm run bench` and `bench/book-profile.ts`: D doctors × N days, each day 8
 * hourly slots of 5 places, 40 bookings per doctor-day (mixed categories, by date).
 */
import { OpdScheduler, type OpdSchedulerOptions, presets } from 'opd-scheduler';

/** Slots per doctor-day. */
export const SLOTS_PER_DAY = 8;
/** Places per slot. */
export const CAPACITY = 5;
/** Bookings per doctor-day: every place. */
export const PER_DAY = SLOTS_PER_DAY * CAPACITY;
const DAY_MS = 86_400_000;
/** The first day, 00:00 UTC: also the scheduler's clock. */
export const FIRST_DAY = Date.UTC(2026, 0, 5);
/** Categories of the bookings, in turn (one in ten an emergency). */
export const CATEGORIES = ['ONLINE', 'WALK_IN', 'WALK_IN', 'FOLLOW_UP', 'ONLINE', 'PAID', 'WALK_IN', 'ONLINE', 'FOLLOW_UP', 'EMERGENCY'] as const;

/** Date `d` days after the first, `YYYY-MM-DD`. */
export function dayString(d: number): string {
  return new Date(FIRST_DAY + d * DAY_MS).toISOString().slice(0, 10);
}

/** A scheduler (standard preset, clock at the first day) with doctors `d0`… and their slots. */
export async function network(doctors: number, days: number, quota?: OpdSchedulerOptions['quota']): Promise<OpdScheduler> {
  const opd = new OpdScheduler({ ...presets.standard(), ...(quota === undefined ? {} : { quota }), clock: () => new Date(FIRST_DAY) });
  for (let i = 0; i < doctors; i++) {
    const doctor = await opd.addDoctor({ id: `d${i}`, name: `Doctor ${i}` });
    const slots = [];
    for (let d = 0; d < days; d++) {
      for (let s = 0; s < SLOTS_PER_DAY; s++) {
        const start = FIRST_DAY + d * DAY_MS + (9 + s) * 3_600_000;
        slots.push({ start: new Date(start), end: new Date(start + 3_600_000), capacity: CAPACITY });
      }
    }
    await opd.addSlots(doctor.id, slots);
  }
  return opd;
}
