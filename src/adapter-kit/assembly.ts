import { OpdError } from '../errors.js';
import type { DayRecord, SlotRecord, TokenRecord } from '../model/records.js';
import type { DaySnapshot, SlotState } from '../model/snapshot.js';
import { isPlaceStatus } from '../model/status.js';

/**
 * A day snapshot from a day's stored rows: its counters, its slots (any order) and its tokens
 * (any order; those of other statuses are left out). Slots come out in time order, each with
 * the tokens holding a place in it, in the order given, and the `WAITLISTED` tokens as the
 * waitlist. Fresh arrays over the given records, which must not change afterwards.
 *
 * Its arguments are not checked: the adapter kit exports it with checks (`checked.ts`).
 *
 * @param adapter - the adapter's name, for the error
 * @throws OpdError `STORAGE_FAILURE` when a token holds a place in a slot that is not among `slots`
 * @internal
 */
export function assembleDay(adapter: string, record: DayRecord, slots: Iterable<SlotRecord>, tokens: Iterable<TokenRecord>): DaySnapshot {
  const states: (SlotState & { places: TokenRecord[] })[] = [...slots].sort((a, b) => a.start - b.start).map((slot) => ({ slot, places: [] }));
  const byId = new Map(states.map((s) => [s.slot.id, s]));
  const waitlist: TokenRecord[] = [];
  for (const token of tokens) {
    if (token.status === 'WAITLISTED') waitlist.push(token);
    else if (isPlaceStatus(token.status)) {
      const state = byId.get(token.slotId ?? '');
      if (state === undefined)
        throw new OpdError('STORAGE_FAILURE', 'A token refers to a slot missing from its day', { details: { adapter, tokenId: token.id } });
      state.places.push(token);
    }
  }
  return { record, slots: states, waitlist };
}
