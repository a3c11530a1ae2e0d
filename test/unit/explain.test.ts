import { ChannelQuota, MemoryStorage, presets, type StorageAdapter } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { isEventOfDay } from 'opd-scheduler/adapter-kit';
import { allHistory, at, DAY, doctorWithSlots, rejectsWith, request, scheduler } from '../helpers.js';

describe('explain and explainText', () => {
  it('tells a bumped patient who cascaded why, in English and Hindi, keeping the label', async () => {
    const { opd } = scheduler({ ...presets.standard(), numbering: 'category' });
    await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    const { steps, label, slotId, slotStart } = await opd.explain(walkIn.token.id);
    expect(label).toBe('W-1');
    expect(slotId).toBe('d1-10');
    expect(slotStart?.toISOString()).toBe(at('10:00').toISOString());
    expect(steps.map((s) => s.rule)).toEqual(['free-place', 'bumped-by', 'cascaded']);
    expect(steps[1]).toMatchObject({
      otherTokenId: emergency.token.id,
      otherLabel: 'E-1',
      otherCategory: 'EMERGENCY',
      rank: 5,
      otherRank: 1,
      fromSlotId: 'd1-09',
    });
    expect(steps[2]).toMatchObject({ fromSlotId: 'd1-09', slotId: 'd1-10', reason: 'bumped' });
    expect(await opd.explainText(walkIn.token.id)).toBe('You moved to 10:00 because an emergency needed the 09:00 place; you keep token W-1.');
    expect(await opd.explainText(walkIn.token.id, { lang: 'hi' })).toBe(
      'आपका समय 10:00 बजे कर दिया गया है क्योंकि 09:00 बजे की जगह एक आपातकालीन मरीज़ को चाहिए थी; आपका टोकन W-1 वही रहेगा।',
    );
    const bumper = await opd.explain(emergency.token.id);
    expect(bumper.steps.map((s) => s.rule)).toEqual(['bump']);
    expect(bumper.steps[0]).toMatchObject({ otherTokenId: walkIn.token.id, otherLabel: 'W-1', rank: 1, otherRank: 5 });
    expect(await opd.explainText(emergency.token.id)).toBe('Token E-1: as an urgent case you were given the 09:00 place.');
  });

  it('names the full slot of a next-slot booking, and the quota that refused', async () => {
    const { opd } = scheduler({ ...presets.elastic(), quota: new ChannelQuota({ ONLINE: { share: 0.5 } }) });
    await doctorWithSlots(opd, 'd1', [9, 10], 2);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const second = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const steps = (await opd.explain(second.token.id)).steps;
    expect(steps.map((s) => s.rule)).toEqual(['quota-refused', 'next-slot']);
    expect(steps[0]).toMatchObject({ fullSlotId: 'd1-09', quota: expect.stringMatching(/^channel-quota/) });
    expect(steps[1]).toMatchObject({ fullSlotId: 'd1-09', slotId: 'd1-10' });
    expect(await opd.explainText(second.token.id)).toBe('Token 2: the 09:00 places for your kind of booking were taken, so your place is at 10:00.');
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    expect((await opd.explain(walkIn.token.id)).steps.map((s) => s.rule)).toEqual(['free-place']);
  });

  it('follows a waitlisted patient to the promotion, the call and the end', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    const first = await opd.book(request('d1', 'ONLINE'));
    const waiting = await opd.book(request('d1', 'ONLINE'));
    expect(waiting.outcome).toBe('WAITLISTED');
    expect(await opd.explainText(waiting.token.id, { lang: 'en' })).toBe(
      'Token 2: all places are taken, so you are on the waiting list; you will get the next free place.',
    );
    await opd.cancel(first.token.id, { reason: 'patient called' });
    expect(await opd.explainText(first.token.id)).toBe('Token 1 has been cancelled.');
    expect(await opd.explainText(waiting.token.id, { lang: 'hi' })).toBe('टोकन 2: एक जगह खाली हुई और अब वह आपकी है, 09:00 बजे।');
    clock.set(at('09:00'));
    await opd.checkIn(waiting.token.id);
    expect(await opd.explainText(waiting.token.id)).toBe('Token 2: you are checked in for 09:00; please wait to be called.');
    await opd.callNext('d1', { room: 'Room 4' });
    expect(await opd.explainText(waiting.token.id)).toBe('Token 2: please go to Room 4 now.');
    const { steps } = await opd.explain(waiting.token.id);
    expect(steps.map((s) => s.rule)).toEqual(['waitlisted', 'promoted', 'checked-in', 'called']);
    expect(steps[0]).toMatchObject({ reason: 'full', fullSlotId: 'd1-09', slotId: null });
    expect(steps[3]).toMatchObject({ room: 'Room 4', slotId: 'd1-09' });
  });

  it('tells a patient moved out by a closed slot', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9, 10], 2);
    const t = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.closeSlot('d1-09', { reason: 'doctor in theatre' });
    expect((await opd.explain(t.token.id)).steps.map((s) => s.rule)).toEqual(['free-place', 'cascaded']);
    expect(await opd.explainText(t.token.id)).toBe('You moved to 10:00 because the 09:00 session was closed; you keep token 1.');
  });

  it('refuses bad input with a clear error and names no patient data', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9], 2);
    const t = await opd.book(request('d1', 'ONLINE', { patientId: 'ABHA-SECRET' }));
    await rejectsWith(opd.explain('d1~2026-01-30~99'), 'TOKEN_NOT_FOUND');
    await rejectsWith(opd.explainText(t.token.id, { lang: 'fr' as 'en' }), 'VALIDATION_FAILED');
    await rejectsWith(opd.explainText(t.token.id, { language: 'hi' } as never), 'VALIDATION_FAILED');
    const text = JSON.stringify([await opd.explain(t.token.id), await opd.explainText(t.token.id), await opd.explainText(t.token.id, { lang: 'hi' })]);
    expect(text).not.toContain('ABHA-SECRET');
    expect(text).not.toContain('Patient');
  });

  it('reads the day through the adapter without dayHistory too (the whole history, filtered)', async () => {
    const memory = new MemoryStorage();
    const plain: StorageAdapter = {
      name: 'plain',
      transact: (r, decide) => memory.transact(r, decide),
      read: (r) => memory.read(r),
      listDoctors: () => memory.listDoctors(),
      allocateId: () => memory.allocateId(),
      findDueDays: (cutoff, holds, open) => memory.findDueDays(cutoff, holds, open),
      scanDays: (filter) => memory.scanDays(filter),
      history: (after, limit) => memory.history(after, Math.min(limit, 2)),
      close: () => memory.close(),
    };
    const { opd } = scheduler({ ...presets.standard(), storage: plain });
    await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    await doctorWithSlots(opd, 'd2', [9], 1);
    await opd.book(request('d2', 'ONLINE'));
    const t = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect((await opd.explain(t.token.id)).steps.map((s) => s.rule)).toEqual(['free-place', 'bumped-by', 'cascaded']);
  });
});

describe('explaining a patient who comes back', () => {
  /** The local date `n` days after DAY. */
  const dayAfter = (n: number): string => new Date(Date.parse(`${DAY}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

  async function clinic(days: readonly number[]) {
    const made = scheduler({ ...presets.standard(), followUps: { freeWithinDays: 10, freeVisits: 2, scope: 'doctor' } });
    made.clock.set(at('08:00'));
    await doctorWithSlots(made.opd, 'd1', [9], 4);
    await made.opd.addSlots(
      'd1',
      days.map((n) => ({ id: `in-${String(n)}`, start: `${dayAfter(n)}T10:00:00Z`, end: `${dayAfter(n)}T11:00:00Z`, capacity: 2 })),
    );
    return made;
  }

  it("names a follow-up's window and the free revisit it uses, in the chain and the sentence, in English and Hindi", async () => {
    const { opd } = await clinic([6, 7, 8]);
    const visit = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09', patientId: 'P-1' }));
    await opd.checkIn(visit.token.id);
    await opd.startConsultation(visit.token.id);
    await opd.complete(visit.token.id, { charged: true });
    const { followUp, token } = await opd.bookFollowUp(visit.token.id, { afterDays: 7, windowDays: 1 });
    const explanation = await opd.explain(token!.id);
    const comesBack = {
      followUp: { followUpId: followUp.id, fromTokenId: visit.token.id, dueDate: dayAfter(7), windowDays: 1, from: dayAfter(6), to: dayAfter(8) },
      entitlement: { fromTokenId: visit.token.id, visit: 1, visits: 2, until: dayAfter(10) },
    };
    expect(explanation.comesBack).toEqual(comesBack);
    expect(explanation.steps.map((s) => s.rule)).toEqual(['free-place']);
    expect(explanation.steps[0]!.comesBack).toEqual(comesBack);
    expect(await opd.explainText(token!.id)).toBe(
      'Token 1: your place is booked at 10:00. This is your follow-up visit, due on 6 February 2026, give or take 1 day. It is free revisit 1 of 2, valid until 9 February 2026.',
    );
    expect(await opd.explainText(token!.id, { lang: 'hi' })).toBe(
      'टोकन 1: आपकी जगह 10:00 बजे के लिए बुक है। यह आपकी फ़ॉलो-अप विज़िट है, जिसकी तय तारीख़ 6 फ़रवरी 2026 है (1 दिन आगे-पीछे)। यह आपका मुफ़्त दोबारा परामर्श है (2 में से 1), जो 9 फ़रवरी 2026 तक मान्य है।',
    );
    // Cancelled, the token brings nobody back: the sentence says so alone (the free revisit is given back).
    await opd.cancel(token!.id);
    expect(await opd.explainText(token!.id)).toBe('Token 1 has been cancelled.');
    // The visit itself came back for nothing.
    expect((await opd.explain(visit.token.id)).comesBack).toBeUndefined();
  });

  it('names a follow-up due on one day without a window, and a free revisit booked by hand', async () => {
    const { opd } = await clinic([7, 9]);
    const visit = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09', patientId: 'P-2' }));
    await opd.checkIn(visit.token.id);
    await opd.startConsultation(visit.token.id);
    await opd.complete(visit.token.id, { charged: true });
    const { token } = await opd.bookFollowUp(visit.token.id, { on: dayAfter(7) });
    expect(await opd.explainText(token!.id)).toBe(
      'Token 1: your place is booked at 10:00. This is your follow-up visit, due on 6 February 2026. It is free revisit 1 of 2, valid until 9 February 2026.',
    );
    const revisit = await opd.book(request('d1', 'FOLLOW_UP', { slotId: 'in-9', patientId: 'P-2' }));
    expect((await opd.explain(revisit.token.id)).comesBack).toEqual({ entitlement: { fromTokenId: visit.token.id, visit: 2, visits: 2, until: dayAfter(10) } });
    expect(await opd.explainText(revisit.token.id, { lang: 'hi' })).toBe(
      'टोकन 1: आपकी जगह 10:00 बजे के लिए बुक है। यह आपका मुफ़्त दोबारा परामर्श है (2 में से 2), जो 9 फ़रवरी 2026 तक मान्य है।',
    );
  });

  it('names the series and the occurrence of a series visit', async () => {
    const { opd } = await clinic([7, 14, 21]);
    const series = await opd.bookSeries({
      patient: { id: 'P-3', name: 'Lata' },
      doctorId: 'd1',
      start: dayAfter(7),
      every: { weeks: 1 },
      count: 3,
      mode: 'all-or-nothing',
      idempotencyKey: 'anc',
    });
    const second = series.tokens[1]!;
    const explanation = await opd.explain(second.id);
    expect(explanation.comesBack).toEqual({ series: { seriesId: series.seriesId, occurrence: 2, count: 3 } });
    expect(explanation.steps[0]!.comesBack).toEqual(explanation.comesBack);
    expect(await opd.explainText(second.id)).toBe('Token 1: your place is booked at 10:00. It is visit 2 of 3 in your series of visits.');
    expect(await opd.explainText(second.id, { lang: 'hi' })).toBe('टोकन 1: आपकी जगह 10:00 बजे के लिए बुक है। यह आपकी 3 विज़िटों की शृंखला में से विज़िट संख्या 2 है।');
  });
});

describe("MemoryStorage's index of a doctor-day's events", () => {
  it('answers as the history filtered, also once a history limit has forgotten (and compacted) the oldest events', async () => {
    for (const historyLimit of [Number.POSITIVE_INFINITY, 700]) {
      const storage = new MemoryStorage({ historyLimit });
      const { opd } = scheduler({ ...presets.standard(), storage });
      await doctorWithSlots(opd, 'd1', [9, 10], 3);
      await doctorWithSlots(opd, 'd2', [9], 3);
      for (let i = 0; i < 1500; i++) {
        const doctorId = i % 3 === 0 ? 'd2' : 'd1';
        const booked = await opd.book(request(doctorId, 'ONLINE'));
        await opd.cancel(booked.token.id);
      }
      const kept = await allHistory(opd);
      if (historyLimit !== Number.POSITIVE_INFINITY) expect(kept.length).toBe(historyLimit);
      for (const doctorId of ['d1', 'd2', 'd3']) {
        const read = await storage.dayHistory(doctorId, DAY);
        expect(
          read.map((e) => e.seq),
          doctorId,
        ).toEqual(kept.filter((e) => isEventOfDay(e, doctorId, DAY)).map((e) => e.seq));
      }
    }
  });
});

describe('fairness', () => {
  it('counts waits, skips and the longest run of better-ranked calls per category', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9], 10);
    // Walk-ins first (due at 09:00), then two paid patients who are called before them.
    const w1 = await opd.book(request('d1', 'WALK_IN'));
    const w2 = await opd.book(request('d1', 'WALK_IN'));
    clock.set(at('09:00'));
    await opd.checkIn(w1.token.id);
    await opd.checkIn(w2.token.id);
    clock.set(at('09:10'));
    const p1 = await opd.book(request('d1', 'PAID'));
    const p2 = await opd.book(request('d1', 'PAID'));
    await opd.checkIn(p1.token.id);
    await opd.checkIn(p2.token.id);
    const calls: string[] = [];
    for (const minute of ['09:20', '09:30', '09:40', '09:50']) {
      clock.set(at(minute));
      const called = await opd.callNext('d1');
      if (called.token === null) throw new Error('nobody to call');
      calls.push(called.token.id);
      await opd.startConsultation(called.token.id);
      await opd.complete(called.token.id);
    }
    expect(calls).toEqual([p1.token.id, p2.token.id, w1.token.id, w2.token.id]);
    const report = await opd.fairness({ doctorId: 'd1', date: '2026-01-30' });
    expect(report).toMatchObject({ doctorId: 'd1', date: '2026-01-30' });
    expect(report.categories).toEqual([
      { category: 'PAID', called: 2, waitP50: 10, waitP95: 20, waitMax: 20, skips: 0, longestPassRun: 0 },
      // Each walk-in waited through both paid calls; the paid patients were ranked better, so no skip.
      { category: 'WALK_IN', called: 2, waitP50: 40, waitP95: 50, waitMax: 50, skips: 0, longestPassRun: 2 },
    ]);
    expect((await opd.fairness({ date: '2026-01-30' })).categories).toEqual(report.categories);
    // No journeys: the doctor's stage only, from check-in to the call; each visit ended at its call.
    const waits = { count: 4, mean: 30, p50: 20, p90: 50, p95: 50, max: 50 };
    expect(report.stages).toEqual([{ kind: 'doctor', round: 1, waits }]);
    expect(report.visits).toEqual(waits);
    await rejectsWith(opd.fairness({ doctorId: 'nobody', date: '2026-01-30' }), 'DOCTOR_NOT_FOUND');
    await rejectsWith(opd.fairness({ date: '30-01-2026' }), 'VALIDATION_FAILED');
    await rejectsWith(opd.fairness(undefined as never), 'VALIDATION_FAILED');
  });

  it('counts a skip when a patient of the same rank due later is called first', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9, 10], 10);
    const early = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const late = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    clock.set(at('10:05'));
    await opd.checkIn(late.token.id);
    const first = await opd.callNext('d1');
    expect(first.token?.id).toBe(late.token.id);
    await opd.checkIn(early.token.id);
    clock.set(at('10:15'));
    await opd.callNext('d1');
    const [online] = (await opd.fairness({ date: '2026-01-30' })).categories;
    expect(online).toMatchObject({ category: 'ONLINE', called: 2, skips: 1, longestPassRun: 0 });
  });
});
