/**
 * A visit as a journey: which queue a token waits in, where `forward` sends it, where a patient
 * sent back re-enters the doctor's queue, and the queues of service points and pooled
 * departments. Each rule is written here once; the call order ({@link callSequence}) orders
 * every queue.
 */
import { OpdError, invalid } from '../errors.js';
import type { DoctorRecord, JourneyRecord, SlotRecord, TokenRecord } from '../model/records.js';
import { makeJourney, NO_JOURNEY, patchToken } from '../model/make.js';
import { compareSlotsInTime, type DayQueue } from '../model/queue.js';
import { DOCTOR_KIND, type JourneyConfig } from './journey-config.js';
import type { ServicePoint } from '../types/journeys.js';
import { badAnswer, callPlugin, type CoreConfig } from './config.js';
import { protectionOf } from './protection.js';
import type { CallOrderAt } from './call-order.js';

/** The journey options, or `VALIDATION_FAILED` naming `field` when the scheduler has none. */
export function journeysOf(config: CoreConfig, field: string): JourneyConfig {
  if (config.journeys === undefined)
    throw invalid(field, 'This scheduler has no service points: give the options `servicePoints` (and `routes`) to use journeys');
  return config.journeys;
}

/**
 * The stages of route `route` (a name of the option `routes`).
 * @throws OpdError `VALIDATION_FAILED` (field `opts.route`) without journeys or for an unknown route
 */
export function routeStages(config: CoreConfig, route: string): readonly string[] {
  const journeys = journeysOf(config, 'opts.route');
  const stages = journeys.routes.get(route);
  if (stages === undefined)
    throw invalid('opts.route', `No route \`${route}\`: routes are ${[...journeys.routes.keys()].map((r) => `\`${r}\``).join(', ') || 'not given'}`, { route });
  return stages;
}

/** The pooled doctor point of `department` (a service point of kind `'doctor'`), or `undefined`. */
export function pooledPoint(config: CoreConfig, department: string | null | undefined): ServicePoint | undefined {
  if (config.journeys === undefined || department === null || department === undefined) return undefined;
  for (const point of config.journeys.points.values()) if (point.kind === DOCTOR_KIND && point.department === department) return point;
  return undefined;
}

const POOLED: JourneyRecord = makeJourney(NO_JOURNEY, { pooled: true });

/** The journey a new token of a department booking starts with: pooled when the department is. */
export function bookedJourney(config: CoreConfig, department: string | undefined): JourneyRecord | undefined {
  return pooledPoint(config, department) === undefined ? undefined : POOLED;
}

/**
 * The rule "is this token in doctor `doctorId`'s queue": checked in (or further) with no service
 * point of its own; its own doctor's token, or a pooled token of the doctor's department; and not
 * called by another doctor of a pooled department (it keeps that turn).
 */
export function inDoctorQueue(token: TokenRecord, doctorId: string): boolean {
  const j = token.journey;
  if (j === undefined) return token.doctorId === doctorId;
  if (j.point !== undefined) return false;
  if (j.calledBy !== undefined && j.calledBy !== doctorId) return false;
  return token.doctorId === doctorId || j.pooled === true;
}

/** The rule "is this token in service point `pointId`'s queue". */
export function atPoint(token: TokenRecord, pointId: string): boolean {
  return token.journey?.point === pointId;
}

/** Where a forward sends a token: a service point's queue, or the doctor's (`point` `undefined`). */
export interface ForwardTarget {
  readonly point: ServicePoint | undefined;
  readonly kind: string;
}

/**
 * Resolves `to` (a service point's id, or a kind) for a token of `doctor`: a point of that kind
 * serving the doctor's department, else one serving the whole facility; `'doctor'` (or a pooled
 * doctor point) is the doctor's own queue.
 * @throws OpdError `VALIDATION_FAILED` (field `to`) for no such point, one of another department, or two of the kind
 */
export function resolveTarget(journeys: JourneyConfig, doctor: DoctorRecord, to: string): ForwardTarget {
  const department = doctor.department ?? null;
  const byId = journeys.points.get(to);
  if (byId !== undefined) {
    if (byId.department !== undefined && byId.department !== department)
      throw invalid('to', `Service point \`${to}\` serves department \`${byId.department}\`, not the token's doctor's`, { servicePoint: to });
    return byId.kind === DOCTOR_KIND ? { point: undefined, kind: DOCTOR_KIND } : { point: byId, kind: byId.kind };
  }
  if (to === DOCTOR_KIND) return { point: undefined, kind: DOCTOR_KIND };
  const ofKind = [...journeys.points.values()].filter((p) => p.kind === to);
  const own = ofKind.filter((p) => p.department !== undefined && p.department === department);
  const shared = ofKind.filter((p) => p.department === undefined);
  const found = own.length > 0 ? own : shared;
  if (found.length === 0) throw invalid('to', `No service point \`${to}\`, nor one of kind \`${to}\` serving the token's doctor`, { servicePoint: to });
  if (found.length > 1) throw invalid('to', `Several service points of kind \`${to}\` serve the token's doctor: name one by id`, { servicePoint: to });
  return { point: found[0]!, kind: to };
}

/**
 * The stage a forward to `kind` reaches on the token's route: the first later stage of that kind.
 * `undefined` for a token without a route.
 * @throws OpdError `INVALID_TRANSITION` when no later stage of the route is of that kind
 */
export function nextStage(journeys: JourneyConfig, token: TokenRecord, kind: string): number | undefined {
  const j = token.journey;
  if (j?.route === undefined) return undefined;
  const stages = journeys.routes.get(j.route) ?? [];
  for (let k = (j.stage ?? -1) + 1; k < stages.length; k++) if (stages[k] === kind) return k;
  throw new OpdError('INVALID_TRANSITION', `Cannot forward token \`${token.id}\` to \`${kind}\`: no later stage of its route \`${j.route}\` is one`, {
    details: { field: 'to', tokenId: token.id, status: token.status, action: 'forward', route: j.route, stage: j.stage ?? null },
  });
}

/**
 * Where a patient sent back to the doctor re-enters (the `ReentryPolicy`): of the patients waiting
 * in `order` (the doctor's queue in call order, the returning patient not in it), emergencies and
 * patients already called left out, the first `passed` the policy answers go first.
 * @throws OpdError `VALIDATION_FAILED` naming the policy when it throws or answers anything but an integer from 0 to the number waiting
 */
export function reentryOf(
  at: CallOrderAt,
  journeys: JourneyConfig,
  token: TokenRecord,
  from: string,
  order: readonly TokenRecord[],
): { readonly at: number; readonly passedBy: readonly string[] } {
  const waiting = order.filter((t) => (protectionOf(at, t) !== null ? false : !(isCalled(t) && t.journey?.reentry === undefined)));
  const policy = journeys.reentry;
  const context = Object.freeze({
    at: at.nowDate,
    returning: Object.freeze({ tokenId: token.id, category: token.category, rank: token.rank, from }),
    waiting: Object.freeze(waiting.map((t) => Object.freeze({ tokenId: t.id, category: t.category, rank: t.rank }))),
  });
  const answer: unknown = callPlugin('re-entry policy', policy.name, () => policy.passed(context));
  if (typeof answer !== 'number' || !Number.isInteger(answer) || answer < 0 || answer > waiting.length)
    throw badAnswer('re-entry policy', policy.name, `an integer from 0 to ${waiting.length}, from \`passed\``);
  return Object.freeze({ at: at.nowDate.getTime(), passedBy: Object.freeze(waiting.slice(0, answer).map((t) => t.id)) });
}

function isCalled(t: TokenRecord): boolean {
  return t.callIndex !== undefined && t.callIndex !== null;
}

/**
 * Places the patients sent back to the doctor (`journey.reentry`) into `order`, a queue in call
 * order: each, in the order they came back, before the first patient who may not pass them —
 * after the emergencies, the patients already called, the patients waiting past the call order's
 * limit (`overdue`) and the patients its policy let go first, as far as the order puts these at
 * the head. A patient back for longer than the limit is left where the order put them.
 */
export function withReentries(at: CallOrderAt, order: readonly TokenRecord[], overdue: ReadonlySet<string>): readonly TokenRecord[] {
  const returning = order.filter((t) => t.journey?.reentry !== undefined && protectionOf(at, t) === null && !overdue.has(t.id));
  if (returning.length === 0) return order;
  const back = new Set(returning);
  const list = order.filter((t) => !back.has(t));
  returning.sort((a, b) => a.journey!.reentry!.at - b.journey!.reentry!.at || a.tokenNumber - b.tokenNumber);
  for (const t of returning) {
    // Before them: the head of the queue (emergencies, patients called who keep their turn, patients
    // waiting past the order's limit) and those of the patients the policy let go first whom the
    // order puts right there. Anyone else (a later arrival, or a patient of `passedBy` the order
    // puts behind another) is called after them: at most `passedBy.length` first calls pass them.
    const passedBy = new Set(t.journey!.reentry!.passedBy);
    const ahead = (x: TokenRecord): boolean =>
      protectionOf(at, x) !== null || (isCalled(x) && x.journey?.reentry === undefined) || overdue.has(x.id) || passedBy.has(x.id);
    let index = 0;
    while (index < list.length && ahead(list[index]!)) index++;
    list.splice(index, 0, t);
  }
  return list;
}

/** A day's places and slots read by `callSequence`, of several doctor-days merged in time order and only the tokens `keep` keeps. */
export class MergedQueue implements DayQueue {
  readonly #slots: { readonly slot: SlotRecord; readonly places: readonly TokenRecord[] }[];
  constructor(days: readonly DayQueue[], keep: (token: TokenRecord) => boolean, strip = false) {
    this.#slots = [];
    for (const day of days) {
      for (let i = 0; i < day.slotCount; i++) {
        const all = day.places(i);
        // The slot's own list when it keeps every place as it is (a point's queue from the store's index).
        let places: TokenRecord[] | undefined;
        for (let k = 0; k < all.length; k++) {
          const t = all[k]!;
          const kept = keep(t);
          // Only a token with a call record needs a copy without it (the record's fields in their
          // order: a spread would give each copy a hidden class of its own).
          const copy = kept && strip && isCalled(t) ? patchToken(t, { callIndex: null, holdExpiresAt: t.holdExpiresAt }, t.updatedAt) : t;
          if (places === undefined && (!kept || copy !== t)) places = all.slice(0, k);
          if (places !== undefined && kept) places.push(copy);
        }
        this.#slots.push({ slot: day.slot(i), places: places ?? all });
      }
    }
    // One day's slots (a store's index of a point's queue, one doctor's day) come in this order already.
    if (!inOrder(this.#slots)) this.#slots.sort(compareSlotsInTime);
  }
  get slotCount(): number {
    return this.#slots.length;
  }
  slot(i: number): SlotRecord {
    return this.#slots[i]!.slot;
  }
  places(i: number): readonly TokenRecord[] {
    return this.#slots[i]!.places;
  }
}

function inOrder(slots: readonly { readonly slot: SlotRecord }[]): boolean {
  for (let i = 1; i < slots.length; i++) if (compareSlotsInTime(slots[i - 1]!, slots[i]!) > 0) return false;
  return true;
}
