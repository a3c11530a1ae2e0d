import type { ChangeSet } from '../model/snapshot.js';
import { isLiveStatus } from '../model/status.js';

/** The doctor a change set is about (`undefined` when it writes no record). */
export function changeSetDoctor(changes: ChangeSet): string | undefined {
  return (
    changes.doctor?.id ??
    changes.updatedDoctor?.id ??
    changes.newTokens[0]?.doctorId ??
    changes.updatedTokens[0]?.doctorId ??
    changes.days[0]?.doctorId ??
    changes.newSlots[0]?.doctorId ??
    changes.updatedSlots[0]?.doctorId ??
    changes.idempotency?.doctorId
  );
}

/** What {@link checkChangeSet} found wrong with a change set: which check, and the record's id. */
export interface ChangeSetProblem {
  /** The check that failed, e.g. `unit spanning doctors`. */
  readonly what: string;
  /** The id of the record it failed on (a doctor or token id; empty when none applies). */
  readonly id: string;
}

/** Whether every record belongs to `doctorId`, or (when `held` is given) to one of `held`. */
function allOf(records: readonly { readonly doctorId: string }[], doctorId: string, held: LockedDoctors | undefined): boolean {
  for (let i = 0; i < records.length; i++) if (!isAllowed(records[i]!.doctorId, doctorId, held)) return false;
  return true;
}

function isAllowed(id: string, doctorId: string, held: LockedDoctors | undefined): boolean {
  return held === undefined ? id === doctorId : held.has(id);
}

/**
 * The doctors a unit locked, asked whether it holds one: a unit's change set and later loads
 * name one or two of them, each many times (a call at a point serving the facility locks 200 and
 * writes one), so the list is scanned for each new id, and made a set only once many are asked.
 */
export class LockedDoctors {
  readonly #locked: readonly string[];
  #set: Set<string> | undefined;
  #last: string | undefined;
  #scans = 0;

  constructor(locked: readonly string[]) {
    this.#locked = locked;
  }

  /** Whether `id` is one of the locked doctors. */
  has(id: string): boolean {
    if (id === this.#last) return true;
    let found: boolean;
    if (this.#set !== undefined) found = this.#set.has(id);
    else if (++this.#scans > 4) {
      this.#set = new Set(this.#locked);
      found = this.#set.has(id);
    } else found = this.#locked.includes(id);
    if (found) this.#last = id;
    return found;
  }
}

/** A token or slot id both new and updated in `changes`, if any. */
function newAndUpdated({ newTokens, updatedTokens, newSlots, updatedSlots }: ChangeSet): string | undefined {
  // Slots change in a few units only (adding slots, closing or resizing them): never in a booking.
  if (newSlots.length > 0 && updatedSlots.length > 0) {
    const added = new Set(newSlots.map((s) => s.id));
    const both = updatedSlots.find((s) => added.has(s.id));
    if (both !== undefined) return both.id;
  }
  if (newTokens.length === 0 || updatedTokens.length === 0) return undefined;
  // A booking creates one token and changes a few: a scan beats building a set.
  if (newTokens.length * updatedTokens.length <= 64) {
    for (let i = 0; i < updatedTokens.length; i++) {
      const id = updatedTokens[i]!.id;
      for (let j = 0; j < newTokens.length; j++) if (newTokens[j]!.id === id) return id;
    }
    return undefined;
  }
  const fresh = new Set(newTokens.map((t) => t.id));
  return updatedTokens.find((t) => fresh.has(t.id))?.id;
}

/**
 * The checks every adapter makes on a change set before writing it, whatever it stores: every
 * record belongs to the one doctor the unit locked (or, for a unit over several doctors, to one
 * of the doctors it locked), no record is both new and
 * updated, a live new token is not given twice to one patient of a doctor-day while the unit
 * guards duplicates, and records without a doctor are never written. Checks that need the
 * stored state (token numbers continuing the day's, updated records existing) are the
 * adapter's own.
 *
 * Its arguments are not checked: the adapter kit exports it with checks (`checked.ts`).
 *
 * @param changes - the change set a unit's decision returned
 * @param locked - for a unit over several doctors, every doctor it locked; omitted for a unit of one doctor
 * @returns the first problem found, or `undefined` when the change set may be written
 * @internal
 */
export function checkChangeSet(changes: ChangeSet, locked?: readonly string[] | undefined): ChangeSetProblem | undefined {
  const doctorId = changeSetDoctor(changes);
  if (doctorId === undefined) {
    const records = changes.newTokens.length + changes.updatedTokens.length + changes.days.length + changes.newSlots.length + changes.updatedSlots.length;
    return records > 0 || changes.doctor !== undefined || changes.updatedDoctor !== undefined || changes.idempotency !== undefined
      ? { what: 'records without a doctor', id: '' }
      : undefined;
  }
  // Checked once per booking: no closure, no set for a unit of one doctor.
  const held = locked === undefined ? undefined : new LockedDoctors(locked);
  if (
    (changes.doctor !== undefined && !isAllowed(changes.doctor.id, doctorId, held)) ||
    (changes.updatedDoctor !== undefined && !isAllowed(changes.updatedDoctor.id, doctorId, held)) ||
    !allOf(changes.newTokens, doctorId, held) ||
    !allOf(changes.updatedTokens, doctorId, held) ||
    !allOf(changes.days, doctorId, held) ||
    !allOf(changes.newSlots, doctorId, held) ||
    !allOf(changes.updatedSlots, doctorId, held) ||
    (changes.idempotency !== undefined && !isAllowed(changes.idempotency.doctorId, doctorId, held)) ||
    (changes.erasedIdempotency !== undefined && !isAllowed(changes.erasedIdempotency.doctorId, doctorId, held))
  ) {
    return { what: held === undefined ? 'unit spanning doctors' : 'record of a doctor the unit did not lock', id: doctorId };
  }
  if (changes.doctor !== undefined && changes.updatedDoctor !== undefined) return { what: 'record both new and updated', id: changes.doctor.id };
  const both = newAndUpdated(changes);
  if (both !== undefined) return { what: 'record both new and updated', id: both };
  if (changes.guardDuplicates === true && changes.newTokens.length > 1) {
    const held = new Set<string>();
    for (const token of changes.newTokens) {
      const patientId = token.patient.id;
      if (patientId === undefined || !isLiveStatus(token.status)) continue;
      const key = `${token.doctorId}\u0000${token.day}\u0000${patientId}`;
      if (held.has(key)) return { what: 'second live token of a patient', id: token.id };
      held.add(key);
    }
  }
  return undefined;
}
