/**
 * `replay` refuses a history whose events name a doctor or slot it does not define (issue 70):
 * an export of events alone used to replay into a scheduler without doctors, every request
 * refused `DOCTOR_NOT_FOUND` and counted, with no error.
 */
import { isOpdError, OpdScheduler, presets } from 'opd-scheduler';
import { exportHistory, historyToJsonLines, replay, type LabHistory } from 'opd-scheduler/lab';
import { describe, expect, it } from 'vitest';

const DAY = '2030-06-03';

async function recorded(): Promise<LabHistory> {
  let now = Date.parse(`${DAY}T02:00:00Z`);
  const opd = new OpdScheduler({ ...presets.standard(), clock: () => new Date(now) });
  await opd.addDoctor({ id: 'a', name: 'Dr. A' });
  await opd.addDoctor({ id: 'b', name: 'Dr. B' });
  await opd.addSlots('a', [{ id: 'a9', start: `${DAY}T03:30:00Z`, end: `${DAY}T04:30:00Z`, capacity: 2 }]);
  await opd.addSlots('b', [{ id: 'b9', start: `${DAY}T03:30:00Z`, end: `${DAY}T04:30:00Z`, capacity: 2 }]);
  await opd.book({ doctorId: 'a', category: 'WALK_IN', patient: { name: 'Asha' } });
  now += 60_000;
  await opd.book({ doctorId: 'b', category: 'ONLINE', patient: { name: 'Ravi' }, slotId: 'b9' });
  const history = await exportHistory(opd);
  await opd.close();
  return history;
}

async function refusal(history: Parameters<typeof replay>[0]): Promise<unknown> {
  try {
    const result = await replay(history, presets.standard());
    await result.scheduler.close();
  } catch (error) {
    return error;
  }
  throw new Error('the replay was not refused');
}

async function* linesOf(text: string): AsyncGenerator<string> {
  for (const line of text.split('\n')) yield line;
}

describe('a history that does not define what its events name', () => {
  it('events alone: refused VALIDATION_FAILED naming the first event and its doctor', async () => {
    const history = await recorded();
    const first = history.events[0]!;
    for (const input of [{ ...history, doctors: [], slots: [] }, historyToJsonLines({ doctors: [], slots: [], events: history.events })]) {
      const error = await refusal(input);
      expect(isOpdError(error, 'VALIDATION_FAILED')).toBe(true);
      expect((error as { details: unknown }).details).toEqual({ field: 'history', seq: first.seq, doctorId: 'a' });
      expect((error as Error).message).toContain(`seq ${first.seq}`);
    }
  });

  it('a doctor or a slot missing: the first event, in seq order, that names it', async () => {
    const history = await recorded();
    const ofB = history.events.find((e) => e.doctorId === 'b')!;
    const noB = await refusal({ ...history, doctors: history.doctors.filter((d) => d.id !== 'b') });
    expect((noB as { details: unknown }).details).toEqual({ field: 'history', seq: ofB.seq, doctorId: 'b' });
    const noSlot = await refusal(linesOf(historyToJsonLines({ ...history, slots: history.slots.filter((s) => s.id !== 'b9') })));
    expect(isOpdError(noSlot, 'VALIDATION_FAILED')).toBe(true);
    expect((noSlot as { details: unknown }).details).toEqual({ field: 'history', seq: ofB.seq, slotId: 'b9' });
  });

  it('a history that defines them replays, every request issued', async () => {
    const result = await replay(historyToJsonLines(await recorded()), presets.standard());
    expect(result.requests).toEqual({ issued: 2, refused: {}, skipped: 0 });
    await result.scheduler.close();
  });
});
