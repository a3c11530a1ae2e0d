/**
 * Claims on places: every kind of claim is one record in its day's list, which a store keeps
 * without reading its kind. Each kind — the built-in ones through the scheduler (a hold, a place
 * held for an offer, a desk's lease), and kinds a store has never heard of through the core's
 * claim rules (a kind no table names, and the kinds the suite's options add) — is created,
 * counted taken by the store's schedule, found due exactly when its due time comes, converted, and
 * ended once.
 */
import { expect, it } from 'vitest';
import { OpdScheduler, presets, StagedOffers, type StorageAdapter } from '../index.js';
import type { TokenOfferedEvent } from '../events/index.js';
import { type ClaimKind, claimKindTable, putClaim } from '../core/claim-kinds.js';
import { activeClaim, builtInClaimKinds, convertClaim, endClaim, settleClaims } from '../core/claims.js';
import type { CoreConfig } from '../core/config.js';
import { commit, unchanged } from '../core/command.js';
import { type DayWork, Workspace } from '../core/workspace.js';
import type { ClaimRecord, DayRecord } from '../model/records.js';
import { resolveOptions } from '../options.js';
import { Clock, DAY, START, type Suite, withSlots } from './fixtures.js';

/** A name no kind table holds: claims of it are read as the generic kind (they hold their places until their end). */
const UNKNOWN_KIND = 'conformance-unknown';

/** Declares the tests of this part of the conformance suite (`kinds`: kinds besides the built-in ones to exercise). */
export function claimsTests(suite: Suite, kinds: readonly ClaimKind[] = []): void {
  const { timeout, scheduler } = suite;

  /** The claims of a stored doctor-day. */
  const claimsOf = async (storage: StorageAdapter, doctorId: string): Promise<readonly ClaimRecord[]> => dayOf(storage, doctorId).then((d) => d.claims ?? []);
  const dayOf = async (storage: StorageAdapter, doctorId: string): Promise<DayRecord> => (await storage.read({ doctorId, days: [DAY] })).days.get(DAY)!.record;
  /** A slot's taken places as the store's schedule counts them. */
  const occupancy = async (storage: StorageAdapter, doctorId: string, slotId: string, now: number): Promise<number> =>
    ((await storage.read({ doctorId, schedule: { from: now } })).schedule ?? []).find((e) => e.slot.id === slotId)?.occupancy ?? Number.NaN;

  it('a hold: one claim with its token, counted once, due at its end, converted by a confirmation, expired once by the sweep', { timeout }, async () => {
    const { opd, clock, storage } = await scheduler();
    const [slotId] = await withSlots(opd, 'c', [9], 2);
    const held = await opd.hold({ doctorId: 'c', category: 'ONLINE', patient: { name: 'A' }, holdMinutes: 10, actor: 'desk-1' });
    const other = await opd.hold({ doctorId: 'c', category: 'ONLINE', patient: { name: 'B' }, holdMinutes: 30 });
    const claims = await claimsOf(storage, 'c');
    expect(claims.map((c) => [c.kind, c.tokenId, c.state, c.actor])).toEqual([
      ['hold', held.token.id, 'ACTIVE', 'desk-1'],
      ['hold', other.token.id, 'ACTIVE', null],
    ]);
    // Counted once: its place is its token's.
    expect(await occupancy(storage, 'c', slotId!, clock.now().getTime())).toBe(2);
    const ends = held.token.holdExpiresAt!.getTime();
    expect(await storage.findDueDays(ends - 1, ends - 1)).toEqual([]);
    expect(await storage.findDueDays(ends - 1, ends)).toEqual([{ doctorId: 'c', day: DAY }]);
    // Converted: a hold's claim ends with its confirmation.
    await opd.confirm(other.token.id);
    expect((await claimsOf(storage, 'c')).map((c) => c.tokenId)).toEqual([held.token.id]);
    clock.advance(10 * 60_000);
    expect((await opd.sweep()).map((e) => [e.type, 'tokenId' in e ? e.tokenId : null])).toEqual([['token:expired', held.token.id]]);
    expect(await claimsOf(storage, 'c')).toEqual([]);
    expect(await opd.sweep()).toEqual([]);
    expect(await occupancy(storage, 'c', slotId!, clock.now().getTime())).toBe(1);
  });

  it('a place held for an offer: one claim without a token, counted taken, due at its window, converted by an accept', { timeout }, async () => {
    const { opd, clock, storage } = await scheduler({ offers: new StagedOffers({ windowMinutes: 10, groupSize: 1 }) });
    const [slotId] = await withSlots(opd, 'c', [9], 1);
    const first = await opd.book({ doctorId: 'c', category: 'ONLINE', patient: { name: 'A' } });
    const waiting = await opd.book({ doctorId: 'c', category: 'ONLINE', patient: { name: 'B' } });
    const offered = (await opd.cancel(first.token.id)).effects.find((e): e is TokenOfferedEvent => e.type === 'token:offered')!;
    const [claim] = await claimsOf(storage, 'c');
    expect(claim).toMatchObject({ kind: 'offer', slotId, places: 1, used: 0, state: 'ACTIVE', dueAt: offered.expiresAt.getTime() });
    expect(claim!.tokenId).toBeUndefined();
    expect(await occupancy(storage, 'c', slotId!, clock.now().getTime())).toBe(1);
    const due = offered.expiresAt.getTime();
    expect(await storage.findDueDays(due - 1, due - 1)).toEqual([]);
    expect(await storage.findDueDays(due - 1, due)).toEqual([{ doctorId: 'c', day: DAY }]);
    await opd.acceptOffer(offered.offerId);
    expect(await claimsOf(storage, 'c')).toMatchObject([{ kind: 'offer', state: 'CONVERTED', used: 1, dueAt: null }]);
    expect(await storage.findDueDays(due + 3_600_000, due + 3_600_000)).toEqual([]);
    expect((await opd.getToken(waiting.token.id)).slotId).toBe(slotId);
  });

  it("a desk's lease: one claim per slot, its unused places counted, due at its end, ended once", { timeout }, async () => {
    const { opd, clock, storage } = await scheduler();
    const [nine, ten] = await withSlots(opd, 'c', [9, 10], 2);
    const lease = await opd.leaseCapacity({ deskId: 'W', doctorId: 'c', date: DAY, places: 3, ttlMinutes: 30 });
    expect((await claimsOf(storage, 'c')).map((c) => [c.kind, c.id, c.slotId, c.places, c.used, c.state, c.group])).toEqual([
      ['lease', lease.id, nine, 2, 0, 'ACTIVE', lease.id],
      ['lease', lease.id, ten, 1, 0, 'ACTIVE', lease.id],
    ]);
    const now = clock.now().getTime();
    expect([await occupancy(storage, 'c', nine!, now), await occupancy(storage, 'c', ten!, now)]).toEqual([2, 1]);
    const ends = lease.endsAt.getTime();
    expect(await storage.findDueDays(ends - 1, ends - 1)).toEqual([]);
    expect(await storage.findDueDays(ends - 1, ends)).toEqual([{ doctorId: 'c', day: DAY }]);
    clock.advance(30 * 60_000);
    expect((await opd.sweep()).map((e) => e.type)).toEqual(['lease:expired']);
    expect((await claimsOf(storage, 'c')).map((c) => c.state)).toEqual(['EXPIRED', 'EXPIRED']);
    expect(await opd.sweep()).toEqual([]);
    expect(await storage.findDueDays(ends, ends)).toEqual([]);
    expect((await opd.returnLease(lease)).status).toBe('EXPIRED');
  });

  for (const kind of [{ name: UNKNOWN_KIND, table: undefined }, ...kinds.map((k) => ({ name: k.name, table: k }))]) {
    it(
      `a claim of kind \`${kind.name}\`${kind.table === undefined ? ' (no table names it)' : ''}: stored as it is, counted, due at its time, converted and ended once`,
      { timeout },
      async () => {
        const clock = new Clock();
        const storage = await suite.open();
        const opd = new OpdScheduler({ ...presets.standard(), clock: clock.now, timeZone: 'Asia/Kolkata', storage });
        const [slotId] = await withSlots(opd, 'c', [9], 3);
        const config = coreConfig(kinds);
        const due = START + 60 * 60_000;
        const made: ClaimRecord = {
          id: `c~${DAY}~probe`,
          kind: kind.name,
          slotId: slotId!,
          places: 2,
          used: 0,
          state: 'ACTIVE',
          endsAt: due,
          dueAt: due,
          actor: 'probe',
          detail: { note: 'kept as it is' },
        };
        await unit(storage, config, clock.now().getTime(), (_ws, work) => putClaim(work, made));
        expect(await claimsOf(storage, 'c')).toEqual([made]);
        expect(await occupancy(storage, 'c', slotId!, clock.now().getTime())).toBe(2);
        expect((await opd.getSlot(slotId!)).free).toBe(1);
        // Converted: one place taken up.
        await unit(storage, config, clock.now().getTime(), (ws, work) => convertClaim(ws, work, activeClaim(work, made.id)!));
        expect(await claimsOf(storage, 'c')).toMatchObject([{ id: made.id, used: 1, state: 'ACTIVE' }]);
        expect(await occupancy(storage, 'c', slotId!, clock.now().getTime())).toBe(1);
        // Due exactly at its time, not before.
        expect(await storage.findDueDays(due - 1, due - 1)).toEqual([]);
        expect(await storage.findDueDays(due - 1, due)).toEqual([{ doctorId: 'c', day: DAY }]);
        clock.advance(60 * 60_000);
        const settled = await unit(storage, config, clock.now().getTime(), (ws, work) => settleClaims(ws, work));
        expect(settled).toBe(true);
        const [ended] = await claimsOf(storage, 'c');
        expect(ended!.state).not.toBe('ACTIVE');
        expect(ended!.dueAt).toBeNull();
        expect(await occupancy(storage, 'c', slotId!, clock.now().getTime())).toBe(0);
        expect(await storage.findDueDays(due + 1, due + 1)).toEqual([]);
        // Ended once: ending it again changes nothing.
        const before = await dayOf(storage, 'c');
        await unit(storage, config, clock.now().getTime(), (ws, work) => {
          const claim = work.claims.find((c) => c.id === made.id)!;
          endClaim(ws, work, claim, 'released');
        });
        expect(await dayOf(storage, 'c')).toEqual(before);
        await opd.close();
      },
    );
  }
}

/** The core's rules, as the scheduler runs them, with `kinds` added to the kind table. */
function coreConfig(kinds: readonly ClaimKind[]): CoreConfig {
  const core = resolveOptions({ ...presets.standard(), timeZone: 'Asia/Kolkata' }).core;
  return kinds.length === 0 ? core : { ...core, claimKinds: claimKindTable([...builtInClaimKinds().values(), ...kinds]) };
}

/** Runs `apply` on the working copy of doctor `c`'s day as one unit of work of the store, committing what it changed; returns its answer. */
async function unit<T>(storage: StorageAdapter, config: CoreConfig, now: number, apply: (ws: Workspace, work: DayWork) => T): Promise<T> {
  return storage.transact({ doctorId: 'c', days: [DAY] }, (snapshot) => {
    const ws = new Workspace(config, snapshot, now);
    const answer = apply(ws, ws.day(DAY));
    return ws.changed ? commit(ws, answer) : unchanged(answer);
  });
}
