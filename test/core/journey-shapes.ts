/**
 * Run by `make.test.ts` as `node --allow-natives-syntax --import tsx test/core/journey-shapes.ts`:
 * patients of 12 doctors checked in on a route (registration, vitals, the doctor), called at each
 * service point, forwarded on, called by the doctor, sent to the lab and back; prints, as JSON, for
 * the stored tokens, their journeys, the tokens the calls answered with (views) and the events, how
 * many hidden classes (V8 maps) they use against how many sets of fields they have, and how many
 * keep their fields as a dictionary. Objects with
 * the same fields in the same order share one; a spread adding a field gives each object its own,
 * and every read of a field of those is a megamorphic lookup.
 */
import { MemoryStorage, OpdScheduler, presets, type Token } from '../../src/index.js';

const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
const fast = new Function('a', 'return %HasFastProperties(a)') as (a: object) => boolean;
const DAY = '2026-01-05';
const FIRST = Date.UTC(2026, 0, 5);
const storage = new MemoryStorage();
const opd = new OpdScheduler({
  ...presets.standard(),
  storage,
  timeZone: 'UTC',
  clock: () => new Date(FIRST + 8 * 3600000),
  servicePoints: [
    { id: 'reg', kind: 'registration', rooms: ['c1', 'c2'] },
    { id: 'vitals', kind: 'vitals' },
    { id: 'lab', kind: 'lab' },
  ],
  routes: { visit: ['registration', 'vitals', 'doctor', 'lab', 'doctor'] },
});
const events: object[] = [];
opd.on('token:forwarded', (e) => events.push(e));
opd.on('token:called', (e) => events.push(e));
const views: Token[] = [];
const doctors: string[] = [];
for (let i = 0; i < 12; i++) {
  const doctor = await opd.addDoctor({ id: `d${i}`, name: `Doctor ${i}` });
  doctors.push(doctor.id);
  await opd.addSlots(doctor.id, [{ start: new Date(FIRST + 9 * 3600000), end: new Date(FIRST + 12 * 3600000), capacity: 8 }]);
  for (let n = 0; n < 6; n++) {
    const { token } = await opd.book({ doctorId: doctor.id, category: n === 0 ? 'EMERGENCY' : 'WALK_IN', patient: { id: `p${i}-${n}`, name: 'P' }, date: DAY });
    views.push((await opd.checkIn(token.id, { route: 'visit' })).token);
  }
}
const track = (token: Token | null): void => {
  if (token !== null) views.push(token);
};
for (;;) {
  const { token } = await opd.callNext({ servicePoint: 'reg' }, { room: views.length % 2 === 0 ? 'c1' : 'c2' });
  if (token === null) break;
  track(token);
  track((await opd.forward(token.id, { to: 'vitals' })).token);
}
for (;;) {
  const { token } = await opd.callNext({ servicePoint: 'vitals' });
  if (token === null) break;
  track(token);
  track((await opd.forward(token.id, { to: 'doctor' })).token);
}
for (const doctorId of doctors) {
  const { token } = await opd.callNext(doctorId);
  if (token === null) continue;
  track(token);
  track((await opd.startConsultation(token.id)).token);
  track((await opd.forward(token.id, { to: 'lab', reason: 'CBC' })).token);
  const called = await opd.callNext({ servicePoint: 'lab' });
  track(called.token);
  if (called.token !== null) track((await opd.forward(called.token.id, { to: 'doctor' })).token);
}
/** How many hidden classes `objects` use, how many sets of fields (in order) they have, and how many keep their fields as a dictionary. */
const kinds = (objects: readonly object[]): { maps: number; fieldSets: number; dictionaries: number; count: number } => {
  const maps: object[] = [];
  for (const o of objects) if (!maps.some((m) => sameMap(m, o))) maps.push(o);
  const fieldSets = new Set(objects.map((o) => Object.keys(o).join())).size;
  return { maps: maps.length, fieldSets, dictionaries: objects.filter((o) => !fast(o)).length, count: objects.length };
};
const snapshots = await Promise.all(doctors.map((id) => storage.read({ doctorId: id, days: [DAY] })));
const tokens = snapshots.flatMap((s) => [...s.days.values()].flatMap((d) => d.slots.flatMap((x) => x.places)));
const journeys = tokens.flatMap((t) => (t.journey === undefined ? [] : [t.journey]));
console.log(
  JSON.stringify({
    tokens: kinds(tokens),
    journeys: kinds(journeys),
    views: kinds(views),
    viewJourneys: kinds(views.flatMap((v) => (v.journey === undefined ? [] : [v.journey]))),
    events: kinds(events),
  }),
);
