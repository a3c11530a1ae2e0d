// The resources of a SMART Scheduling Links publication, built from the scheduler's doctors and
// the availability it answers: Location, HealthcareService, PractitionerRole, Schedule and Slot.
import type { Doctor, Slot, SlotAvailability } from '../types.js';
import type { ReadOptions } from './read.js';
import { fhirText } from './read.js';
import { facilityMeta, practitionerOf, systemOf, toFhirId } from './references.js';
import type { FhirReference, FhirSchedule } from './resources.js';
import { toFhirSchedule } from './slot.js';
import {
  SMART_SCHEDULING_EXTENSIONS,
  type BulkPublishLocation,
  type FhirHealthcareService,
  type FhirLocation,
  type FhirPractitionerRole,
  type FhirPublishedSlot,
  type FhirSlotExtension,
} from './publish-types.js';

/** The HealthcareService of the doctors without a department: a `.` before a letter that is not a hex digit, which no escaped id has. */
export const GENERAL_SERVICE_ID = 'opd.general';
const GENERAL_SERVICE_NAME = 'General OPD';

/** What every resource of one publication shares. */
export interface PublishContext {
  /** The identifier namespace. */
  readonly ids: ReadOptions;
  /** The channel, as the feed names it. */
  readonly channel: string;
  /** The facility's Location (its id, name and the rest). */
  readonly location: FhirLocation;
  /** The deep-link template, checked. */
  readonly bookingLink: string | undefined;
  readonly bookingPhone: string | undefined;
  /** The instant of the publication (epoch ms). */
  readonly now: number;
}

/**
 * The FHIR id a resource of the feed has for a scheduler id: {@link toFhirId}'s, else (an id
 * whose escaped form passes 64 characters) `.h` and 32 hex digits of a hash of the id. A feed
 * needs an id on every resource, and literal references between them; no escaped id starts with
 * `.h` (an escape's `.` is followed by two hex digits).
 */
export function feedId(id: string): string {
  return toFhirId(id) ?? `.h${hash128(id)}`;
}

/** Two 64-bit FNV-1a hashes of the UTF-16 code units, with different offset bases: 32 hex digits. */
function hash128(text: string): string {
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  let a = 0xcbf29ce484222325n;
  let b = 0x84222325cbf29ce4n;
  for (let i = 0; i < text.length; i++) {
    const unit = BigInt(text.charCodeAt(i));
    a = ((a ^ unit) * prime) & mask;
    b = ((b ^ (unit + 0x9en)) * prime) & mask;
  }
  return a.toString(16).padStart(16, '0') + b.toString(16).padStart(16, '0');
}

/** The facility as its Location: the caller's description, the facility id as its id and identifier. */
export function locationOf(ids: ReadOptions, facilityId: string, given: BulkPublishLocation | undefined): FhirLocation {
  return {
    resourceType: 'Location',
    id: feedId(facilityId),
    ...facilityMeta(ids, 'facilityId', facilityId),
    identifier: [{ system: systemOf(ids, 'facility'), value: facilityId }],
    status: 'active',
    name: given?.name ?? fhirText(facilityId),
    ...(given?.description === undefined ? {} : { description: given.description }),
    ...(given?.telecom === undefined ? {} : { telecom: given.telecom.map((t) => ({ ...t })) }),
    ...(given?.address === undefined ? {} : { address: { ...given.address, ...(given.address.line === undefined ? {} : { line: [...given.address.line] }) } }),
    ...(given?.position === undefined ? {} : { position: { latitude: given.position.latitude, longitude: given.position.longitude } }),
  };
}

/** The HealthcareService id of a doctor's department (see {@link GENERAL_SERVICE_ID}). */
export function serviceIdOf(doctor: Doctor): string {
  return doctor.department === null ? GENERAL_SERVICE_ID : feedId(doctor.department);
}

/** A reference to a resource of the feed, by its feed id, with a display. */
function refer(type: 'Location' | 'HealthcareService' | 'PractitionerRole' | 'Schedule', id: string, display: string): FhirReference {
  return { reference: `${type}/${id}`, display };
}

/** The Location, as every resource refers to it. */
function locationRef(ctx: PublishContext): FhirReference {
  return refer('Location', ctx.location.id, ctx.location.name);
}

/** The service of a department (or the general one), given the doctors published in it. */
export function healthcareServiceOf(ctx: PublishContext, department: string | null, doctors: readonly Doctor[]): FhirHealthcareService {
  const specialties = [...new Set(doctors.map((d) => d.specialization).filter((s): s is string => s !== null && s !== ''))].sort();
  const name = department === null ? GENERAL_SERVICE_NAME : fhirText(department);
  return {
    resourceType: 'HealthcareService',
    id: department === null ? GENERAL_SERVICE_ID : feedId(department),
    meta: ctx.location.meta,
    ...(department === null ? {} : { identifier: [{ system: systemOf(ctx.ids, 'department'), value: department }] }),
    active: true,
    type: [{ text: name }],
    ...(specialties.length === 0 ? {} : { specialty: specialties.map((s) => ({ text: fhirText(s) })) }),
    location: [locationRef(ctx)],
    name,
  };
}

/** The displays of the codes of the system of medicine a doctor practises (`Doctor.system`). */
const SYSTEMS_OF_MEDICINE: Readonly<Record<Doctor['system'], string>> = {
  allopathic: 'Allopathy (modern medicine)',
  ayush: 'AYUSH (Ayurveda, Yoga and Naturopathy, Unani, Siddha, Sowa-Rigpa, Homoeopathy)',
};

/**
 * A doctor's role at the facility: a doctor (HL7's practitioner-role code system), in the system
 * of medicine they practise (`Doctor.system`: `allopathic` or `ayush`, code system
 * `<identifierSystem>system-of-medicine`), in a specialist OPD or a general one (`Doctor.specialist`:
 * `specialist` or `general`, code system `<identifierSystem>opd`) — the role, not a degree: HMIS
 * counts OPD attendance by them.
 */
export function practitionerRoleOf(ctx: PublishContext, doctor: Doctor, service: FhirHealthcareService): FhirPractitionerRole {
  const name = fhirText(doctor.name);
  const retired = doctor.retiredFrom;
  return {
    resourceType: 'PractitionerRole',
    id: feedId(doctor.id),
    ...facilityMeta(ctx.ids, 'doctor.facilityId', doctor.facilityId),
    identifier: [{ system: systemOf(ctx.ids, 'doctor'), value: doctor.id }],
    active: retired === null || retired.getTime() > ctx.now,
    ...(retired === null ? {} : { period: { end: retired.toISOString() } }),
    practitioner: practitionerOf(doctor.id, { identifierSystem: ctx.ids.identifierSystem }, name),
    code: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: 'doctor', display: 'Doctor' }] },
      { coding: [{ system: systemOf(ctx.ids, 'system-of-medicine'), code: doctor.system, display: SYSTEMS_OF_MEDICINE[doctor.system] }] },
      {
        coding: [
          {
            system: systemOf(ctx.ids, 'opd'),
            code: doctor.specialist ? 'specialist' : 'general',
            display: doctor.specialist ? 'Specialist OPD' : 'General OPD',
          },
        ],
      },
    ],
    ...(doctor.specialization === null || doctor.specialization === '' ? {} : { specialty: [{ text: fhirText(doctor.specialization) }] }),
    location: [locationRef(ctx)],
    healthcareService: [refer('HealthcareService', service.id, service.name)],
  };
}

/**
 * A doctor's Schedule: {@link toFhirSchedule}'s, with the feed's id and, as its actors, the
 * Location, the doctor's PractitionerRole and HealthcareService (what aggregators join a Slot to).
 */
export function scheduleOf(
  ctx: PublishContext,
  doctor: Doctor,
  role: FhirPractitionerRole,
  service: FhirHealthcareService,
): FhirSchedule & { readonly id: string } {
  const { resourceType, ...base } = toFhirSchedule(doctor, { identifierSystem: ctx.ids.identifierSystem });
  // The base has the same id when the doctor id is a valid FHIR id, and none otherwise.
  return {
    resourceType,
    id: role.id,
    ...base,
    actor: [
      locationRef(ctx),
      refer('PractitionerRole', role.id, role.practitioner.display ?? fhirText(doctor.name)),
      refer('HealthcareService', service.id, service.name),
    ],
  };
}

/** The deep link of a slot: the template with its fields, URL-encoded. */
function deepLink(template: string, slot: Slot): string {
  const values: Record<string, string> = { slotId: slot.id, doctorId: slot.doctorId, start: slot.start.toISOString() };
  return template.replace(/\{(slotId|doctorId|start)\}/g, (_, name: string) => encodeURIComponent(values[name]!));
}

/** A slot as the channel finds it: `free` with the places left to it, else `busy` and why. */
export function publishedSlotOf(ctx: PublishContext, answer: SlotAvailability): FhirPublishedSlot {
  const { slot } = answer;
  const extension: FhirSlotExtension[] = [{ url: SMART_SCHEDULING_EXTENSIONS.slotCapacity, valueInteger: answer.available ? answer.places : 0 }];
  if (answer.available && ctx.bookingLink !== undefined)
    extension.push({ url: SMART_SCHEDULING_EXTENSIONS.bookingDeepLink, valueUrl: deepLink(ctx.bookingLink, slot) });
  if (answer.available && ctx.bookingPhone !== undefined) extension.push({ url: SMART_SCHEDULING_EXTENSIONS.bookingPhone, valueString: ctx.bookingPhone });
  const places = `${answer.places} ${answer.places === 1 ? 'place' : 'places'}`;
  return slotResource(
    ctx,
    slot,
    answer.available ? 'free' : 'busy',
    extension,
    answer.available ? `${places} for ${ctx.channel}${answer.elastic ? ' (elastic)' : ''}` : `No place for ${ctx.channel}: ${answer.reason ?? 'full'}`,
  );
}

/** A closed slot: `busy-unavailable`, no place for anyone. */
export function closedSlotOf(ctx: PublishContext, slot: Slot): FhirPublishedSlot {
  const reason = slot.closedReason === null || slot.closedReason === '' ? '' : `: ${fhirText(slot.closedReason)}`;
  return slotResource(ctx, slot, 'busy-unavailable', [{ url: SMART_SCHEDULING_EXTENSIONS.slotCapacity, valueInteger: 0 }], `Closed${reason}`);
}

function slotResource(
  ctx: PublishContext,
  slot: Slot,
  status: FhirPublishedSlot['status'],
  extension: FhirSlotExtension[],
  comment: string,
): FhirPublishedSlot {
  return {
    resourceType: 'Slot',
    id: feedId(slot.id),
    ...facilityMeta(ctx.ids, 'slot.facilityId', slot.facilityId),
    identifier: [{ system: systemOf(ctx.ids, 'slot'), value: slot.id }],
    schedule: { reference: `Schedule/${feedId(slot.doctorId)}` },
    status,
    start: slot.start.toISOString(),
    end: slot.end.toISOString(),
    extension,
    comment,
  };
}
