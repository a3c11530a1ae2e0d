/**
 * The migrated schemas the PGlite stores hand from test to test (`migratedSchemas`): a schema a
 * test wrote to, once given back and taken again, holds exactly what `migrate` left in it.
 */
import { OpdScheduler, presets } from 'opd-scheduler';
import { PostgresStorage } from 'opd-scheduler/postgres';
import { describe, expect, it } from 'vitest';
import { pgliteOfFile } from '../pglite.js';
import { migratedSchemas, schemaState } from './stores.js';

const DAY = '2026-03-02';

describe('a migrated schema handed to the next test', () => {
  const db = pgliteOfFile();
  const schemas = migratedSchemas(db, 'opd_t_handed');

  it('holds, once given back and taken again, every row and sequence position migrate left, and nothing a test wrote', async () => {
    const first = await schemas.take();
    const migrated = await schemaState(first.db, first.schema);
    // A day of writes: doctors, slots, bookings of every kind, a bump, a cancellation, a check-in, a sweep.
    const opd = new OpdScheduler({
      ...presets.standard(),
      storage: new PostgresStorage({ db: first.db, schema: first.schema }),
      clock: () => new Date(`${DAY}T06:00:00Z`),
    });
    await opd.addDoctor({ id: 'd1', name: 'Dr. One' });
    await opd.addDoctor({ id: 'd2', name: 'Dr. Two' });
    await opd.addSlots('d1', [
      { id: 's07', start: `${DAY}T07:00:00Z`, end: `${DAY}T08:00:00Z`, capacity: 2, overflowCapacity: 0 },
      { id: 's09', start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: 1, overflowCapacity: 0 },
    ]);
    const seen = await opd.book({ doctorId: 'd1', category: 'FOLLOW_UP', patient: { id: 'p4', name: 'Four' }, slotId: 's09' });
    const a = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: 'One' }, slotId: 's07' });
    await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: { id: 'p2', name: 'Two' }, slotId: 's07' });
    await opd.book({ doctorId: 'd1', category: 'EMERGENCY', patient: { id: 'p3', name: 'Three' }, slotId: 's07' });
    await opd.cancel(a.token.id);
    await opd.checkIn(seen.token.id);
    await opd.sweep();
    await opd.close();
    const written = await schemaState(first.db, first.schema);
    expect(written).not.toEqual(migrated);

    schemas.giveBack(first.schema);
    const again = await schemas.take();
    expect(again.schema).toBe(first.schema);
    expect(await schemaState(again.db, again.schema)).toEqual(migrated);
    // And a scheduler over it finds nothing of the day before.
    const fresh = new OpdScheduler({
      ...presets.standard(),
      storage: new PostgresStorage({ db: again.db, schema: again.schema }),
      clock: () => new Date(`${DAY}T06:00:00Z`),
    });
    expect(await fresh.listDoctors()).toEqual([]);
    await fresh.close();
    schemas.giveBack(again.schema);
  });

  it('gives a test that asks while another holds one a schema of its own, migrated', async () => {
    const one = await schemas.take();
    const two = await schemas.take();
    expect(two.schema).not.toBe(one.schema);
    expect(Object.keys((await schemaState(two.db, two.schema)).rows).length).toBe(Object.keys((await schemaState(one.db, one.schema)).rows).length);
    schemas.giveBack(one.schema);
    schemas.giveBack(two.schema);
  });
});
