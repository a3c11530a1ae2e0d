// A SMART Scheduling Links `$bulk-publish` feed of one channel, every Slot's status asked of the
// scheduler's own booking rule (`availability`).
import { DEFAULT_FACILITY_ID } from '../facility.js';
import { invalid, isOpdError } from '../errors.js';
import type { OpdScheduler } from '../scheduler.js';
import { describe, parseInstant } from '../time.js';
import type { Doctor, SlotAvailability } from '../types.js';
import { arrayItems, isPlainObject, readObject } from '../validate.js';
import { expectOptions, type ReadOptions } from './read.js';
import { changesSince, type Changes } from './publish-since.js';
import {
  closedSlotOf,
  healthcareServiceOf,
  locationOf,
  practitionerRoleOf,
  publishedSlotOf,
  scheduleOf,
  serviceIdOf,
  type PublishContext,
} from './publish-resources.js';
import type {
  BulkPublication,
  BulkPublishFile,
  BulkPublishLocation,
  BulkPublishOptions,
  BulkPublishOutput,
  BulkPublishResourceType,
  FhirAddress,
  FhirContactPoint,
  FhirHealthcareService,
  FhirPosition,
  FhirPublishedSlot,
} from './publish-types.js';

const DAY_MS = 24 * 60 * 60_000;
/** The longest window an availability query answers; a longer one is asked in parts. */
const QUERY_DAYS = 62;
/** The longest window a publication covers. */
const MAX_WINDOW_DAYS = 366;
const MAX_URL = 2000;
const MAX_TEXT = 1000;
const MAX_LIST = 10;
const MAX_STATES = 100;

/** Each kind of resource, its file name, in the order of the manifest. */
const FILES: readonly (readonly [BulkPublishResourceType, string])[] = [
  ['Location', 'locations.ndjson'],
  ['HealthcareService', 'healthcare-services.ndjson'],
  ['PractitionerRole', 'practitioner-roles.ndjson'],
  ['Schedule', 'schedules.ndjson'],
  ['Slot', 'slots.ndjson'],
];

const OPTION_KEYS: ReadonlySet<string> = new Set([
  'identifierSystem',
  'baseUrl',
  'channel',
  'from',
  'to',
  'since',
  'states',
  'bookingLink',
  'bookingPhone',
  'location',
  'now',
]);
const LOCATION_KEYS: ReadonlySet<string> = new Set(['name', 'description', 'address', 'telecom', 'position']);
const ADDRESS_KEYS: ReadonlySet<string> = new Set(['line', 'city', 'district', 'state', 'postalCode', 'country']);
const CONTACT_KEYS: ReadonlySet<string> = new Set(['system', 'value', 'use']);
const POSITION_KEYS: ReadonlySet<string> = new Set(['latitude', 'longitude']);
const CONTACT_SYSTEMS: ReadonlySet<string> = new Set(['phone', 'fax', 'email', 'pager', 'url', 'sms', 'other']);
const CONTACT_USES: ReadonlySet<string> = new Set(['home', 'work', 'temp', 'old', 'mobile']);

/** The options, checked. */
interface Publish {
  readonly ids: ReadOptions;
  readonly baseUrl: string;
  readonly channel: string;
  readonly from: number;
  readonly to: number;
  readonly since: number | undefined;
  readonly states: readonly string[] | undefined;
  readonly bookingLink: string | undefined;
  readonly bookingPhone: string | undefined;
  readonly location: BulkPublishLocation | undefined;
  readonly now: number;
}

/**
 * A SMART Scheduling Links (HL7 STU 1) bulk publication of the scheduler's slots for one
 * channel: the `$bulk-publish` manifest and its NDJSON files — the facility's `Location`, a
 * `HealthcareService` per department (doctors without one share `opd.general`, "General OPD"),
 * a `PractitionerRole` and a `Schedule` per doctor, and a `Slot` per usable slot of the window.
 *
 * **Honest, per channel.** Each doctor's slots are asked of `opd.availability` for the channel
 * (the booking rule itself: quotas and reserves, booking windows, holds and places held for
 * offers, elastic places), so a Slot is `free` exactly when `book({ doctorId, category: channel,
 * patient, slotId })` would be `BOOKED` in it at `transactionTime` (for a patient no duplicate
 * rule refuses), and `busy` otherwise. Its `slot-capacity` extension is the places left to the
 * channel (0 when busy) — every Slot carries it, so a session longer than an hour is published
 * whole, with its capacity, rather than cut into report-by windows. A `free` Slot carries the
 * `booking-deep-link` (from the `bookingLink` template) and `booking-phone` extensions when
 * given. Slots that have ended, and closed slots, are not published (but see `since`), nor
 * doctors retired before `from` (unless an event since `since` touched them).
 *
 * **`since`** (a `_since` request): only what may have changed since that instant, as the stored
 * history tells it. Events are stamped by the clock of the process that made them, so an event
 * stamped up to five minutes before `since` counts too (a booking by a process whose clock is
 * behind, stored after the publication `since` names): the feed errs on the side of republishing.
 * A Slot is published when
 * - an event stamped no earlier than five minutes before `since` touched its doctor-day (a
 *   booking, a cancellation, a hold, an offer, a slot closed, reopened or resized, a day closed —
 *   any event naming the day, or the day a token came from or went to), or touched its doctor
 *   (an update, a retirement):
 *   then every slot of that day (of that doctor) in the window is published, the closed ones
 *   that have not ended as `busy-unavailable` (a doctor retired before the window too);
 * - or its answer can change with the clock alone, which leaves no event: every Slot that is
 *   `free` now (a booking window opened, a quota's reserve released, a claim ran out) and every
 *   Slot `busy` for a reason other than a full slot or a retirement (a booking window closed).
 *   A slot that is full by its places stays full until an event.
 *
 * The Schedules, PractitionerRoles and HealthcareServices of the doctors with a Slot published
 * or an event about themselves are published with them, and the Location always. When the history
 * no longer holds every event since `since` (a store that forgets old events), everything is
 * published and `complete` is `true`.
 *
 * The manifest's `request` is `${baseUrl}/$bulk-publish` (with `?_since=` when asked since an
 * instant), its `transactionTime` is `now`, each output names its file's `url` (under `baseUrl`,
 * with the same `_since`) and the option `states` as `extension.state`; kinds of resource with no
 * resource have no file. Doctors are read one after the other, each on one consistent read.
 *
 * @param opd - the scheduler
 * @param options - where the files are served, the channel, the window, `since`, the extensions
 *   and the facility's Location; see {@link BulkPublishOptions}
 * @returns the manifest and the files it lists, each with its NDJSON body
 * @throws OpdError `VALIDATION_FAILED` naming the field (`options.baseUrl`, `options.channel`
 *   for a channel the priority policy does not know, …) for bad options; `STORAGE_FAILURE` from
 *   the scheduler's reads
 *
 * @example
 * ```ts
 * import { OpdScheduler, presets } from 'opd-scheduler';
 * import { bulkPublish } from 'opd-scheduler/fhir';
 *
 * const opd = new OpdScheduler({ ...presets.standard(), timeZone: 'Asia/Kolkata' });
 * const { manifest, files } = await bulkPublish(opd, {
 *   baseUrl: 'https://hospital.example/fhir',
 *   channel: 'ONLINE',
 *   states: ['KA'],
 *   bookingLink: 'https://hospital.example/book?slot={slotId}',
 *   location: { name: 'City Hospital OPD', address: { line: ['1 MG Road'], city: 'Bengaluru', state: 'KA', postalCode: '560001' }, telecom: [{ system: 'phone', value: '+91-80-5550-0100' }] },
 * });
 * // Serve `manifest` as JSON at manifest.request, and each file's ndjson at its url.
 * console.log(manifest.output.map((o) => o.url), files.length);
 * ```
 */
export async function bulkPublish(opd: OpdScheduler, options: BulkPublishOptions): Promise<BulkPublication> {
  if (typeof opd !== 'object' || opd === null || typeof (opd as { availability?: unknown }).availability !== 'function') {
    throw invalid('opd', `Expected \`opd\` to be an OpdScheduler, got ${describe(opd)}`);
  }
  const o = readOptions(options, opd.now().getTime());
  const changes = o.since === undefined ? undefined : await changesSince(opd, o.since);
  const all = await opd.listDoctors();
  const ctx: PublishContext = {
    ids: o.ids,
    channel: o.channel,
    // A scheduler's doctors are all of its facility.
    location: locationOf(o.ids, all[0]?.facilityId ?? DEFAULT_FACILITY_ID, o.location),
    bookingLink: o.bookingLink,
    bookingPhone: o.bookingPhone,
    now: o.now,
  };
  const published: Doctor[] = [];
  const slots: FhirPublishedSlot[] = [];
  for (const doctor of all) {
    // A doctor retired before the window has nothing to publish, but what changed about them since.
    const retired = doctor.retiredFrom !== null && doctor.retiredFrom.getTime() <= o.from;
    if (retired && (changes === undefined || !(changes.doctors.has(doctor.id) || changes.days.has(doctor.id)))) continue;
    const own = await doctorSlots(opd, ctx, o, doctor, changes);
    if (changes === undefined || own.length > 0 || changes.doctors.has(doctor.id)) published.push(doctor);
    slots.push(...own);
  }
  const services = new Map<string, FhirHealthcareService>();
  for (const id of new Set(published.map(serviceIdOf))) {
    const members = published.filter((d) => serviceIdOf(d) === id);
    services.set(id, healthcareServiceOf(ctx, members[0]!.department, members));
  }
  const roles = published.map((d) => practitionerRoleOf(ctx, d, services.get(serviceIdOf(d))!));
  const schedules = published.map((d, i) => scheduleOf(ctx, d, roles[i]!, services.get(serviceIdOf(d))!));
  return publication(o, changes === undefined, {
    Location: [ctx.location],
    HealthcareService: [...services.values()],
    PractitionerRole: roles,
    Schedule: schedules,
    Slot: slots,
  });
}

/**
 * A doctor's Slots: every usable slot of the window as the channel finds it; with `changes`
 * (asked since an instant), those of the touched days (their closed slots too) and those the clock
 * alone can change, in time order.
 */
async function doctorSlots(opd: OpdScheduler, ctx: PublishContext, o: Publish, doctor: Doctor, changes: Changes | undefined): Promise<FhirPublishedSlot[]> {
  const answers = await availabilityOf(opd, doctor.id, o);
  if (changes === undefined) return answers.map((answer) => publishedSlotOf(ctx, answer));
  const everything = changes.doctors.has(doctor.id);
  const days = changes.days.get(doctor.id) ?? new Set<string>();
  const own = answers.filter((a) => everything || days.has(a.slot.day) || clockBound(a)).map((answer) => publishedSlotOf(ctx, answer));
  // The closed slots of the touched days, which availability does not list (it lists usable slots).
  const listed = new Set(answers.map((a) => a.slot.id));
  const firstDay = opd.dayOf(new Date(o.from));
  const lastDay = opd.dayOf(new Date(o.to));
  for (const day of new Set([...days, ...(everything ? answers.map((a) => a.slot.day) : [])])) {
    if (day < firstDay || day > lastDay) continue;
    for (const { slot } of (await opd.getSchedule(doctor.id, day)).slots) {
      const start = slot.start.getTime();
      if (slot.status === 'CLOSED' && !listed.has(slot.id) && start >= o.from && start < o.to && slot.end.getTime() > o.now) own.push(closedSlotOf(ctx, slot));
    }
  }
  return own.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
}

/** The manifest and its files: one file per kind of resource that has any, under `baseUrl`. */
function publication(o: Publish, complete: boolean, resources: Record<BulkPublishResourceType, readonly object[]>): BulkPublication {
  const query = o.since === undefined ? '' : `?_since=${encodeURIComponent(new Date(o.since).toISOString())}`;
  const files: BulkPublishFile[] = FILES.filter(([type]) => resources[type].length > 0).map(([type, name]) => ({
    type,
    url: `${o.baseUrl}/${name}${query}`,
    name,
    ndjson: resources[type].map((r) => `${JSON.stringify(r)}\n`).join(''),
    count: resources[type].length,
  }));
  const output: BulkPublishOutput[] = files.map((f) => ({
    type: f.type,
    url: f.url,
    ...(o.states === undefined ? {} : { extension: { state: [...o.states] } }),
  }));
  return {
    manifest: { transactionTime: new Date(o.now).toISOString(), request: `${o.baseUrl}/$bulk-publish${query}`, output, error: [] },
    files,
    complete,
  };
}

/**
 * Whether the clock alone can change a slot's answer (see `since` on {@link bulkPublish}): a free
 * slot's (a claim ends, a reserve is released, a window closes), and a busy one's but for a full
 * slot's or a retired doctor's, which only an event changes.
 */
function clockBound(answer: SlotAvailability): boolean {
  return answer.available || (answer.reason !== 'full' && answer.reason !== 'retired');
}

/** A doctor's availability for the channel over the window, asked in parts of at most 62 days. */
async function availabilityOf(opd: OpdScheduler, doctorId: string, o: Publish): Promise<SlotAvailability[]> {
  const answers: SlotAvailability[] = [];
  for (let from = o.from; from < o.to; from += QUERY_DAYS * DAY_MS) {
    const to = Math.min(from + QUERY_DAYS * DAY_MS, o.to);
    try {
      answers.push(...(await opd.availability({ doctorId, category: o.channel, from: new Date(from), to: new Date(to) })));
    } catch (error) {
      if (isOpdError(error, 'VALIDATION_FAILED') && error.details['field'] === 'category') {
        throw invalid('options.channel', `Expected \`options.channel\` to be a category the priority policy knows, got \`${o.channel}\``);
      }
      throw error;
    }
  }
  return answers;
}

/** The options, checked and copied. */
function readOptions(options: unknown, clock: number): Publish {
  if (!isPlainObject(options)) throw invalid('options', `Expected \`options\` to be an object, got ${describe(options)}`);
  const r = readObject('options', options, OPTION_KEYS);
  const ids = expectOptions('options', r['identifierSystem'] === undefined ? undefined : { identifierSystem: r['identifierSystem'] });
  const baseUrl = readBaseUrl(r['baseUrl']);
  const channel = r['channel'];
  if (typeof channel !== 'string' || channel === '' || channel.length > 64 || /\s/.test(channel)) {
    throw invalid('options.channel', `Expected \`options.channel\` to be a category: a string of 1 to 64 characters without spaces, got ${describe(channel)}`);
  }
  const now = r['now'] === undefined ? clock : instant('options.now', r['now']);
  const from = r['from'] === undefined ? now - DAY_MS : instant('options.from', r['from']);
  const to = r['to'] === undefined ? now + 14 * DAY_MS : instant('options.to', r['to']);
  if (to <= from) throw invalid('options.to', 'Expected `options.to` to be later than `options.from`');
  if (to - from > MAX_WINDOW_DAYS * DAY_MS)
    throw invalid('options.to', `Expected a window of at most ${MAX_WINDOW_DAYS} days from \`options.from\` to \`options.to\``);
  const since = r['since'] === undefined ? undefined : instant('options.since', r['since']);
  if (since !== undefined && since > now) throw invalid('options.since', 'Expected `options.since` to be no later than `options.now`');
  return {
    ids,
    baseUrl,
    channel,
    from,
    to,
    since,
    states: r['states'] === undefined ? undefined : readStates(r['states']),
    bookingLink: r['bookingLink'] === undefined ? undefined : readTemplate(r['bookingLink']),
    bookingPhone: r['bookingPhone'] === undefined ? undefined : text('options.bookingPhone', r['bookingPhone'], 100),
    location: r['location'] === undefined ? undefined : readLocation(r['location']),
    now,
  };
}

function instant(field: string, value: unknown): number {
  const ms = parseInstant(field, value);
  if (Math.abs(ms) > 8.64e15) throw invalid(field, `Expected \`${field}\` to be a real date and time`);
  return ms;
}

/** An absolute `http:` or `https:` URL, or `undefined` when `value` is not one. */
function httpUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string' || value.length > MAX_URL || /\s/.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
}

function readBaseUrl(value: unknown): string {
  const url = httpUrl(value);
  if (url === undefined || url.search !== '' || url.hash !== '' || (value as string).includes('?') || (value as string).includes('#')) {
    throw invalid(
      'options.baseUrl',
      `Expected \`options.baseUrl\` to be an absolute http: or https: URL without a query or fragment, of at most ${MAX_URL} characters`,
    );
  }
  return (value as string).replace(/\/+$/, '');
}

/** The deep-link template: an http(s) URL once its fields (`{slotId}`, `{doctorId}`, `{start}`) are filled. */
function readTemplate(value: unknown): string {
  const field = 'options.bookingLink';
  if (typeof value !== 'string') throw invalid(field, `Expected \`${field}\` to be a URL template, got ${describe(value)}`);
  const unknown = [...value.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!).find((name) => name !== 'slotId' && name !== 'doctorId' && name !== 'start');
  if (unknown !== undefined)
    throw invalid(field, `Unknown field \`{${unknown.slice(0, 40)}}\` in \`${field}\`: expected \`{slotId}\`, \`{doctorId}\` or \`{start}\``);
  if (httpUrl(value.replace(/\{(slotId|doctorId|start)\}/g, 'x')) === undefined) {
    throw invalid(
      field,
      `Expected \`${field}\` to be an absolute http: or https: URL (with \`{slotId}\`, \`{doctorId}\` or \`{start}\`), of at most ${MAX_URL} characters`,
    );
  }
  return value;
}

function readStates(value: unknown): string[] {
  const field = 'options.states';
  const items = arrayItems(field, value, MAX_STATES, () => `Expected \`${field}\` to have at most ${MAX_STATES} states`);
  if (items === undefined || items.length === 0) throw invalid(field, `Expected \`${field}\` to be a non-empty array of strings`);
  return items.map((item, i) => text(`${field}[${i}]`, item, 100));
}

/** A FHIR `string` of a caller: non-empty, within `max`, no control characters, no whitespace but spaces. */
function text(field: string, value: unknown, max = MAX_TEXT): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max || /[^ \S]|[\u0000-\u001f\u007f-\u009f]/.test(value)) {
    throw invalid(field, `Expected \`${field}\` to be a non-empty text of at most ${max} characters, without control characters or whitespace but spaces`);
  }
  return value;
}

function optionalText(field: string, value: unknown, max?: number): string | undefined {
  return value === undefined ? undefined : text(field, value, max);
}

function readLocation(value: unknown): BulkPublishLocation {
  const field = 'options.location';
  const r = readObject(field, value, LOCATION_KEYS);
  const description = optionalText(`${field}.description`, r['description']);
  const address = r['address'] === undefined ? undefined : readAddress(`${field}.address`, r['address']);
  const telecom = r['telecom'] === undefined ? undefined : readTelecom(`${field}.telecom`, r['telecom']);
  const position = r['position'] === undefined ? undefined : readPosition(`${field}.position`, r['position']);
  return {
    name: text(`${field}.name`, r['name'], 200),
    ...(description === undefined ? {} : { description }),
    ...(address === undefined ? {} : { address }),
    ...(telecom === undefined ? {} : { telecom }),
    ...(position === undefined ? {} : { position }),
  };
}

function readAddress(field: string, value: unknown): FhirAddress {
  const r = readObject(field, value, ADDRESS_KEYS);
  let line: string[] | undefined;
  if (r['line'] !== undefined) {
    const items = arrayItems(`${field}.line`, r['line'], MAX_LIST, () => `Expected \`${field}.line\` to have at most ${MAX_LIST} lines`);
    if (items === undefined || items.length === 0) throw invalid(`${field}.line`, `Expected \`${field}.line\` to be a non-empty array of strings`);
    line = items.map((item, i) => text(`${field}.line[${i}]`, item, 200));
  }
  const address: Record<string, unknown> = line === undefined ? {} : { line };
  for (const key of ['city', 'district', 'state', 'postalCode', 'country'] as const) {
    const v = optionalText(`${field}.${key}`, r[key], 200);
    if (v !== undefined) address[key] = v;
  }
  if (Object.keys(address).length === 0) throw invalid(field, `Expected \`${field}\` to have at least one field`);
  return address as FhirAddress;
}

function readTelecom(field: string, value: unknown): FhirContactPoint[] {
  const items = arrayItems(field, value, MAX_LIST, () => `Expected \`${field}\` to have at most ${MAX_LIST} contacts`);
  if (items === undefined || items.length === 0) throw invalid(field, `Expected \`${field}\` to be a non-empty array of contacts`);
  return items.map((item, i) => {
    const at = `${field}[${i}]`;
    const r = readObject(at, item, CONTACT_KEYS);
    const system = r['system'];
    if (typeof system !== 'string' || !CONTACT_SYSTEMS.has(system))
      throw invalid(`${at}.system`, `Expected \`${at}.system\` to be one of ${[...CONTACT_SYSTEMS].join(', ')}`);
    const use = r['use'];
    if (use !== undefined && (typeof use !== 'string' || !CONTACT_USES.has(use)))
      throw invalid(`${at}.use`, `Expected \`${at}.use\` to be one of ${[...CONTACT_USES].join(', ')}`);
    return {
      system: system as FhirContactPoint['system'],
      value: text(`${at}.value`, r['value'], 200),
      ...(use === undefined ? {} : { use: use as NonNullable<FhirContactPoint['use']> }),
    };
  });
}

function readPosition(field: string, value: unknown): FhirPosition {
  const r = readObject(field, value, POSITION_KEYS);
  const degrees = (key: 'latitude' | 'longitude', limit: number): number => {
    const v = r[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > limit)
      throw invalid(`${field}.${key}`, `Expected \`${field}.${key}\` to be a number of degrees from -${limit} to ${limit}`);
    return v;
  };
  return { latitude: degrees('latitude', 90), longitude: degrees('longitude', 180) };
}
