/**
 * The policy lab re-issues a booking for a department as a booking for the department: the
 * replay's rules choose the doctor (issue 59), and the event records the department asked for.
 */
import { ElasticCapacity, OpdScheduler, presets } from 'opd-scheduler';
import { exportHistory, historyToJsonLines, replay } from 'opd-scheduler/lab';
import { describe, expect, it } from 'vitest';

const DAY = '2030-03-04';

async function recorded(): Promise<OpdScheduler> {
  let now = Date.parse(`${DAY}T02:00:00Z`);
  const opd = new OpdScheduler({ ...presets.standard(), clock: () => new Date(now) });
  await opd.addDoctor({ id: 'a', name: 'Dr. A', department: 'opd' });
  await opd.addDoctor({ id: 'b', name: 'Dr. B', department: 'opd' });
  await opd.addSlots('a', [{ id: 'a9', start: `${DAY}T03:30:00Z`, end: `${DAY}T04:30:00Z`, capacity: 1 }]);
  await opd.addSlots('b', [{ id: 'b10', start: `${DAY}T04:30:00Z`, end: `${DAY}T05:30:00Z`, capacity: 1 }]);
  await opd.book({ doctorId: 'a', category: 'WALK_IN', patient: { name: 'Asha' } });
  now += 60_000;
  // Dr. A is full: the department gives Dr. B's place.
  await opd.book({ department: 'opd', category: 'WALK_IN', patient: { name: 'Ravi' }, date: DAY });
  return opd;
}

describe('a department booking in the lab', () => {
  it('is recorded with the department asked for', async () => {
    const opd = await recorded();
    const history = await exportHistory(opd);
    const booked = history.events.filter((e) => e.type === 'token:booked');
    expect(booked.map((e) => (e.type === 'token:booked' ? [e.doctorId, e.request?.department] : null))).toEqual([
      ['a', undefined],
      ['b', 'opd'],
    ]);
    await opd.close();
  });

  it('is asked of the department again, so another policy may give another doctor', async () => {
    const opd = await recorded();
    const history = historyToJsonLines(await exportHistory(opd));
    const own = await replay(history, presets.standard());
    // Under its own options: the same doctor.
    expect([...own.tokens.values()].map((id) => id?.split('~')[0])).toEqual(['a', 'b']);
    await own.scheduler.close();
    // With an elastic place for walk-ins at Dr. A's earlier slot, the department gives that.
    const elastic = await replay(history, { ...presets.standard(), capacity: new ElasticCapacity({ categories: ['WALK_IN', 'EMERGENCY'], limit: 1 }) });
    const ids = [...elastic.tokens.values()];
    expect(ids).toHaveLength(2);
    expect((await elastic.scheduler.getToken(ids[1]!)).doctorId).toBe('a');
    await elastic.scheduler.close();
    await opd.close();
  });
});
