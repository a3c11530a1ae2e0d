import { invalid } from '../errors.js';
import type { Doctor, SlotView } from '../types.js';
import { arrayItems, expectKey, readFields } from '../validate.js';
import {
  DOCTOR_FIELDS,
  MAX_PLACES,
  SLOT_FIELDS,
  SLOT_OPTION_KEYS,
  VIEW_FIELDS,
  expectInstant,
  expectOptionalInstant,
  expectOptions,
  expectText,
  fhirText,
} from './read.js';
import { facilityMeta, practitionerOf, referenceTo, systemOf, toFhirId } from './references.js';
import type { FhirOptions, FhirSchedule, FhirSlot, FhirSlotOptions } from './resources.js';

/**
 * A slot as a FHIR R4 `Slot` resource (JSON): its window, `free` while it has a free place,
 * `busy` when full (`busy-tentative` when some of its places are only claimed: held, or held
 * for an offer), `busy-unavailable` when closed (or, given `options.now`, ended),
 * `overbooked` while elastic places are in use, and a reference to the doctor's `Schedule` (see
 * {@link toFhirSchedule}).
 *
 * @param slotView - a slot view, as `getSlot` returns it (or a `SlotView` of `getSchedule`)
 * @param options - the identifier namespace, and the instant the slot is described at
 * @returns a new `Slot` resource, valid against the FHIR R4 JSON schema
 * @throws OpdError `VALIDATION_FAILED` naming the field when `slotView` is not a slot view,
 *   `options` has a malformed or unknown field, or a field of either cannot be read
 *
 * @example
 * ```ts
 * import { OpdScheduler, toFhirSlot } from 'opd-scheduler';
 *
 * declare const opd: OpdScheduler; // with doctor `sharma`
 * const day = await opd.getSchedule('sharma', opd.dayOf(new Date())); // today, in the scheduler's time zone
 * // One Slot resource per slot; those that have ended by now are busy-unavailable.
 * const bundle = day.slots.map((view) => toFhirSlot(view, { now: new Date() }));
 * ```
 */
export function toFhirSlot(slotView: SlotView, options?: FhirSlotOptions): FhirSlot {
  const view = readFields('slotView', slotView, VIEW_FIELDS);
  const ctx = expectOptions('options', options, SLOT_OPTION_KEYS);
  const slot = readFields('slotView.slot', view['slot'], SLOT_FIELDS);
  const id = expectKey('slotView.slot.id', slot['id']);
  const doctorId = expectKey('slotView.slot.doctorId', slot['doctorId']);
  const start = expectInstant('slotView.slot.start', slot['start']);
  const end = expectInstant('slotView.slot.end', slot['end']);
  const tooMany = (): string => `Expected at most ${MAX_PLACES} places and waiting tokens in \`slotView\``;
  const places = arrayItems('slotView.places', view['places'], MAX_PLACES, tooMany);
  const waitlist = arrayItems('slotView.waitlist', view['waitlist'], MAX_PLACES, tooMany);
  if (places === undefined || waitlist === undefined) throw invalid('slotView.places', 'Expected `slotView.places` and `slotView.waitlist` to be arrays');
  const free = view['free'];
  const overflowUsed = view['overflowUsed'];
  const capacity = slot['capacity'];
  if (![free, overflowUsed, capacity].every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) {
    throw invalid('slotView.free', 'Expected `free`, `overflowUsed` and `slot.capacity` to be non-negative integers');
  }
  const claimedField = view['claimed'];
  // Views written before claims were counted have no `claimed`: none.
  const claimed = Number.isSafeInteger(claimedField) && (claimedField as number) > 0 ? (claimedField as number) : 0;
  const closed = slot['status'] === 'CLOSED';
  const ended = ctx.now !== undefined && Date.parse(end) <= ctx.now;
  const fhirId = toFhirId(id);
  const reason = slot['closedReason'];
  const comment = [
    // The places taken (booked places and claims), as the view's free and elastic places count them.
    `${String((capacity as number) - (free as number) + (overflowUsed as number))} of ${String(capacity)} places taken`,
    (overflowUsed as number) > 0 ? `${String(overflowUsed)} elastic` : undefined,
    waitlist.length > 0 ? `${waitlist.length} waiting` : undefined,
    closed ? `closed${typeof reason === 'string' && reason !== '' ? `: ${fhirText(reason)}` : ''}` : undefined,
  ]
    .filter((part) => part !== undefined)
    .join('; ');
  return {
    resourceType: 'Slot',
    ...(fhirId === undefined ? {} : { id: fhirId }),
    ...facilityMeta(ctx, 'slotView.slot.facilityId', slot['facilityId']),
    identifier: [{ system: systemOf(ctx, 'slot'), value: id }],
    schedule: referenceTo('Schedule', doctorId, systemOf(ctx, 'doctor')),
    // A full slot some of whose places are only claimed (held, or held for an offer) may free up: tentatively busy.
    status: closed || ended ? 'busy-unavailable' : (free as number) > 0 ? 'free' : claimed > 0 ? 'busy-tentative' : 'busy',
    start,
    end,
    overbooked: (overflowUsed as number) > 0,
    comment,
  };
}

/**
 * A doctor as a FHIR R4 `Schedule` resource (JSON): the container of the doctor's slots, with
 * the doctor as its actor, the department as its service type and the specialization as its
 * specialty; for a retired doctor, a planning horizon that ends at the retirement. Its id is the doctor's (see
 * {@link toFhirId}), the one {@link toFhirSlot} refers to.
 *
 * @param doctor - a doctor, as `addDoctor` or `listDoctors` returns it
 * @param options - the identifier namespace, the practitioner reference
 * @returns a new `Schedule` resource, valid against the FHIR R4 JSON schema
 * @throws OpdError `VALIDATION_FAILED` naming the field when `doctor` is not a doctor,
 *   `options` has a malformed or unknown field, or a field of either cannot be read
 *
 * @example
 * ```ts
 * import { OpdScheduler, toFhirSchedule } from 'opd-scheduler';
 *
 * const opd = new OpdScheduler();
 * const doctor = await opd.addDoctor({ id: 'sharma', name: 'Dr. Sharma', specialization: 'Cardiology' });
 * toFhirSchedule(doctor); // { resourceType: 'Schedule', id: 'sharma', active: true, actor: [{ reference: 'Practitioner/sharma', … }], … }
 * ```
 */
export function toFhirSchedule(doctor: Doctor, options?: FhirOptions): FhirSchedule {
  const d = readFields('doctor', doctor, DOCTOR_FIELDS);
  const ctx = expectOptions('options', options);
  const id = expectKey('doctor.id', d['id']);
  const name = fhirText(expectText('doctor.name', d['name']));
  const specialization = d['specialization'];
  if (specialization !== null && specialization !== undefined && typeof specialization !== 'string') {
    throw invalid('doctor.specialization', 'Expected `doctor.specialization` to be a string or null');
  }
  const department = d['department'];
  if (department !== null && department !== undefined && typeof department !== 'string') {
    throw invalid('doctor.department', 'Expected `doctor.department` to be a string or null');
  }
  // A retired doctor's schedule covers nothing from the retirement on.
  const retiredFrom = expectOptionalInstant('doctor.retiredFrom', d['retiredFrom']);
  const fhirId = toFhirId(id);
  const specialty = typeof specialization === 'string' && specialization !== '' ? fhirText(specialization) : undefined;
  return {
    resourceType: 'Schedule',
    ...(fhirId === undefined ? {} : { id: fhirId }),
    ...facilityMeta(ctx, 'doctor.facilityId', d['facilityId']),
    identifier: [{ system: systemOf(ctx, 'doctor'), value: id }],
    active: true,
    ...(typeof department === 'string' && department !== '' ? { serviceType: [{ text: fhirText(department) }] } : {}),
    ...(specialty === undefined ? {} : { specialty: [{ text: specialty }] }),
    actor: [practitionerOf(id, ctx, name)],
    ...(retiredFrom === undefined ? {} : { planningHorizon: { end: retiredFrom } }),
    comment: specialty === undefined ? `OPD schedule of ${name}` : `OPD schedule of ${name} (${specialty})`,
  };
}
