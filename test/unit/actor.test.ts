import { OpdScheduler, presets } from 'opd-scheduler';
import { migrate, PostgresStorage } from 'opd-scheduler/postgres';
import { describe, expect, it } from 'vitest';
import { at, doctorWithSlots, observe, rejectsWith, request, scheduler, TestClock } from '../helpers.js';
import { borrowPglite, giveBackPglite } from '../pglite.js';

describe('actors', () => {
  it('stamps the actor of a call on its own event and on every consequence (bump, cascade)', async () => {
    const { opd } = scheduler({ ...presets.standard() });
    await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09', actor: 'portal' }));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09', actor: 'casualty-desk' }));
    expect(online.token.status).toBe('BOOKED');
    expect(emergency.effects.map((e) => [e.type, e.actor])).toEqual([
      ['token:bumped', 'casualty-desk'],
      ['token:cascaded', 'casualty-desk'],
    ]);
    const history = await opd.history();
    expect(history.map((e) => [e.type, e.actor])).toEqual([
      ['token:booked', 'portal'],
      ['token:booked', 'casualty-desk'],
      ['token:bumped', 'casualty-desk'],
      ['token:cascaded', 'casualty-desk'],
    ]);
  });

  it('is null when the call names nobody, and taken from opts by every other mutation', async () => {
    const clock = new TestClock(at('07:00'));
    const { opd } = scheduler({ ...presets.standard() }, clock);
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    const a = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const b = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    expect(b.token.status).toBe('WAITLISTED');
    expect(a.token.status).toBe('BOOKED');
    const seen: (string | null)[] = [];
    opd.on('event', (e) => seen.push(e.actor));
    await opd.cancel(a.token.id, { reason: 'called', actor: 'desk-2' }); // b is promoted
    expect(seen).toEqual(['desk-2', 'desk-2']);
    await opd.checkIn(b.token.id, { actor: 'desk-1' });
    await opd.startConsultation(b.token.id, { actor: 'dr-rao' });
    await opd.complete(b.token.id, { actor: 'dr-rao' });
    await opd.addSlots('d1', [{ id: 'd1-10', start: at('10:00'), end: at('11:00'), capacity: 1 }], { actor: 'rota' });
    await opd.setCapacity('d1-10', 3, { actor: 'admin' });
    await opd.closeSlot('d1-10', { actor: 'admin', reason: 'leave' });
    await opd.reopenSlot('d1-10', { actor: 'admin' });
    const c = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    clock.set(at('10:30'));
    await opd.sweep(undefined, { actor: 'cron' });
    expect((await opd.getToken(c.token.id)).status).toBe('NO_SHOW');
    const tail: [string, string | null][] = [];
    for await (const e of opd.tail()) {
      tail.push([e.type, e.actor]);
      if (e.type === 'token:no-show') break;
    }
    expect(tail).toEqual([
      ['token:booked', null],
      ['token:waitlisted', null],
      ['token:cancelled', 'desk-2'],
      ['token:promoted', 'desk-2'],
      ['token:checked-in', 'desk-1'],
      ['token:consultation-started', 'dr-rao'],
      ['token:completed', 'dr-rao'],
      ['slot:capacity-changed', 'admin'],
      ['slot:closed', 'admin'],
      ['slot:reopened', 'admin'],
      ['token:booked', null],
      ['token:no-show', 'cron'],
    ]);
  });

  it('refuses a bad actor with VALIDATION_FAILED naming it, and changes nothing', async () => {
    const { opd } = scheduler({ ...presets.standard() });
    await doctorWithSlots(opd, 'd1', [9], 2);
    const { token } = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const before = await observe(opd, 'd1');
    for (const actor of ['', '   ', 'x'.repeat(101), 'desk\n1', 7, null, {}]) {
      expect((await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-09', actor: actor as never })), 'VALIDATION_FAILED')).details.field).toBe(
        'actor',
      );
      expect((await rejectsWith(opd.checkIn(token.id, { actor: actor as never }), 'VALIDATION_FAILED')).details.field).toBe('opts.actor');
      expect((await rejectsWith(opd.cancel(token.id, { actor: actor as never }), 'VALIDATION_FAILED')).details.field).toBe('opts.actor');
      expect((await rejectsWith(opd.closeSlot('d1-09', { actor: actor as never }), 'VALIDATION_FAILED')).details.field).toBe('opts.actor');
      expect((await rejectsWith(opd.sweep(undefined, { actor: actor as never }), 'VALIDATION_FAILED')).details.field).toBe('opts.actor');
    }
    await rejectsWith(opd.checkIn(token.id, { actor: 'desk', extra: 1 } as never), 'VALIDATION_FAILED');
    expect(await observe(opd, 'd1')).toEqual(before);
    // The longest actor accepted.
    expect((await opd.checkIn(token.id, { actor: 'x'.repeat(100) })).token.status).toBe('CHECKED_IN');
  });

  it('is not part of an idempotent request: a retry from another desk replays the original', async () => {
    const { opd } = scheduler({ ...presets.standard() });
    await doctorWithSlots(opd, 'd1', [9], 2);
    const req = request('d1', 'ONLINE', { slotId: 'd1-09', idempotencyKey: 'k1', actor: 'desk-1' });
    const first = await opd.book(req);
    const again = await opd.book({ ...req, actor: 'desk-2' });
    expect(again.replayed).toBe(true);
    expect(again.token.id).toBe(first.token.id);
    expect((await opd.history()).map((e) => e.actor)).toEqual(['desk-1']);
  });

  it('is stored in the PostgreSQL events table, in its own column', async () => {
    const db = await borrowPglite();
    await migrate(db, { schema: 'desk_actor' });
    const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db, schema: 'desk_actor' }), clock: new TestClock().now });
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09', actor: 'portal' }));
    await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09', actor: 'casualty' }));
    const { rows } = await db.query<{ type: string; actor: string | null }>('SELECT type, actor FROM desk_actor.opd_events ORDER BY seq');
    expect(rows.map((r) => [r.type, r.actor])).toEqual([
      ['token:booked', 'portal'],
      ['token:booked', 'casualty'],
      ['token:bumped', 'casualty'],
      ['token:waitlisted', 'casualty'],
    ]);
    expect((await opd.history()).map((e) => e.actor)).toEqual(['portal', 'casualty', 'casualty', 'casualty']);
    await opd.close();
    await giveBackPglite(db);
  });
});
