/** The shapes of `opd-scheduler/reports`: what {@link opdReport} takes and answers. */
import type { OpdScheduler } from '../scheduler.js';

/** The dimensions a report can group by, each giving one table. */
export const REPORT_DIMENSIONS = ['department', 'doctor', 'category', 'channel', 'hour', 'day'] as const;

/**
 * A dimension of a report:
 *
 * - `department`: the doctor's department (`'(none)'` for a doctor without one);
 * - `doctor`: the doctor's id;
 * - `category`: the request's category (`EMERGENCY`, `WALK_IN`…);
 * - `channel`: what the request came through, its `actor` (`'portal'`, `'desk-1'`, `'uhi'`…;
 *   `'(none)'` when the call named none);
 * - `hour`: the local hour (`'09'`) of the start of the slot the token last held, else of its request;
 * - `day`: the token's local day, `YYYY-MM-DD`.
 */
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

/** The group value of a token without one (a doctor without a department, a request without an actor). */
export const NO_GROUP = '(none)';

/**
 * What a report reads: the scheduler's public reads (an {@link OpdScheduler} has them all). The
 * history is read a page at a time, never held.
 */
export type ReportSource = Pick<OpdScheduler, 'history' | 'getSchedule' | 'getToken' | 'listDoctors' | 'timeZone'>;

/** Options of {@link opdReport}. */
export interface OpdReportOptions {
  /** The first local day of the report, `YYYY-MM-DD` (inclusive). */
  readonly from: string;
  /** The last local day of the report, `YYYY-MM-DD` (inclusive); at most 3,660 days after `from`. */
  readonly to: string;
  /**
   * The tables to give, one per dimension.
   * @defaultValue every dimension of {@link REPORT_DIMENSIONS}
   */
  readonly by?: ReportDimension | readonly ReportDimension[] | undefined;
  /**
   * Count new and repeat patients: a request is a repeat when the same patient (`patient.id`) made
   * another request at the facility for a day up to this many days before (or earlier the same
   * day). Reads each request's token once for its patient's id, which is compared in memory and
   * never reported; a token without a patient id (or whose patient was erased) counts as new.
   * Without it `newPatients` and `repeatPatients` are `null`.
   * @defaultValue none
   */
  readonly lookbackDays?: number | undefined;
  /**
   * Events read per page of `history()`.
   * @defaultValue 1000
   */
  readonly pageSize?: number | undefined;
}

/** A distribution of minutes (nearest-rank percentiles, as `fairness()` and the lab compute them). */
export interface MinutesSummary {
  /** How many values. */
  readonly count: number;
  /** Median, or `null` without values. */
  readonly p50: number | null;
  /** 95th percentile, or `null`. */
  readonly p95: number | null;
  /** Largest, or `null`. */
  readonly max: number | null;
}

/** The waits of the patients of a group, in minutes. */
export interface ReportWaits {
  /**
   * From when the patient was due to when the doctor first called them (or started the
   * consultation, where the desk does not call): the wait `fairness()` reports per category, by
   * the same rule, patient by patient.
   */
  readonly dueToCall: MinutesSummary;
  /** From check-in to the doctor's first call (not a recall). */
  readonly checkInToCall: MinutesSummary;
  /** From check-in to the start of the consultation. */
  readonly checkInToConsultation: MinutesSummary;
}

/** The figures of one group of a report (or of the whole report). */
export interface ReportRow {
  /** The group's value in its dimension (`'cardiology'`, `'09'`, a day `YYYY-MM-DD`); `'all'` for the total. */
  readonly key: string;
  /** Tokens made by a request (a booking, a waitlisting or a hold). A token moved to another day or doctor, or carried to the next day, is counted once, where it was requested. */
  readonly requested: number;
  /** Of those, the tokens that got a place (booked at once, promoted, confirmed from a hold). */
  readonly booked: number;
  /** Tokens whose consultation completed (`COMPLETED`): what `stats().byStatus.COMPLETED` counts. */
  readonly attended: number;
  /** Tokens marked `NO_SHOW`. */
  readonly noShow: number;
  /** Tokens the patient's side ended: cancelled (but for a move), a hold released or left to expire. */
  readonly cancelledByPatient: number;
  /** Tokens the hospital's side ended: a day closed on them, or a hold its slot's closing or a bump released. */
  readonly cancelledByHospital: number;
  /** Tokens dropped with nowhere to go. */
  readonly dropped: number;
  /** Requests of the category `WALK_IN`. */
  readonly walkIns: number;
  /** `walkIns / requested`, 0 without requests. */
  readonly walkInShare: number;
  /** Requests of the category `EMERGENCY`. */
  readonly emergencies: number;
  /** Tokens given an elastic place beyond a slot's capacity when they were booked. */
  readonly elasticBookings: number;
  /** Requests of a patient new to the facility within the look-back; `null` without `lookbackDays`. */
  readonly newPatients: number | null;
  /** Requests of a patient seen at the facility within the look-back; `null` without `lookbackDays`. */
  readonly repeatPatients: number | null;
  /**
   * Capacity of the open slots of the group, as `stats()` counts it; `null` for a group of
   * patients rather than of slots (`category`, `channel`).
   */
  readonly capacity: number | null;
  /** Places held or used in those slots, as `stats()` counts them; `null` as for `capacity`. */
  readonly places: number | null;
  /** Elastic places in use in those slots (`stats().overflowUsed`); `null` as for `capacity`. */
  readonly overflowUsed: number | null;
  /** `places / capacity` (may exceed 1 with elastic places; 0 without capacity); `null` as for `capacity`. */
  readonly utilisation: number | null;
  /** The waits of the patients seen. */
  readonly waits: ReportWaits;
  /** Minutes from the request to the start of the slot the token last held, over the tokens that got a place. */
  readonly leadTime: MinutesSummary;
  /** Emergencies: minutes from the request to the start of the consultation. */
  readonly emergencyToDoctor: MinutesSummary;
}

/**
 * One cell of what the HMIS return is made of: requests and attendance of one department,
 * category and kind of doctor.
 */
export interface HmisCell {
  /** The doctor's department, or {@link NO_GROUP}. */
  readonly department: string;
  /** The request's category. */
  readonly category: string;
  /** The doctor's system of medicine. */
  readonly system: 'allopathic' | 'ayush';
  /** Whether the doctor runs a specialist OPD. */
  readonly specialist: boolean;
  /** Requests. */
  readonly requested: number;
  /** Consultations completed. */
  readonly attended: number;
}

/**
 * A token that left the OPD for somewhere else, counted by local hour: forwarded to a service
 * point of a kind (`token:forwarded`), or cancelled with a reason (such as `'referred-out'`).
 */
export interface ReportExit {
  /** How it left: forwarded or cancelled. */
  readonly how: 'forwarded' | 'cancelled';
  /** The service point's kind, or the cancellation's reason. */
  readonly to: string;
  /** The local hour it left, 0–23. */
  readonly hour: number;
  /** How many. */
  readonly count: number;
}

/** What the HMIS return ({@link hmisReturn}) is computed from. */
export interface HmisBasis {
  /** Requests and attendance by department, category and kind of doctor (cells with no request and no attendance left out). */
  readonly cells: readonly HmisCell[];
  /** Tokens forwarded or cancelled with a reason, by local hour. */
  readonly exits: readonly ReportExit[];
}

/** The tables of a report, one per dimension asked for. */
export type ReportTables = { readonly [D in ReportDimension]?: readonly ReportRow[] };

/** What {@link opdReport} answers. */
export interface OpdReport {
  /** The first local day. */
  readonly from: string;
  /** The last local day. */
  readonly to: string;
  /** The scheduler's time zone, in which days and hours are local. */
  readonly timeZone: string;
  /** The dimensions of {@link OpdReport.tables}, in the order asked. */
  readonly by: readonly ReportDimension[];
  /** The look-back of new and repeat patients in days, or `null`. */
  readonly lookbackDays: number | null;
  /** The whole report's figures. */
  readonly total: ReportRow;
  /** One table per dimension, its rows sorted by key. */
  readonly tables: ReportTables;
  /** What the HMIS return is computed from. */
  readonly hmis: HmisBasis;
}
