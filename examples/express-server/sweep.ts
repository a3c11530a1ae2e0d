/**
 * The server's own periodic sweep: every few minutes, `scheduler.sweep()` marks overdue
 * bookings as no-shows and ends expired holds, so that no cron job is needed; with `purge`, the
 * first sweep of each day also erases the patient data past its retention period. One sweep at a
 * time: the next one is scheduled when the last has ended.
 */
import type { OpdScheduler } from 'opd-scheduler';
import { SWEEP_ACTOR } from './auth.js';
import { describeError, type Logger } from './log.js';

/** Options of {@link PeriodicSweep}. */
export interface PeriodicSweepOptions {
  /** Milliseconds from the end of one sweep to the start of the next. */
  readonly everyMs: number;
  readonly logger: Logger;
  /** Also purge patient data past its retention period (`scheduler.purge()`) after each sweep. */
  readonly purge?: boolean | undefined;
  /** The current time, for the day of the last purge (the scheduler's clock). @defaultValue `() => new Date()` */
  readonly clock?: (() => Date) | undefined;
}

/** A sweep that runs every `everyMs` until {@link PeriodicSweep.stop}. */
export class PeriodicSweep {
  readonly #scheduler: OpdScheduler;
  readonly #options: PeriodicSweepOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  /** The local date of the last purge. */
  #purgedOn: string | undefined;

  constructor(scheduler: OpdScheduler, options: PeriodicSweepOptions) {
    this.#scheduler = scheduler;
    this.#options = options;
  }

  /** Schedules the first sweep, `everyMs` from now. */
  start(): void {
    if (this.#stopped || this.#timer !== undefined || this.#running !== undefined) return;
    this.#timer = setTimeout(() => this.#run(), this.#options.everyMs);
    // The sweep never keeps the process alive on its own: shutdown stops it, and a process with
    // nothing else to do may end.
    this.#timer.unref();
  }

  /** Stops sweeping; resolves once a sweep in progress has ended. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #run(): void {
    this.#timer = undefined;
    this.#running = this.#sweep().finally(() => {
      this.#running = undefined;
      this.start();
    });
  }

  async #sweep(): Promise<void> {
    const { logger } = this.#options;
    const started = Date.now();
    try {
      const effects = [...(await this.#scheduler.sweep(undefined, { actor: SWEEP_ACTOR }))];
      // Once a day: a purge reads the whole store, and finds nothing new until another day has ended.
      const today = this.#scheduler.dayOf((this.#options.clock ?? (() => new Date()))());
      if (this.#options.purge === true && this.#purgedOn !== today) {
        effects.push(...(await this.#scheduler.purge(undefined, { actor: SWEEP_ACTOR })).effects);
        this.#purgedOn = today;
      }
      if (effects.length === 0) return;
      // Events carry ids and statuses, never patient data: their types and counts are logged.
      const counts: Record<string, number> = {};
      for (const effect of effects) counts[effect.type] = (counts[effect.type] ?? 0) + 1;
      logger.info('sweep', { effects: effects.length, ms: Date.now() - started, ...counts });
    } catch (error) {
      logger.error('sweep failed', describeError(error));
    }
  }
}
