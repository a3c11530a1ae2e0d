/**
 * India's facility HMIS return, its OPD items, from a report: attendance by the doctors' system
 * of medicine and specialist OPDs, telemedicine, emergency registrations and referrals out.
 */
import { invalid } from '../errors.js';
import { readObject } from '../validate.js';
import type { HmisCell, OpdReport } from './types.js';

/** An HMIS item number of the OPD items this return fills. */
export type HmisItem = '14.2.1' | '14.2.1.a' | '14.2.2' | '14.2.2.b' | '14.3.10' | '14.5.1' | '14.3.5.a' | '14.3.5.b';

/** An item of the format: its number and label. */
export interface HmisItemLabel {
  /** The item number. */
  readonly item: HmisItem;
  /** The item's label in the format. */
  readonly label: string;
}

/** The OPD items of the facility HMIS format this return fills, in the format's order. */
export const HMIS_OPD_ITEMS: readonly HmisItemLabel[] = [
  { item: '14.2.1', label: 'Allopathic- Outpatient attendance' },
  { item: '14.2.1.a', label: 'Of which, specialist allopathic OPD services' },
  { item: '14.2.2', label: 'AYUSH- Outpatient attendance' },
  { item: '14.2.2.b', label: 'Of which, specialist AYUSH OPD services' },
  { item: '14.3.10', label: 'Telemedicine consultations' },
  { item: '14.5.1', label: 'Patients registered at the emergency department' },
  { item: '14.3.5.a', label: 'Referrals out (day)' },
  { item: '14.3.5.b', label: 'Referrals out (night)' },
];

/** One line of the return. */
export interface HmisRow {
  /** The item number. */
  readonly item: HmisItem;
  /** The item's label in the format. */
  readonly label: string;
  /** The count. */
  readonly value: number;
}

/** Which tokens an item counts: those of any of the categories, or of any of the departments. */
export interface HmisSelector {
  /** Request categories, such as `['TELECONSULT']`. */
  readonly categories?: readonly string[] | undefined;
  /** Department ids, such as `['emergency']`. */
  readonly departments?: readonly string[] | undefined;
}

/** How the facility's OPD maps onto the return's items. */
export interface HmisMapping {
  /**
   * The teleconsultations (item 14.3.10: their attendance). They are left out of the
   * attendance items 14.2.x, which count patients seen in person.
   * @defaultValue none
   */
  readonly telemedicine?: HmisSelector | undefined;
  /**
   * The emergency department (item 14.5.1: its requests, every patient registered there). Its
   * departments are left out of the attendance items 14.2.x (an emergency seen by an OPD doctor
   * stays in them).
   * @defaultValue `{ categories: ['EMERGENCY'] }`
   */
  readonly emergency?: HmisSelector | undefined;
  /**
   * Referrals out (items 14.3.5.a/b): tokens forwarded to a service point of these kinds, or
   * cancelled with one of these reasons.
   * @defaultValue none: both items 0
   */
  readonly referralsOut?: HmisReferrals | undefined;
  /**
   * The hours of the day shift, local: a referral from `from` (inclusive) to `to` (exclusive) is a
   * day referral (14.3.5.a), any other a night one (14.3.5.b).
   * @defaultValue `{ from: 8, to: 20 }`
   */
  readonly dayHours?: HmisDayHours | undefined;
}

/** What counts as a referral out. */
export interface HmisReferrals {
  /** Kinds of service point (`token:forwarded` to one of them). */
  readonly forwardedTo?: readonly string[] | undefined;
  /** Cancellation reasons (`cancel(tokenId, { reason })`), such as `'referred-out'`. */
  readonly cancelReasons?: readonly string[] | undefined;
}

/** The day shift, in local whole hours. */
export interface HmisDayHours {
  /** Its first hour, 0–23. */
  readonly from: number;
  /** The hour it ends (exclusive), 1–24, after `from`. */
  readonly to: number;
}

/** Options of {@link hmisReturn}. */
export interface HmisReturnOptions {
  /** How the OPD maps onto the items. @defaultValue `{}` */
  readonly mapping?: HmisMapping | undefined;
}

function strings(field: string, value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalid(field, `Expected \`${field}\` to be an array of strings`);
  return value as string[];
}

interface Selector {
  readonly categories: readonly string[];
  readonly departments: readonly string[];
}

function selector(field: string, value: unknown, fallback: Selector): Selector {
  if (value === undefined) return fallback;
  const o = readObject(field, value, new Set(['categories', 'departments']));
  return { categories: strings(`${field}.categories`, o['categories']), departments: strings(`${field}.departments`, o['departments']) };
}

const matches = (s: Selector, c: HmisCell): boolean => s.categories.includes(c.category) || s.departments.includes(c.department);

function hour(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 24) throw invalid(field, `Expected \`${field}\` to be a whole hour from 0 to 24`);
  return value;
}

/**
 * The OPD items of India's facility HMIS return ({@link HMIS_OPD_ITEMS}) from a report:
 * attendance (completed consultations) of allopathic and AYUSH doctors and of their specialist
 * OPDs (`Doctor.system`, `Doctor.specialist`), teleconsultations, patients registered at the
 * emergency department, and referrals out by day and night, as the `mapping` says the hospital's
 * departments, categories and service points read.
 * @param report - a report of the return's period ({@link opdReport})
 * @param options - the mapping
 * @returns one row per item, in the format's order
 * @throws OpdError `VALIDATION_FAILED` for a bad mapping (`details.field`)
 * @example
 * ```ts
 * import { hmisReturn, type OpdReport } from 'opd-scheduler/reports';
 *
 * declare const march: OpdReport;
 * const rows = hmisReturn(march, { mapping: { telemedicine: { categories: ['TELECONSULT'] }, emergency: { departments: ['casualty'] } } });
 * ```
 */
export function hmisReturn(report: OpdReport, options: HmisReturnOptions = {}): HmisRow[] {
  const o = readObject('options', options, new Set(['mapping']));
  const m = o['mapping'] === undefined ? {} : readObject('mapping', o['mapping'], new Set(['telemedicine', 'emergency', 'referralsOut', 'dayHours']));
  const none: Selector = { categories: [], departments: [] };
  const tele = selector('mapping.telemedicine', m['telemedicine'], none);
  const emergency = selector('mapping.emergency', m['emergency'], { categories: ['EMERGENCY'], departments: [] });
  const referrals = m['referralsOut'] === undefined ? {} : readObject('mapping.referralsOut', m['referralsOut'], new Set(['forwardedTo', 'cancelReasons']));
  const forwardedTo = strings('mapping.referralsOut.forwardedTo', referrals['forwardedTo']);
  const cancelReasons = strings('mapping.referralsOut.cancelReasons', referrals['cancelReasons']);
  const shift = m['dayHours'] === undefined ? { from: 8, to: 20 } : readObject('mapping.dayHours', m['dayHours'], new Set(['from', 'to']));
  const dayFrom = hour('mapping.dayHours.from', shift['from']);
  const dayTo = hour('mapping.dayHours.to', shift['to']);
  if (dayTo <= dayFrom) throw invalid('mapping.dayHours.to', 'Expected `mapping.dayHours.to` to be later than `from`');

  const value: Record<HmisItem, number> = { '14.2.1': 0, '14.2.1.a': 0, '14.2.2': 0, '14.2.2.b': 0, '14.3.10': 0, '14.5.1': 0, '14.3.5.a': 0, '14.3.5.b': 0 };
  for (const c of report.hmis.cells) {
    if (matches(emergency, c)) value['14.5.1'] += c.requested;
    if (matches(tele, c)) {
      value['14.3.10'] += c.attended;
      continue;
    }
    if (emergency.departments.includes(c.department)) continue;
    if (c.system === 'ayush') {
      value['14.2.2'] += c.attended;
      if (c.specialist) value['14.2.2.b'] += c.attended;
    } else {
      value['14.2.1'] += c.attended;
      if (c.specialist) value['14.2.1.a'] += c.attended;
    }
  }
  for (const x of report.hmis.exits) {
    if (!(x.how === 'forwarded' ? forwardedTo : cancelReasons).includes(x.to)) continue;
    value[x.hour >= dayFrom && x.hour < dayTo ? '14.3.5.a' : '14.3.5.b'] += x.count;
  }
  return HMIS_OPD_ITEMS.map(({ item, label }) => ({ item, label, value: value[item] }));
}
