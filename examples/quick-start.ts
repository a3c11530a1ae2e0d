import { OpdScheduler, presets, isOpdError } from 'opd-scheduler';

const opd = new OpdScheduler({ ...presets.standard(), timeZone: 'Asia/Kolkata' });
const tomorrow = opd.dayOf(new Date(Date.now() + 24 * 3600 * 1000)); // 'YYYY-MM-DD' in Kolkata

const doctor = await opd.addDoctor({ name: 'Dr. Sharma', specialization: 'Cardiology', consultMinutes: 6 });
const [nine] = await opd.addSlots(doctor.id, [
  { start: `${tomorrow}T09:00:00+05:30`, end: `${tomorrow}T10:00:00+05:30`, capacity: 10 },
  { start: `${tomorrow}T10:00:00+05:30`, end: `${tomorrow}T11:00:00+05:30`, capacity: 10 },
]);

opd.on('token:bumped', (e) => console.log(`token ${e.tokenNumber} lost its place in ${e.fromSlotId}`));
opd.on('token:cascaded', (e) => console.log(`token ${e.tokenNumber} moved to ${e.toSlotId}`));

const { token, outcome } = await opd.book({
  doctorId: doctor.id,
  category: 'ONLINE',
  patient: { id: 'ABHA-91-1234-5678-9012', name: 'Asha', age: 64 },
  slotId: nine!.id,
  idempotencyKey: 'portal-req-7731', // retries are safe
});
console.log(outcome, token.tokenNumber, token.position, token.estimatedStart);

try {
  await opd.book({ doctorId: doctor.id, category: 'WALK_IN', patient: { name: 'Ravi' }, slotId: 'no-such-slot' });
} catch (error) {
  if (isOpdError(error, 'SLOT_NOT_FOUND')) console.log(error.code, error.details.slotId);
}

await opd.checkIn(token.id);
await opd.startConsultation(token.id);
await opd.complete(token.id);
console.log((await opd.getToken(token.id)).status);
