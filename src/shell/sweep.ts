/**
 * A sweep over every due doctor-day, each day a unit of work of its own: one that fails (a
 * plug-in refusing, a lost connection) neither undoes nor stops the others, and the failures are
 * reported together once every day was tried.
 */
import { sweepDay } from '../core/commands/sweep-day.js';
import { closingDepartment } from '../core/commands/close-day.js';
import { OpdError, type OpdErrorCode } from '../errors.js';
import type { Effect } from '../types.js';
import { wrap } from './answers.js';
import type { FollowUps } from './follow-ups.js';
import { visitOfFollowUp } from '../core/followups.js';
import { parseTokenId } from '../model/records.js';
import type { Runner } from './run.js';

/**
 * Sweeps every doctor-day due at `at` (no-shows up to the grace period before it, holds ended by
 * the clock), its changes made at the clock's time; then tries each follow-up still due on it.
 * @returns every effect, doctor by doctor
 * @throws OpdError with the first failure's code and details, `details.failed` (each failed
 *   doctor-day) and `details.effects` (those of the days swept), the first failure as the cause
 */
export async function sweepDueDays(runner: Runner, followUps: FollowUps, at: number, clock: number, actor: string | null): Promise<Effect[]> {
  const cutoff = at - runner.config.graceMs;
  const effects: Effect[] = [];
  const failed: { doctorId: string; day: string; code: OpdErrorCode }[] = [];
  let first: OpdError | undefined;
  const retries: string[] = [];
  // With a quota, time can open a reserved place to the waitlist: days where it may have are due too.
  const openAt = runner.config.quota === undefined ? undefined : clock;
  // Days over by the cutoff (their last open slot ended and the grace period passed) are closed.
  const close = runner.config.closeOut.sweep;
  const due = await runner.adapter.storage.findDueDays(cutoff, clock, openAt, close ? cutoff : undefined);
  // With queue notices, today's doctor-days too: time alone moves estimates (a consultation
  // running long), and a sweep is what finds it.
  if (runner.config.notify !== undefined) {
    const today = runner.config.dayOf(clock);
    const listed = new Set(due.map((d) => `${d.doctorId}\u0000${d.day}`));
    for (const doctor of await runner.adapter.listDoctors()) {
      if (!listed.has(`${doctor.id}\u0000${today}`)) due.push({ doctorId: doctor.id, day: today });
    }
  }
  // A day that may close and carry its patients locks its doctor's department from the start
  // (closingDepartment): the departments are read once, only when that rule applies.
  const departments =
    close && closingDepartment(runner.config, 'any') !== undefined ? new Map((await runner.adapter.listDoctors()).map((d) => [d.id, d.department])) : undefined;
  for (const { doctorId, day } of due) {
    try {
      const department = departments === undefined ? undefined : closingDepartment(runner.config, departments.get(doctorId));
      const swept = await runner.run('sweep', sweepDay, { doctorId, day, cutoff, close, department }, clock, false, actor);
      effects.push(...swept.effects);
      retries.push(...swept.followUps);
    } catch (error) {
      const failure = wrap(error);
      first ??= failure;
      failed.push({ doctorId, day, code: failure.code });
    }
  }
  // Then each due follow-up in a unit of its own, once every day has given back what it held: booked
  // when a place opened in its window.
  for (const id of retries) {
    try {
      effects.push(...(await followUps.retry(id, clock, actor)));
    } catch (error) {
      const failure = wrap(error);
      first ??= failure;
      const parts = parseTokenId(visitOfFollowUp(id) ?? '');
      failed.push({ doctorId: parts?.doctorId ?? '', day: parts?.day ?? '', code: failure.code });
    }
  }
  if (first === undefined) return effects;
  const { doctorId, day } = failed[0]!;
  throw new OpdError(
    first.code,
    `The sweep failed on ${failed.length} doctor-day(s), first ${doctorId} on ${day} (${first.code}); the other doctor-days were swept: their effects are in details.effects`,
    // The first failure's own details first, so that they have the fields its code promises.
    { details: { ...first.details, failed, effects }, cause: first },
  );
}
