import type { DaySchedule, Token } from 'opd-scheduler';
import { elasticAllowance, emergencyBumpLimit, type PresetName } from './policies.js';
import { clock } from './time.js';

/**
 * Where a waiting emergency could get in, by the rules the preset publishes, or `null`: a usable
 * slot of its day (open, not ended, starting no earlier than the emergency asked) with a free
 * place, an elastic place the preset grants emergencies, or a place the preset lets it bump (a
 * `BOOKED` token, bumped fewer times than the preset allows, with a worse rank). The simulation
 * asks this after every call, independently of the scheduler's own rule.
 */
export function emergencyRoom(preset: PresetName, schedule: DaySchedule, emergency: Token, now: number): string | null {
  const bumpLimit = emergencyBumpLimit(preset);
  for (const view of schedule.slots) {
    const { slot, places } = view;
    if (slot.status !== 'OPEN' || slot.end.getTime() <= now) continue;
    if (emergency.notBefore !== null && slot.start < emergency.notBefore) continue;
    const label = `${clock(slot.start.getTime())}–${clock(slot.end.getTime())}`;
    if (places.length < slot.capacity) return `a free place in ${label}`;
    if (places.length < slot.capacity + elasticAllowance(preset, slot.overflowCapacity)) return `an elastic place in ${label}`;
    if (bumpLimit !== null && places.some((t) => t.status === 'BOOKED' && t.bumpCount < bumpLimit && t.rank > emergency.rank)) {
      return `a place to bump in ${label}`;
    }
  }
  return null;
}
