/**
 * Which slot a request takes. Every path that places a patient — a booking, the next-slot option,
 * a cascade, a promotion's target, the emergency rule, a move, a leave, a token brought back —
 * finds its slot through {@link firstUsableSlot}, and a request naming no slot takes the one
 * {@link chooseSlot} chooses.
 */
import { isUsableSlot, type SlotRecord } from '../model/records.js';

/** The slots a choice reads, in time order: a day's working copy, or a doctor's schedule. */
export interface SlotList {
  readonly slotCount: number;
  slot(i: number): SlotRecord;
  occupancy(i: number): number;
}

/** Where a scan starts and which slots it may take. */
export interface SlotScan {
  /** The first index to look at. @defaultValue 0 */
  readonly from?: number | undefined;
  /** The request may not be placed in a slot starting earlier. @defaultValue no bound */
  readonly notBefore?: number | null | undefined;
  /** Whether the request fits in usable slot `i`. @defaultValue every usable slot */
  readonly takes?: ((i: number) => boolean) | undefined;
  /**
   * Whether the request may be placed in usable slot `i` at all (its booking window): unlike
   * `takes`, {@link chooseSlot}'s fallback obeys it too. @defaultValue every usable slot
   */
  readonly allows?: ((i: number) => boolean) | undefined;
}

/**
 * The earliest slot of `list`, from index `from` on, that is usable at `now` for a request not
 * placed before `notBefore` ({@link isUsableSlot}) and that `takes` accepts; -1 when none.
 */
export function firstUsableSlot(list: SlotList, now: number, scan: SlotScan = {}): number {
  const notBefore = scan.notBefore ?? null;
  for (let i = scan.from ?? 0, n = list.slotCount; i < n; i++) {
    if (isUsableSlot(list.slot(i), now, notBefore) && (scan.allows === undefined || scan.allows(i)) && (scan.takes === undefined || scan.takes(i))) return i;
  }
  return -1;
}

/** Whether slot `i` of `list` has a free place: fewer places than its capacity. */
export function hasFreePlace(list: SlotList, i: number): boolean {
  return list.occupancy(i) < list.slot(i).capacity;
}

/** The slot a request naming none takes: its index (-1 for none), and whether it has room for the request there. */
export interface SlotChoice {
  readonly index: number;
  readonly room: boolean;
}

/**
 * The rule "which slot does a request take" (DESIGN §4, booking step 2): the earliest usable slot
 * with room for the request (by default a free place; the caller's `takes` may add the quota, or
 * the emergency rule's elastic places and bumps), else the earliest usable slot; none when no
 * slot is usable. Slots the caller's `allows` refuses (outside the request's booking window) are
 * never chosen.
 */
export function chooseSlot(list: SlotList, now: number, scan: SlotScan = {}): SlotChoice {
  const { from, notBefore, allows } = scan;
  const withRoom = firstUsableSlot(list, now, scan.takes !== undefined ? scan : { from, notBefore, allows, takes: (i) => hasFreePlace(list, i) });
  if (withRoom >= 0) return { index: withRoom, room: true };
  return { index: firstUsableSlot(list, now, { from, notBefore, allows }), room: false };
}

/** A doctor's schedule (slots with their occupancy) as a {@link SlotList}. */
export function scheduleList(schedule: readonly { readonly slot: SlotRecord; readonly occupancy: number }[]): SlotList {
  return { slotCount: schedule.length, slot: (i) => schedule[i]!.slot, occupancy: (i) => schedule[i]!.occupancy };
}
