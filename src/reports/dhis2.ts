/** An HMIS return as a DHIS2 `dataValueSets` upload body. */
import { invalid } from '../errors.js';
import { readObject } from '../validate.js';
import type { HmisItem, HmisRow } from './hmis.js';

/** A data element of the DHIS2 instance: its id, and the category option combination when not the default. */
export interface Dhis2Element {
  /** The data element's id (a DHIS2 UID, or a code with `dataElementIdScheme=code`). */
  readonly dataElement: string;
  /** The category option combination's id; left out for the default combination. */
  readonly categoryOptionCombo?: string | undefined;
}

/** Options of {@link toDhis2DataValueSet}: the instance's ids, which differ by state. */
export interface Dhis2DataValueSetOptions {
  /** The data set's id. */
  readonly dataSet: string;
  /** The facility's organisation unit id. */
  readonly orgUnit: string;
  /** The DHIS2 period, such as `'202603'` for March 2026. */
  readonly period: string;
  /**
   * The data element of each HMIS item (an id, or an id with its category option combination);
   * an item without one is left out of the upload.
   */
  readonly dataElements: Readonly<Partial<Record<HmisItem, string | Dhis2Element>>>;
  /** The date the return is complete, `YYYY-MM-DD`; left out without it. */
  readonly completeDate?: string | undefined;
  /** The attribute option combination's id; left out without it. */
  readonly attributeOptionCombo?: string | undefined;
}

/** One value of a DHIS2 data value set. */
export interface Dhis2DataValue {
  /** The data element's id. */
  readonly dataElement: string;
  /** The category option combination's id, when given. */
  readonly categoryOptionCombo?: string;
  /** The value, as text (as DHIS2 publishes it). */
  readonly value: string;
}

/** A DHIS2 data value set: the JSON body of `POST /api/dataValueSets`. */
export interface Dhis2DataValueSet {
  /** The data set's id. */
  readonly dataSet: string;
  /** When the return is complete, when given. */
  readonly completeDate?: string;
  /** The period. */
  readonly period: string;
  /** The organisation unit's id. */
  readonly orgUnit: string;
  /** The attribute option combination's id, when given. */
  readonly attributeOptionCombo?: string;
  /** The values, in the order of the rows. */
  readonly dataValues: readonly Dhis2DataValue[];
}

const KEYS: ReadonlySet<string> = new Set(['dataSet', 'orgUnit', 'period', 'dataElements', 'completeDate', 'attributeOptionCombo']);

function id(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 230 || /\s/.test(value)) {
    throw invalid(field, `Expected \`${field}\` to be a DHIS2 identifier (1–230 characters, no spaces)`);
  }
  return value;
}

/**
 * An HMIS return as the body of a DHIS2 `POST /api/dataValueSets` (the JSON format DHIS2
 * publishes: `dataSet`, `completeDate`, `period`, `orgUnit`, `attributeOptionCombo`, then
 * `dataValues` of `dataElement`, `categoryOptionCombo` and `value` as text), with the
 * integrator's element ids.
 * @param rows - the return ({@link hmisReturn})
 * @param options - the data set, organisation unit, period and element ids
 * @returns the data value set
 * @throws OpdError `VALIDATION_FAILED` for a missing or malformed id or period (`details.field`)
 * @example
 * ```ts
 * import { toDhis2DataValueSet, type HmisRow } from 'opd-scheduler/reports';
 *
 * declare const rows: HmisRow[];
 * const body = toDhis2DataValueSet(rows, { dataSet: 'pBOMPrpg1QX', orgUnit: 'DiszpKrYNg8', period: '202603', dataElements: { '14.2.1': 'f7n9E0hX8qk' } });
 * ```
 */
export function toDhis2DataValueSet(rows: readonly HmisRow[], options: Dhis2DataValueSetOptions): Dhis2DataValueSet {
  const o = readObject('options', options, KEYS);
  const dataSet = id('dataSet', o['dataSet']);
  const orgUnit = id('orgUnit', o['orgUnit']);
  const period = o['period'];
  if (typeof period !== 'string' || !/^[0-9]{4}[0-9A-Za-z]{0,10}$/.test(period)) throw invalid('period', 'Expected `period` to be a DHIS2 period, such as `202603` or `2026Q1`');
  const completeDate = o['completeDate'];
  if (completeDate !== undefined && (typeof completeDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(completeDate))) throw invalid('completeDate', 'Expected `completeDate` to be a date, `YYYY-MM-DD`');
  const attributeOptionCombo = o['attributeOptionCombo'] === undefined ? undefined : id('attributeOptionCombo', o['attributeOptionCombo']);
  const elements = readObject('dataElements', o['dataElements']);
  const dataValues: Dhis2DataValue[] = [];
  for (const row of rows) {
    const element = elements[row.item];
    if (element === undefined) continue;
    const field = `dataElements.${row.item}`;
    if (typeof element === 'string') {
      dataValues.push({ dataElement: id(field, element), value: String(row.value) });
      continue;
    }
    const e = readObject(field, element, new Set(['dataElement', 'categoryOptionCombo']));
    const dataElement = id(`${field}.dataElement`, e['dataElement']);
    dataValues.push(
      e['categoryOptionCombo'] === undefined
        ? { dataElement, value: String(row.value) }
        : { dataElement, categoryOptionCombo: id(`${field}.categoryOptionCombo`, e['categoryOptionCombo']), value: String(row.value) },
    );
  }
  return {
    dataSet,
    ...(completeDate === undefined ? {} : { completeDate }),
    period,
    orgUnit,
    ...(attributeOptionCombo === undefined ? {} : { attributeOptionCombo }),
    dataValues,
  };
}
