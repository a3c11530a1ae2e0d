import { describe, expect, it } from 'vitest';
import { type Effect, OpdScheduler, presets } from 'opd-scheduler';
import { at, DAY, doctorWithSlots, rejectsWith, request, scheduler } from '../helpers.js';

const NEXT = '2026-01-31';

/** Each event as `type token-or-slot from→to`, for compact expectations. */
function brief(effects: readonly Effect[]): string[] {
  return effects.map((e) => {
    if (e.type === 'slot:closed') return `${e.type} ${e.slotId}`;
    if (e.type === 'token:cascaded') return `${e.type} #${e.tokenNumber} ${e.fromSlotId}→${e.toSlotId}`;
    if (e.type === 'token:waitlisted' || e.type === 'token:dropped') return `${e.type} #${e.tokenNumber} ${e.fromSlotId}`;
    return 'tokenNumber' in e ? `${e.type} #${e.tokenNumber}` : e.type;
  });
}

describe('closeSlots (a doctor’s leave)', () => {
  it('closes every slot of the range first, then moves each displaced patient once, past the leave', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9, 10, 11, 12], 2, { overflowCapacity: 0 });
    const nine = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const ten = await opd.book(request('d1', 'PAID', { slotId: 'd1-10' }));
    // Closing 09:00 alone would cascade into 10:00, which is closing too: one unit avoids the double move.
    const effects = await opd.closeSlots('d1', { from: at('09:00'), to: at('11:00'), reason: 'on leave' });
    expect(brief(effects)).toEqual([
      'slot:closed d1-09',
      'slot:closed d1-10',
      // best first: the paid patient gets the earliest place after the leave
      'token:cascaded #2 d1-10→d1-11',
      'token:cascaded #1 d1-09→d1-11',
    ]);
    expect(effects[0]).toMatchObject({ reason: 'on leave', doctorId: 'd1', day: DAY });
    expect((await opd.getToken(ten.token.id)).slotId).toBe('d1-11');
    expect((await opd.getToken(nine.token.id)).slotId).toBe('d1-11');
    expect((await opd.getSlot('d1-10')).slot).toMatchObject({ status: 'CLOSED', closedReason: 'on leave' });
    expect((await opd.getSlot('d1-11')).slot.status).toBe('OPEN');
    expect(await opd.history()).toHaveLength(2 + 4);
  });

  it('closes a slot that only overlaps the range, and leaves closed and ended slots alone', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [8, 9, 10, 11, 12], 1);
    await opd.closeSlot('d1-10');
    clock.set(at('09:05'));
    const effects = await opd.closeSlots('d1', { from: at('08:30'), to: at('11:30') });
    expect(brief(effects)).toEqual(['slot:closed d1-09', 'slot:closed d1-11']);
    expect((await opd.getSlot('d1-08')).slot.status).toBe('OPEN');
    expect((await opd.getSlot('d1-12')).slot.status).toBe('OPEN');
    expect(await opd.closeSlots('d1', { from: at('08:30'), to: at('11:30') })).toEqual([]);
  });

  it('emergencies are moved first, taking elastic places after the leave before anyone else', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 1, { overflowCapacity: 1 });
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-10' }));
    const effects = await opd.closeSlots('d1', { from: at('09:00'), to: at('11:00') });
    expect(brief(effects)).toEqual([
      'slot:closed d1-09',
      'slot:closed d1-10',
      `token:cascaded #${emergency.token.tokenNumber} d1-10→d1-11`,
      `token:waitlisted #${walkIn.token.tokenNumber} d1-09`,
    ]);
  });

  it('spans days: a patient whose day has no place left moves to the first place after the leave on a later day, earlier days first', async () => {
    for (const [preset, fate] of [
      [presets.standard(), 'WAITLISTED'],
      [presets.cascade(), 'DROPPED'],
    ] as const) {
      const { opd } = scheduler(preset);
      await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
      await opd.addSlots('d1', [
        { id: 'next-09', start: at('09:00', NEXT), end: at('10:00', NEXT), capacity: 1 },
        { id: 'next-10', start: at('10:00', NEXT), end: at('11:00', NEXT), capacity: 1 },
      ]);
      const today = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
      const tomorrow = await opd.book(request('d1', 'ONLINE', { slotId: 'next-09', patient: { id: 'p-next', name: 'N' } }));
      const effects = await opd.closeSlots('d1', { from: at('10:00'), to: at('09:30', NEXT) });
      expect(effects.slice(0, 2).map((e) => e.type === 'slot:closed' && e.slotId)).toEqual(['d1-10', 'next-09']);
      // Today's patient comes first (days in date order) and takes the only place after the leave ...
      expect(await opd.getToken(today.token.id)).toMatchObject({ status: 'CANCELLED', cancelReason: 'moved' });
      expect(await opd.getToken(`d1~${NEXT}~2`)).toMatchObject({ status: 'BOOKED', slotId: 'next-10', patient: today.token.patient, category: 'ONLINE' });
      // ... so tomorrow's, whose day then has no place, and no later day either, meets the policy as with closeSlot.
      expect((await opd.getToken(tomorrow.token.id)).status).toBe(fate);
      const moves = effects.filter((e) => 'tokenId' in e);
      expect(moves.map((e) => e.type)).toEqual(['token:moved', fate === 'WAITLISTED' ? 'token:waitlisted' : 'token:dropped']);
    }
  });

  it('a two-week leave moves each patient once to the doctor’s first free place after it, across days, as a new token of that day', async () => {
    const { opd } = scheduler(presets.standard());
    await opd.addDoctor({ id: 'd1', name: 'Dr One' });
    const days = Array.from({ length: 20 }, (_, i) => new Date(Date.parse(`${DAY}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));
    for (const day of days) {
      await opd.addSlots(
        'd1',
        [9, 10].map((h) => ({
          id: `d1-${day}-${h}`,
          start: at(`${String(h).padStart(2, '0')}:00`, day),
          end: at(`${h + 1}:00`, day),
          capacity: 2,
          overflowCapacity: 0,
        })),
      );
    }
    // Two weeks of leave (days 0..13): patients on days 1, 3 and 13; day 14 has one place left, day 15 all four.
    const booked = [];
    for (const [day, slot, category] of [
      [1, 9, 'ONLINE'],
      [3, 10, 'PAID'],
      [13, 9, 'ONLINE'],
      [13, 10, 'WALK_IN'],
    ] as const) {
      booked.push(await opd.book(request('d1', category, { slotId: `d1-${days[day]}-${slot}` })));
    }
    for (const slot of [9, 9, 10]) await opd.book(request('d1', 'ONLINE', { slotId: `d1-${days[14]}-${slot}` }));
    const leave = { from: at('00:00', days[0]), to: at('00:00', days[14]), reason: 'on leave' };
    const preview = await opd.closeSlots('d1', { ...leave, dryRun: true });
    const effects = await opd.closeSlots('d1', leave);
    expect(effects.map(({ seq: _s, ...rest }) => rest)).toEqual(preview.map(({ seq: _s, ...rest }) => rest));
    expect(effects.filter((e) => e.type === 'slot:closed')).toHaveLength(28);
    const moves = effects.filter((e) => e.type === 'token:moved');
    expect(moves.map((e) => [e.fromTokenId, e.fromSlotId, e.toSlotId, e.tokenId, e.label])).toEqual([
      // day by day, each to the first free place after the leave: day 14's last place, then day 15 from its first slot
      [booked[0]!.token.id, `d1-${days[1]}-9`, `d1-${days[14]}-10`, `d1~${days[14]}~4`, '4'],
      [booked[1]!.token.id, `d1-${days[3]}-10`, `d1-${days[15]}-9`, `d1~${days[15]}~1`, '1'],
      // on day 13 in queue order (the standard preset ranks an online booking before a walk-in)
      [booked[2]!.token.id, `d1-${days[13]}-9`, `d1-${days[15]}-9`, `d1~${days[15]}~2`, '2'],
      [booked[3]!.token.id, `d1-${days[13]}-10`, `d1-${days[15]}-10`, `d1~${days[15]}~3`, '3'],
    ]);
    expect(effects).toHaveLength(28 + 4);
    for (const b of booked) expect(await opd.getToken(b.token.id)).toMatchObject({ status: 'CANCELLED', cancelReason: 'moved' });
    expect((await opd.getSlot(`d1-${days[15]}-9`)).places.map((t) => t.patient.id)).toEqual([booked[1]!.token.patient.id, booked[2]!.token.patient.id]);
  });

  it('an emergency on a day the leave covers takes a free or elastic place on a later day, never a bump there', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    await opd.addSlots('d1', [
      { id: 'next-09', start: at('09:00', NEXT), end: at('10:00', NEXT), capacity: 1, overflowCapacity: 0 },
      { id: 'next-10', start: at('10:00', NEXT), end: at('11:00', NEXT), capacity: 1, overflowCapacity: 1 },
    ]);
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    const early = await opd.book(request('d1', 'ONLINE', { slotId: 'next-09' }));
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 'next-10' }));
    const effects = await opd.closeSlots('d1', { from: at('00:00'), to: at('00:00', NEXT) });
    // next-09 is full and may not be bumped on a later day; next-10 has an elastic place.
    expect(effects.map((e) => e.type)).toEqual(['slot:closed', 'token:moved']);
    expect(effects[1]).toMatchObject({ fromTokenId: emergency.token.id, toSlotId: 'next-10', day: NEXT, fromDay: DAY, toDoctorId: 'd1' });
    expect((await opd.getSlot('next-10')).places.map((t) => t.category).sort()).toEqual(['EMERGENCY', 'ONLINE']);
    for (const t of [early, online]) expect((await opd.getToken(t.token.id)).status).toBe('BOOKED');
  });

  it('stores new tokens issued on several later days in turn (an emergency of a later leave day taking an elastic place on a day already used)', async () => {
    const { opd } = scheduler(presets.standard());
    const [d2, d3] = ['2026-02-01', '2026-02-02'];
    await doctorWithSlots(opd, 'd1', [9], 2, { overflowCapacity: 0 });
    await opd.addSlots('d1', [
      { id: 'next-09', start: at('09:00', NEXT), end: at('10:00', NEXT), capacity: 1, overflowCapacity: 0 },
      { id: 'd2-09', start: at('09:00', d2), end: at('10:00', d2), capacity: 1, overflowCapacity: 1 },
      { id: 'd3-09', start: at('09:00', d3), end: at('10:00', d3), capacity: 1, overflowCapacity: 0 },
    ]);
    const first = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    const second = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'next-09' }));
    const effects = await opd.closeSlots('d1', { from: at('00:00'), to: at('00:00', d2) });
    expect(effects.filter((e) => e.type === 'token:moved').map((e) => [e.fromTokenId, e.tokenId])).toEqual([
      [first.token.id, `d1~${d2}~1`],
      [second.token.id, `d1~${d3}~1`],
      [emergency.token.id, `d1~${d2}~2`],
    ]);
    expect((await opd.getSlot('d2-09')).places.map((t) => t.tokenNumber).sort()).toEqual([1, 2]);
  });

  it('a later day where the patient already holds a token with the doctor is skipped', async () => {
    const { opd } = scheduler(presets.standard());
    const third = '2026-02-01';
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    await opd.addSlots('d1', [
      { id: 'next-09', start: at('09:00', NEXT), end: at('10:00', NEXT), capacity: 2 },
      { id: 'third-09', start: at('09:00', third), end: at('10:00', third), capacity: 1 },
    ]);
    const mine = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09', patientId: 'same' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'next-09', patientId: 'same' }));
    const effects = await opd.closeSlots('d1', { from: at('09:00'), to: at('10:00') });
    expect(effects[1]).toMatchObject({ type: 'token:moved', fromTokenId: mine.token.id, toSlotId: 'third-09', day: third });
  });

  it('reads every later day at its second look when the first read was not enough, so a long search stays one unit of a few reads', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    const later = Array.from({ length: 9 }, (_, i) => new Date(Date.parse(`${NEXT}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));
    await opd.addSlots(
      'd1',
      later.map((day) => ({ id: `slot-${day}`, start: at('09:00', day), end: at('10:00', day), capacity: 2 })),
    );
    const mine = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09', patientId: 'same' }));
    // The patient already holds a token on each of the next eight days, which all have room.
    for (const day of later.slice(0, 8)) await opd.book(request('d1', 'ONLINE', { slotId: `slot-${day}`, patientId: 'same' }));
    const effects = await opd.closeSlots('d1', { from: at('09:00'), to: at('10:00') });
    expect(effects[1]).toMatchObject({ type: 'token:moved', fromTokenId: mine.token.id, toSlotId: `slot-${later[8]}` });
  });

  it('with no room on any later day (or only beyond the horizon) the patient meets the policy on its own day', async () => {
    for (const [preset, fate] of [
      [presets.standard(), 'WAITLISTED'],
      [presets.cascade(), 'DROPPED'],
    ] as const) {
      const { opd } = scheduler(preset);
      await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
      const late = new Date(at('09:00').getTime() + 40 * 86_400_000);
      await opd.addSlots('d1', [
        { id: 'next-09', start: at('09:00', NEXT), end: at('10:00', NEXT), capacity: 1 },
        { id: 'closed', start: at('10:00', NEXT), end: at('11:00', NEXT), capacity: 1 },
        { id: 'late', start: late, end: new Date(late.getTime() + 3_600_000), capacity: 1 },
      ]);
      await opd.closeSlot('closed');
      const mine = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
      await opd.book(request('d1', 'ONLINE', { slotId: 'next-09' }));
      const effects = await opd.closeSlots('d1', { from: at('09:00'), to: at('10:00') });
      expect(effects.map((e) => e.type)).toEqual(['slot:closed', fate === 'WAITLISTED' ? 'token:waitlisted' : 'token:dropped']);
      expect(await opd.getToken(mine.token.id)).toMatchObject({ status: fate, day: DAY });
      expect((await opd.getSlot('late')).places).toHaveLength(0);
    }
  });

  it('horizonDays bounds the later days: 0 keeps every patient on their own day, 1 looks one day past the leave', async () => {
    const third = '2026-02-01';
    for (const [horizonDays, slotId] of [
      [0, null],
      [1, 'next-09'],
      [undefined, 'next-09'],
    ] as const) {
      const { opd } = scheduler(presets.standard());
      await doctorWithSlots(opd, 'd1', [9], 2, { overflowCapacity: 0 });
      await opd.addSlots('d1', [
        { id: 'next-09', start: at('09:00', NEXT), end: at('10:00', NEXT), capacity: 1 },
        { id: 'third-09', start: at('09:00', third), end: at('10:00', third), capacity: 1 },
      ]);
      const first = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
      const second = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
      // The leave ends at 12:00: a horizon of one day reaches next-09, not third-09.
      const effects = await opd.closeSlots('d1', { from: at('09:00'), to: at('12:00'), ...(horizonDays === undefined ? {} : { horizonDays }) });
      const moved = effects.filter((e) => e.type === 'token:moved');
      if (slotId === null) {
        expect(moved).toEqual([]);
        for (const t of [first, second]) expect((await opd.getToken(t.token.id)).status).toBe('WAITLISTED');
        continue;
      }
      expect(moved.map((e) => [e.fromTokenId, e.toSlotId])).toEqual(
        horizonDays === 1
          ? [[first.token.id, slotId]]
          : [
              [first.token.id, slotId],
              [second.token.id, 'third-09'],
            ],
      );
      if (horizonDays === 1) expect((await opd.getToken(second.token.id)).status).toBe('WAITLISTED');
    }
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9], 1);
    for (const bad of [-1, 1.5, 367, '3']) {
      expect(
        (await rejectsWith(opd.closeSlots('d1', { from: at('09:00'), to: at('10:00'), horizonDays: bad as never }), 'VALIDATION_FAILED')).details['field'],
      ).toBe('leave.horizonDays');
    }
  });

  it('the horizon bounds the slots, not their days: a slot starting past it takes nobody, though its day began within it', async () => {
    for (const categories of [
      ['PAID', 'ONLINE'],
      ['EMERGENCY', 'EMERGENCY'],
    ] as const) {
      const { opd } = scheduler(presets.standard());
      await doctorWithSlots(opd, 'd1', [9], 2, { overflowCapacity: 0 });
      await opd.addSlots('d1', [
        { id: 'next-11', start: at('11:00', NEXT), end: at('12:00', NEXT), capacity: 1, overflowCapacity: 0 },
        { id: 'next-13', start: at('13:00', NEXT), end: at('14:00', NEXT), capacity: 1, overflowCapacity: 0 },
      ]);
      const [first, second] = [
        await opd.book(request('d1', categories[0], { slotId: 'd1-09' })),
        await opd.book(request('d1', categories[1], { slotId: 'd1-09' })),
      ];
      // The leave ends at 12:00: a horizon of one day ends at 12:00 the next day, after next-11 and before next-13.
      const effects = await opd.closeSlots('d1', { from: at('09:00'), to: at('12:00'), horizonDays: 1 });
      expect(effects.filter((e) => e.type === 'token:moved').map((e) => [e.fromTokenId, e.toSlotId])).toEqual([[first.token.id, 'next-11']]);
      expect(await opd.getToken(second.token.id)).toMatchObject({ status: 'WAITLISTED', day: DAY });
      expect((await opd.getSlot('next-13')).places).toHaveLength(0);
      expect(effects.some((e) => e.type === 'emergency:unplaced')).toBe(categories[1] === 'EMERGENCY');
    }
  });

  it('horizonDays counts local days: a clock change within the horizon moves neither of its ends', async () => {
    // New York: clocks went back an hour on 2026-11-01 and forward on 2026-03-08. A leave ending
    // at 10:00 on the Saturday with a one-day horizon reaches 10:00 on the Sunday, local time.
    for (const { saturday, sunday, offsets, inside, outside } of [
      { saturday: '2026-10-31', sunday: '2026-11-01', offsets: ['-04:00', '-05:00'], inside: '09:30', outside: '10:00' },
      { saturday: '2026-03-07', sunday: '2026-03-08', offsets: ['-05:00', '-04:00'], inside: '09:30', outside: '10:30' },
    ]) {
      for (const [start, movesThere] of [
        [inside, true],
        [outside, false],
      ] as const) {
        const now = new Date(`${saturday}T06:00:00${offsets[0]}`);
        const opd = new OpdScheduler({ ...presets.cascade(), timeZone: 'America/New_York', clock: () => now });
        await opd.addDoctor({ id: 'd', name: 'D' });
        const [hour, minute] = start.split(':').map(Number) as [number, number];
        const end = `${String(hour + 1).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
        await opd.addSlots('d', [
          { id: 'sat', start: `${saturday}T09:00:00${offsets[0]}`, end: `${saturday}T10:00:00${offsets[0]}`, capacity: 1 },
          { id: 'sun', start: `${sunday}T${start}:00${offsets[1]}`, end: `${sunday}T${end}:00${offsets[1]}`, capacity: 1 },
        ]);
        const { token } = await opd.book({ doctorId: 'd', category: 'ONLINE', patient: { id: 'p', name: 'A' }, slotId: 'sat' });
        const effects = await opd.closeSlots('d', { from: `${saturday}T08:00:00${offsets[0]}`, to: `${saturday}T10:00:00${offsets[0]}`, horizonDays: 1 });
        const fate = effects.find((e) => ('tokenId' in e && e.tokenId === token.id) || ('fromTokenId' in e && e.fromTokenId === token.id));
        expect(fate?.type, `${sunday} ${start}`).toBe(movesThere ? 'token:moved' : 'token:dropped');
      }
    }
  });

  it('horizonDays 0 ends the horizon at `to` itself, also when `to` is the second of a repeated local time', async () => {
    // New York, 2026-11-01: 01:00–02:00 happens twice. The leave ends at the second 01:30 (EST);
    // a colleague's slot at the second 01:00 starts before it, so it is within the window.
    const opd = new OpdScheduler({ ...presets.standard(), timeZone: 'America/New_York', clock: () => new Date('2026-10-31T12:00:00Z') });
    await opd.addDoctor({ id: 'a', name: 'A', department: 'gen' });
    await opd.addDoctor({ id: 'b', name: 'B', department: 'gen' });
    await opd.addSlots('a', [{ id: 'a1', start: '2026-10-31T20:00:00-04:00', end: '2026-10-31T21:00:00-04:00', capacity: 1 }]);
    await opd.addSlots('b', [{ id: 'b1', start: '2026-11-01T01:00:00-05:00', end: '2026-11-01T02:00:00-05:00', capacity: 1 }]);
    const { token } = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { id: 'p', name: 'P' }, slotId: 'a1' });
    const effects = await opd.closeSlots('a', { from: '2026-10-31T19:00:00-04:00', to: '2026-11-01T01:30:00-05:00', horizonDays: 0, reassign: 'department' });
    expect(effects.find((e) => e.type === 'token:moved')).toMatchObject({ fromTokenId: token.id, toSlotId: 'b1' });
  });

  it('a later day where the patient’s own hold lapsed unswept is not skipped: the hold is released and the patient placed there', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await opd.addDoctor({ id: 'd1', name: 'Dr' });
    await opd.addSlots('d1', [
      { id: 'a', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 2 },
      { id: 'b', start: '2026-01-31T09:00:00Z', end: '2026-01-31T10:00:00Z', capacity: 2 },
      { id: 'c', start: '2026-02-01T09:00:00Z', end: '2026-02-01T10:00:00Z', capacity: 2 },
    ]);
    const patient = { id: 'P1', name: 'Asha' };
    const hold = await opd.hold({ doctorId: 'd1', category: 'ONLINE', patient, slotId: 'b', holdMinutes: 1 });
    const booked = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient, slotId: 'a' });
    clock.advance(5);
    const effects = await opd.closeSlots('d1', { from: '2026-01-30T09:00:00Z', to: '2026-01-30T10:00:00Z', horizonDays: 3 });
    expect(effects.map((e) => e.type)).toEqual(['slot:closed', 'token:expired', 'token:moved']);
    expect(effects.find((e) => e.type === 'token:moved')).toMatchObject({ fromTokenId: booked.token.id, toSlotId: 'b' });
    expect((await opd.getToken(hold.token.id)).status).toBe('CANCELLED');
  });

  it('reassign: department — a colleague’s day where the patient’s hold lapsed unswept is not skipped; the result names the expiry', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await opd.addDoctor({ id: 'a', name: 'A', department: 'gen' });
    await opd.addDoctor({ id: 'b', name: 'B', department: 'gen' });
    await opd.addSlots('a', [{ id: 'a9', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 1 }]);
    await opd.addSlots('b', [{ id: 'b11', start: '2026-01-30T11:00:00Z', end: '2026-01-30T12:00:00Z', capacity: 1 }]);
    const patient = { id: 'P1', name: 'Asha' };
    const hold = await opd.hold({ doctorId: 'b', category: 'ONLINE', patient, slotId: 'b11', holdMinutes: 1 });
    const booked = await opd.book({ doctorId: 'a', category: 'ONLINE', patient, slotId: 'a9' });
    clock.advance(5);
    const seen: string[] = [];
    opd.on('event', (e) => seen.push(e.type));
    const effects = await opd.closeSlots('a', { from: '2026-01-30T09:00:00Z', to: '2026-01-30T10:00:00Z', reassign: 'department' });
    expect(effects.find((e) => e.type === 'token:moved')).toMatchObject({ fromTokenId: booked.token.id, toSlotId: 'b11' });
    expect(effects.map((e) => e.type).sort()).toEqual(['slot:closed', 'token:expired', 'token:moved']);
    expect(seen.sort()).toEqual(['slot:closed', 'token:expired', 'token:moved']);
    expect((await opd.getToken(hold.token.id)).status).toBe('CANCELLED');
  });

  it('a patient the leave moved to a later day keeps the place: no chain of that day bumps them, only an emergency may', async () => {
    for (const category of ['FOLLOW_UP', 'EMERGENCY'] as const) {
      const { opd } = scheduler(presets.standard({ chainDepth: 1 }));
      await doctorWithSlots(opd, 'd1', [8], 1, { overflowCapacity: 0 });
      await opd.addSlots('d1', [
        { id: 'next-08', start: at('08:00', NEXT), end: at('09:00', NEXT), capacity: 1, overflowCapacity: 0 },
        { id: 'next-09', start: at('09:00', NEXT), end: at('10:00', NEXT), capacity: 1, overflowCapacity: 0 },
      ]);
      const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-08' }));
      const other = await opd.book(request('d1', category, { slotId: 'next-08' }));
      // Both 08:00 slots close; the first day goes first, so the walk-in takes next-09, the one place left.
      const effects = await opd.closeSlots('d1', { from: at('07:00'), to: at('09:00', NEXT) });
      const moved = effects.find((e): e is Extract<Effect, { type: 'token:moved' }> => e.type === 'token:moved' && e.fromTokenId === walkIn.token.id)!;
      expect(moved).toMatchObject({ toSlotId: 'next-09' });
      const places = (await opd.getSlot('next-09')).places.map((t) => t.id);
      if (category === 'FOLLOW_UP') {
        expect(places).toEqual([moved.tokenId]);
        expect((await opd.getToken(other.token.id)).status).toBe('WAITLISTED');
        expect(effects.some((e) => e.type === 'token:bumped')).toBe(false);
      } else {
        // Emergency safety comes first: the emergency bumps the walk-in, who waits on that day.
        expect(places).toEqual([other.token.id]);
        expect(effects.find((e) => e.type === 'token:bumped')).toMatchObject({ tokenId: moved.tokenId, byTokenId: other.token.id });
        expect((await opd.getToken(moved.tokenId)).status).toBe('WAITLISTED');
      }
    }
  });

  it('a dry run is the combined preview: the same effects as the real call, nothing changed', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9, 10, 11, 12], 1, { overflowCapacity: 1 });
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-10' }));
    await opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-11' }));
    const before = await opd.getSchedule('d1', DAY);
    const history = await opd.history();
    const preview = await opd.closeSlots('d1', { from: at('09:00'), to: at('12:00'), dryRun: true });
    expect(await opd.getSchedule('d1', DAY)).toEqual(before);
    expect(await opd.history()).toEqual(history);
    expect(preview.every((e) => e.seq === 0)).toBe(true);
    const real = await opd.closeSlots('d1', { from: at('09:00'), to: at('12:00') });
    expect(real.map(({ seq: _seq, ...rest }) => rest)).toEqual(preview.map(({ seq: _seq, ...rest }) => rest));
  });

  it('reassign: department moves each patient once to the soonest place with a colleague, when sooner than the doctor’s own after the leave', async () => {
    const { opd } = scheduler(presets.standard());
    const slot = (doctorId: string, hour: number, capacity: number) => {
      const hh = String(hour).padStart(2, '0');
      return { id: `${doctorId}-${hh}`, start: at(`${hh}:00`), end: at(`${String(hour + 1).padStart(2, '0')}:00`), capacity };
    };
    for (const id of ['d1', 'd2', 'd3']) await opd.addDoctor({ id, name: `Dr ${id}`, department: 'medicine' });
    await opd.addDoctor({ id: 'd4', name: 'Dr d4', department: 'surgery' });
    await opd.addSlots('d1', [slot('d1', 9, 2), slot('d1', 10, 2), slot('d1', 11, 2)]);
    await opd.addSlots('d2', [slot('d2', 9, 1), slot('d2', 10, 1), slot('d2', 11, 2)]);
    await opd.addSlots('d3', [slot('d3', 9, 1), slot('d3', 10, 1)]);
    await opd.addSlots('d4', [slot('d4', 9, 5)]);
    const a = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const b = await opd.book(request('d1', 'PAID', { slotId: 'd1-10' }));
    const e = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-10' }));
    await opd.book(request('d2', 'ONLINE', { slotId: 'd2-10' }));
    const leave = { from: at('09:00'), to: at('11:00'), reason: 'on leave', reassign: 'department' } as const;
    const preview = await opd.closeSlots('d1', { ...leave, dryRun: true });
    const effects = await opd.closeSlots('d1', leave);
    expect(effects.map(({ seq: _s, ...rest }) => rest)).toEqual(preview.map(({ seq: _s, ...rest }) => rest));
    expect(
      effects.map((x) =>
        x.type === 'token:moved'
          ? `${x.type} ${x.fromTokenId}→${x.tokenId} ${x.fromSlotId}→${x.toSlotId}`
          : x.type === 'token:cascaded'
            ? `${x.type} ${x.tokenId} ${x.fromSlotId}→${x.toSlotId}`
            : `${x.type} ${'slotId' in x ? x.slotId : ''}`,
      ),
    ).toEqual([
      'slot:closed d1-09',
      'slot:closed d1-10',
      // the emergency first: d2 and d3 both have a place at 10:00 (d2 an elastic one); d3 has fewer patients that day
      `token:moved ${e.token.id}→d3~${DAY}~1 d1-10→d3-10`,
      // nobody is sooner than d1's own 11:00 for the paid patient (d2's 10:00 is full): it stays with its doctor
      `token:cascaded ${b.token.id} d1-10→d1-11`,
      // d2's 09:00 is sooner than d1's 11:00
      `token:moved ${a.token.id}→d2~${DAY}~2 d1-09→d2-09`,
    ]);
    expect(await opd.getToken(a.token.id)).toMatchObject({ status: 'CANCELLED', cancelReason: 'moved', slotId: null });
    expect(await opd.getToken(`d2~${DAY}~2`)).toMatchObject({
      status: 'BOOKED',
      slotId: 'd2-09',
      doctorId: 'd2',
      category: 'ONLINE',
      patient: a.token.patient,
    });
    expect(await opd.getToken(`d3~${DAY}~1`)).toMatchObject({ status: 'BOOKED', slotId: 'd3-10', category: 'EMERGENCY' });
    expect((await opd.getSlot('d4-09')).places).toHaveLength(0);
    expect(await opd.history()).toEqual(expect.arrayContaining([...effects]));
  });

  it('reassign: department across days: a colleague’s later day when strictly sooner than the doctor’s own first place after the leave', async () => {
    const { opd } = scheduler(presets.standard());
    for (const id of ['d1', 'd2']) await opd.addDoctor({ id, name: `Dr ${id}`, department: 'medicine' });
    const slot = (id: string, day: string, hh: string, capacity: number) => ({
      id,
      start: at(`${hh}:00`, day),
      end: at(`${hh}:30`, day),
      capacity,
      overflowCapacity: 0,
    });
    await opd.addSlots('d1', [slot('d1-09', DAY, '09', 2), slot('d1-next-11', NEXT, '11', 2)]);
    await opd.addSlots('d2', [slot('d2-next-09', NEXT, '09', 1), slot('d2-next-12', NEXT, '12', 2)]);
    const first = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    const second = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const leave = { from: at('00:00'), to: at('00:00', NEXT), reason: 'on leave', reassign: 'department' } as const;
    const preview = await opd.closeSlots('d1', { ...leave, dryRun: true });
    const effects = await opd.closeSlots('d1', leave);
    expect(effects.map(({ seq: _s, ...rest }) => rest)).toEqual(preview.map(({ seq: _s, ...rest }) => rest));
    expect(effects.filter((e) => e.type === 'token:moved').map((e) => [e.fromTokenId, e.toDoctorId, e.toSlotId, e.day])).toEqual([
      // d2's 09:00 the next day is sooner than d1's own 11:00
      [first.token.id, 'd2', 'd2-next-09', NEXT],
      // d2's next free place (12:00) is later than d1's own 11:00: the patient stays with the doctor
      [second.token.id, 'd1', 'd1-next-11', NEXT],
    ]);
    expect((await opd.getSlot('d2-next-12')).places).toHaveLength(0);
  });

  it('reassign: department skips a colleague the patient already holds a token with, and needs a department', async () => {
    const { opd } = scheduler(presets.standard());
    for (const id of ['d1', 'd2']) await opd.addDoctor({ id, name: `Dr ${id}`, department: 'medicine' });
    await opd.addDoctor({ id: 'lone', name: 'Dr Lone' });
    await opd.addSlots('d1', [{ id: 'd1-09', start: at('09:00'), end: at('10:00'), capacity: 1 }]);
    await opd.addSlots('d2', [
      { id: 'd2-09', start: at('09:00'), end: at('10:00'), capacity: 1 },
      { id: 'd2-10', start: at('10:00'), end: at('11:00'), capacity: 1 },
    ]);
    await opd.addSlots('lone', [{ id: 'lone-09', start: at('09:00'), end: at('10:00'), capacity: 1 }]);
    const mine = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09', patientId: 'same' }));
    await opd.book(request('d2', 'ONLINE', { slotId: 'd2-10', patientId: 'same' }));
    const effects = await opd.closeSlots('d1', { from: at('09:00'), to: at('10:00'), reassign: 'department' });
    expect(effects.map((x) => x.type)).toEqual(['slot:closed', 'token:waitlisted']);
    expect((await opd.getToken(mine.token.id)).status).toBe('WAITLISTED');
    const error = await rejectsWith(opd.closeSlots('lone', { from: at('09:00'), to: at('10:00'), reassign: 'department' }), 'VALIDATION_FAILED');
    expect(error.details).toMatchObject({ field: 'leave.reassign', doctorId: 'lone' });
    await rejectsWith(opd.closeSlots('nobody', { from: at('09:00'), to: at('10:00'), reassign: 'department' }), 'DOCTOR_NOT_FOUND');
    expect((await opd.getSlot('lone-09')).slot.status).toBe('OPEN');
  });

  it('refuses a leave over a slot with a checked-in patient, closing nothing', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const inside = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    clock.set(at('09:30'));
    await opd.checkIn(inside.token.id);
    const history = await opd.history();
    const error = await rejectsWith(opd.closeSlots('d1', { from: at('09:00'), to: at('11:00') }), 'VALIDATION_FAILED');
    expect(error.details).toMatchObject({ field: 'leave', slotId: 'd1-10', tokenIds: [inside.token.id] });
    expect((await opd.getSlot('d1-09')).slot.status).toBe('OPEN');
    expect(await opd.history()).toEqual(history);
  });

  it('refuses bad input with a typed error naming the field', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1);
    const field = async (p: Promise<unknown>, code: 'VALIDATION_FAILED' | 'DOCTOR_NOT_FOUND' = 'VALIDATION_FAILED') =>
      (await rejectsWith(p, code)).details['field'];
    expect(await field(opd.closeSlots('d1', { from: at('10:00'), to: at('10:00') }))).toBe('leave.to');
    expect(await field(opd.closeSlots('d1', { from: at('10:00'), to: at('09:00') }))).toBe('leave.to');
    expect(await field(opd.closeSlots('d1', { from: 'not a date', to: at('09:00') }))).toBe('leave.from');
    expect(await field(opd.closeSlots('d1', { from: at('09:00'), to: new Date(Number.NaN) }))).toBe('leave.to');
    expect(await field(opd.closeSlots('d1', { from: at('09:00'), to: '2027-02-01T00:00:00Z' }))).toBe('leave.to');
    expect(await field(opd.closeSlots('d1', { from: at('09:00'), to: at('10:00'), reassign: 'hospital' as never }))).toBe('leave.reassign');
    expect(await field(opd.closeSlots('d1', { from: at('09:00'), to: at('10:00'), reassign: 'department' }))).toBe('leave.reassign');
    expect(await field(opd.closeSlots('d1', { from: at('09:00'), to: at('10:00'), extra: 1 } as never))).toBe('leave.extra');
    expect(await field(opd.closeSlots('nobody', { from: at('09:00'), to: at('10:00') }), 'DOCTOR_NOT_FOUND')).toBe('doctorId');
    expect((await opd.getSlot('d1-09')).slot.status).toBe('OPEN');
    expect(await opd.history()).toEqual([]);
  });
});
