import type { ChangeSet, LoadRequest, ScheduleWindow } from '../model/snapshot.js';
import { ReadonlyLookup } from '../model/lookup.js';
import { parseTokenId } from '../model/records.js';
import { changeSetDoctor, LockedDoctors } from './checks.js';

/**
 * How an adapter runs one unit over several doctors: the doctors to lock, in the order to lock
 * them, and the request to read for each. Made by {@link planUnit}.
 */
export interface UnitPlan {
  /** The locked doctor of the request (`doctorId`, else the doctor of `tokenId`), if named. */
  readonly primary: string | undefined;
  /** What to read of the locked doctor: its request, with `each` of the department merged in when it is a member. */
  readonly primaryRequest: LoadRequest;
  /** The further doctors and what to read of each, sorted by id; never the locked doctor. */
  readonly further: ReadonlyMap<string, LoadRequest>;
  /** Every doctor of the unit, sorted by id: the order to take their locks in. */
  readonly lockOrder: readonly string[];
}

/**
 * Whether a load request is a unit over several doctors (`others`, `department` or
 * `everyDoctor`), over a patient's tokens across doctors (`patient`) or over a service point's
 * queue (`servicePoint`): units that take more than one doctor's lock, or a patient's lock first,
 * or read across doctors, and run as units over several doctors do.
 */
export function isMultiDoctor(request: LoadRequest): boolean {
  return (
    (request.others !== undefined && request.others.length > 0) ||
    request.department !== undefined ||
    request.everyDoctor !== undefined ||
    request.patient !== undefined ||
    request.servicePoint !== undefined
  );
}

/** The doctor a request names before anything is read: `doctorId`, else the doctor part of `tokenId`. */
export function namedDoctor(request: LoadRequest): string | undefined {
  return request.doctorId ?? (request.tokenId === undefined ? undefined : parseTokenId(request.tokenId)?.doctorId);
}

/**
 * Plans a unit over several doctors.
 *
 * @param request - the unit's load request
 * @param members - the doctors of `request.department`, or every doctor for
 *   `request.everyDoctor` (any order), resolved by the adapter; ignored when the request names
 *   neither
 * @returns the doctors to lock, sorted by id, and what to read of each
 */
export function planUnit(request: LoadRequest, members: readonly string[] | undefined): UnitPlan {
  const primary = namedDoctor(request);
  const named = new Map<string, LoadRequest>();
  let primaryRequest: LoadRequest = request;
  for (const other of request.others ?? []) {
    if (other.doctorId === undefined) continue;
    if (other.doctorId === primary) primaryRequest = mergeLoadRequests(primaryRequest, other);
    else addPart(named, other.doctorId, other);
  }
  const group = request.everyDoctor ?? request.department;
  const sorted = group === undefined || members === undefined ? NONE : isSorted(members) ? members : [...members].sort(compareIds);
  if (group !== undefined && sorted.length > 0) {
    if (primary !== undefined && includes(sorted, primary)) primaryRequest = mergeLoadRequests(primaryRequest, group.each);
    // A doctor named in `others` and a member too is read with both requests.
    for (const [id, part] of named) if (includes(sorted, id)) named.set(id, mergeLoadRequests(part, group.each));
  }
  const ids = [...named.keys()];
  // Usually named in order already: then kept as they came.
  const byId = isSorted(ids) ? named : new Map<string, LoadRequest>(ids.sort(compareIds).map((id) => [id, named.get(id)!]));
  const lockOrder = lockOrderOf(ids, sorted, primary);
  const further = new UnitParts(byId, sorted, group === undefined ? undefined : stripMulti(group.each), primary, lockOrder);
  return { primary, primaryRequest: stripMulti(primaryRequest), further, lockOrder };
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * Every doctor of a unit, sorted by id, without repeats: the doctors named (`named`, sorted), the
 * members (sorted) and the locked doctor. The members themselves when they hold every one (a call
 * at a point locks a department or the facility and names nobody else).
 */
function lockOrderOf(named: readonly string[], members: readonly string[], primary: string | undefined): readonly string[] {
  if (named.length === 0 && (primary === undefined || includes(members, primary))) return members;
  if (members.length === 0) return primary === undefined ? named : [...named, primary].sort(compareIds);
  const all = [...new Set([...named, ...members, ...(primary === undefined ? [] : [primary])])];
  return all.sort(compareIds);
}

/** Whether sorted `ids` hold `id` (a binary search: a unit over the facility holds every doctor). */
function includes(ids: readonly string[], id: string): boolean {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareIds(ids[mid]!, id);
    if (c === 0) return true;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * The further doctors of a unit and what to read of each ({@link UnitPlan.further}): those named in
 * `others`, as merged, and the members of a department (or every doctor), each read with the
 * group's `each`. A member's request is made when first asked for, not for each member when the
 * unit is planned: a call at a point that serves the facility locks two hundred doctors and reads
 * one or two.
 */
class UnitParts extends ReadonlyLookup<LoadRequest> {
  readonly #named: ReadonlyMap<string, LoadRequest>;
  readonly #members: readonly string[];
  readonly #each: LoadRequest | undefined;
  readonly #primary: string | undefined;
  /** Every doctor of the unit, sorted by id: the further doctors are these but the locked one. */
  readonly #lockOrder: readonly string[];
  #made: Map<string, LoadRequest> | undefined;
  #keys: readonly string[] | undefined;

  constructor(
    named: ReadonlyMap<string, LoadRequest>,
    members: readonly string[],
    each: LoadRequest | undefined,
    primary: string | undefined,
    lockOrder: readonly string[],
  ) {
    super();
    this.#named = named;
    this.#members = members;
    this.#each = each;
    this.#primary = primary;
    this.#lockOrder = lockOrder;
  }

  get size(): number {
    return this.#ids().length;
  }

  has(id: string): boolean {
    return this.#named.has(id) || (id !== this.#primary && includes(this.#members, id));
  }

  get(id: string): LoadRequest | undefined {
    const named = this.#named.get(id);
    if (named !== undefined || this.#each === undefined || id === this.#primary || !includes(this.#members, id)) return named;
    const made = (this.#made ??= new Map());
    let part = made.get(id);
    if (part === undefined) {
      const each = this.#each;
      // The doctor first: in V8 a spread followed by a field it lacks gives each object a hidden
      // class of its own (and costs about a microsecond).
      part = Object.hasOwn(each, 'doctorId') ? { ...each, doctorId: id } : { doctorId: id, ...each };
      made.set(id, part);
    }
    return part;
  }

  /** Every further doctor, sorted by id: the lock order but the locked doctor (itself, without one). */
  #ids(): readonly string[] {
    const primary = this.#primary;
    return (this.#keys ??= primary === undefined ? this.#lockOrder : this.#lockOrder.filter((id) => id !== primary));
  }

  keys(): MapIterator<string> {
    return this.#ids()[Symbol.iterator]();
  }
}

/** Adds what to read of further doctor `doctorId` to `further`, with what it holds of that doctor already. */
function addPart(further: Map<string, LoadRequest>, doctorId: string, part: LoadRequest): void {
  const held = further.get(doctorId);
  if (held !== undefined) further.set(doctorId, mergeLoadRequests(held, part));
  else {
    const own = stripMulti(part);
    // A part naming its doctor (an entry of `others`) is read as it is. The doctor first (see `UnitParts.get`).
    further.set(doctorId, own.doctorId === doctorId ? own : Object.hasOwn(own, 'doctorId') ? { ...own, doctorId } : { doctorId, ...own });
  }
}

function isSorted(ids: readonly string[]): boolean {
  for (let i = 1; i < ids.length; i++) if (compareIds(ids[i - 1]!, ids[i]!) > 0) return false;
  return true;
}

/**
 * Whether a later load of a unit stays within the doctors the unit locked when it started. An
 * adapter refuses a request that does not (it would take a lock out of order).
 *
 * @param request - the later load request
 * @param locked - the doctors the unit locked
 * @param members - the department's members (or every doctor) as resolved when the unit started
 * @param patient - the id of the patient the unit locked when it started, if any
 */
export function staysWithin(request: LoadRequest, locked: readonly string[], members: readonly string[] | undefined, patient?: string | undefined): boolean {
  // A patient's lock is taken first, when the unit starts: a later load names that patient or none.
  if (request.patient !== undefined && request.patient.id !== patient) return false;
  const held = new LockedDoctors(locked);
  const primary = namedDoctor(request);
  if (primary !== undefined && !held.has(primary)) return false;
  for (const other of request.others ?? []) if (other.doctorId === undefined || !held.has(other.doctorId)) return false;
  if (request.department !== undefined || request.everyDoctor !== undefined) {
    if (members === undefined) return false;
    for (const id of members) if (!held.has(id)) return false;
  }
  return true;
}

/**
 * One request reading everything two requests read (for the same doctor): days and slots of
 * both, the wider schedule window, and the first's `tokenId`, `slotId`, idempotency key and service point
 * (else the second's).
 */
export function mergeLoadRequests(a: LoadRequest, b: LoadRequest): LoadRequest {
  const days = union(a.days, b.days);
  const slotIds = union(a.slotIds, b.slotIds);
  return {
    ...a,
    tokenId: a.tokenId ?? b.tokenId,
    slotId: a.slotId ?? b.slotId,
    idempotencyKey: a.idempotencyKey ?? b.idempotencyKey,
    servicePoint: a.servicePoint ?? b.servicePoint,
    days,
    slotIds,
    schedule: widerWindow(a.schedule, b.schedule),
  };
}

/**
 * Splits a change set by doctor, for an adapter that writes each doctor's rows on their own: one
 * part per doctor, sorted by doctor id, each with that doctor's records and idempotency key. The
 * unit's events all go with the last part (numbered together, in causal order). A change set of
 * one doctor comes back as it is.
 */
export function changeSetParts(changes: ChangeSet): ChangeSet[] {
  const first = changeSetDoctor(changes);
  if (first === undefined) return [changes];
  const doctors = new Set<string>();
  if (changes.doctor !== undefined) doctors.add(changes.doctor.id);
  if (changes.updatedDoctor !== undefined) doctors.add(changes.updatedDoctor.id);
  for (const records of [changes.newSlots, changes.updatedSlots, changes.newTokens, changes.updatedTokens, changes.days])
    for (const r of records) doctors.add(r.doctorId);
  if (changes.idempotency !== undefined) doctors.add(changes.idempotency.doctorId);
  if (doctors.size <= 1) return [changes];
  const ids = [...doctors].sort(compareIds);
  return ids.map((id, i) => ({
    doctor: changes.doctor?.id === id ? changes.doctor : undefined,
    updatedDoctor: changes.updatedDoctor?.id === id ? changes.updatedDoctor : undefined,
    newSlots: changes.newSlots.filter((r) => r.doctorId === id),
    updatedSlots: changes.updatedSlots.filter((r) => r.doctorId === id),
    newTokens: changes.newTokens.filter((r) => r.doctorId === id),
    updatedTokens: changes.updatedTokens.filter((r) => r.doctorId === id),
    days: changes.days.filter((r) => r.doctorId === id),
    idempotency: changes.idempotency?.doctorId === id ? changes.idempotency : undefined,
    guardDuplicates: changes.guardDuplicates,
    events: i === ids.length - 1 ? changes.events : [],
  }));
}

/** Code-unit order of ids (the order every adapter locks doctors in). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function stripMulti(request: LoadRequest): LoadRequest {
  if (
    request.others === undefined &&
    request.department === undefined &&
    request.everyDoctor === undefined &&
    request.patient === undefined &&
    request.servicePoint === undefined
  )
    return request;
  const { others: _others, department: _department, everyDoctor: _everyDoctor, patient: _patient, servicePoint: _servicePoint, ...rest } = request;
  return rest;
}

function union(a: readonly string[] | undefined, b: readonly string[] | undefined): readonly string[] | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return [...new Set([...a, ...b])];
}

function widerWindow(a: ScheduleWindow | undefined, b: ScheduleWindow | undefined): ScheduleWindow | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const to = a.to === undefined || b.to === undefined ? undefined : Math.max(a.to, b.to);
  // A limit counts from `from`: kept only where both windows count from the same instant.
  const limit = a.limit === undefined || b.limit === undefined || a.from !== b.from ? undefined : Math.max(a.limit, b.limit);
  return limit === undefined ? { from: Math.min(a.from, b.from), to } : { from: a.from, to, limit };
}
