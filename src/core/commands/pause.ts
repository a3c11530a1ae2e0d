/**
 * A doctor's pause: for its minutes nobody is called and no estimated start falls, so the day's
 * queue moves by the pause (and its patients are told under `notify`); nobody loses a place.
 */
import { invalid } from '../../errors.js';
import { isUsableSlot, type PauseRecord } from '../../model/records.js';
import { MINUTE } from '../../time.js';
import type { Effect } from '../../types.js';
import { type Command, commit, doctorNotFound } from '../command.js';
import * as ev from '../events.js';
import { Workspace } from '../workspace.js';
import { decideLeave } from './close-slots.js';

/** A pause of a doctor from now. */
export interface PauseDoctorInput {
  readonly doctorId: string;
  /** The doctor-day it falls on (the local date of now). */
  readonly day: string;
  /** Its length in minutes (positive). */
  readonly minutes: number;
  readonly reason: string | null;
  /** The department the duplicate rule reads with the doctor's days, should the pause close slots (`CloseSlotsInput.within`). */
  readonly within: string | null;
  /** The end of the horizon a patient of a slot the pause closes may be moved to, for a leave ending at `to` (`CloseSlotsInput.horizonEnd`). */
  readonly horizonOf: (to: number) => number;
}

/** Whether a day's pause has not ended at `now`. */
export function isPaused(pause: PauseRecord | undefined, now: number): pause is PauseRecord {
  return pause !== undefined && pause.from <= now && now < pause.until;
}

/**
 * Pauses a doctor from now for `minutes` on the doctor-day of now: the day's pause
 * ({@link PauseRecord}) is stored, and the live estimates of the day's queue start no earlier
 * than its end (`DayEstimates`), so that every waiting patient's estimate moves and the queue
 * notices of the unit tell them under `notify`. Nobody is bumped by a pause; a slot that ends
 * within it closes, and its patients move on as by a leave ({@link decideLeave}) — in the same
 * unit, so that a refused pause closes nothing. A second pause while one has not ended is refused
 * (`VALIDATION_FAILED`, field `pause`): resume first, or pause again once it has ended.
 */
export const pauseDoctor: Command<PauseDoctorInput, Effect[]> = {
  load: ({ doctorId, day, minutes }, now) => ({ doctorId, days: [day], schedule: { from: now, to: now + minutes * MINUTE } }),
  decide(config, snapshot, input, now) {
    const { doctorId, day, minutes, reason } = input;
    if (snapshot.doctor === undefined) throw doctorNotFound(doctorId);
    const current = snapshot.days.get(day)?.record.pause;
    if (isPaused(current, now)) {
      throw invalid('pause', `Doctor \`${doctorId}\` is already paused until ${new Date(current.until).toISOString()}; resume first`, { doctorId });
    }
    const pause: PauseRecord = { from: now, until: now + minutes * MINUTE, reason };
    const paused = (ws: Workspace): void => {
      ws.day(day).setPause(pause);
      ev.doctorPaused(ws, doctorId, day, pause);
    };
    // A slot the pause outlasts closes, its patients moved on as by a leave: in this same unit.
    const ending = (snapshot.schedule ?? []).filter((e) => isUsableSlot(e.slot, now) && e.slot.start < pause.until && e.slot.end <= pause.until);
    if (ending.length === 0) {
      const ws = new Workspace(config, snapshot, now);
      paused(ws);
      return commit(ws, ws.events);
    }
    const to = Math.max(...ending.map((e) => e.slot.end));
    const leave = { doctorId, from: now, to, reason, department: null, within: input.within, horizonEnd: input.horizonOf(to) };
    const decision = decideLeave(config, snapshot, leave, now, paused);
    // The leave reads more of the schedule as it goes: the pause's own day stays read with it.
    if (decision.kind === 'load') return { kind: 'load', request: { ...decision.request, days: [...new Set([...(decision.request.days ?? []), day])].sort() } };
    return decision;
  },
};

/** The end of a doctor's pause on a doctor-day. */
export interface ResumeDoctorInput {
  readonly doctorId: string;
  readonly day: string;
}

/**
 * Ends a doctor's pause that has not ended, now: its `until` becomes now, and the estimates move
 * back (told under `notify`). Refused (`VALIDATION_FAILED`, field `pause`) when the doctor is not
 * paused.
 */
export const resumeDoctor: Command<ResumeDoctorInput, Effect[]> = {
  load: ({ doctorId, day }) => ({ doctorId, days: [day] }),
  decide(config, snapshot, { doctorId, day }, now) {
    const ws = new Workspace(config, snapshot, now);
    if (ws.doctor === undefined) throw doctorNotFound(doctorId);
    const work = ws.day(day);
    const current = work.record.pause;
    if (!isPaused(current, now)) throw invalid('pause', `Doctor \`${doctorId}\` is not paused`, { doctorId });
    work.setPause({ ...current, until: now });
    ev.doctorResumed(ws, doctorId, day, current);
    return commit(ws, ws.events);
  },
};
