/**
 * Run by `make.test.ts` as `node --allow-natives-syntax --import tsx test/core/shapes.ts`: fills a
 * memory store through the scheduler (doctors added with inputs of different shapes, bookings of
 * every channel, cancellations and the promotions they bring) and prints, as JSON, how many hidden
 * classes (V8 maps) the stored doctor, slot and token records use. Records of a kind built with
 * the same fields in the same order share one; a record with one of its own makes every read of
 * its fields on the booking path a megamorphic lookup.
 */
import { MemoryStorage, OpdScheduler, presets } from '../../src/index.js';
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
const FIRST = Date.UTC(2026, 0, 5);
const storage = new MemoryStorage();
const opd = new OpdScheduler({ ...presets.standard(), storage, clock: () => new Date(FIRST) });
const cats = ['ONLINE', 'WALK_IN', 'FOLLOW_UP', 'PAID', 'EMERGENCY'];
for (let i = 0; i < 40; i++) {
  const doctor = await opd.addDoctor(i % 2 === 0 ? { id: `d${i}`, name: `Doctor ${i}` } : { name: `Doctor ${i}`, consultMinutes: 10, specialization: 'x' });
  const slots = [];
  for (let s = 0; s < 4; s++) slots.push({ start: new Date(FIRST + (9 + s) * 3600000), end: new Date(FIRST + (10 + s) * 3600000), capacity: 3 });
  await opd.addSlots(doctor.id, slots);
  for (let n = 0; n < 16; n++) {
    const r = await opd.book({ doctorId: doctor.id, category: cats[n % 5]!, patient: { id: `p${i}-${n}`, name: 'P' }, date: '2026-01-05' });
    if (n % 7 === 3) await opd.cancel(r.token.id);
  }
}
const kinds = (records: object[]): number => {
  const maps: object[] = [];
  for (const r of records) if (!maps.some((m) => sameMap(m, r))) maps.push(r);
  return maps.length;
};
const doctors = await storage.listDoctors();
const snapshots = await Promise.all(doctors.map((d) => storage.read({ doctorId: d.id, days: ['2026-01-05'] })));
const slots = snapshots.flatMap((s) => [...s.days.values()].flatMap((d) => d.slots.map((x) => x.slot)));
const tokens = snapshots.flatMap((s) => [...s.days.values()].flatMap((d) => [...d.slots.flatMap((x) => x.places), ...d.waitlist]));
console.log(JSON.stringify({ doctors: kinds(doctors), slots: kinds(slots), tokens: kinds(tokens), counts: [doctors.length, slots.length, tokens.length] }));
