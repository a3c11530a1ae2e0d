import { AgingPriority, type BookingWindows, ChannelQuota, type Patient, presets, SeniorCitizenPriority, type Preset, type QuotaStrategy } from 'opd-scheduler';
import { SIM_DAY } from './scenarios.js';

/** Minutes after a slot starts before `sweep` marks absent patients as no-shows (the scheduler's default). */
export const GRACE_MINUTES = 15;
/** How long a paid patient's place is held while they pay. */
export const HOLD_MINUTES = 10;

/** The presets `--preset` accepts, in the order `--compare` shows them. */
export const PRESET_NAMES = ['standard', 'cascade', 'waitlist', 'elastic'] as const;

/** A preset name. */
export type PresetName = (typeof PRESET_NAMES)[number];

/** The priority policies `--priority` accepts. */
export const PRIORITY_NAMES = ['standard', 'senior', 'aging', 'senior+aging'] as const;

/** A priority policy name. */
export type PriorityName = (typeof PRIORITY_NAMES)[number];

/** One line per preset, for `--help` and the report. */
export const PRESET_SUMMARIES: Readonly<Record<PresetName, string>> = {
  standard: 'emergencies take up to 2 elastic places, then bump once; others go to the next slot with room, else wait; nobody is dropped',
  cascade: 'any more urgent request bumps the worst place, which cascades to the next slot or is dropped; full slots refuse',
  waitlist: 'full slots put requests on that slot\u2019s waiting list; emergencies bump onto it; cancellations promote',
  elastic: 'emergencies take up to 2 extra places, nobody is bumped; others go to the next slot with room, else wait',
};

/** One line per priority policy. */
export const PRIORITY_SUMMARIES: Readonly<Record<PriorityName, string>> = {
  standard: 'the preset\u2019s own ranks by category',
  senior: 'patients aged 60+ rank one level better (never above emergencies)',
  aging: 'a token ranks one level better per 45 minutes waited and per bump suffered',
  'senior+aging': 'both: seniors first, and nobody starves',
};

/**
 * The scheduler plug-ins for a preset and a priority policy. The senior-citizen and aging
 * policies wrap the preset's own ranks, so `cascade` keeps walk-ins equal to online bookings.
 */
export function policyFor(preset: PresetName, priority: PriorityName): Preset {
  const base = presets[preset]();
  const senior =
    priority === 'senior' || priority === 'senior+aging' ? new SeniorCitizenPriority({ inner: base.priority, age: 60, ageOf: ageOnSimDay }) : base.priority;
  const ranked = priority === 'aging' || priority === 'senior+aging' ? new AgingPriority({ inner: senior, everyMinutes: 45, perBump: true }) : senior;
  return { ...base, priority: ranked };
}

/**
 * A patient's age on the simulated day: the age the desk records, else (a Scan & Share profile)
 * from the ABHA year of birth.
 */
export function ageOnSimDay(patient: Readonly<Patient>): number | undefined {
  const { age, yearOfBirth } = patient;
  if (typeof age === 'number') return age;
  return typeof yearOfBirth === 'number' ? Number(SIM_DAY.slice(0, 4)) - yearOfBirth : undefined;
}

/** Whether the preset can grant elastic places beyond a slot's capacity (for the overbooking check). */
export function elasticAllowance(preset: PresetName, slotOverflowCapacity: number): number {
  switch (preset) {
    case 'standard':
      return slotOverflowCapacity;
    case 'elastic':
      return 2;
    case 'cascade':
    case 'waitlist':
      return 0;
  }
}

/**
 * How many times a token may be bumped when an emergency needs its place, or `null` when the
 * preset never bumps for emergencies (for the emergency-safety check).
 */
export function emergencyBumpLimit(preset: PresetName): number | null {
  switch (preset) {
    case 'standard':
      return 1;
    case 'cascade':
    case 'waitlist':
      return Number.POSITIVE_INFINITY;
    case 'elastic':
      return null;
  }
}

/**
 * The hospital's channel quota in every simulated day: online bookings take at most 60 % of a
 * slot, and 2 places of each slot are kept for walk-ins until 30 minutes before it starts.
 */
export function simulationQuota(): QuotaStrategy {
  return new ChannelQuota({ ONLINE: { share: 0.6 }, WALK_IN: { reserve: 2, releaseMinutesBefore: 30 } });
}

/** The quota in words, for the text and the report. */
export const QUOTA_SUMMARY = 'online at most 60 % of a slot; 2 walk-in places per slot until 30 min before its start';

/**
 * The hospital's booking window for online bookings in every simulated day: up to 7 days ahead,
 * opening at 08:00 a week before, and at least 90 minutes before the slot starts. A portal
 * request too close to its slot takes the next slot within the window, or is refused
 * (`OUTSIDE_BOOKING_WINDOW`) and the patient registers at the desk on arrival.
 */
export function simulationWindows(): BookingWindows {
  return { ONLINE: { maxDaysAhead: 7, opensAt: { daysBefore: 7, at: '08:00' }, minNoticeMinutes: 90 } };
}

/** The booking window in words, for the text and the report. */
export const WINDOWS_SUMMARY = 'online up to 7 days ahead, opening at 08:00 a week before, at least 90 min before the slot';
