/**
 * Calling patients and routing their visits: a check-in onto a route; the next one of a doctor's day (and of the night session before it), of a
 * pooled department, or at a service point with a queue of its own; and the queue of such a
 * point. A point serving the whole facility calls among every doctor's patients of the day.
 */
import { callPoint, callPooled } from '../core/commands/journey.js';
import { callNext } from '../core/commands/queue.js';
import { journeysOf, routeStages } from '../core/journeys.js';
import { checkIn } from '../core/commands/transitions.js';
import { invalid } from '../errors.js';
import { expectId } from '../inputs.js';
import { DOCTOR_KIND } from '../options/journeys.js';
import { parseDay } from '../time.js';
import type { CallResult, ServicePoint, Token, TransitionResult } from '../types.js';
import type { ParsedCallTarget } from './input.js';
import type { Reads } from './reads.js';
import type { Runner } from './run.js';

/** Calls the next patient for `target` on the day of `now`. */
export async function callNextFor(runner: Runner, target: ParsedCallTarget, room: string | null, actor: string | null, now: number): Promise<CallResult> {
  const day = runner.config.dayOf(now);
  if ('servicePoint' in target) {
    const point = pointOf(runner, target.servicePoint, 'target.servicePoint');
    const doctorIds = await doctorsOf(runner, point);
    const days = runner.adapter.storage.lazyReads === true;
    return runner.run('callNext', callPoint, { point, doctorIds, day, room, days }, now, false, actor);
  }
  if ('pooled' in target) return runner.run('callNext', callPooled, { department: target.department, doctorId: target.doctorId, day, room }, now, false, actor);
  return runner.run('callNext', callNext, { doctorId: target.doctorId, day, dayBefore: dayBefore(runner, day), room }, now, false, actor);
}

/** Checks a patient in, onto `route` when one is named; the clock is read once the route is known. */
export function checkInOnRoute(runner: Runner, id: string, route: string | null, actor: string | null, now: () => number): Promise<TransitionResult> {
  // A route this scheduler does not have is a bad input, refused before the token is read.
  if (route !== null) routeStages(runner.config, route);
  return runner.run('checkIn', checkIn, { tokenId: id, reason: null, actor, route }, now(), false, actor);
}

/** The patients waiting at service point `id` on `date` (today by `now` when omitted), in call order. */
export async function servicePointQueue(runner: Runner, reads: Reads, id: unknown, date: string | undefined, now: () => number): Promise<Token[]> {
  const point = pointOf(runner, id, 'servicePointId');
  const day = date === undefined ? runner.config.dayOf(now()) : parseDay('date', date);
  return reads.servicePointQueue(point, await doctorsOf(runner, point), day, now);
}

/** A service point with a queue of its own (not a pooled doctor point), or `VALIDATION_FAILED` naming `field`. */
function pointOf(runner: Runner, id: unknown, field: string): ServicePoint {
  const journeys = journeysOf(runner.config, field);
  const key = expectId(field, id);
  const point = journeys.points.get(key);
  if (point === undefined || point.kind === DOCTOR_KIND) throw invalid(field, `No service point \`${key}\` with a queue of its own`, { servicePoint: key });
  return point;
}

/**
 * The doctors whose patients a point calls among, where the scheduler names them: none for a
 * department's point, nor for the facility's on a store that resolves every doctor itself
 * (`StorageAdapter.everyDoctor`: the unit reads them); else every doctor, listed.
 */
async function doctorsOf(runner: Runner, point: ServicePoint): Promise<string[] | undefined> {
  if (point.department !== undefined || runner.adapter.storage.everyDoctor === true) return undefined;
  return (await runner.adapter.listDoctors()).map((d) => d.id);
}

/**
 * The local date before `day`: that of the instant before its first (a day may last 23 hours,
 * or begin at 01:00 where a zone skips midnight); `null` before the epoch.
 */
function dayBefore(runner: Runner, day: string): string | null {
  const start = runner.config.dayStart(day);
  return start > 0 ? runner.config.dayOf(start - 1) : null;
}
