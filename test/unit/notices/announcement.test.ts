/**
 * Announcements of committed events, and the hall's queue: the words of a call, a recall, a
 * forward and a pause in English and Hindi; one announcement at a time, a recall repeating the
 * call's units, a cool-down per room; a call through the API announced like any other.
 */
import { OpdScheduler, isOpdError, type OpdEvent } from 'opd-scheduler';
import type { TokenCalledEvent } from 'opd-scheduler/events';
import { AnnouncementQueue, LabelSpeller, announcement, isAnnounced, type QueuedAnnouncement } from 'opd-scheduler/notices';
import { describe, expect, it } from 'vitest';

const DAY = '2026-01-30';

async function hospital(): Promise<{ opd: OpdScheduler; clock: { now: Date }; checkedIn: (n: number) => Promise<string[]> }> {
  const clock = { now: new Date(`${DAY}T09:05:00Z`) };
  const opd = new OpdScheduler({
    clock: () => clock.now,
    numbering: 'category',
    servicePoints: [{ id: 'lab-1', kind: 'lab' }],
  });
  await opd.addDoctor({ id: 'd1', name: 'Dr Asha Rao' });
  await opd.addDoctor({ id: 'd2', name: 'Dr Vikram Sen' });
  await opd.addSlots('d1', [{ id: 's1', start: `${DAY}T09:00:00Z`, end: `${DAY}T11:00:00Z`, capacity: 30 }]);
  await opd.addSlots('d2', [{ id: 's2', start: `${DAY}T09:00:00Z`, end: `${DAY}T11:00:00Z`, capacity: 30 }]);
  const checkedIn = async (n: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const doctorId = i % 2 === 0 ? 'd1' : 'd2';
      const { token } = await opd.book({ doctorId, category: 'WALK_IN', patient: { name: `Patient Name ${i}` } });
      await opd.checkIn(token.id);
      ids.push(token.id);
    }
    return ids;
  };
  return { opd, clock, checkedIn };
}

const called = (over: Partial<TokenCalledEvent> = {}): TokenCalledEvent => ({
  type: 'token:called',
  seq: 7,
  at: new Date(`${DAY}T09:10:00Z`),
  facilityId: 'default',
  doctorId: 'd1',
  actor: null,
  tokenId: 't1',
  tokenNumber: 12,
  label: 'W-012',
  day: DAY,
  slotId: 's1',
  room: '4',
  recall: false,
  ...over,
});

describe('announcement', () => {
  it('speaks a call in English and Hindi, the label spelled and the room number in words', () => {
    const en = announcement(called(), { language: 'en' });
    expect(en.text).toBe('Token number W twelve please go to room four.');
    expect(en.units.map((unit) => [unit.kind, unit.text])).toEqual([
      ['phrase', 'Token number'],
      ['label', 'W'],
      ['label', 'twelve'],
      ['phrase', 'please go to'],
      ['room', 'room'],
      ['room', 'four'],
    ]);
    const hi = announcement(called(), { language: 'hi' });
    expect(hi.text).toBe('टोकन नंबर डब्ल्यू बारह कृपया कमरा नंबर चार में जाएँ।');
    expect(hi.units.map((unit) => unit.clipId)).toEqual([
      'hi/phrase/token',
      'hi/letter/W',
      'hi/number/12',
      'hi/phrase/please',
      'hi/phrase/room',
      'hi/number/4',
      'hi/phrase/goTo',
    ]);
    // No Latin letter in the Hindi sentence: the Hindi voice never switches to English for it.
    expect(hi.text).not.toMatch(/[A-Za-z0-9]/);
  });

  it('speaks a named room as the hospital wrote it, or in the words it gives per language', () => {
    expect(announcement(called({ room: 'Cardiology OPD' }), { language: 'en' }).text).toBe('Token number W twelve please go to Cardiology OPD.');
    const rooms = { 'Cardiology OPD': { hi: 'कार्डियोलॉजी ओपीडी' } };
    expect(announcement(called({ room: 'Cardiology OPD' }), { language: 'hi', rooms }).text).toBe('टोकन नंबर डब्ल्यू बारह कृपया कार्डियोलॉजी ओपीडी में जाएँ।');
    expect(announcement(called({ room: 'Room 7' }), { language: 'en' }).text).toBe('Token number W twelve please go to room seven.');
  });

  it('repeats the call after "calling again" for a recall', () => {
    const call = announcement(called(), { language: 'hi' });
    const recall = announcement(called({ recall: true }), { language: 'hi' });
    expect(recall.units[0]).toEqual({ kind: 'phrase', text: 'दोबारा बुलावा', clipId: 'hi/phrase/again' });
    expect(recall.units.slice(1)).toEqual(call.units);
  });

  it('says no patient data unless names are turned on', () => {
    const plain = announcement(called(), { language: 'en', patientName: 'Asha Verma' });
    expect(plain.text).not.toContain('Asha');
    expect(plain.units.map((unit) => unit.kind)).not.toContain('name');
    const named = announcement(called(), { language: 'en', names: true, patientName: 'Asha Verma' });
    expect(named.units.filter((unit) => unit.kind === 'name').map((unit) => unit.text)).toEqual(['Asha Verma']);
  });

  it('configures prefix words through the label speller', () => {
    const labels = new LabelSpeller({ prefixes: { hi: { E: 'इमरजेंसी' } } });
    expect(announcement(called({ label: 'E-3' }), { language: 'hi', labels }).text).toBe('टोकन नंबर इमरजेंसी तीन कृपया कमरा नंबर चार में जाएँ।');
  });

  it('speaks a forward to a service point and a doctor pause from real events, and refuses other events', async () => {
    const { opd, checkedIn } = await hospital();
    const [a] = await checkedIn(1);
    await opd.forward(a!, { to: 'lab-1' });
    await opd.pauseDoctor('d1', { minutes: 15, reason: 'ward round' });
    const events = await opd.history();
    const forwarded = events.find((e) => e.type === 'token:forwarded')!;
    expect(announcement(forwarded, { language: 'en' }).text).toBe('Token number W one please go to the laboratory.');
    expect(announcement(forwarded, { language: 'hi' }).text).toBe('टोकन नंबर डब्ल्यू एक कृपया लैब में जाएँ।');
    const paused = events.find((e) => e.type === 'doctor:paused')!;
    expect(announcement(paused, { language: 'en', doctorName: 'Dr Rao' }).text).toBe('Dr Rao is on a break for fifteen minutes.');
    expect(announcement(paused, { language: 'hi', doctorName: 'डॉ. राव' }).text).toBe('डॉ. राव पंद्रह मिनट के लिए विराम पर हैं।');
    const booked = events.find((e) => e.type === 'token:booked')!;
    expect(isAnnounced(booked)).toBe(false);
    const error = (() => {
      try {
        return announcement(booked, { language: 'en' });
      } catch (e) {
        return e;
      }
    })();
    expect(isOpdError(error, 'VALIDATION_FAILED') && error.details.field).toBe('event.type');
    expect(() => announcement(called(), { language: 'fr' as 'en' })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    await opd.close();
  });
});

describe('AnnouncementQueue', () => {
  function drain(queue: AnnouncementQueue, at: Date): QueuedAnnouncement[] {
    const spoken: QueuedAnnouncement[] = [];
    for (let item = queue.next(at); item !== undefined; item = queue.next(at)) {
      expect(queue.next(at), 'nothing starts while one is playing').toBeUndefined();
      spoken.push(item);
      queue.finished(item.id, at);
    }
    return spoken;
  }

  it('announces calls made through the scheduler, one at a time, in each language in turn', async () => {
    const { opd, clock, checkedIn } = await hospital();
    const hall = new AnnouncementQueue({ languages: ['hi', 'en'], clock: () => clock.now });
    opd.on('event', (event) => hall.push(event));
    await checkedIn(2);
    await opd.callNext('d1', { room: '4' });
    await opd.callNext('d2', { room: '5' });
    expect(hall.waiting.map((item) => [item.language, item.room])).toEqual([
      ['hi', 'room:4'],
      ['en', 'room:4'],
      ['hi', 'room:5'],
      ['en', 'room:5'],
    ]);
    const first = hall.next()!;
    expect(first.text).toBe('टोकन नंबर डब्ल्यू एक कृपया कमरा नंबर चार में जाएँ।');
    expect(hall.next(), 'the next call waits for the one being spoken').toBeUndefined();
    hall.finished(first.id);
    expect(hall.next()!.text).toBe('Token number W one please go to room four.');
    expect(() => hall.finished(first.id)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    await opd.close();
  });

  it('announces alike whether fed live or from the stored history, and queues an event once', async () => {
    const { opd, checkedIn } = await hospital();
    const live = new AnnouncementQueue({ languages: ['en'] });
    opd.on('event', (event) => live.push(event));
    await checkedIn(2);
    await opd.callNext('d1', { room: '4' });
    await opd.callNext('d2');
    const replayed = new AnnouncementQueue({ languages: ['en'] });
    const history = await opd.history();
    for (const event of [...history, ...history]) replayed.push(event);
    const at = new Date(`${DAY}T09:30:00Z`);
    const spoken = drain(live, at).map((item) => item.text);
    expect(spoken).toEqual(['Token number W one please go to room four.', 'Token number W one please come in.']);
    expect(drain(replayed, at).map((item) => item.text)).toEqual(spoken);
    // A dry run's events (seq 0) are never announced.
    expect(replayed.push({ ...(history.find((e) => e.type === 'token:called') as OpdEvent), seq: 0 })).toEqual([]);
    await opd.close();
  });

  it('repeats the very units of the call for a recall', async () => {
    const { opd, checkedIn } = await hospital();
    const hall = new AnnouncementQueue({ languages: ['en', 'hi'] });
    opd.on('event', (event) => hall.push(event));
    const [a] = await checkedIn(1);
    await opd.callNext('d1', { room: 'R-12' });
    await opd.recall(a!, { room: 'R-12' });
    const spoken = drain(hall, new Date(`${DAY}T09:30:00Z`));
    expect(spoken).toHaveLength(4);
    const [callEn, callHi, recallEn, recallHi] = spoken;
    expect(recallEn!.units.slice(1)).toEqual(callEn!.units);
    expect(recallHi!.units.slice(1)).toEqual(callHi!.units);
    expect(recallEn!.text).toBe('Calling again Token number W one please go to room R twelve.');
    await opd.close();
  });

  it('keeps a cool-down per room: another room goes first, the room waits its turn', () => {
    let now = new Date(`${DAY}T09:00:00Z`);
    const hall = new AnnouncementQueue({ cooldownMs: 20_000, clock: () => now });
    hall.push(called({ seq: 1, tokenId: 'a', label: '1', room: '4' }));
    hall.push(called({ seq: 2, tokenId: 'b', label: '2', room: '4' }));
    hall.push(called({ seq: 3, tokenId: 'c', label: '3', room: '5' }));
    const first = hall.next()!;
    expect(first.seq).toBe(1);
    hall.finished(first.id);
    // Room 4 cools down: room 5's call goes before the second call to room 4.
    const second = hall.next()!;
    expect(second.seq).toBe(3);
    hall.finished(second.id);
    expect(hall.next()).toBeUndefined();
    expect(hall.freeAt('room:4')).toEqual(new Date(`${DAY}T09:00:20Z`));
    now = new Date(`${DAY}T09:00:20Z`);
    expect(hall.next()!.seq).toBe(2);
  });

  it('refuses bad options', () => {
    expect(() => new AnnouncementQueue({ languages: [] })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => new AnnouncementQueue({ languages: ['xx' as 'en'] })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => new AnnouncementQueue({ cooldownMs: -1 })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
