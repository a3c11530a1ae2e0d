/**
 * The policy lab's fidelity where rules meet (issue 70): replayed under its own options, each of
 * these recorded days gives back every token's final status, slot and number. Each day is one a
 * random seed of `test/property/lab-fidelity.test.ts` found replaying otherwise.
 */
import { isOpdError, OpdScheduler, type OpdSchedulerOptions, presets } from 'opd-scheduler';
import { exportHistory, historyToJsonLines, readHistory, replay } from 'opd-scheduler/lab';
import { describe, expect, it } from 'vitest';

const DAY = '2030-03-04';
const NEXT = '2030-03-05';
const MINUTE = 60_000;

/** A scheduler on a clock the test moves, with doctor `d` of department `opd` (and colleague `e`). */
async function world(options: OpdSchedulerOptions): Promise<{ opd: OpdScheduler; advance: (minutes: number) => void }> {
  let now = Date.parse(`${DAY}T07:00:00Z`);
  const opd = new OpdScheduler({ ...options, clock: () => new Date(now) });
  await opd.addDoctor({ id: 'd', name: 'Dr. D', department: 'opd' });
  await opd.addDoctor({ id: 'e', name: 'Dr. E', department: 'opd' });
  return { opd, advance: (minutes) => void (now += minutes * MINUTE) };
}

/** Each recorded token as the replay under `options` left it, beside the recorded one. */
async function replayed(opd: OpdScheduler, options: OpdSchedulerOptions): Promise<{ recorded: unknown[]; replayed: unknown[] }> {
  const history = await exportHistory(opd);
  const ids = [...new Set(history.events.flatMap((e) => ('tokenId' in e ? [e.tokenId] : [])))];
  const result = await replay(historyToJsonLines(history), options);
  try {
    const shape = async (scheduler: OpdScheduler, id: string | null | undefined): Promise<unknown> => {
      if (id == null) return null;
      const t = await scheduler.getToken(id);
      return { id: t.id, status: t.status, slotId: t.slotId, tokenNumber: t.tokenNumber, waitingForSlotId: t.waitingForSlotId };
    };
    return {
      recorded: await Promise.all(ids.map((id) => shape(opd, id))),
      replayed: await Promise.all(ids.map((id) => shape(result.scheduler, result.tokens.get(id)))),
    };
  } finally {
    await result.scheduler.close();
  }
}

describe('the lab replays, as recorded', () => {
  it('a leave at the same instant as an earlier retirement that closed nothing', async () => {
    const options = presets.elastic();
    const { opd } = await world(options);
    await opd.addSlots('d', [
      { id: 's8', start: `${DAY}T08:00:00Z`, end: `${DAY}T08:30:00Z`, capacity: 1 },
      { id: 's10', start: `${DAY}T10:00:00Z`, end: `${DAY}T10:30:00Z`, capacity: 1 },
    ]);
    // No slot ends after 11:00: the retirement closes nothing.
    const retired = await opd.retireDoctor('d', { from: `${DAY}T11:00:00Z` });
    expect(retired.effects.map((e) => e.type)).toEqual(['doctor:retired']);
    // At the same instant, a leave over the whole day closes both slots.
    const leave = await opd.closeSlots('d', { from: `${DAY}T07:00:00Z`, to: `${NEXT}T07:00:00Z`, reason: 'on leave' });
    expect(leave.filter((e) => e.type === 'slot:closed')).toHaveLength(2);
    // An emergency then finds no open slot: waitlisted.
    const emergency = await opd.book({ doctorId: 'd', category: 'EMERGENCY', patient: { name: 'E' } });
    expect(emergency.outcome).toBe('WAITLISTED');
    const { recorded, replayed: again } = await replayed(opd, options);
    expect(again).toEqual(recorded);
    await opd.close();
  });

  it("a hold a booking expired, without expiring another day's lapsed hold no sweep has found", async () => {
    const options = presets.standard();
    const { opd, advance } = await world(options);
    await opd.addSlots('d', [
      { id: 'today', start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: 1 },
      { id: 'tomorrow', start: `${NEXT}T09:00:00Z`, end: `${NEXT}T10:00:00Z`, capacity: 1 },
    ]);
    await opd.hold({ doctorId: 'd', category: 'ONLINE', patient: { id: 'x', name: 'X' }, slotId: 'today', holdMinutes: 10 });
    const other = await opd.hold({ doctorId: 'd', category: 'ONLINE', patient: { id: 'y', name: 'Y' }, slotId: 'tomorrow', holdMinutes: 10 });
    advance(20);
    // The booking expires today's lapsed hold (its own day) and takes the place it frees.
    const booked = await opd.book({ doctorId: 'd', category: 'WALK_IN', patient: { id: 'z', name: 'Z' }, slotId: 'today' });
    expect(booked.outcome).toBe('BOOKED');
    expect(booked.effects.map((e) => e.type)).toContain('token:expired');
    // Tomorrow's lapsed hold is still held: no sweep ran.
    expect((await opd.getToken(other.token.id)).status).toBe('HELD');
    const { recorded, replayed: again } = await replayed(opd, options);
    expect(again).toEqual(recorded);
    await opd.close();
  });

  it('a leave that moves its patient to a later day, ending a lapsed hold there first', async () => {
    const options = presets.standard();
    const { opd, advance } = await world(options);
    await opd.addSlots('d', [
      { id: 'today', start: `${DAY}T08:00:00Z`, end: `${DAY}T08:30:00Z`, capacity: 1 },
      { id: 'tomorrow', start: `${NEXT}T08:00:00Z`, end: `${NEXT}T08:30:00Z`, capacity: 1 },
    ]);
    const hold = await opd.hold({ doctorId: 'd', category: 'ONLINE', patient: { id: 'x', name: 'X' }, slotId: 'tomorrow', holdMinutes: 1 });
    advance(2);
    const booked = await opd.book({ doctorId: 'd', category: 'ONLINE', patient: { id: 'y', name: 'Y' }, slotId: 'today' });
    // Today has no other place: the leave moves the patient to tomorrow, whose lapsed hold it ends first.
    const leave = await opd.closeSlots('d', { from: `${DAY}T07:00:00Z`, to: `${DAY}T09:00:00Z`, reason: 'on leave' });
    expect(leave.map((e) => e.type)).toEqual(['slot:closed', 'token:expired', 'token:moved']);
    expect((await opd.getToken(hold.token.id)).status).toBe('CANCELLED');
    expect((await opd.getToken(booked.token.id)).status).toBe('CANCELLED');
    const { recorded, replayed: again } = await replayed(opd, options);
    expect(again).toEqual(recorded);
    await opd.close();
  });

  it('a leave whose patient stays waiting because of the duplicate rule', async () => {
    const options = presets.waitlist();
    const { opd } = await world(options);
    await opd.addSlots('d', [
      { id: 'today', start: `${DAY}T08:00:00Z`, end: `${DAY}T08:30:00Z`, capacity: 1 },
      { id: 'tomorrow', start: `${NEXT}T08:00:00Z`, end: `${NEXT}T08:30:00Z`, capacity: 2 },
    ]);
    const patient = { id: 'ABHA-4711', name: 'Parvati', phone: '98450 12345' };
    const first = await opd.book({ doctorId: 'd', category: 'EMERGENCY', patient, slotId: 'today' });
    // The same patient, tomorrow (today is taken by their own token).
    const second = await opd.book({ doctorId: 'd', category: 'EMERGENCY', patient, date: NEXT });
    expect(second.token.slotId).toBe('tomorrow');
    // The leave cannot move the patient to tomorrow, where they already hold a token: they wait.
    await opd.closeSlots('d', { from: `${DAY}T07:00:00Z`, to: `${DAY}T09:00:00Z`, reason: 'on leave' });
    expect((await opd.getToken(first.token.id)).status).toBe('WAITLISTED');
    const { recorded, replayed: again } = await replayed(opd, options);
    expect(again).toEqual(recorded);
    // The history says which tokens are one patient's, and nothing of the patient.
    const history = await exportHistory(opd);
    expect(history.patients).toEqual([[first.token.id, second.token.id]]);
    const text = historyToJsonLines(history);
    for (const field of Object.values(patient)) expect(text).not.toContain(field);
    const result = await replay(text, options);
    const tokens = await Promise.all([first.token.id, second.token.id].map((id) => result.scheduler.getToken(result.tokens.get(id)!)));
    expect(tokens[0]!.patient).toEqual(tokens[1]!.patient);
    for (const field of Object.values(patient)) expect(JSON.stringify(tokens)).not.toContain(field);
    await result.scheduler.close();
    await opd.close();
  });

  it("refuses a patient's line that is not a list of token ids, naming the line", () => {
    const read = (text: string): unknown => {
      try {
        return readHistory(text);
      } catch (error) {
        return isOpdError(error) ? { code: error.code, details: error.details } : error;
      }
    };
    expect(read('{"type":"lab:patient","tokenIds":["d~2030-03-04~1",2]}\n')).toEqual({ code: 'VALIDATION_FAILED', details: { field: 'history', line: 1 } });
    expect(read('\n{"type":"lab:patient"}\n')).toEqual({ code: 'VALIDATION_FAILED', details: { field: 'history', line: 2 } });
    expect(read('{"type":"lab:patient","tokenIds":["a","b"]}\n')).toMatchObject({ patients: [['a', 'b']], events: [] });
  });
});
