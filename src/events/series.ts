/** The events of series of visits (`OpdScheduler.bookSeries`). */
import type { OpdEventBase } from './base.js';

/** One occurrence a series' commit could not book (best-effort). */
export interface SeriesSkipped {
  /** Which occurrence, from 1. */
  readonly occurrence: number;
  /** Its local date. */
  readonly date: string;
  /** Why: the code its booking was refused with, `SLOT_FULL` when it would only have waited. */
  readonly reason: string;
}

/** A series was committed: its occurrences' `token:booked` came before. `doctorId` is the first occurrence's doctor. */
export interface SeriesBookedEvent extends OpdEventBase<'series:booked'> {
  /** The series. */
  readonly seriesId: string;
  /** How it was booked. */
  readonly mode: 'all-or-nothing' | 'best-effort';
  /** The occurrences' tokens, in order. */
  readonly tokenIds: readonly string[];
  /** The occurrences without a place (best-effort only). */
  readonly skipped: readonly SeriesSkipped[];
}

/** A series was cancelled (from a date on): each occurrence's `token:cancelled` came before. */
export interface SeriesCancelledEvent extends OpdEventBase<'series:cancelled'> {
  /** The series. */
  readonly seriesId: string;
  /** The first date cancelled, or `null` for the whole series. */
  readonly from: string | null;
  /** The tokens cancelled. */
  readonly tokenIds: readonly string[];
}
