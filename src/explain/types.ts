import type { OpdEvent } from '../events.js';
import type { Category, TokenStatus } from '../types.js';

/**
 * The rule behind one step of a token's explanation:
 *
 * - `free-place`: it took a free place of its slot;
 * - `elastic-place`: it took an elastic place beyond the slot's capacity (emergencies);
 * - `bump`: it took the place of a worse-ranked token (`otherTokenId`, `rank` against `otherRank`);
 * - `next-slot`: its slot (`fullSlotId`) had no place for it, so it took a free place of a later one;
 * - `quota-refused`: the quota strategy (`quota`) counted the slot `fullSlotId` as full for its
 *   category; the step after it says where the token went instead;
 * - `bumped-by`: a more urgent token (`otherTokenId`, `otherCategory`, `otherRank`) took its place;
 * - `cascaded`: it was displaced (`reason`) and moved forward to a later slot of the day;
 * - `waitlisted`: it joined a waitlist (`reason`: `full`, or why it was displaced);
 * - `promoted`: it got a place that became free;
 * - `moved`: a member of staff moved it (`fromSlotId` → `slotId`; `otherTokenId` the token of the
 *   other doctor-day when the patient changed day or doctor);
 * - `held`, `confirmed`, `released`, `expired`: a hold and its end;
 * - `checked-in`, `called`, `consultation-started`, `completed`: the visit;
 * - `cancelled`, `no-show`, `dropped`, `reinstated`, `emergency-unplaced`: the other turns of a
 *   token's life;
 * - and, for events this version does not interpret (added by a later version), the event's name
 *   without its `token:` prefix, such as `offered`.
 */
export type ExplainRule =
  | 'free-place'
  | 'elastic-place'
  | 'bump'
  | 'next-slot'
  | 'quota-refused'
  | 'bumped-by'
  | 'cascaded'
  | 'waitlisted'
  | 'promoted'
  | 'moved'
  | 'held'
  | 'confirmed'
  | 'released'
  | 'expired'
  | 'checked-in'
  | 'called'
  | 'consultation-started'
  | 'completed'
  | 'cancelled'
  | 'no-show'
  | 'dropped'
  | 'reinstated'
  | 'emergency-unplaced'
  | 'offered'
  | 'forwarded'
  | 'reentered'
  | (string & {});

/**
 * One step of a token's explanation, read from one stored event (`seq`, `event`). It names
 * tokens, slots, ranks and strategies, never patient data.
 */
export interface ExplainStep {
  /** When it happened. */
  readonly at: Date;
  /** The rule (see {@link ExplainRule}). */
  readonly rule: ExplainRule;
  /** The `seq` of the stored event it was read from. */
  readonly seq: number;
  /** The type of that event. */
  readonly event: OpdEvent['type'];
  /** The slot of the token's place after the step, or `null` when it holds none. */
  readonly slotId: string | null;
  /** The slot it left or was displaced from, or `null`. */
  readonly fromSlotId: string | null;
  /** The slot that was full for it (`next-slot`, `quota-refused`, `waitlisted` for a new request), or `null`. */
  readonly fullSlotId: string | null;
  /** The quota strategy that counted `fullSlotId` as full for its category, or `null`. */
  readonly quota: string | null;
  /** The token's rank when a rank was compared (a bump), else `null`. */
  readonly rank: number | null;
  /** The other token of the step: the one that bumped it, the one it bumped, the other side of a move; else `null`. */
  readonly otherTokenId: string | null;
  /** That token's label, when the day's events name it; else `null`. */
  readonly otherLabel: string | null;
  /** That token's rank (a bump), else `null`. */
  readonly otherRank: number | null;
  /** That token's category (a bump), else `null`. */
  readonly otherCategory: Category | null;
  /** Why (a displacement's reason, a cancellation's reason, `full` for a new request waitlisted), else `null`. */
  readonly reason: string | null;
  /** The room named when it was called, else `null`. */
  readonly room: string | null;
  /** Who made the call that caused it (the event's `actor`). */
  readonly actor: string | null;
  /**
   * For a patient sent back to the doctor (`reentered`): the re-entry policy and how many of the
   * patients then waiting it let go first. Absent from every other step.
   */
  readonly reentry?:
    | {
        /** The re-entry policy's name. */
        readonly policy: string;
        /** How many of the patients then waiting it let go first. */
        readonly passed: number;
      }
    | undefined;
  /**
   * On the step that booked the token (its first, a booking, a waitlisting or a hold): what
   * brought the patient back, as {@link Explanation.comesBack}. Absent from every other step.
   */
  readonly comesBack?: ExplainComesBack | undefined;
}

/**
 * What brought a token's patient back, when something did (see {@link Explanation.comesBack}):
 * the follow-up that booked it, the free revisit it uses, the series it is an occurrence of. Each
 * part is absent when it does not apply. Ids and dates only, never patient data.
 *
 * @inline
 */
export interface ExplainComesBack {
  /** The follow-up (`bookFollowUp`) that booked the token, with its window: the due date, give or take `windowDays`. */
  readonly followUp?:
    | {
        /** The follow-up's id. */
        readonly followUpId: string;
        /** The visit it follows (its token). */
        readonly fromTokenId: string;
        /** The local date it was due on. */
        readonly dueDate: string;
        /** The days either side of the due date that would do. */
        readonly windowDays: number;
        /** The first local date of its window. */
        readonly from: string;
        /** The last local date of its window. */
        readonly to: string;
      }
    | undefined;
  /** The free revisit (the option `followUps`) the token uses: visit `visit` of `visits`, valid until `until`. */
  readonly entitlement?:
    | {
        /** The charged visit that opened the entitlement (its token). */
        readonly fromTokenId: string;
        /** The token's visit number in it, from 1. */
        readonly visit: number;
        /** How many revisits it makes free (the scheduler's `followUps.freeVisits`), or `null` without the option. */
        readonly visits: number | null;
        /** Its last local date, or `null` without the option. */
        readonly until: string | null;
      }
    | undefined;
  /** The series (`bookSeries`) the token is an occurrence of: occurrence `occurrence` of `count`. */
  readonly series?:
    | {
        /** The series. */
        readonly seriesId: string;
        /** Which occurrence, from 1. */
        readonly occurrence: number;
        /** How many occurrences the series was asked for. */
        readonly count: number | null;
      }
    | undefined;
}

/**
 * The answer of {@link OpdScheduler.explain}: a token and the steps that brought it where it is,
 * read from the stored events of its doctor-day — the rule that placed it (`free-place`,
 * `elastic-place`, `bump`, `next-slot`), a quota that counted a slot as full (`quota-refused`),
 * the token that bumped it (`bumped-by`, with both ranks), where it cascaded, its time on a
 * waitlist, its promotion, moves, calls and the rest of its life (see {@link ExplainRule}). It
 * names tokens, slots, ranks and strategies, never patient data. An adapter that forgets old
 * events (`MemoryStorage`'s `historyLimit`) explains only what it kept.
 */
export interface Explanation {
  /** The token. */
  readonly tokenId: string;
  /** Its label, the number shown to the patient. */
  readonly label: string;
  /** Its doctor. */
  readonly doctorId: string;
  /** Its local date. */
  readonly day: string;
  /** Its category. */
  readonly category: Category;
  /** Its status now. */
  readonly status: TokenStatus;
  /** The slot of its place now, or `null`. */
  readonly slotId: string | null;
  /** The start of that slot, or `null`. */
  readonly slotStart: Date | null;
  /** The steps, oldest first, each read from one stored event. */
  readonly steps: readonly ExplainStep[];
  /**
   * What brought the patient back (a follow-up, a free revisit, a series), when something did;
   * the step that booked the token carries the same. Absent for every other token.
   */
  readonly comesBack?: ExplainComesBack | undefined;
}

/** A language of {@link OpdScheduler.explainText}: English or Hindi. */
export type ExplainLang = 'en' | 'hi';

/**
 * Options of {@link OpdScheduler.explainText}, which answers one sentence a desk can read out or
 * text to the patient, telling where the token is and why: "You moved to 10:00 because an
 * emergency needed the 09:00 place; you keep token W-12." — in English (`en`) or Hindi (`hi`).
 * Times are local to the scheduler's `timeZone`; the only thing of the patient it names is the
 * token's label.
 */
export interface ExplainTextOptions {
  /**
   * The language of the sentence.
   * @default 'en'
   */
  readonly lang?: ExplainLang | undefined;
}

/** The filter of {@link OpdScheduler.fairness}. */
export interface FairnessFilter {
  /** Only this doctor; every doctor when absent. */
  readonly doctorId?: string | undefined;
  /** The local date, `YYYY-MM-DD`. */
  readonly date: string;
}

/** The fairness of one category's calls (see {@link OpdScheduler.fairness}). */
export interface CategoryFairness {
  /** The category. */
  readonly category: Category;
  /** Patients of the category who were called. */
  readonly called: number;
  /** The median wait, minutes from due to called (`null` when nobody was called). */
  readonly waitP50: number | null;
  /** The 95th percentile wait, minutes from due to called (`null` when nobody was called). */
  readonly waitP95: number | null;
  /** The longest wait, minutes (`null` when nobody was called). */
  readonly waitMax: number | null;
  /**
   * Skips: pairs of a patient of this category and another patient of the same or a worse rank
   * (a larger number), due later, who was called first — each a first-in-first-out violation a
   * patient of this category saw.
   */
  readonly skips: number;
  /**
   * The longest run of consecutive calls of patients ranked strictly better (a smaller number)
   * that passed one patient of this category while they waited (from due to called).
   */
  readonly longestPassRun: number;
}

/** Waits summarised, in minutes (see {@link OpdScheduler.fairness}); every figure `null` when `count` is 0. */
export interface WaitSummary {
  /** How many waits. */
  readonly count: number;
  /** The mean wait. */
  readonly mean: number | null;
  /** The median wait (nearest rank). */
  readonly p50: number | null;
  /** The 90th percentile wait (nearest rank). */
  readonly p90: number | null;
  /** The 95th percentile wait (nearest rank). */
  readonly p95: number | null;
  /** The longest wait. */
  readonly max: number | null;
}

/**
 * The waits of one stage of the visits (see {@link OpdScheduler.fairness}): the queue of a kind of
 * service point, or the doctor's (`'doctor'`), entered for the `round`-th time in a visit. A wait
 * runs from entering the queue (the check-in for a visit's first stage, a `token:forwarded` into
 * it after) to the first call there (`token:called` by that service point; for the doctor, the
 * doctor's call, or the start of the consultation where nobody called).
 */
export interface StageWaits {
  /** The kind of service point (`'vitals'`, `'lab'`), or `'doctor'`. */
  readonly kind: string;
  /** 1 for a patient's first wait in a queue of this kind in the visit, 2 for the return (back from the lab to the doctor), and so on. */
  readonly round: number;
  /** Waits of the patients called there, from entering the queue to the call. */
  readonly waits: WaitSummary;
}

/**
 * The answer of {@link OpdScheduler.fairness}: one entry per category with a patient seen, by the best rank seen in it, then by name.
 *
 * Per category: waits from due (the later of when the patient was due and the start of their
 * place) to their first call, as the median and 95th percentile in minutes; skips (a patient of
 * the same or a better rank, due earlier, called later than another); and the longest run of
 * better-ranked patients called while one patient waited. Computed from the stored calls
 * (`token:called`; for a patient never called, the start of the consultation) of one doctor's
 * day, or every doctor's. A call at a service point is not the doctor's call.
 *
 * Beside them, where the time goes on a visit: per stage (each kind of service point and the
 * doctor, and a return to a queue as its own round), the minutes from entering the queue (the
 * check-in for the first stage of the visit, a `token:forwarded` into it after) to the first call
 * there, and per whole visit the minutes from check-in to the completed consultation — each as
 * count, mean, median, 90th and 95th percentile and longest. A day without journeys has the
 * doctor's stage only.
 */
export interface FairnessReport {
  /** The doctor, or `null` for every doctor. */
  readonly doctorId: string | null;
  /** The local date. */
  readonly date: string;
  /** Per category. */
  readonly categories: readonly CategoryFairness[];
  /**
   * Per stage of the visits, in the order visits reach them (by the mean place of the stage in
   * the visits: 1 for a visit's first queue, 2 for the next…): a day without journeys has the
   * doctor's stage only.
   */
  readonly stages: readonly StageWaits[];
  /** The whole visits: minutes from check-in to the completed consultation, of each patient whose visit completed. */
  readonly visits: WaitSummary;
}
