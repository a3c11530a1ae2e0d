/**
 * The one-category workload of `npm run bench` and `bench/book-profile.ts`: D doctors × N days,
 * each day 8 hourly slots of 5 places, 40 bookings per doctor-day (categories in turn, by date,
 * interleaved across doctors, so that each doctor gets one category all day).
 */
import { ChannelQuota, OpdScheduler, type OpdSchedulerOptions, presets } from 'opd-scheduler';

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

/**
 * The quota of the bench's quota row: consulted on every booking, reached by none (each doctor
 * gets one category all day, so a tighter cap would waitlist patients instead of only asking).
 */
export function workloadQuota(): ChannelQuota {
  return new ChannelQuota({ ONLINE: { share: 1 }, FOLLOW_UP: { perDay: PER_DAY }, WALK_IN: { count: CAPACITY } });
}

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

/** A booking as the loop makes it. */
export interface WorkloadRequest {
  readonly doctorId: string;
  readonly category: string;
  readonly patient: { readonly id: string; readonly name: string };
  readonly date: string;
}

/**
 * The timed loop: every place of `doctors` doctors × `days` days booked in date order, round by
 * round across the doctors, each call awaited in turn. Returns the number of bookings.
 */
export async function bookAll(book: (request: WorkloadRequest) => Promise<unknown>, doctors: number, days: number): Promise<number> {
  let n = 0;
  for (let d = 0; d < days; d++) n = await bookRounds(book, doctors, dayString(d), PER_DAY, n);
  return n;
}

/**
 * `rounds` rounds of the loop on one day: a booking for each doctor in turn per round, each
 * awaited. `n` numbers the first patient; returns the number after the last.
 */
export async function bookRounds(
  book: (request: WorkloadRequest) => Promise<unknown>,
  doctors: number,
  date: string,
  rounds: number,
  n: number,
): Promise<number> {
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < doctors; i++) {
      await book({ doctorId: `d${i}`, category: CATEGORIES[n % CATEGORIES.length]!, patient: { id: `p${n}`, name: `Patient ${n}` }, date });
      n++;
    }
  }
  return n;
}
