/** What `replay` takes and answers: its options, the requests it issued, and the deltas of each figure. */
import type { OpdSchedulerOptions } from '../options.js';
import type { OpdScheduler } from '../scheduler.js';
import type { LabFigures } from './figures.js';

/** The options a history is replayed under: a scheduler's, without its store and clock (the lab brings them). */
export type ReplayOptions = Omit<OpdSchedulerOptions, 'storage' | 'clock' | 'telemetry'> & {
  /** A name for this policy in comparisons. @defaultValue `'replay'` */
  readonly label?: string | undefined;
  /**
   * Let the replay forget each doctor's day once it is over, so that a long history (a year of a
   * hospital) replays in the memory of a few days: once the recorded clock is this many local
   * days past a doctor's day and every token of that day is final in the history and in the
   * replay, the day's figures are folded in and its slots and tokens are forgotten
   * (`MemoryStorage.forgetDay`). A later event about one of its tokens is then not issued
   * (counted in `requests.skipped`), and `tokens` and `scheduler` no longer hold the day.
   * `undefined`: every day is kept.
   * @defaultValue `undefined`
   */
  readonly forgetDaysAfter?: number | undefined;
  /**
   * Keep the replay's events in its store, so that `scheduler.history()` (and what reads it, such
   * as `opdReport` of `opd-scheduler/reports`) reads the replayed days afterwards. A replay
   * otherwise keeps none: they cost memory, and its figures are folded as the events come.
   * @defaultValue `false`
   */
  readonly keepHistory?: boolean | undefined;
};

/** A difference, replayed − recorded, or `null` when either side has no value. */
export type Delta = number | null;

/** The change of a group's waits, in minutes. */
export interface WaitDelta {
  /** Of the median wait. */
  readonly p50: Delta;
  /** Of the 95th percentile. */
  readonly p95: Delta;
}

/** The change of the emergencies' figures. */
export interface EmergencyDelta extends WaitDelta {
  /** Of the longest wait, in minutes. */
  readonly max: Delta;
  /** Of the emergencies left without a place. */
  readonly unplaced: number;
  /** Of the emergencies never seen. */
  readonly unseen: number;
}

/** What the replay changed against the recorded history: each figure, replayed − recorded. */
export interface LabDelta {
  /** Waits by category (and `'all patients'`), in minutes. */
  readonly waits: Readonly<Record<string, WaitDelta>>;
  /** Emergencies' time to the doctor, in minutes, and their counts. */
  readonly emergencies: EmergencyDelta;
  /** Bumps. */
  readonly bumps: number;
  /** Cascades. */
  readonly cascades: number;
  /** Promotions. */
  readonly promotions: number;
  /** Drops. */
  readonly drops: number;
  /** Consultations started. */
  readonly consultations: number;
  /** Utilisation (a ratio). */
  readonly utilisation: number;
  /** Skips. */
  readonly skips: number;
}

/** How the recorded requests fared in the replay. */
export interface ReplayRequests {
  /** Requests issued (bookings, holds, transitions, closings, …). */
  readonly issued: number;
  /** Requests the replay's scheduler refused, by error code (a booking `SLOT_FULL` under a stricter policy, a check-in of a patient who has no place, …). */
  readonly refused: Readonly<Record<string, number>>;
  /** Requests about a token the replay never made (its booking was refused), not issued. */
  readonly skipped: number;
}

/** The result of {@link replay}. */
export interface ReplayResult {
  /** The policy's name (`options.label`). */
  readonly label: string;
  /** The events of the history read. */
  readonly events: number;
  /** The figures of the recorded history. */
  readonly recorded: LabFigures;
  /** The figures of the replay. */
  readonly replayed: LabFigures;
  /** Replayed − recorded, figure by figure. */
  readonly delta: LabDelta;
  /** How the recorded requests fared. */
  readonly requests: ReplayRequests;
  /** The assumptions behind the replay of behaviour that could depend on the outcome. */
  readonly assumptions: readonly string[];
  /** Each recorded token's id → the id of the token its request made in the replay (`null`: refused); with `forgetDaysAfter`, those of the days not forgotten. */
  readonly tokens: ReadonlyMap<string, string | null>;
  /** The replay's scheduler (in memory), to read tokens, slots and schedules from; `close()` it when done. */
  readonly scheduler: OpdScheduler;
}

/** The assumptions every replay states. */
export const REPLAY_ASSUMPTIONS: readonly string[] = Object.freeze([
  "Every request is issued at the time it was recorded, with the category, slot, date, `after`, hold minutes and actor it was made with (no idempotency key: a retried call recorded nothing); patients are pseudonymous (one pseudonym per recorded patient, from the history's `patients`; a token in none is a patient of its own), so a priority policy that reads patient fields sees none and duplicate-booking rules see one patient's tokens as one patient's.",
  'The schedule (doctors and slots) is in place from the start of the history as it was then (capacities and openings worked back through the events); slots added during the history are present from its start.',
  'Patients arrive, check in, are seen and finish at the recorded times: a check-in, consultation or completion is issued for the token the patient holds in the replay, and refused (counted) when that token holds no place then.',
  "A patient who left a waiting list (cancelled) or never came (a no-show) does the same in the replay; no-shows and lapsed holds are found by a sweep at the times the recorded sweeps found them (a lapsed hold a call of its day ended is ended by that call's replay, with no sweep).",
  'A patient bumped, cascaded or dropped in the replay but not in the recorded history behaves as they did there (no one leaves because of a worse place).',
  "A booking or hold asked of a department is asked of the department again (its rules choose the doctor, who may differ from the recorded one); a booking recorded before requests named their department is issued to the doctor it got. A move is issued to the slot the patient got; a doctor's leave is replayed as the same leave (its range and reassignment), a retirement as the same retirement.",
  "Patients' answers to offers are not asked again: an acceptance that moved a booked patient is replayed as that move, one that placed a waiting patient is left to the replay's own promotions, and under an offer policy the replay's own offers go unanswered and lapse.",
  "A history of several days is one store's: every day's slots are in place from the start (a patient displaced late in a day may be moved to a later day the recorded store did not yet have), and days are closed by the sweeps recorded. A history read as a stream of lines puts each run of doctor and slot lines in place when its events begin, worked back through those events; with `forgetDaysAfter`, a day over is forgotten and nothing later is taken to concern it.",
]);
