/**
 * The scripted day: for every preset, a day touching every command and view gives, on the adapter,
 * every observable result it gives on `MemoryStorage`.
 */
import { expect, it } from 'vitest';
import { isOpdError, MemoryStorage, OpdScheduler, presets, type StorageAdapter } from '../index.js';
import { bySeqRank, Clock, DAY, plain, type Suite } from './fixtures.js';

const PRESETS = ['standard', 'cascade', 'waitlist', 'elastic'] as const;

/** Declares the tests of this part of the conformance suite. */
export function scriptedDayTests(suite: Suite): void {
  const { timeout, open } = suite;
  for (const preset of PRESETS) {
    it(`gives the same results as MemoryStorage in a scripted day (presets.${preset})`, { timeout }, async () => {
      const expected = await scenario(new MemoryStorage(), preset);
      const actual = await scenario(await open(), preset);
      expect(actual).toEqual(expected);
    });
  }
}

/**
 * A scripted OPD day touching every command and view; returns every observable result (values,
 * error codes and details, emitted events, history, stats) as plain data.
 */
async function scenario(storage: StorageAdapter, preset: (typeof PRESETS)[number]): Promise<unknown[]> {
  const clock = new Clock();
  const opd = new OpdScheduler({ ...presets[preset](), storage, clock: clock.now, timeZone: 'Asia/Kolkata' });
  const log: unknown[] = [];
  opd.on('event', (e) => log.push(['emitted', plain(e)]));
  const step = async (label: string, call: () => Promise<unknown>): Promise<void> => {
    try {
      log.push([label, plain(await call())]);
    } catch (error) {
      log.push([label, isOpdError(error) ? { error: error.code, details: plain(error.details) } : { thrown: String(error) }]);
    }
    clock.advance(1000);
  };
  const ist = (hhmm: string, day = DAY): string => `${day}T${hhmm}:00+05:30`;
  const slot = (id: string, from: string, to: string, capacity: number, overflowCapacity?: number, day = DAY) => ({
    id,
    start: ist(from, day),
    end: ist(to, day),
    capacity,
    ...(overflowCapacity === undefined ? {} : { overflowCapacity }),
  });
  const book = (patient: string, category: string, extra: Record<string, unknown> = {}) =>
    step(`book ${patient} ${category}`, () => opd.book({ doctorId: 'dr-a', category, patient: { id: patient, name: `Name ${patient}`, age: 40 }, ...extra }));

  await step('doctor a', () => opd.addDoctor({ id: 'dr-a', name: 'Dr A', specialization: 'ENT', consultMinutes: 10 }));
  await step('doctor generated', () => opd.addDoctor({ name: 'Dr B' }));
  await step('doctor again', () => opd.addDoctor({ id: 'dr-a', name: 'Dr A again' }));
  await step('slots a', () =>
    opd.addSlots('dr-a', [
      slot('a9', '09:00', '10:00', 2, 1),
      slot('a10', '10:00', '11:00', 2),
      slot('a11', '11:00', '12:00', 1, 0),
      slot('a-next', '09:00', '10:00', 1, 0, '2026-01-31'),
    ]),
  );
  await step('slots b', () => opd.addSlots('doc-1', [{ start: ist('09:00'), end: ist('09:30'), capacity: 1 }]));
  await step('slot overlap', () => opd.addSlots('doc-1', [{ start: ist('09:15'), end: ist('09:45'), capacity: 1 }]));
  await step('slot id taken', () => opd.addSlots('doc-1', [slot('a9', '12:00', '13:00', 1)]));
  await book('p1', 'ONLINE', { slotId: 'a9', idempotencyKey: 'k1' });
  await book('p2', 'WALK_IN', { slotId: 'a9' });
  await book('p3', 'ONLINE', { slotId: 'a9' });
  await book('p4', 'EMERGENCY', { slotId: 'a9' });
  await book('p5', 'EMERGENCY', { slotId: 'a9' });
  await book('p6', 'PAID', { date: DAY });
  await book('p7', 'FOLLOW_UP', { after: ist('10:30') });
  await book('p1', 'ONLINE', { slotId: 'a10' });
  await book('p1', 'ONLINE', { slotId: 'a9', idempotencyKey: 'k1' });
  await book('p1', 'PAID', { slotId: 'a9', idempotencyKey: 'k1' });
  for (const p of ['w1', 'w2', 'w3', 'w4', 'w5']) await book(p, 'WALK_IN');
  for (const p of ['e1', 'e2', 'e3']) await book(p, 'EMERGENCY', { slotId: 'a11' }); // the last slot: some wait, unplaced
  await book('e4', 'EMERGENCY'); // no day named: today's and tomorrow's slots are read
  await book('n1', 'ONLINE', { date: '2026-01-31' });
  await step('cancel p1', () => opd.cancel('dr-a~2026-01-30~1', { reason: 'patient called' }));
  await step('cancel again', () => opd.cancel('dr-a~2026-01-30~1'));
  await step('check in 2', () => opd.checkIn('dr-a~2026-01-30~2'));
  await step('start 2', () => opd.startConsultation('dr-a~2026-01-30~2'));
  await step('complete 2', () => opd.complete('dr-a~2026-01-30~2'));
  await step('no-show too early', () => opd.markNoShow('dr-a~2026-01-30~4'));
  await step('close a11 dry run', () => opd.closeSlot('a11', { reason: 'doctor left', dryRun: true }));
  await step('close a11', () => opd.closeSlot('a11', { reason: 'doctor left' }));
  await step('close a11 again', () => opd.closeSlot('a11'));
  await step('capacity a10 down dry run', () => opd.setCapacity('a10', 1, { dryRun: true }));
  await step('capacity a10 down', () => opd.setCapacity('a10', 1));
  await step('capacity a10 up', () => opd.setCapacity('a10', 4));
  await step('slots for holds and moves', () =>
    opd.addSlots('dr-a', [slot('a12', '12:00', '13:00', 12), slot('a-next2', '10:00', '11:00', 2, 0, '2026-01-31')]),
  );
  const held: string[] = [];
  const hold = (patient: string) =>
    step(`hold ${patient}`, async () => {
      const result = await opd.hold({
        doctorId: 'dr-a',
        category: 'ONLINE',
        patient: { id: patient, name: `Name ${patient}` },
        slotId: 'a12',
        holdMinutes: 30,
      });
      held.push(result.token.id);
      return result;
    });
  await hold('h1');
  await hold('h2');
  await step('confirm h1', () => opd.confirm(held[0] ?? 'dr-a~2026-01-30~999'));
  await step('release h2', () => opd.release(held[1] ?? 'dr-a~2026-01-30~999'));
  await step('move 6 to tomorrow', () => opd.move('dr-a~2026-01-30~6', { date: '2026-01-31' }));
  await step('move 7 to a12', () => opd.move('dr-a~2026-01-30~7', { slotId: 'a12' }));
  await step('unknown token', () => opd.getToken('dr-a~2026-01-30~999'));
  await step('unknown slot', () => opd.getSlot('nope'));
  clock.set(ist('09:20'));
  await step('no-show 4', () => opd.markNoShow('dr-a~2026-01-30~4'));
  // Back as a request made now: its request time changes, and with it its place in the queue.
  await step('reinstate 4', () => opd.reinstate('dr-a~2026-01-30~4'));
  clock.set(ist('10:40'));
  await step('sweep', () => opd.sweep());
  for (let n = 1; n <= 20; n++) await step(`token ${n}`, () => opd.getToken(`dr-a~2026-01-30~${n}`));
  for (let n = 1; n <= 3; n++) await step(`token ${n} next day`, () => opd.getToken(`dr-a~2026-01-31~${n}`));
  for (const id of ['a9', 'a10', 'a11', 'a-next']) await step(`slot ${id}`, () => opd.getSlot(id));
  await step('schedule a', () => opd.getSchedule('dr-a', DAY));
  await step('schedule a next', () => opd.getSchedule('dr-a', '2026-01-31'));
  await step('schedule b', () => opd.getSchedule('doc-1', DAY));
  await step('waitlist a', () => opd.getWaitlist('dr-a', DAY));
  await step('stats', () => opd.stats());
  await step('stats a', () => opd.stats({ doctorId: 'dr-a' }));
  await step('stats day', () => opd.stats({ date: '2026-01-31' }));
  await step('stats nobody', () => opd.stats({ doctorId: 'nobody' }));
  await step('history', () => opd.history());
  await step('history page', async () => opd.history({ after: (await opd.history())[2]!.seq, limit: 4 }));
  await step('doctors', () => opd.listDoctors());
  await opd.close();
  return bySeqRank(log);
}
