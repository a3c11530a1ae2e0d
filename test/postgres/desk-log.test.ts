/**
 * The desk's log kept in its PGlite database (`PostgresDeskLog`): a desk process that stops and
 * reopens on the same data directory finds every command it made, reconcile enters them all; and a
 * desk stopped between a command's commit and its log entry recovers the entry from its store.
 */
import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isOpdError, MemoryStorage, OpdError, OpdScheduler, presets } from '../../src/index.js';
import { type DeskCommand, type DeskLogStore, OfflineDesk, PostgresDeskLog, type Lease } from '../../src/desk/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';
import { at, DAY, doctorWithSlots } from '../helpers.js';

const clock = (): Date => at('07:00');
const patient = (id: string) => ({ id, name: `Patient ${id}` });

describe('the desk log in PGlite', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A central scheduler on memory with a lease of four places to desk WEST, as JSON crossing the wire. */
  async function central(): Promise<{ opd: OpdScheduler; lease: Lease }> {
    const opd = new OpdScheduler({ ...presets.standard(), storage: new MemoryStorage(), clock });
    await doctorWithSlots(opd, 'd1', [9, 10], 3, { overflowCapacity: 1 });
    const lease = await opd.leaseCapacity({ deskId: 'WEST', doctorId: 'd1', date: DAY, places: 4, ttlMinutes: 480 });
    return { opd, lease: JSON.parse(JSON.stringify(lease)) as Lease };
  }

  /** The desk's process: PGlite on `dir`, its store and its log there. */
  async function deskProcess(dir: string, lease: Lease, logStore?: (db: PGlite) => DeskLogStore): Promise<{ desk: OfflineDesk; stop: () => Promise<void> }> {
    const db = new PGlite(dir);
    await migrate(db, { schema: 'desk' });
    const desk = await OfflineDesk.open(lease, {
      storage: new PostgresStorage({ db, schema: 'desk' }),
      logStore: logStore?.(db) ?? new PostgresDeskLog({ db, schema: 'desk' }),
      clock,
    });
    return {
      desk,
      stop: async () => {
        await desk.close();
        await db.close();
      },
    };
  }

  it('keeps the log across a restart of the desk: the reopened desk logs every command, reconcile enters them all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opd-desk-log-'));
    dirs.push(dir);
    const { opd, lease } = await central();
    const first = await deskProcess(dir, lease);
    const a = await first.desk.book({ category: 'WALK_IN', patient: patient('w1'), idempotencyKey: 'west-1' });
    const b = await first.desk.book({ category: 'WALK_IN', patient: patient('w2'), idempotencyKey: 'west-2' });
    await first.desk.book({ category: 'EMERGENCY', patient: patient('w3'), idempotencyKey: 'west-3' });
    await first.desk.book({ category: 'WALK_IN', patient: patient('w4'), idempotencyKey: 'west-4' });
    await first.desk.cancel(b.id, { idempotencyKey: 'west-cancel-2' });
    await first.desk.checkIn(a.id, { idempotencyKey: 'west-in-1' });
    const before = first.desk.log();
    await first.stop();

    const second = await deskProcess(dir, lease);
    try {
      expect(second.desk.log()).toEqual(before);
      // A repeat of a command made before the restart changes nothing; the desk goes on.
      expect((await second.desk.book({ category: 'WALK_IN', patient: patient('w1'), idempotencyKey: 'west-1' })).id).toBe(a.id);
      expect(await second.desk.placesLeft()).toBe(1);
      const keys = ['west-1', 'west-2', 'west-3', 'west-4', 'west-cancel-2', 'west-in-1'];
      expect(second.desk.log().map((c) => c.idempotencyKey)).toEqual(keys);
      const report = await opd.reconcile(second.desk);
      expect(report.applied.map((c) => c.idempotencyKey)).toEqual(keys);
      expect(report.toResolve).toEqual([]);
      const schedule = await opd.getSchedule('d1', DAY);
      expect(schedule.slots.flatMap((s) => s.places.map((t) => [t.label, t.status])).sort()).toEqual([
        ['WEST-1', 'CHECKED_IN'],
        ['WEST-3', 'BOOKED'],
        ['WEST-4', 'BOOKED'],
      ]);
    } finally {
      await second.stop();
      await opd.close();
    }
  });

  it('recovers, on reopening, the commands whose log entry was lost after the store committed them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opd-desk-log-'));
    dirs.push(dir);
    const { opd, lease } = await central();
    // A log whose writes fail for the second booking and for the cancel: the desk "stops" right after the store committed them.
    const failing = (db: PGlite): DeskLogStore => {
      const real = new PostgresDeskLog({ db, schema: 'desk' });
      return {
        name: 'failing',
        load: (leaseId) => real.load(leaseId),
        append: async (leaseId, command: DeskCommand) => {
          if (command.idempotencyKey === 'west-2' || command.kind === 'cancel')
            throw new OpdError('STORAGE_FAILURE', 'The log could not be written', { details: { adapter: 'failing' } });
          await real.append(leaseId, command);
        },
      };
    };
    const first = await deskProcess(dir, lease, failing);
    const a = await first.desk.book({ category: 'WALK_IN', patient: patient('w1'), idempotencyKey: 'west-1' });
    const lost = await first.desk.book({ category: 'FOLLOW_UP', patient: patient('w2'), idempotencyKey: 'west-2' }).catch((e: unknown) => e);
    expect(isOpdError(lost, 'STORAGE_FAILURE')).toBe(true);
    const cancelLost = await first.desk.cancel(a.id, { idempotencyKey: 'west-cancel-1' }).catch((e: unknown) => e);
    expect(isOpdError(cancelLost, 'STORAGE_FAILURE')).toBe(true);
    expect(first.desk.log().map((c) => c.idempotencyKey)).toEqual(['west-1']);
    await first.stop();

    const second = await deskProcess(dir, lease);
    try {
      const log = second.desk.log();
      expect(log.map((c) => [c.kind, c.idempotencyKey])).toEqual([
        ['book', 'west-1'],
        ['book', 'west-2'],
        ['cancel', 'west-1:cancel'],
      ]);
      const booking = log[1] as Extract<DeskCommand, { kind: 'book' }>;
      expect([booking.label, booking.category, booking.slotId, booking.patient.id]).toEqual(['WEST-2', 'FOLLOW_UP', 'd1-09', 'w2']);
      // The cancel retried under its own key finds it done: nothing runs twice, nothing fails.
      expect((await second.desk.cancel(a.id, { idempotencyKey: 'west-cancel-1' })).status).toBe('CANCELLED');
      expect(second.desk.log()).toHaveLength(3);
      const report = await opd.reconcile(second.desk);
      expect(report.applied.map((c) => c.idempotencyKey)).toEqual(['west-1', 'west-2', 'west-1:cancel']);
      const schedule = await opd.getSchedule('d1', DAY);
      expect(schedule.slots.flatMap((s) => s.places.map((t) => t.label))).toEqual(['WEST-2']);
    } finally {
      await second.stop();
      await opd.close();
    }
  });

  it('refuses a log on a schema that is not an identifier, and a missing database', () => {
    expect(() => new PostgresDeskLog({ db: { query: async () => ({ rows: [] }) }, schema: 'desk; DROP' })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
    expect(() => new PostgresDeskLog({} as never)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
