/**
 * What follows a unit's write: the notification that wakes the feeds after its commit, and, once
 * committed, its events numbered, the copy of its doctor's days brought forward and the readers
 * of the history woken.
 */
import type { ChangeSet } from '../model/snapshot.js';
import { changeSetDoctor } from '../adapter-kit/checks.js';
import { assignEventSeq } from '../storage/adapter.js';
import type { Step } from './db.js';
import type { Wing } from './wing.js';

/**
 * The notification after a unit's commit, in a transaction of its own: a NOTIFY inside the unit
 * would hold PostgreSQL's database-wide notification lock through the commit. `opd_write` says
 * whether a feed listened when the unit took its event numbers; while none did, units send no
 * notification and no check.
 */
export function afterCommit(wing: Wing, changes: ChangeSet): Step | undefined {
  const pool = wing.driver.kind === 'pool';
  if (changes.events.length === 0 || (pool && !wing.listening)) return undefined;
  return { statement: pool ? wing.sql.notify : wing.sql.notifyAlways, values: [] };
}

/** After a unit's write committed: numbers its events, notes what `opd_write` said, updates the copy. */
export function written(wing: Wing, changes: ChangeSet, rev: number | undefined, out: unknown, notification: Step | undefined): void {
  const events = changes.events;
  const [base, next, listening] = out as [number | string, number | string, boolean | null | undefined];
  for (let i = 0; i < events.length; i++) assignEventSeq(events[i]!, Number(base) + i + 1);
  if (events.length > 0) wing.seqFloor = Math.max(wing.seqFloor, Number(base));
  if (wing.driver.kind === 'pool' && events.length > 0) {
    // Functions older than this adapter say nothing: keep notifying after every unit.
    wing.listening = listening !== false;
    // A feed started since the last unit told: wake it once the unit is over (it would
    // otherwise wait for its poll).
    if (wing.listening && notification === undefined) wing.notifyLater = true;
  }
  const doctorId = changeSetDoctor(changes);
  if (doctorId !== undefined && rev !== undefined) wing.cache.commit(doctorId, rev, Number(next), changes, wing.units);
  if (events.length > 0) wing.wakeup.wake();
}

/** Sends the notification a unit left for later ({@link Wing.notifyLater}), if any; a failure only leaves the feeds to their poll. */
export async function notifyPending(wing: Wing): Promise<void> {
  if (!wing.notifyLater) return;
  wing.notifyLater = false;
  try {
    await wing.driver.run({ statement: wing.sql.notify, values: [] });
  } catch {
    // The feeds read history at least every POLL_MS (see feed.ts).
  }
}
