/**
 * Availability: which slots of a doctor a booking by one channel would get a place in now, and
 * why the others would not. It is the booking rule itself ({@link decideBook}) asked once per
 * slot, as a booking naming that slot, on one snapshot and with nothing written: quotas and their
 * reserves, booking windows, duplicate rules, claims (holds, places held for offers) and elastic
 * places apply exactly as they would to the booking. A FHIR `$find`, a SMART Scheduling Links
 * feed and a UHI `search` read it.
 */
import { isOpdError } from '../../errors.js';
import { takenPlaces } from '../../model/claims.js';
import { isUsableSlot, type SlotRecord } from '../../model/records.js';
import type { Decision, DoctorSnapshot, LoadRequest, PatientLoad } from '../../model/snapshot.js';
import type { Patient, SlotAvailability } from '../../types.js';

/** Why a booking would get no place in a slot (see {@link SlotAvailability.reason}). */
export type AvailabilityReason = NonNullable<SlotAvailability['reason']>;
import { doctorNotFound, patientPart } from '../command.js';
import type { CoreConfig } from '../config.js';
import { NO_CHANGES } from '../workspace.js';
import { type BookCommand, decideBook, freePlacesFor } from './book.js';

/** A validated availability query for one doctor. */
export interface AvailabilityCommand {
  readonly doctorId: string;
  readonly category: string;
  /** The patient a booking would be for (the duplicate rules read its id), or an anonymous one. */
  readonly patient: Readonly<Patient>;
  /** Slots starting at or after this instant (epoch ms)… */
  readonly from: number;
  /** …and before this one. */
  readonly to: number;
  readonly actor: string | null;
  /** The patient's tokens to read, when the duplicate rules reach beyond one doctor-day. */
  readonly patientLoad?: PatientLoad | undefined;
}

/** One slot as a booking by the channel would find it (see `SlotAvailability`). */
export interface SlotProbe {
  readonly slot: SlotRecord;
  /** The places bookings by the channel would take one after the other (0: none). */
  readonly places: number;
  /** Whether the booking would take an elastic place (the overflow strategy's). */
  readonly elastic: boolean;
  /** Why the booking would get no place there, or `null` when it would. */
  readonly reason: AvailabilityReason | null;
}

/** What an availability query reads first: the doctor's slots in the window (and the patient's tokens). */
export function availabilityLoad(command: AvailabilityCommand): LoadRequest {
  return { doctorId: command.doctorId, schedule: { from: command.from, to: command.to }, ...patientPart(command.patientLoad) };
}

/** What an error of the booking rule means for availability; `undefined` for one that is not an answer about the slot. */
function reasonOf(error: unknown): AvailabilityReason | undefined {
  if (!isOpdError(error)) return undefined;
  switch (error.code) {
    case 'OUTSIDE_BOOKING_WINDOW':
      return 'outside-window';
    case 'DUPLICATE_BOOKING':
      return 'duplicate';
    case 'DOCTOR_RETIRED':
      return 'retired';
    case 'SLOT_CLOSED':
    case 'SLOT_ENDED':
      return 'closed';
    default:
      return undefined;
  }
}

/**
 * The availability of every usable slot of the doctor starting in `[from, to)`, in time order,
 * decided on `snapshot` as of `now`. Asks for the slots' days first when they are not loaded.
 * @throws OpdError `DOCTOR_NOT_FOUND`; any error of the booking rule that is not an answer about
 *   a slot (a category the priority policy does not know, a failing strategy)
 */
export function probeAvailability(config: CoreConfig, snapshot: DoctorSnapshot, command: AvailabilityCommand, now: number): Decision<SlotProbe[]> {
  if (snapshot.doctor === undefined) throw doctorNotFound(command.doctorId);
  const slots = (snapshot.schedule ?? []).map((e) => e.slot).filter((s) => s.start >= command.from && s.start < command.to && isUsableSlot(s, now));
  const days = [...new Set(slots.map((s) => s.day))];
  if (slots.some((s) => !snapshot.slots.has(s.id)) || days.some((d) => !snapshot.days.has(d))) {
    return { kind: 'load', request: { ...availabilityLoad(command), slotIds: slots.map((s) => s.id), days } };
  }
  const probes: SlotProbe[] = [];
  for (const slot of slots) {
    const book: BookCommand = {
      doctorId: command.doctorId,
      category: command.category,
      patient: command.patient,
      slotId: slot.id,
      date: undefined,
      after: undefined,
      idempotencyKey: undefined,
      fingerprint: undefined,
      actor: command.actor,
      holdMinutes: null,
      patientLoad: command.patientLoad,
    };
    let decision: Decision<{ readonly outcome: string; readonly overflow: boolean; readonly token: { readonly slotId: string | null } }>;
    try {
      decision = decideBook(config, snapshot, book, now);
    } catch (error) {
      // A full slot that refuses a booking naming it (`cascade`: full slots refuse) is full, like one that would waitlist it.
      const reason = isOpdError(error, 'SLOT_FULL') ? fullReason(snapshot, slot) : reasonOf(error);
      if (reason === undefined) throw error;
      probes.push({ slot, places: 0, elastic: false, reason });
      continue;
    }
    // Everything the booking reads was loaded above; a booking asking for more is answered by loading it.
    if (decision.kind === 'load')
      return { kind: 'load', request: { ...decision.request, schedule: { from: command.from, to: command.to }, slotIds: slots.map((s) => s.id), days } };
    const result = decision.result;
    if (result.outcome === 'BOOKED' && result.token.slotId === slot.id) {
      const places = result.overflow ? 1 : Math.max(1, freePlacesFor(config, snapshot, book, now, slot.id));
      probes.push({ slot, places, elastic: result.overflow, reason: null });
    } else {
      // Waitlisted, or placed elsewhere: the slot is full for the channel.
      probes.push({ slot, places: 0, elastic: false, reason: fullReason(snapshot, slot) });
    }
  }
  return { kind: 'commit', changes: NO_CHANGES, result: probes };
}

/** Why a slot has no place for the channel: all its places are taken (`full`), else the quota keeps them (`quota`). */
function fullReason(snapshot: DoctorSnapshot, slot: SlotRecord): AvailabilityReason {
  const day = snapshot.days.get(slot.day)!;
  const state = day.slots.find((s) => s.slot.id === slot.id);
  const taken = state === undefined ? 0 : takenPlaces(state.places.length, day.record.claims, slot.id);
  return taken < slot.capacity ? 'quota' : 'full';
}
