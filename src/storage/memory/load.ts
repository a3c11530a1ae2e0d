/**
 * How the in-memory store reads a unit's snapshot out of its structures: the token a request
 * names, and the days, slots, schedule window and idempotency record of one doctor.
 */
import type { DoctorSnapshot, LoadRequest, ScheduleEntry } from '../../model/snapshot.js';
import { firstEndingAfter, parseTokenId, type SlotRecord, type TokenRecord } from '../../model/records.js';
import { addDay, DayMap, type MemDoctor, type MemSlot } from './structures.js';

const NO_TOKENS: ReadonlyMap<string, TokenRecord> = new Map();
const NO_SLOTS: ReadonlyMap<string, SlotRecord> = new Map();

/** The stored token of `tokenId`, found by the doctor, day and number its id names; `undefined` for an unknown one. */
export function findToken(doctors: ReadonlyMap<string, MemDoctor>, tokenId: string): TokenRecord | undefined {
  const parts = parseTokenId(tokenId);
  if (parts === undefined) return undefined;
  const token = doctors.get(parts.doctorId)?.days.get(parts.day)?.tokens[parts.tokenNumber - 1];
  return token?.id === tokenId ? token : undefined;
}

/**
 * The snapshot a unit reads of `doctor` (found by the store from the request's doctor, token or
 * slot): the days it asks for, the token and slots it names, a window of the doctor's schedule
 * and the idempotency record of its key. With `copy` (a `read`), every day is a copy; a unit's
 * own load hands out the store's structures (the rules copy what they change).
 */
export function snapshotOf(
  request: LoadRequest,
  doctor: MemDoctor | undefined,
  token: TokenRecord | undefined,
  slot: SlotRecord | undefined,
  stored: ReadonlyMap<string, MemSlot>,
  copy: boolean,
): DoctorSnapshot {
  const days = new DayMap();
  let tokens = NO_TOKENS;
  if (token !== undefined && doctor !== undefined && token.doctorId === doctor.record.id) {
    tokens = new Map([[token.id, token]]);
    addDay(days, doctor, token.day, copy);
  }
  let slots = NO_SLOTS;
  if (slot !== undefined || request.slotIds !== undefined) {
    const found = new Map<string, SlotRecord>();
    if (slot !== undefined) {
      found.set(slot.id, slot);
      if (doctor !== undefined && slot.doctorId === doctor.record.id) addDay(days, doctor, slot.day, copy);
    }
    for (const id of request.slotIds ?? []) {
      const other = stored.get(id);
      if (other !== undefined) found.set(id, other.slot);
    }
    slots = found;
  }
  const requested = request.days;
  if (requested !== undefined && doctor !== undefined) for (let i = 0; i < requested.length; i++) addDay(days, doctor, requested[i]!, copy);
  let schedule: readonly ScheduleEntry[] | undefined;
  let scheduleCut = false;
  if (request.schedule !== undefined) {
    const { from, to, limit } = request.schedule;
    const list = doctor?.slots ?? [];
    const lo = firstEndingAfter(list, from);
    let end = lo;
    while (end < list.length && (to === undefined || list[end]!.slot.start < to)) {
      if (limit !== undefined && end - lo === limit) {
        scheduleCut = true;
        break;
      }
      end++;
    }
    const range = list.slice(lo, end);
    schedule = copy ? range.map((s) => ({ slot: s.slot, occupancy: s.occupancy, earliestClaimEnd: s.earliestClaimEnd })) : range;
  }
  const idempotency = request.idempotencyKey === undefined ? undefined : doctor?.idempotency.get(request.idempotencyKey);
  return { doctor: doctor?.record, days, tokens, slots, schedule, scheduleCut, idempotency };
}
