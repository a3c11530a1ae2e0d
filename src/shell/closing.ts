/**
 * The calls of a scheduler that close a doctor's slots or day (a leave, a pause, a retirement, a
 * day's close-out): the doctors and department each unit locks, read before it starts, and a
 * leave's horizon in local days; then its one unit run.
 */
import { closeDay, closingDepartment } from '../core/commands/close-day.js';
import { closeSlots } from '../core/commands/close-slots.js';
import { retireDoctor } from '../core/commands/doctors.js';
import { pauseDoctor, resumeDoctor } from '../core/commands/pause.js';
import { DEFAULT_LEAVE_HORIZON_DAYS, localDayOf, type ParsedLeave, type parsePause, type parseRetirement } from '../inputs.js';
import { localDaysAdder } from '../time.js';
import type { Effect, RetireResult } from '../types.js';
import { departmentOf, requireMultiDoctor } from './locks.js';
import type { Reads } from './reads.js';
import type { Runner } from './run.js';

/** A validated pause. */
type ParsedPause = ReturnType<typeof parsePause>;
/** A validated retirement. */
type ParsedRetirement = ReturnType<typeof parseRetirement>;

/** The leaves, pauses, retirements and day closings of one scheduler. */
export class Closing {
  /** Adds local days in the scheduler's zone (made on first use). */
  #addLocalDays: ((ms: number, days: number) => number) | undefined;

  constructor(
    readonly runner: Runner,
    readonly reads: Reads,
    readonly timeZone: string,
  ) {}

  /** A doctor's leave, validated, as of `now` (`closeSlots`). */
  async leave(id: string, { from, to, reason, dryRun, reassign, horizonDays, actor }: ParsedLeave, now: number): Promise<Effect[]> {
    const storage = this.runner.adapter.storage;
    const department = reassign === 'department' ? await departmentOf(storage, id) : null;
    if (department !== null) requireMultiDoctor(storage);
    // Without reassign, a duplicate rule reaching the department reads its doctors' days too.
    const within = department === null ? await this.#ruleDepartment(id) : null;
    // The horizon in local days: the same local time `horizonDays` dates later, so that a
    // clock change within it moves neither end of a day's clinic out of it.
    const horizonEnd = this.#addDays(to, horizonDays);
    return this.runner.run('closeSlots', closeSlots, { doctorId: id, from, to, reason, department, within, horizonEnd }, now, dryRun, actor);
  }

  /** A doctor's pause from `now`, and the leave it implies (the slots it outlasts), as one unit. */
  async pause(id: string, { minutes, reason, actor }: ParsedPause, now: number): Promise<Effect[]> {
    const day = localDayOf('now', now, this.runner.config.dayOf);
    const within = await this.#ruleDepartment(id);
    const horizonOf = (to: number): number => this.#addDays(to, DEFAULT_LEAVE_HORIZON_DAYS);
    return this.runner.run('pauseDoctor', pauseDoctor, { doctorId: id, day, minutes, reason, within, horizonOf }, now, false, actor);
  }

  /** A doctor's resumption before the pause's end: the pause ends at `now`. */
  resume(id: string, actor: string | null, now: number): Promise<Effect[]> {
    const day = localDayOf('now', now, this.runner.config.dayOf);
    return this.runner.run('resumeDoctor', resumeDoctor, { doctorId: id, day }, now, false, actor);
  }

  /** A doctor's retirement, validated; `now` is read once its department (with `reassign`) is. */
  async retire(id: string, { from, reason, reassign, dryRun, actor }: ParsedRetirement, now: () => number): Promise<RetireResult> {
    const storage = this.runner.adapter.storage;
    const department = reassign === 'department' ? await departmentOf(storage, id, 'retirement.reassign') : null;
    if (department !== null) requireMultiDoctor(storage);
    return this.runner.run('retireDoctor', retireDoctor, { doctorId: id, from, reason, department }, now(), dryRun, actor);
  }

  /** Closes a doctor-day that is over; `now` is read once the department to lock (when the closing rule needs it) is. */
  async closeDay(id: string, day: string, dryRun: boolean, actor: string | null, now: () => number): Promise<Effect[]> {
    const config = this.runner.config;
    const department = closingDepartment(config, 'any') === undefined ? undefined : closingDepartment(config, (await this.reads.doctor(id)).department);
    return this.runner.run('closeDay', closeDay, { doctorId: id, day, department }, now(), dryRun, actor);
  }

  /**
   * The department a leave without `reassign` reads for the duplicate rule: the doctor's, when the
   * rule's scope reaches beyond the doctor-day and the store runs units over several doctors;
   * else `null` (the leave then looks at the doctor's own days alone).
   */
  async #ruleDepartment(doctorId: string): Promise<string | null> {
    const rules = this.runner.config.duplicates;
    const storage = this.runner.adapter.storage;
    if (rules === null || rules.scope === 'doctor-day' || storage.multiDoctor !== true) return null;
    return (await storage.read({ doctorId })).doctor?.department ?? null;
  }

  /** `ms` plus `days` local days: the same local time of day, that many dates later. */
  #addDays(ms: number, days: number): number {
    this.#addLocalDays ??= localDaysAdder(this.timeZone);
    return this.#addLocalDays(ms, days);
  }
}
