import { OpdError, invalid } from '../errors.js';
import type { Decision, DoctorSnapshot, LoadRequest } from '../model/snapshot.js';
import type { DoctorRecord, SlotRecord, TokenRecord } from '../model/records.js';
import { compareQueueOrder } from '../model/queue.js';
import type { Doctor, Effect, Slot, TokenStatus, TransitionResult } from '../types.js';
import type { CoreConfig } from './config.js';
import { toDoctor, toSlot } from '../model/convert.js';
import * as ev from './events.js';
import { displace, mayHoldElastic, settle, worseVictim } from './placement.js';
import { NO_CHANGES, type DayWork, Workspace } from './workspace.js';

/** A token transition requested by a user. */
export type TransitionAction = 'cancel' | 'no-show' | 'check-in' | 'start' | 'complete';

const ALLOWED_FROM: Readonly<Record<TransitionAction, readonly TokenStatus[]>> = {
  cancel: ['WAITLISTED', 'BOOKED', 'CHECKED_IN'],
  'no-show': ['BOOKED'],
  'check-in': ['BOOKED'],
  start: ['CHECKED_IN'],
  complete: ['IN_CONSULTATION'],
};

function tokenNotFound(tokenId: string): OpdError {
  return new OpdError('TOKEN_NOT_FOUND', `Token \`${tokenId}\` does not exist`, { details: { field: 'tokenId', tokenId } });
}

function slotNotFound(slotId: string): OpdError {
  return new OpdError('SLOT_NOT_FOUND', `Slot \`${slotId}\` does not exist`, { details: { field: 'slotId', slotId } });
}

function loadedSlot(ws: Workspace, slotId: string): { work: DayWork; index: number; slot: SlotRecord } {
  const slot = ws.snapshot.slots.get(slotId);
  if (slot === undefined || ws.doctor === undefined) throw slotNotFound(slotId);
  const work = ws.day(slot.day);
  const index = work.indexOf(slotId);
  if (index < 0) throw slotNotFound(slotId);
  return { work, index, slot: work.slot(index) };
}

function commit<R>(ws: Workspace, result: R): Decision<R> {
  return { kind: 'commit', changes: ws.changed ? ws.changes() : NO_CHANGES, result };
}

/**
 * A lifecycle transition of one token (DESIGN §3): `cancel` (from `WAITLISTED`, `BOOKED`,
 * `CHECKED_IN`), `no-show` (`BOOKED`, once the slot started), `check-in`, `start`, `complete`.
 * Freed places are promoted into.
 */
export function decideTransition(
  config: CoreConfig,
  snapshot: DoctorSnapshot,
  tokenId: string,
  action: TransitionAction,
  now: number,
  reason: string | null,
): Decision<TransitionResult> {
  const stored = snapshot.tokens.get(tokenId);
  if (stored === undefined || snapshot.doctor === undefined) throw tokenNotFound(tokenId);
  const ws = new Workspace(config, snapshot, now);
  const work = ws.day(stored.day);
  const token = work.find(tokenId) ?? stored;
  if (!ALLOWED_FROM[action].includes(token.status)) {
    throw new OpdError('INVALID_TRANSITION', `Cannot ${action} token \`${tokenId}\`: it is ${token.status}`, {
      details: { field: 'tokenId', tokenId, status: token.status, action },
    });
  }
  const slotId = token.slotId;
  let next: TokenRecord;
  switch (action) {
    case 'cancel':
      next = ws.update(work, token, { status: 'CANCELLED', slotId: null, waitingForSlotId: null, cancelReason: reason });
      ev.cancelled(ws, next, slotId, reason);
      break;
    case 'no-show': {
      const index = work.indexOf(slotId ?? '');
      const slot = index < 0 ? undefined : work.slot(index);
      if (slot !== undefined && slot.start > now) {
        throw new OpdError('NOT_YET_DUE', `Token \`${tokenId}\` cannot be a no-show before its slot starts`, {
          details: { field: 'tokenId', tokenId, slotId, startsAt: new Date(slot.start).toISOString() },
        });
      }
      next = ws.update(work, token, { status: 'NO_SHOW', slotId: null });
      ev.noShow(ws, next, slotId ?? '', 'manual');
      break;
    }
    case 'check-in':
      next = ws.update(work, token, { status: 'CHECKED_IN' });
      ev.progressed(ws, next, slotId ?? '', 'token:checked-in');
      break;
    case 'start':
      next = ws.update(work, token, { status: 'IN_CONSULTATION' });
      ev.progressed(ws, next, slotId ?? '', 'token:consultation-started');
      break;
    case 'complete':
      next = ws.update(work, token, { status: 'COMPLETED' });
      ev.progressed(ws, next, slotId ?? '', 'token:completed');
      break;
  }
  settle(ws, work);
  return commit(ws, Object.freeze({ token: ws.tokenView(work, ws.latest(tokenId) ?? next), effects: Object.freeze(ws.events.slice(1)) }));
}

/**
 * The no-show sweep of one doctor-day: every `BOOKED` token in a slot that started before
 * `cutoff` becomes `NO_SHOW` — unless it got its place after `cutoff` (promoted or cascaded into
 * a slot already running: its grace runs from then). Freed places of slots that have not ended
 * are promoted into.
 */
export function decideSweepDay(config: CoreConfig, snapshot: DoctorSnapshot, day: string, now: number, cutoff: number): Decision<Effect[]> {
  if (snapshot.doctor === undefined) return { kind: 'commit', changes: NO_CHANGES, result: [] };
  const ws = new Workspace(config, snapshot, now);
  const work = ws.day(day);
  for (let i = 0; i < work.slotCount; i++) {
    const slot = work.slot(i);
    if (slot.start >= cutoff) continue;
    const due = work
      .places(i)
      .filter((t) => t.status === 'BOOKED' && (t.placedAt === null || t.placedAt < cutoff))
      .sort(compareQueueOrder);
    for (const token of due) {
      const next = ws.update(work, token, { status: 'NO_SHOW', slotId: null });
      ev.noShow(ws, next, slot.id, 'sweep');
    }
  }
  settle(ws, work);
  return commit(ws, ws.events);
}

function refuseClosedOrEnded(slot: SlotRecord, now: number): void {
  if (slot.status === 'CLOSED') {
    throw new OpdError('SLOT_CLOSED', `Slot \`${slot.id}\` is closed`, { details: { field: 'slotId', slotId: slot.id } });
  }
  if (slot.end <= now) {
    throw new OpdError('SLOT_ENDED', `Slot \`${slot.id}\` has ended`, { details: { field: 'slotId', slotId: slot.id } });
  }
}

/**
 * Closes a slot (the doctor leaves): every `BOOKED` place is displaced, best first, under the
 * displacement rule; tokens waiting for the slot on a per-slot waitlist move to the next open
 * slot's waitlist. Refused while patients in it are checked in or in consultation.
 */
export function decideCloseSlot(config: CoreConfig, snapshot: DoctorSnapshot, slotId: string, reason: string | null, now: number): Decision<Effect[]> {
  const ws = new Workspace(config, snapshot, now);
  const { work, index, slot } = loadedSlot(ws, slotId);
  refuseClosedOrEnded(slot, now);
  const present = work.places(index).filter((t) => t.status === 'CHECKED_IN' || t.status === 'IN_CONSULTATION');
  if (present.length > 0) {
    throw invalid('slotId', `Slot \`${slotId}\` holds patients who are checked in or in consultation; cancel or complete them first`, {
      slotId,
      tokenIds: present.map((t) => t.id),
    });
  }
  const closed = ws.updateSlot(work, index, { status: 'CLOSED', closedReason: reason });
  ev.slotClosed(ws, closed, reason);
  const booked = work
    .places(index)
    .filter((t) => t.status === 'BOOKED')
    .sort(compareQueueOrder);
  for (const token of booked) displace(ws, work, token, index, 'slot-closed', null, 0);
  moveWaitingFor(ws, work, index);
  settle(ws, work);
  return commit(ws, ws.events);
}

/** Per-slot waitlist entries of a closed slot wait for the next open slot (or any slot). */
function moveWaitingFor(ws: Workspace, work: DayWork, index: number): void {
  const slot = work.slot(index);
  const waiting = work.waitlist.filter((t) => t.waitingForSlotId === slot.id).sort(compareQueueOrder);
  if (waiting.length === 0) return;
  let nextSlot: SlotRecord | null = null;
  for (let j = index + 1; j < work.slotCount && nextSlot === null; j++) if (work.isUsable(j, ws.now)) nextSlot = work.slot(j);
  for (const token of waiting) {
    const next = ws.update(work, token, {
      waitingForSlotId: nextSlot?.id ?? null,
      notBefore: slot.start,
      rank: ws.rankOf({ ...token, notBefore: slot.start }, token.bumpCount),
    });
    ev.waitlisted(ws, next, next.waitingForSlotId, slot.id, 'slot-closed');
  }
}

/**
 * Changes a slot's capacity. Raising promotes waitlisted tokens; lowering displaces the
 * worst-ranked `BOOKED` places beyond the new capacity (elastic places in use stay in use).
 * A capacity below the places that can no longer move is refused.
 */
export function decideSetCapacity(config: CoreConfig, snapshot: DoctorSnapshot, slotId: string, capacity: number, now: number): Decision<Effect[]> {
  const ws = new Workspace(config, snapshot, now);
  const { work, index, slot } = loadedSlot(ws, slotId);
  refuseClosedOrEnded(slot, now);
  const places = work.places(index);
  const fixed = places.filter((t) => t.status !== 'BOOKED').length;
  if (capacity < fixed) {
    throw invalid('capacity', `Slot \`${slotId}\` holds ${fixed} places that can no longer move; capacity must be at least ${fixed}`, {
      slotId,
      minimum: fixed,
    });
  }
  if (capacity === slot.capacity) return { kind: 'commit', changes: NO_CHANGES, result: [] };
  const elasticInUse = Math.max(0, places.length - slot.capacity);
  const updated = ws.updateSlot(work, index, { capacity });
  ev.capacityChanged(ws, updated, slot.capacity);
  // Only tokens with elastic rights may stay above the new capacity: first the worst places
  // without them beyond it, then the worst places beyond the elastic places in use.
  const lowering = new Lowering(ws, work, index);
  while (work.occupancy(index) > capacity) {
    const victim = lowering.worstWithoutElasticRights(capacity);
    if (victim === undefined) break;
    displace(ws, work, victim, index, 'capacity-lowered', null, 0);
  }
  while (work.occupancy(index) > capacity + elasticInUse) {
    const victim = lowering.worst();
    if (victim === undefined) break;
    displace(ws, work, victim, index, 'capacity-lowered', null, 0);
  }
  settle(ws, work);
  return commit(ws, ws.events);
}

/** Places of a slot with the same category and rank: the same elastic rights. */
interface Group {
  readonly category: string;
  readonly rank: number;
  /** Places the group holds in the slot. */
  places: number;
  /** Its `BOOKED` places, worst first; those before `next` have moved. */
  readonly booked: TokenRecord[];
  next: number;
}

/**
 * The places of a slot whose capacity is lowered, as candidates to move: `BOOKED` places sorted
 * worst first once, grouped by what elastic rights depend on (category and rank), so that each
 * step asks the capacity strategy once per group rather than once per place: O(n log n) in the
 * places of the slot (times the groups, a handful).
 */
class Lowering {
  readonly #ws: Workspace;
  readonly #work: DayWork;
  readonly #index: number;
  readonly #groups: Group[] = [];
  readonly #booked: TokenRecord[];
  readonly #moved = new Set<TokenRecord>();
  #next = 0;

  constructor(ws: Workspace, work: DayWork, index: number) {
    this.#ws = ws;
    this.#work = work;
    this.#index = index;
    const order = ws.config.overflow.victimOrder;
    const worstFirst = (a: TokenRecord, b: TokenRecord): number => (worseVictim(a, b, order) ? -1 : worseVictim(b, a, order) ? 1 : 0);
    const byKey = new Map<string, Group>();
    for (const t of work.places(index)) {
      const key = `${t.category}\u0000${t.rank}`;
      let group = byKey.get(key);
      if (group === undefined) {
        group = { category: t.category, rank: t.rank, places: 0, booked: [], next: 0 };
        byKey.set(key, group);
        this.#groups.push(group);
      }
      group.places++;
      if (t.status === 'BOOKED') group.booked.push(t);
    }
    for (const group of this.#groups) group.booked.sort(worstFirst);
    this.#booked = this.#groups.flatMap((g) => g.booked).sort(worstFirst);
  }

  /**
   * While more places than `capacity` are held by tokens without elastic rights (as the capacity
   * strategy sees the slot now), the worst such `BOOKED` place; else `undefined`.
   */
  worstWithoutElasticRights(capacity: number): TokenRecord | undefined {
    const order = this.#ws.config.overflow.victimOrder;
    let inelastic = 0;
    let worst: Group | undefined;
    for (const group of this.#groups) {
      if (group.places === 0 || mayHoldElastic(this.#ws, this.#work, this.#index, group)) continue;
      inelastic += group.places;
      const head = group.booked[group.next];
      if (head !== undefined && (worst === undefined || worseVictim(head, worst.booked[worst.next]!, order))) worst = group;
    }
    if (inelastic <= capacity || worst === undefined) return undefined;
    return this.#take(worst);
  }

  /** The worst `BOOKED` place left, or `undefined`. */
  worst(): TokenRecord | undefined {
    while (this.#next < this.#booked.length && this.#moved.has(this.#booked[this.#next]!)) this.#next++;
    const victim = this.#booked[this.#next];
    if (victim === undefined) return undefined;
    const group = this.#groups.find((g) => g.booked[g.next] === victim)!;
    return this.#take(group);
  }

  #take(group: Group): TokenRecord {
    const victim = group.booked[group.next++]!;
    group.places--;
    this.#moved.add(victim);
    return victim;
  }
}

/** A validated slot to add. */
export interface SlotDraft {
  readonly id: string | undefined;
  readonly start: number;
  readonly end: number;
  readonly capacity: number;
  readonly overflowCapacity: number;
  readonly day: string;
}

/** What adding slots needs to read. */
export function addSlotsLoadRequest(doctorId: string, drafts: readonly SlotDraft[]): LoadRequest {
  const given = drafts.flatMap((d) => (d.id === undefined ? [] : [d.id]));
  if (drafts.length === 0) return { doctorId };
  return {
    doctorId,
    slotIds: given,
    days: [...new Set(drafts.map((d) => d.day))],
    schedule: { from: Math.min(...drafts.map((d) => d.start)), to: Math.max(...drafts.map((d) => d.end)) },
  };
}

/** The id of a generated slot: its doctor and start, unique because a doctor's slots never overlap. */
export function slotIdOf(doctorId: string, start: number): string {
  return `${doctorId}@${new Date(start).toISOString().replace('.000Z', 'Z')}`;
}

/** Adds slots (no overlap with any slot of the doctor, open or closed) and promotes into them. */
export function decideAddSlots(config: CoreConfig, snapshot: DoctorSnapshot, doctorId: string, drafts: readonly SlotDraft[], now: number): Decision<Slot[]> {
  const doctor = snapshot.doctor;
  if (doctor === undefined) {
    throw new OpdError('DOCTOR_NOT_FOUND', `Doctor \`${doctorId}\` does not exist`, { details: { field: 'doctorId', doctorId } });
  }
  const ws = new Workspace(config, snapshot, now);
  const records: SlotRecord[] = drafts.map((draft, i) => {
    if (draft.id !== undefined && snapshot.slots.has(draft.id)) {
      throw invalid(`slots[${i}].id`, `Slot id \`${draft.id}\` already exists`, { slotId: draft.id });
    }
    const clash = snapshot.schedule?.find(({ slot }) => slot.start < draft.end && slot.end > draft.start);
    if (clash !== undefined) {
      throw new OpdError('SLOT_OVERLAP', `Slot ${i} overlaps slot \`${clash.slot.id}\` of doctor \`${doctorId}\``, {
        details: { field: `slots[${i}]`, slotId: clash.slot.id, doctorId },
      });
    }
    return {
      id: draft.id ?? slotIdOf(doctorId, draft.start),
      doctorId,
      day: draft.day,
      start: draft.start,
      end: draft.end,
      capacity: draft.capacity,
      overflowCapacity: draft.overflowCapacity,
      status: 'OPEN',
      closedReason: null,
    };
  });
  for (const record of records) ws.addSlot(ws.day(record.day), record);
  for (const day of new Set(records.map((r) => r.day))) settle(ws, ws.day(day));
  return commit(ws, records.map(toSlot));
}

/** Adds a doctor with an unused id. */
export function decideAddDoctor(snapshot: DoctorSnapshot, record: DoctorRecord): Decision<Doctor> {
  if (snapshot.doctor !== undefined) {
    throw invalid('id', `Doctor \`${record.id}\` already exists`, { doctorId: record.id });
  }
  return { kind: 'commit', changes: { ...NO_CHANGES, doctor: record }, result: toDoctor(record) };
}
