/**
 * Several offline desks and the central scheduler (memory): random bookings at every desk and
 * centrally, desks cut off and reconnecting at random, reconciles retried, leases running out.
 * After every merge: no slot holds more than its capacity plus its elastic places, labels are
 * unique per doctor-day, no token a desk issued is revoked, a repeated reconcile enters nothing,
 * and every emergency that reached a desk with a leased place left got it. The places stranded in
 * leases at day close (freed by `lease:expired`) are measured.
 */
import fc from 'fast-check';
import { isOpdError, MemoryStorage, OpdScheduler, presets } from 'opd-scheduler';
import { OfflineDesk, type ReconcileReport } from 'opd-scheduler/desk';
import { describe, expect, it } from 'vitest';
import { at, DAY, doctorWithSlots, TestClock } from '../helpers.js';
import { fcOptions, timeoutFor } from './support.js';

const CAPACITY = 3;
const ELASTIC = 1;

type Op =
  | { readonly kind: 'desk-book'; readonly desk: number; readonly patient: number; readonly emergency: boolean }
  | { readonly kind: 'central-book'; readonly patient: number; readonly emergency: boolean }
  | { readonly kind: 'time'; readonly minutes: number }
  | { readonly kind: 'reconcile'; readonly desk: number; readonly twice: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('desk-book' as const), desk: fc.nat(2), patient: fc.nat(11), emergency: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('central-book' as const), patient: fc.nat(11), emergency: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('time' as const), minutes: fc.integer({ min: 5, max: 90 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reconcile' as const), desk: fc.nat(2), twice: fc.boolean() }) },
);

const world = fc.record({
  leases: fc.array(fc.record({ places: fc.integer({ min: 1, max: 3 }), ttlMinutes: fc.integer({ min: 30, max: 300 }) }), { minLength: 3, maxLength: 3 }),
  ops: fc.array(op, { maxLength: 30 }),
});

describe('offline desks and the central scheduler', () => {
  it('after every merge: capacity plus elastic, unique labels, no issued token revoked, emergencies at a desk with a place placed', { timeout: timeoutFor(100, 300) }, async () => {
    const stranded: number[] = [];
    let entered = 0;
    let beyond = 0;
    await fc.assert(
      fc.asyncProperty(world, async ({ leases, ops }) => {
        const clock = new TestClock(at('07:00'));
        const opd = new OpdScheduler({ ...presets.standard(), storage: new MemoryStorage(), clock: clock.now });
        const desks: OfflineDesk[] = [];
        try {
          await doctorWithSlots(opd, 'd1', [9, 10, 11, 12], CAPACITY, { overflowCapacity: ELASTIC });
          for (const [k, l] of leases.entries()) {
            const lease = await opd.leaseCapacity({ deskId: `D${k}`, doctorId: 'd1', date: DAY, places: l.places, ttlMinutes: l.ttlMinutes });
            desks.push(await OfflineDesk.open(JSON.parse(JSON.stringify(lease)), { storage: new MemoryStorage(), clock: clock.now }));
          }
          const reconciled = new Set<number>();
          /** Central token ids of the desks' entered tokens. */
          const issued = new Set<string>();
          const check = async (report: ReconcileReport, again: ReconcileReport | undefined) => {
            for (const c of report.applied) if (c.kind === 'book') issued.add(c.tokenId!);
            entered += report.applied.length;
            beyond += report.toResolve.filter((i) => i.reason === 'beyond-lease').length;
            if (again !== undefined) {
              expect(again.applied).toEqual([]);
              expect(again.alreadyApplied.map((c) => c.idempotencyKey)).toEqual([...report.alreadyApplied, ...report.applied].map((c) => c.idempotencyKey));
            }
            const schedule = await opd.getSchedule('d1', DAY);
            const labels: string[] = [];
            for (const s of schedule.slots) {
              expect(s.places.length, s.slot.id).toBeLessThanOrEqual(s.slot.capacity + ELASTIC);
              labels.push(...s.places.map((t) => t.label));
            }
            labels.push(...schedule.waitlist.map((t) => t.label));
            expect(new Set(labels).size).toBe(labels.length);
            // Never revoked: no desk cancels in this model, so none is ever CANCELLED; the day goes on
            // for it as for any token (swept as a no-show once its slot is over, waiting for a place
            // when its lease had ended and its slot was full).
            for (const id of issued) expect((await opd.getToken(id)).status, id).not.toBe('CANCELLED');
          };
          for (const o of ops) {
            if (o.kind === 'time') {
              clock.advance(o.minutes);
              await opd.sweep();
            } else if (o.kind === 'central-book') {
              await opd.book({ doctorId: 'd1', category: o.emergency ? 'EMERGENCY' : 'WALK_IN', patient: { id: `p${o.patient}`, name: 'x' } }).catch((e: unknown) => {
                if (!isOpdError(e)) throw e;
              });
            } else if (o.kind === 'desk-book') {
              const desk = desks[o.desk]!;
              // A desk that has reconciled is back on the network: it books centrally from then on.
              if (reconciled.has(o.desk)) continue;
              // The leased places left in slots a booking can still take: a slot that has ended takes none.
              const now = clock.now().getTime();
              const held = await desk.tokens();
              const left = desk.lease.slots
                .filter((slot) => new Date(slot.end).getTime() > now)
                .reduce((n, slot) => n + Math.max(0, slot.places - held.filter((t) => t.slotId === slot.slotId).length), 0);
              const open = now < desk.lease.endsAt.getTime();
              try {
                const token = await desk.book({ category: o.emergency ? 'EMERGENCY' : 'WALK_IN', patient: { id: `p${o.patient}`, name: 'x' }, idempotencyKey: `D${o.desk}-${desk.log().length}` });
                expect(token.label.startsWith(desk.lease.prefix)).toBe(true);
              } catch (e) {
                if (!isOpdError(e)) throw e;
                // An emergency at a desk with a leased place left in a slot not yet over, inside the lease's time, gets it
                // (the desk's own duplicate rule may still refuse a patient it registered already).
                if (o.emergency && left > 0 && open && e.code !== 'DUPLICATE_BOOKING') throw e;
              }
            } else {
              const desk = desks[o.desk]!;
              const report = await opd.reconcile(desk);
              await check(report, o.twice ? await opd.reconcile(desk) : undefined);
              reconciled.add(o.desk);
            }
          }
          // Day close: the remaining desks reconnect, then every lease has ended.
          for (const [k, desk] of desks.entries()) if (!reconciled.has(k)) await check(await opd.reconcile(desk), undefined);
          const freed = (await opd.history()).reduce((n, e) => n + (e.type === 'lease:expired' ? e.freed : 0), 0);
          stranded.push(freed);
        } finally {
          for (const desk of desks) await desk.close();
          await opd.close();
        }
      }),
      // A fixed seed in CI (FC_SEED to choose one): `npm run test:explore` tries fresh ones.
      fcOptions(100),
    );
    const total = stranded.reduce((a, b) => a + b, 0);
    console.info(`places stranded in leases at day close: ${total} over ${stranded.length} days (at most ${Math.max(...stranded)} in a day); desk tokens entered: ${entered}, of them honoured beyond an ended lease: ${beyond}`);
    // The runs reach the cases they are about.
    expect(entered).toBeGreaterThan(0);
  });
});
