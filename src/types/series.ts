/** Series of visits (`OpdScheduler.bookSeries`): antenatal care, dialysis, chemotherapy day care. */
import type { Patient, Token } from '../types.js';
import type { Effect } from './views.js';

/** How a series is booked: every occurrence or none, or each occurrence that has a place. */
export type SeriesMode = 'all-or-nothing' | 'best-effort';

/**
 * A series of visits to book: one patient, one doctor (or department), a visit every few days or weeks.
 *
 * `OpdScheduler.bookSeries` books it in one unit: one occurrence every `every.days` or
 * `every.weeks` from `start`, `count` of them (at most 52, the last within 12 months), each a token
 * through the booking rules (its category's quota, booking windows, duplicate rules), the earliest
 * place of its day from `preferredTime`, with the doctor or, occurrence by occurrence, the first
 * doctor of the department (by id) that has one. Each token carries `seriesId` and `occurrence`.
 * `all-or-nothing` books every occurrence or none (`SLOT_FULL`, `details.skipped`, nothing
 * changed); `best-effort` books each that has a place and names the others.
 *
 * With `dryRun`, a preview: each occurrence with its place (a free place only) or its reason, and
 * nothing booked; the places found are held for the patient as the series' claim for
 * `holdMinutes` (default 15; all-or-nothing, only when every occurrence has one). A held place
 * counts taken, an emergency takes it back, its end frees it. The commit (the same request
 * without `dryRun`) books each occurrence in the place its claim still holds, else the earliest
 * of its day. A commit retried with its `idempotencyKey` is answered as it was (`replayed`).
 */
export interface SeriesRequest {
  /** The patient. */
  readonly patient: Patient;
  /** The doctor; give this or `department`. */
  readonly doctorId?: string | undefined;
  /** Any doctor of the department, occurrence by occurrence (its members by id); give this or `doctorId`. */
  readonly department?: string | undefined;
  /**
   * The category of every occurrence.
   * @default 'FOLLOW_UP'
   */
  readonly category?: string | undefined;
  /** The local date (`YYYY-MM-DD`) of the first occurrence. */
  readonly start: string;
  /** How far apart the occurrences are: `{ days }` or `{ weeks }` (exactly one). */
  readonly every: {
    /** Days between two occurrences (1 to 366). */
    readonly days?: number | undefined;
    /** Weeks between two occurrences (1 to 52). */
    readonly weeks?: number | undefined;
  };
  /** How many occurrences: 1 to 52, the last within 12 months of the first. */
  readonly count: number;
  /** The local time (`HH:MM`) the patient prefers: each occurrence takes the earliest place from then on, that day. */
  readonly preferredTime?: string | undefined;
  /** `'all-or-nothing'`: every occurrence gets a place or none is booked; `'best-effort'`: each that has one is booked. */
  readonly mode: SeriesMode;
  /**
   * A preview: every occurrence with its place or its reason, nothing booked. The places proposed
   * are held for the patient as the series' claim (see `holdMinutes`) until the commit — the same
   * request without `dryRun` — converts them.
   */
  readonly dryRun?: boolean | undefined;
  /**
   * How long a preview holds the places it proposes (0 to 1440 minutes; 0: a preview that holds
   * nothing). A held place counts taken, an emergency takes it back, and it is freed at its end.
   * All-or-nothing, a preview with an occurrence without a place holds none.
   * @default 15
   */
  readonly holdMinutes?: number | undefined;
  /** The series' key (required): a retried commit is answered as the first; the series' id is made from it. */
  readonly idempotencyKey: string;
  /** Who asks; stamped on the events. */
  readonly actor?: string | undefined;
}

/** Where an occurrence stands in a series' answer. */
export type SeriesOccurrenceStatus = 'BOOKED' | 'HELD' | 'PROPOSED' | 'NO_PLACE';

/** One occurrence of a series: its place, or why it has none. */
export interface SeriesOccurrence {
  /** Which occurrence, from 1. */
  readonly occurrence: number;
  /** Its local date. */
  readonly date: string;
  /** `BOOKED` (a commit gave it a token), `HELD` (a preview holds its place), `PROPOSED` (a preview found it a place, not held), `NO_PLACE`. */
  readonly status: SeriesOccurrenceStatus;
  /** The doctor of its place, or `null`. */
  readonly doctorId: string | null;
  /** The slot of its place, or `null`. */
  readonly slotId: string | null;
  /** When that slot starts, or `null`. */
  readonly start: Date | null;
  /** Its token once booked, else `null`. */
  readonly tokenId: string | null;
  /** Why it has no place (the code the booking would be refused with, `SLOT_FULL` when it would only wait), else `null`. */
  readonly reason: string | null;
}

/** What `bookSeries` did or would do. */
export interface SeriesResult {
  /** The series' id (every occurrence's token carries it as `seriesId`). */
  readonly seriesId: string;
  /** The mode it was booked in. */
  readonly mode: SeriesMode;
  /** Whether this was a preview. */
  readonly dryRun: boolean;
  /** Until when a preview holds its places, or `null` (a commit, or nothing held). */
  readonly heldUntil: Date | null;
  /** Every occurrence, in order. */
  readonly occurrences: readonly SeriesOccurrence[];
  /** The tokens of the occurrences booked (as booked by this call, or as they are now for a retried commit). */
  readonly tokens: readonly Token[];
  /** Everything the call caused besides `series:booked`, in order. */
  readonly effects: readonly Effect[];
  /** `true` when the series was committed before: answered as it was, nothing changed. */
  readonly replayed?: true | undefined;
}

/**
 * How to cancel a series (`OpdScheduler.cancelSeries`): in one unit, every occurrence still
 * waiting, booked or checked in (from `from` on, when given) is cancelled as `cancel` would (its
 * cut-off included), and every place a preview still holds is given back; `series:cancelled`
 * follows. A series with nothing left to cancel changes nothing.
 */
export interface CancelSeriesOptions {
  /** Only the occurrences on or after this local date (`YYYY-MM-DD`); every one when omitted. */
  readonly from?: string | undefined;
  /** Who cancels; stamped on the events. */
  readonly actor?: string | undefined;
  /** Why (stored as each token's cancel reason; no patient data). */
  readonly reason?: string | undefined;
}

/** What `cancelSeries` did. */
export interface SeriesCancellation {
  /** The series. */
  readonly seriesId: string;
  /** The occurrences' tokens it cancelled, as they are now. */
  readonly cancelled: readonly Token[];
  /** Everything the call caused besides `series:cancelled` (each `token:cancelled`, promotions), in order. */
  readonly effects: readonly Effect[];
}
