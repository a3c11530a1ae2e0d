/**
 * The row encoders of the PostgreSQL adapter write JSON text directly: the same text as the row
 * object `json_populate_recordset` reads, serialized, whatever the values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY, DOCTOR, SLOT, TOKEN, tokenWriteRow } from '../../src/postgres/columns.js';
import { fcOptions } from '../property/support.js';

/** Any value a record field could hold once parsed from JSON or built by the rules, and a few it should not. */
const value = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.jsonValue(),
  fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.constant(undefined), fc.date({ noInvalidDate: true }))),
);

const FIELDS = {
  doctor: ['id', 'name', 'specialization', 'consultMinutes', 'createdAt', 'department'],
  slot: ['doctorId', 'id', 'day', 'start', 'end', 'capacity', 'overflowCapacity', 'status', 'closedReason'],
  day: ['doctorId', 'day', 'lastTokenNumber', 'bumps', 'cascades', 'promotions', 'drops', 'labels'],
  token: [
    'doctorId',
    'day',
    'id',
    'tokenNumber',
    'slotId',
    'waitingForSlotId',
    'category',
    'rank',
    'status',
    'patient',
    'requestedAt',
    'bumpCount',
    'placedAt',
    'notBefore',
    'idempotencyKey',
    'cancelReason',
    'updatedAt',
    'holdExpiresAt',
    'label',
  ],
} as const;
const recordOf = (fields: readonly string[]): fc.Arbitrary<Record<string, unknown>> => fc.record(Object.fromEntries(fields.map((f) => [f, value])));

describe('row encoders', () => {
  it('write the JSON text of the row object, for any values (property)', () => {
    fc.assert(
      fc.property(recordOf(FIELDS.doctor), recordOf(FIELDS.slot), recordOf(FIELDS.day), (doctor, slot, day) => {
        expect(DOCTOR.toJson(doctor as never)).toBe(JSON.stringify(DOCTOR.toRow(doctor as never)));
        expect(SLOT.toJson(slot as never)).toBe(JSON.stringify(SLOT.toRow(slot as never)));
        expect(DAY.toJson(day as never)).toBe(JSON.stringify(DAY.toRow(day as never)));
      }),
      fcOptions(300),
    );
  });

  it('write a token with the patient id, and the duplicate guard only when asked (property)', () => {
    fc.assert(
      fc.property(recordOf(FIELDS.token.filter((f) => f !== 'patient')), fc.record({ id: value, name: fc.string() }), fc.boolean(), (token, patient, guard) => {
        const record = { ...token, patient } as never;
        const patientId = typeof patient.id === 'string' ? patient.id : null;
        const row = { ...TOKEN.toRow(record), patient_id: patientId, patient_guard: guard ? patientId : null };
        expect(tokenWriteRow(record, guard)).toBe(JSON.stringify(row));
      }),
      fcOptions(300),
    );
  });
});
