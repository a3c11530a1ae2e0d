/**
 * Several offline desks and the central scheduler (memory): random bookings and cancels at every
 * desk and centrally, desks cut off and reconnecting at random, reconciles retried, leases running
 * out, a lease opened on a second device, a desk reopened on a new store with its exported log.
 * After every merge: no slot holds more than its capacity plus its elastic places, labels are
 * unique among the day's live tokens, every paper token a desk gave is entered as exactly one
 * token of its own (or reported as the patient's duplicate), none is revoked, a repeated reconcile
 * enters nothing, and every emergency that reached a desk with a leased place left got it. The
 * places stranded in leases at day close (freed by `lease:expired`) are measured.
 */
import fc from 'fast-check';
import { isOpdError, MemoryStorage, OpdScheduler, presets } from 'opd-scheduler';
import { type DeskCommand, type Lease, OfflineDesk, type ReconcileReport } from 'opd-scheduler/desk';
import { describe, expect, it } from 'vitest';
import { at, DAY, doctorWithSlots, TestClock } from '../helpers.js';
import { fcOptions, timeoutFor } from './support.js';

const CAPACITY = 3;
const ELASTIC = 1;

/** The devices: one per lease, and a fourth that opened desk 0's lease too. */
const DEVICES = 4;

type Op =
  | { readonly kind: 'desk-book'; readonly desk: number; readonly patient: number; readonly emergency: boolean }
  | { readonly kind: 'desk-cancel'; readonly desk: number; readonly which: number }
  | { readonly kind: 'reopen'; readonly desk: number }
  | { readonly kind: 'central-book'; readonly patient: number; readonly emergency: boolean }
  | { readonly kind: 'time'; readonly minutes: number }
  | { readonly kind: 'reconcile'; readonly desk: number; readonly twice: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('desk-book' as const), desk: fc.nat(DEVICES - 1), patient: fc.nat(11), emergency: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('desk-cancel' as const), desk: fc.nat(DEVICES - 1), which: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const), desk: fc.nat(DEVICES - 1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('central-book' as const), patient: fc.nat(11), emergency: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('time' as const), minutes: fc.integer({ min: 5, max: 90 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reconcile' as const), desk: fc.nat(DEVICES - 1), twice: fc.boolean() }) },
);

const world = fc.record({
  leases: fc.array(fc.record({ places: fc.integer({ min: 1, max: 3 }), ttlMinutes: fc.integer({ min: 30, max: 300 }) }), { minLength: 3, maxLength: 3 }),
  ops: fc.array(op, { maxLength: 30 }),
});

describe('offline desks and the central scheduler', () => {
  it(
    'after every merge: capacity plus elastic, unique labels, no issued token revoked, emergencies at a desk with a place placed',
    { timeout: timeoutFor(100, 300) },
    async () => {
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
            const granted: Lease[] = [];
            for (const [k, l] of leases.entries()) {
              const lease = await opd.leaseCapacity({ deskId: `D${k}`, doctorId: 'd1', date: DAY, places: l.places, ttlMinutes: l.ttlMinutes });
              granted.push(lease);
              desks.push(await OfflineDesk.open(JSON.parse(JSON.stringify(lease)), { storage: new MemoryStorage(), clock: clock.now }));
            }
            // The fourth device: desk 0's lease, opened a second time from its JSON.
            desks.push(await OfflineDesk.open(JSON.parse(JSON.stringify(granted[0]!)), { storage: new MemoryStorage(), clock: clock.now }));
            const reconciled = new Set<number>();
            /** Central token ids of the desks' entered tokens. */
            const issued = new Set<string>();
            /** Central token ids the desks cancelled themselves. */
            const cancelledAtDesk = new Set<string>();
            /** The central token of every paper token, by its booking: one each, never shared. */
            const paper = new Map<string, string | null>();
            const check = async (device: number, report: ReconcileReport, again: ReconcileReport | undefined) => {
              for (const c of report.applied) if (c.kind === 'book') issued.add(c.tokenId!);
              // Every paper token in the device's log: entered (now or before) as a token of its own, or the patient's duplicate reported.
              const booked = new Map([...report.applied, ...report.alreadyApplied].filter((c) => c.kind === 'book').map((c) => [c.idempotencyKey, c.tokenId]));
              for (const c of desks[device]!.log()) {
                if (c.kind !== 'book') {
                  if (
                    c.kind === 'cancel' &&
                    booked.get(c.booking) !== undefined &&
                    [...report.applied, ...report.alreadyApplied].some((a) => a.kind === 'cancel' && a.idempotencyKey === c.idempotencyKey)
                  )
                    cancelledAtDesk.add(booked.get(c.booking)!);
                  continue;
                }
                const tokenId =
                  booked.get(c.idempotencyKey) ??
                  (report.toResolve.some((i) => i.reason === 'same-patient' && i.idempotencyKey === c.idempotencyKey && i.tokenId === null) ? null : undefined);
                expect(tokenId, `paper token ${c.label} of device ${device} entered`).not.toBeUndefined();
                // A paper token is its booking: two devices that made the very same one (key, label, patient, category, slot) gave one token.
                const key = JSON.stringify([c.idempotencyKey, c.label, c.patient.id, c.category, c.slotId]);
                if (paper.has(key)) expect(tokenId, `paper token ${c.label} of device ${device} entered once`).toBe(paper.get(key));
                paper.set(key, tokenId!);
              }
              const tokens = [...paper.values()].filter((id): id is string => id !== null);
              expect(new Set(tokens).size, 'one central token per paper token').toBe(tokens.length);
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
                labels.push(...s.places.filter((t) => t.status !== 'COMPLETED').map((t) => t.label));
              }
              labels.push(...schedule.waitlist.map((t) => t.label));
              expect(new Set(labels).size, 'two live tokens never share a label').toBe(labels.length);
              // Never revoked: only the desk's own cancels, or the day's closing, end a desk's token; the
              // day goes on for it as for any token (swept as a no-show once its slot is over, waiting
              // for a place when its lease had ended and its slot was full).
              for (const id of issued) {
                const token = await opd.getToken(id);
                if (token.status === 'CANCELLED') expect(cancelledAtDesk.has(id) || token.cancelReason === 'day-closed', `${id} revoked`).toBe(true);
              }
            };
            for (const o of ops) {
              if (o.kind === 'time') {
                clock.advance(o.minutes);
                await opd.sweep();
              } else if (o.kind === 'central-book') {
                await opd
                  .book({ doctorId: 'd1', category: o.emergency ? 'EMERGENCY' : 'WALK_IN', patient: { id: `p${o.patient}`, name: 'x' } })
                  .catch((e: unknown) => {
                    if (!isOpdError(e)) throw e;
                  });
              } else if (o.kind === 'desk-cancel') {
                const desk = desks[o.desk]!;
                if (reconciled.has(o.desk)) continue;
                const held = await desk.tokens();
                const token = held[o.which % Math.max(1, held.length)];
                if (token === undefined) continue;
                await desk.cancel(token.id, { idempotencyKey: `D${o.desk}-${desk.log().length}` }).catch((e: unknown) => {
                  if (!isOpdError(e)) throw e;
                });
              } else if (o.kind === 'reopen') {
                // The desk moves to a new store with its exported log: it counts what it issued, and goes on numbering.
                const desk = desks[o.desk]!;
                if (reconciled.has(o.desk)) continue;
                const exported = JSON.parse(desk.exportLog()) as DeskCommand[];
                const before = (await desk.tokens()).map((t) => [t.label, t.status]);
                await desk.close();
                const reopened = await OfflineDesk.open(JSON.parse(JSON.stringify(granted[o.desk % granted.length]!)), {
                  storage: new MemoryStorage(),
                  clock: clock.now,
                  log: exported,
                });
                desks[o.desk] = reopened;
                expect((await reopened.tokens()).map((t) => [t.label, t.status])).toEqual(before);
                expect(reopened.log()).toEqual(exported);
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
                  // Keys numbered by the device's log: the fourth device keys its bookings as desk 0 does.
                  const token = await desk.book({
                    category: o.emergency ? 'EMERGENCY' : 'WALK_IN',
                    patient: { id: `p${o.patient}`, name: 'x' },
                    idempotencyKey: `D${o.desk % 3}-${desk.log().length}`,
                  });
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
                await check(o.desk, report, o.twice ? await opd.reconcile(desk) : undefined);
                reconciled.add(o.desk);
              }
            }
            // Day close: the remaining desks reconnect, then every lease has ended.
            for (const [k, desk] of desks.entries()) if (!reconciled.has(k)) await check(k, await opd.reconcile(desk), undefined);
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
      console.info(
        `places stranded in leases at day close: ${total} over ${stranded.length} days (at most ${Math.max(...stranded)} in a day); desk tokens entered: ${entered}, of them honoured beyond an ended lease: ${beyond}`,
      );
      // The runs reach the cases they are about.
      expect(entered).toBeGreaterThan(0);
    },
  );
});
