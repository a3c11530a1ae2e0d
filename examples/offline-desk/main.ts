/**
 * A registration desk that keeps working offline, in Node: the central scheduler (here in the same
 * process, on memory) leases the desk places; the desk runs on PGlite (an in-process PostgreSQL,
 * as it would in a browser or Electron), is cut off, issues tokens, reconnects and reconciles, and
 * the report is printed for staff.
 *
 *   node --import tsx examples/offline-desk/main.ts
 */
import { PGlite } from '@electric-sql/pglite';
import { OpdScheduler, presets } from 'opd-scheduler';
import { OfflineDesk, PostgresDeskLog } from 'opd-scheduler/desk';
import { migrate, PostgresStorage } from 'opd-scheduler/postgres';

const timeZone = 'Asia/Kolkata';
const central = new OpdScheduler({ ...presets.standard(), timeZone });
const date = central.dayOf(new Date(Date.now() + 86_400_000));
await central.addDoctor({ id: 'dr-rao', name: 'Dr Rao' });
await central.addSlots('dr-rao', [
  { id: 'rao-09', start: `${date}T09:00:00+05:30`, end: `${date}T10:00:00+05:30`, capacity: 4 },
  { id: 'rao-10', start: `${date}T10:00:00+05:30`, end: `${date}T11:00:00+05:30`, capacity: 4 },
]);

// Before the outage: the west desk leases 4 places for walk-ins and emergencies.
const lease = await central.leaseCapacity({ deskId: 'WEST', doctorId: 'dr-rao', date, places: 4, categories: ['WALK_IN', 'EMERGENCY'], ttlMinutes: 480 });
console.log(`lease ${lease.id}: ${lease.slots.map((s) => `${s.places} in ${s.slotId}`).join(', ')}`);

// The desk on PGlite, with the lease as it came over the wire; its log is kept there too, beside its tokens.
const db = new PGlite();
await migrate(db, { schema: 'desk' });
const desk = await OfflineDesk.open(JSON.parse(JSON.stringify(lease)), {
  storage: new PostgresStorage({ db, schema: 'desk' }),
  logStore: new PostgresDeskLog({ db, schema: 'desk' }),
  timeZone,
});

// Cut off: the desk issues tokens on its own.
const people = [
  { id: 'p-1', name: 'Asha' },
  { id: 'p-2', name: 'Ravi' },
  { id: 'p-3', name: 'Meena' },
];
for (const [i, patient] of people.entries()) {
  const token = await desk.book({ category: 'WALK_IN', patient, idempotencyKey: `west-${i + 1}` });
  console.log(`desk issued ${token.label} in ${token.slotId}`);
}
const emergency = await desk.book({ category: 'EMERGENCY', patient: { id: 'p-4', name: 'Kiran' }, idempotencyKey: 'west-4' });
console.log(`desk issued ${emergency.label} (emergency) in ${emergency.slotId}`);
try {
  await desk.book({ category: 'WALK_IN', patient: { id: 'p-5', name: 'Sita' }, idempotencyKey: 'west-5' });
} catch (error) {
  console.log(`desk refused the fifth patient: ${(error as { code: string }).code} (sent to the central queue)`);
}
// Meanwhile, centrally, Ravi booked online too.
await central.book({ doctorId: 'dr-rao', category: 'ONLINE', patient: { id: 'p-2', name: 'Ravi' } });

// Reconnect: reconcile, then a retry (as after a connection cut half way) that enters nothing twice.
const report = await central.reconcile(desk);
const retry = await central.reconcile(desk);
console.log(`applied: ${report.applied.map((c) => c.label).join(', ')}`);
console.log(`to resolve: ${report.toResolve.map((i) => `${i.reason} (${i.idempotencyKey})`).join(', ') || 'nothing'}`);
console.log(`lease ${report.lease.status}: ${report.lease.slots.map((s) => `${s.used}/${s.places}`).join(', ')}`);
console.log(`retry: ${retry.applied.length} applied, ${retry.alreadyApplied.length} already applied`);
await desk.close();
await db.close();
await central.close();
