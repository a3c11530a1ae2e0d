/**
 * The figures of a day (or a month, or a year) read from its events alone, so that a recorded
 * history and its replay are measured by one rule: waits by category, emergencies' time to the
 * doctor, bumps, cascades, promotions, drops, utilisation and skips.
 */
import type { OpdEvent } from '../events.js';
import { isLiveStatus } from '../model/status.js';
import { dayFormatter } from '../time.js';
import type { Slot, TokenStatus } from '../types.js';

/** Waits of one group of patients, in minutes. */
export interface WaitFigures {
  /** Patients seen (whose consultation started). */
  readonly seen: number;
  /** Median wait, or `null` when nobody was seen. */
  readonly p50: number | null;
  /** 95th percentile of the wait, or `null`. */
  readonly p95: number | null;
  /** Longest wait, or `null`. */
  readonly max: number | null;
}

/** Emergencies' figures: their waits to the doctor, and the counts. */
export interface EmergencyFigures extends WaitFigures {
  /** `emergency:unplaced` events: an emergency ended a call without a place. */
  readonly unplaced: number;
  /** Emergencies never seen (no consultation started). */
  readonly unseen: number;
}

/** What a history did, measured from its events. */
export interface LabFigures {
  /** Tokens made. */
  readonly tokens: number;
  /** Tokens by their last status. */
  readonly byStatus: Readonly<Partial<Record<TokenStatus, number>>>;
  /**
   * Waits by category, and over `'all patients'`: from when the patient was at the hospital to
   * the start of the consultation. A patient who asked on the day of the token is at the hospital
   * from the request (the desk, an emergency); one who booked ahead, from the check-in.
   */
  readonly waits: Readonly<Record<string, WaitFigures>>;
  /** Emergencies: their time to the doctor, how many ended a call without a place, and how many were never seen. */
  readonly emergencies: EmergencyFigures;
  /** Tokens bumped. */
  readonly bumps: number;
  /** Displaced tokens moved to a later slot. */
  readonly cascades: number;
  /** Waiting tokens promoted into a place. */
  readonly promotions: number;
  /** Displaced tokens dropped. */
  readonly drops: number;
  /** Consultations started. */
  readonly consultations: number;
  /** Consultations started ÷ the capacity of the slots that stayed open (0 without slots). */
  readonly utilisation: number;
  /**
   * Skips: a checked-in patient whose consultation started after that of a patient who checked
   * in later with the same or a worse rank (counted once per such pair).
   */
  readonly skips: number;
}

/** The group of every patient in {@link LabFigures.waits}. */
export const ALL_PATIENTS = 'all patients';

interface Track {
  /** The doctor-day of the token (`doctorId~day`). */
  readonly key: string;
  readonly category: string;
  readonly requestedAt: number;
  readonly sameDay: boolean;
  rank: number;
  status: TokenStatus;
  checkIn: number | null;
  consult: number | null;
}

const STATUS_OF: Partial<Record<OpdEvent['type'], TokenStatus>> = {
  'token:booked': 'BOOKED',
  'token:waitlisted': 'WAITLISTED',
  'token:cascaded': 'BOOKED',
  'token:promoted': 'BOOKED',
  'token:moved': 'BOOKED',
  'token:dropped': 'DROPPED',
  'token:cancelled': 'CANCELLED',
  'token:no-show': 'NO_SHOW',
  'token:checked-in': 'CHECKED_IN',
  'token:consultation-started': 'IN_CONSULTATION',
  'token:completed': 'COMPLETED',
  'token:held': 'HELD',
  'token:confirmed': 'BOOKED',
  'token:released': 'CANCELLED',
  'token:expired': 'CANCELLED',
};

/** Adds events one by one (a history, or a replay as it runs) and gives their {@link LabFigures}. */
export class FigureFold {
  readonly #tokens = new Map<string, Track>();
  readonly #dayOf: (at: number) => string;
  /** Checked-in patients not yet seen, per doctor-day. */
  readonly #present = new Map<string, Set<Track>>();
  #bumps = 0;
  #cascades = 0;
  #promotions = 0;
  #drops = 0;
  #unplaced = 0;
  #skips = 0;
  /** Ids of the tracked tokens, per doctor-day (`doctorId~day`). */
  readonly #byDay = new Map<string, string[]>();
  /** What the tokens of settled days add up to. */
  readonly #settled = new Totals();
  /** The capacity of the open slots of settled days. */
  #settledCapacity = 0;

  /** @param timeZone - the IANA zone of the days (a request on the token's local day is a same-day one) */
  constructor(timeZone = 'UTC') {
    this.#dayOf = dayFormatter(timeZone);
  }

  /**
   * Adds one event.
   * @param e - the next event, in storage order
   */
  add(e: OpdEvent): void {
    const at = e.at.getTime();
    switch (e.type) {
      case 'token:bumped':
        this.#bumps++;
        return;
      case 'token:cascaded':
        this.#cascades++;
        break;
      case 'token:promoted':
        this.#promotions++;
        break;
      case 'token:dropped':
        this.#drops++;
        break;
      case 'emergency:unplaced':
        this.#unplaced++;
        return;
      default:
    }
    if (!('tokenId' in e)) return;
    let track = this.#tokens.get(e.tokenId);
    if (track === undefined) {
      const category = 'category' in e ? e.category : e.type === 'token:waitlisted' && e.request != null ? e.request.category : undefined;
      if (category === undefined) return;
      const key = `${e.doctorId}~${e.day}`;
      track = {
        key,
        category,
        requestedAt: at,
        sameDay: this.#dayOf(at) === e.day,
        rank: 'rank' in e ? e.rank : Number.POSITIVE_INFINITY,
        status: 'BOOKED',
        checkIn: null,
        consult: null,
      };
      this.#tokens.set(e.tokenId, track);
      const ids = this.#byDay.get(key);
      if (ids === undefined) this.#byDay.set(key, [e.tokenId]);
      else ids.push(e.tokenId);
    } else if ('rank' in e) track.rank = e.rank;
    const status = STATUS_OF[e.type];
    if (status !== undefined) track.status = status;
    const key = track.key;
    if (e.type === 'token:checked-in') {
      track.checkIn = at;
      let present = this.#present.get(key);
      if (present === undefined) this.#present.set(key, (present = new Set()));
      present.add(track);
    } else if (e.type === 'token:consultation-started') {
      track.consult = at;
      const present = this.#present.get(key);
      if (present !== undefined) {
        present.delete(track);
        if (track.checkIn !== null)
          for (const other of present) if (other.checkIn !== null && other.checkIn < track.checkIn && other.rank <= track.rank) this.#skips++;
        if (present.size === 0) this.#present.delete(key);
      }
    } else if (track.checkIn !== null && track.status !== 'CHECKED_IN') this.#present.get(key)?.delete(track); // only a checked-in patient is ever present
  }

  /**
   * Whether every token the events of a doctor's day made is in a final status (`COMPLETED`,
   * `CANCELLED`, `NO_SHOW`, `DROPPED`); `true` for a day with no token.
   * @param doctorId - the doctor
   * @param day - the local day, `YYYY-MM-DD`
   * @returns whether the day's tokens are all final
   */
  isDayOver(doctorId: string, day: string): boolean {
    for (const id of this.#byDay.get(`${doctorId}~${day}`) ?? []) {
      if (isLiveStatus(this.#tokens.get(id)!.status)) return false;
    }
    return true;
  }

  /**
   * Folds a doctor's day that is over into the totals and lets its tokens go, so that a fold over
   * a long history keeps only the days still in play. The figures are the same as without it,
   * provided no later event concerns a token of the day (one that does is taken for a new token
   * if it names a category, and is not counted otherwise).
   * @param doctorId - the doctor
   * @param day - the local day, `YYYY-MM-DD`
   * @param slots - the day's slots as they ended, for utilisation (leave them out of {@link FigureFold.figures} after)
   */
  settleDay(doctorId: string, day: string, slots: Iterable<Pick<Slot, 'capacity' | 'status'>>): void {
    const key = `${doctorId}~${day}`;
    for (const id of this.#byDay.get(key) ?? []) {
      const track = this.#tokens.get(id);
      if (track === undefined) continue;
      this.#settled.add(track);
      this.#tokens.delete(id);
    }
    this.#byDay.delete(key);
    this.#present.delete(key);
    for (const slot of slots) if (slot.status === 'OPEN') this.#settledCapacity += slot.capacity;
  }

  /**
   * The figures of the events added so far.
   * @param slots - the slots of the history, for utilisation (the capacity of those open at the
   *   end), but for those of days passed to {@link FigureFold.settleDay}
   * @returns the figures
   */
  figures(slots: Iterable<Pick<Slot, 'capacity' | 'status'>>): LabFigures {
    const totals = this.#settled.copy();
    for (const t of this.#tokens.values()) totals.add(t);
    let capacity = this.#settledCapacity;
    for (const slot of slots) if (slot.status === 'OPEN') capacity += slot.capacity;
    const out: Record<string, WaitFigures> = {};
    for (const [key, list] of [...totals.waits].sort(([a], [b]) => (a === ALL_PATIENTS ? 1 : b === ALL_PATIENTS ? -1 : a < b ? -1 : a > b ? 1 : 0)))
      out[key] = waitFigures(list);
    const emergency = out['EMERGENCY'] ?? waitFigures([]);
    return {
      tokens: totals.tokens,
      byStatus: totals.byStatus,
      waits: out,
      emergencies: { ...emergency, unplaced: this.#unplaced, unseen: totals.emergencyUnseen },
      bumps: this.#bumps,
      cascades: this.#cascades,
      promotions: this.#promotions,
      drops: this.#drops,
      consultations: totals.consultations,
      utilisation: capacity === 0 ? 0 : totals.consultations / capacity,
      skips: this.#skips,
    };
  }
}

/** What a set of tokens adds up to: counts by status, waits by group, consultations. */
class Totals {
  tokens = 0;
  byStatus: Partial<Record<TokenStatus, number>> = {};
  waits = new Map<string, number[]>();
  consultations = 0;
  emergencyUnseen = 0;

  add(t: Track): void {
    this.tokens++;
    this.byStatus[t.status] = (this.byStatus[t.status] ?? 0) + 1;
    if (t.consult === null) {
      if (t.category === 'EMERGENCY') this.emergencyUnseen++;
      return;
    }
    this.consultations++;
    const present = t.sameDay ? t.requestedAt : (t.checkIn ?? t.consult);
    const minutes = Math.max(0, t.consult - present) / 60_000;
    this.#wait(t.category, minutes);
    this.#wait(ALL_PATIENTS, minutes);
  }

  #wait(key: string, minutes: number): void {
    const list = this.waits.get(key);
    if (list === undefined) this.waits.set(key, [minutes]);
    else list.push(minutes);
  }

  copy(): Totals {
    const c = new Totals();
    c.tokens = this.tokens;
    c.byStatus = { ...this.byStatus };
    for (const [key, list] of this.waits) c.waits.set(key, list.slice());
    c.consultations = this.consultations;
    c.emergencyUnseen = this.emergencyUnseen;
    return c;
  }
}

/**
 * The figures of a list of events.
 * @param events - events in storage order
 * @param slots - the slots they concern (for utilisation)
 * @param timeZone - the zone of the days
 * @returns the figures
 */
export function figuresOf(events: Iterable<OpdEvent>, slots: Iterable<Pick<Slot, 'capacity' | 'status'>>, timeZone = 'UTC'): LabFigures {
  const fold = new FigureFold(timeZone);
  for (const e of events) fold.add(e);
  return fold.figures(slots);
}

/**
 * The value at a percentile of sorted values (nearest rank), or `null` for none.
 * @param sorted - values in ascending order
 * @param p - the percentile, 0–100
 * @returns the value, or `null`
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function waitFigures(list: number[]): WaitFigures {
  list.sort((a, b) => a - b);
  return { seen: list.length, p50: percentile(list, 50), p95: percentile(list, 95), max: list.length === 0 ? null : list[list.length - 1]! };
}
