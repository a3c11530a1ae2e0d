/**
 * A booking with all the work a booking must do and none of the engine's structure: the
 * ceiling of what restructuring the engine could gain on the workload of `npm run bench`.
 *
 * One function books by date on a standard-preset network, with this library's own parts for
 * the work itself — the request's checks and the patient's copy (`parseBookRequest`), the clock's
 * check, the priority and overflow policies asked as the engine asks them, the duplicate guard
 * (`PatientIndex`), the token record in the store's shape and its id, the `token:booked` event
 * stamped, frozen and kept in the history (`EventLog`), the position and estimated start
 * (`placeNewToken`), the frozen token view with its dates (`toPlacedToken`), the frozen result,
 * and a promise whose reaction publishes — and keeps what the memory store keeps for a booking.
 * It has no unit of work, no snapshot, no change set and its checks, no working copy: the day's
 * records are changed in place, and only requests the quiet booking takes (a free or an elastic
 * place, no bump, no waitlist) are supported.
 */
import { OpdError } from '../src/errors.js';
import { parseBookRequest } from '../src/inputs.js';
import { resolveOptions } from '../src/options.js';
import { presets } from '../src/policies/presets.js';
import { timeOf } from '../src/time.js';
import { toPlacedToken } from '../src/model/convert.js';
import { fixedDate } from '../src/model/instant.js';
import { type DayQueue, type Placed, placeNewToken } from '../src/model/queue.js';
import { type SlotRecord, type TokenRecord, tokenIdOf } from '../src/model/records.js';
import { booked } from '../src/core/events.js';
import { protectionOf } from '../src/core/emergency.js';
import { elasticPlaces } from '../src/core/placement.js';
import { NO_EVENTS, rankAt } from '../src/core/workspace.js';
import { EventLog } from '../src/storage/event-log.js';
import { PatientIndex } from '../src/storage/patient-index.js';
import type { BookingResult, EstimateStatus, OpdEvent } from '../src/index.js';
import { CAPACITY, dayString, FIRST_DAY, SLOTS_PER_DAY, type WorkloadRequest } from './book-workload.js';

const DAY_MS = 86_400_000;

/** A slot with its places, as the memory store keeps it. */
interface LeanSlot {
  readonly slot: SlotRecord;
  readonly places: TokenRecord[];
  worstRank: number;
}

/** A doctor-day: its slots, its tokens (number n at n − 1), its patients. */
class LeanDay implements DayQueue {
  readonly unconsulted = true;
  readonly slots: LeanSlot[] = [];
  readonly tokens: TokenRecord[] = [];
  readonly patients = new PatientIndex();
  lastTokenNumber = 0;
  constructor(readonly day: string) {}
  get slotCount(): number {
    return this.slots.length;
  }
  slot(i: number): SlotRecord {
    return this.slots[i]!.slot;
  }
  places(i: number): readonly TokenRecord[] {
    return this.slots[i]!.places;
  }
}

/** Where the booking's token stands (written by `placeNewToken`). */
class Place implements Placed {
  position = 0;
  start = 0;
  status: EstimateStatus = 'ON_TIME';
}

/** A lean booker over `doctors` × `days` of the workload's slots. */
export function leanBooker(
  doctors: number,
  days: number,
): { book(request: WorkloadRequest): Promise<BookingResult>; booked(): number; history(after: number, limit: number): OpdEvent[] } {
  const clock = (): Date => new Date(FIRST_DAY);
  const options = resolveOptions({ ...presets.standard(), clock });
  const config = options.core;
  const store = new Map<string, Map<string, LeanDay>>();
  for (let i = 0; i < doctors; i++) {
    const doctorId = `d${i}`;
    const byDay = new Map<string, LeanDay>();
    for (let d = 0; d < days; d++) {
      const day = new LeanDay(dayString(d));
      for (let s = 0; s < SLOTS_PER_DAY; s++) {
        const start = FIRST_DAY + d * DAY_MS + (9 + s) * 3_600_000;
        const slot: SlotRecord = { id: `${doctorId}@${new Date(start).toISOString().slice(0, 19)}Z`, doctorId, day: day.day, start, end: start + 3_600_000, capacity: CAPACITY, overflowCapacity: options.defaultOverflowCapacity, status: 'OPEN', closedReason: null };
        day.slots.push({ slot, places: [], worstRank: Number.NEGATIVE_INFINITY });
      }
      byDay.set(day.day, day);
    }
    store.set(doctorId, byDay);
  }
  const history = new EventLog();
  let seq = 0;
  let count = 0;
  const publish = (): void => undefined;
  const place = new Place();

  return {
    book(request: WorkloadRequest): Promise<BookingResult> {
      try {
        const now = timeOf(clock()) ?? Number.NaN;
        if (Number.isNaN(now)) throw new OpdError('VALIDATION_FAILED', 'The clock did not return a valid Date', { details: { field: 'clock' } });
        const command = parseBookRequest(request, config);
        const day = command.date === undefined ? undefined : store.get(command.doctorId)?.get(command.date);
        if (day === undefined || day.day < config.dayOf(now)) throw new OpdError('VALIDATION_FAILED', 'Not a day of the workload', { details: { field: 'date' } });
        const patientId = command.patient.id;
        if (patientId !== undefined && day.patients.liveTokenOf(day.tokens, patientId) !== undefined) {
          throw new OpdError('DUPLICATE_BOOKING', 'The patient already holds a token that day', { details: { field: 'patient.id' } });
        }
        const unit = { config, now, nowDate: fixedDate(now), events: NO_EVENTS as OpdEvent[] };
        const tokenNumber = day.lastTokenNumber + 1;
        const notBefore = command.after ?? null;
        const rank = rankAt(unit, command.category, command.patient, now, day.day, notBefore, 0);
        const guard = protectionOf(unit, command);
        let free = -1;
        let elastic = false;
        for (let i = 0; i < day.slots.length; i++) {
          const { slot, places } = day.slots[i]!;
          if (slot.status !== 'OPEN' || slot.end <= now) continue;
          if (places.length < slot.capacity) {
            free = i;
            break;
          }
          if (guard !== null && places.length < slot.capacity + elasticPlaces(unit, slot, { category: command.category, rank }, places.length)) {
            free = i;
            elastic = true;
            break;
          }
        }
        if (free < 0) throw new OpdError('SLOT_FULL', 'The lean booking takes free and elastic places only', { details: { doctorId: command.doctorId } });
        const target = day.slots[free]!;
        const token: TokenRecord = {
          id: tokenIdOf(command.doctorId, day.day, tokenNumber),
          doctorId: command.doctorId,
          day: day.day,
          slotId: target.slot.id,
          waitingForSlotId: null,
          category: command.category,
          rank,
          status: 'BOOKED',
          tokenNumber,
          patient: command.patient,
          requestedAt: now,
          bumpCount: 0,
          placedAt: now,
          notBefore,
          idempotencyKey: command.idempotencyKey ?? null,
          cancelReason: null,
          updatedAt: now,
          holdExpiresAt: null,
          label: String(tokenNumber),
        };
        const event = booked(unit, token, target.slot.id, elastic) as { seq: number; actor: string | null };
        event.seq = ++seq;
        event.actor = command.actor;
        placeNewToken(day, now, config.consultMinutes, free, token, place);
        const result: BookingResult = Object.freeze({ token: toPlacedToken(token, place), outcome: 'BOOKED', overflow: elastic, effects: NO_EVENTS });
        // Kept as the memory store keeps a booking.
        day.lastTokenNumber = tokenNumber;
        day.tokens.push(token);
        day.patients.note(day.tokens, undefined, token);
        target.places.push(token);
        if (rank > target.worstRank) target.worstRank = rank;
        history.append(Object.freeze(event) as unknown as OpdEvent);
        count++;
        const done = Promise.resolve(result);
        void done.then(publish);
        return done;
      } catch (error) {
        return Promise.reject(error);
      }
    },
    booked: () => count,
    history: (after, limit) => history.read(after, limit),
  };
}
