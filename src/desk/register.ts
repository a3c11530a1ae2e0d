/**
 * A register written by hand during an outage, entered centrally
 * (`OpdScheduler.importManualRegister`): each row a booking by the booking rules, keyed by its
 * doctor and label so that a second import changes nothing.
 */
import { isOpdError, isStoreFailure, OpdError } from '../errors.js';
import type { BookingResult } from '../types.js';
import { isPlainObject } from '../validate.js';
import type { ManualRegisterEntry, ManualRegisterReport, ManualRegisterRow } from './types.js';

/**
 * Enters `rows` one by one through `book` (the scheduler's `book`); a row the rules refuse is
 * reported with its code, and nothing else stops. A store's failure fails the import (the row may
 * even have committed): a second import enters what is left.
 * @throws OpdError `VALIDATION_FAILED` when `rows` is not an array; `STORAGE_FAILURE`, `CONFLICT`
 */
export async function importRegister(rows: unknown, book: (request: unknown) => Promise<BookingResult>): Promise<ManualRegisterReport> {
  if (!Array.isArray(rows)) throw new OpdError('VALIDATION_FAILED', 'Expected `rows` to be an array', { details: { field: 'rows' } });
  const entered: ManualRegisterEntry[] = [];
  const didNotFit: { label: string; code: string }[] = [];
  for (const row of rows as readonly ManualRegisterRow[]) {
    const label = isPlainObject(row) && typeof row['label'] === 'string' ? row['label'] : '';
    try {
      if (!isPlainObject(row) || label === '') throw new OpdError('VALIDATION_FAILED', 'Expected a row with a `label`', { details: { field: 'rows' } });
      const patient = row.patient ?? { id: `manual-${row.doctorId}-${label}`, name: `Register ${label}` };
      const r = await book({
        doctorId: row.doctorId,
        category: row.category,
        patient,
        slotId: row.slotId,
        date: row.date,
        after: row.time,
        idempotencyKey: `manual:${row.doctorId}:${label}`,
      });
      entered.push({ label, tokenId: r.token.id, tokenLabel: r.token.label, outcome: r.outcome, replayed: r.replayed === true });
    } catch (error) {
      if (!isOpdError(error) || isStoreFailure(error)) throw error;
      didNotFit.push({ label, code: error.code });
    }
  }
  return Object.freeze({ entered: Object.freeze(entered), didNotFit: Object.freeze(didNotFit) });
}
