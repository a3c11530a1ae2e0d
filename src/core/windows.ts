/**
 * Booking windows: how far ahead and how late a request of each category may be made for a
 * slot, and until when a token may be cancelled. The one rule is {@link withinWindow}; every path
 * that places a token for a request (a booking, a hold, a department booking, a move, a token
 * brought back) asks it, through {@link windowCheck}. The window reads the unit's clock
 * (`ws.now`), the one the quota's reserve releases read.
 */
import { OpdError } from '../errors.js';
import { isEligible, type SlotRecord, type TokenRecord } from '../model/records.js';
import { addDays, MINUTE } from '../time.js';
import type { CoreConfig } from './config.js';
import { protectionOf } from './protection.js';
import { firstUsableSlot, type SlotList, type SlotScan } from './slot-choice.js';
import type { Workspace } from './workspace.js';

/** A window's bounds for one slot: a request may be made from `opensAt` to `closesAt`, both included (`null`: unbounded). */
export interface WindowBounds {
  readonly opensAt: number | null;
  readonly closesAt: number | null;
}

/** Who asks, as the window reads them: the category, and what makes an emergency and an exempt actor. */
export type WindowRequest = Pick<TokenRecord, 'category' | 'patient'> & { readonly actor: string | null };

/**
 * The bounds of `category`'s window for `slot` (a slot's local day and start), or `undefined`
 * when the category has none. `maxDaysAhead` opens the day's window at the start of the local
 * day that many days before; `opensAt` at its local time `daysBefore` local days before;
 * `sameDayOnly` at the start of the slot's own local day (the latest of these counts).
 * `minNoticeMinutes` closes it that long before the slot starts.
 */
export function windowBounds(config: CoreConfig, category: string, slot: Pick<SlotRecord, 'day' | 'start'>): WindowBounds | undefined {
  const rules = config.windows;
  const window = rules?.categories.get(category);
  if (rules === undefined || window === undefined) return undefined;
  let opensAt: number | null = null;
  const later = (at: number): void => {
    if (opensAt === null || at > opensAt) opensAt = at;
  };
  if (window.maxDaysAhead !== null) later(config.dayStart(addDays(slot.day, -window.maxDaysAhead)));
  if (window.opensAt !== null) later(rules.wallClock(addDays(slot.day, -window.opensAt.daysBefore), window.opensAt.minute));
  if (window.sameDayOnly) later(config.dayStart(slot.day));
  return { opensAt, closesAt: window.minNoticeMs === null ? null : slot.start - window.minNoticeMs };
}

/**
 * The rule "is this place within the request's booking window": whether a request of
 * `category` made at `now` may take a place in `slot`. A slot outside every bound of a window
 * is refused; a category without a window takes any slot.
 */
export function withinWindow(config: CoreConfig, category: string, slot: Pick<SlotRecord, 'day' | 'start'>, now: number): boolean {
  const bounds = windowBounds(config, category, slot);
  return bounds === undefined || ((bounds.opensAt === null || now >= bounds.opensAt) && (bounds.closesAt === null || now <= bounds.closesAt));
}

/**
 * The rule "a place given to a waiting token keeps its request's notice": under a window with
 * `minNoticeMinutes`, a token placed without a new request (promoted from the waitlist, or taking
 * an offered place) takes only a slot starting at least that notice after its request
 * (`requestedAt`) — a place the request could have taken when it was made. The opening bounds
 * (`maxDaysAhead`, `opensAt`, `sameDayOnly`) were judged when it asked for its day and are not
 * judged again, so a token carried to a later day stays placeable. A protected token (an
 * emergency) is never held back by a window: `isProtected` is asked only when the notice fails.
 */
export function keepsNotice(config: CoreConfig, token: TokenRecord, slot: Pick<SlotRecord, 'start'>, isProtected: (token: TokenRecord) => boolean): boolean {
  const notice = config.windows?.categories.get(token.category)?.minNoticeMs ?? null;
  return notice === null || slot.start - notice >= token.requestedAt || isProtected(token);
}

/**
 * The rule "may this waiting token be promoted into this slot": eligible by its waitlist
 * ({@link isEligible}: the slot it waits for, or one no earlier than it asked) and keeping its
 * request's notice ({@link keepsNotice}). Promotion, the views of a slot's waitlist and the
 * offers' candidates ask it.
 */
export function mayPromote(config: CoreConfig, token: TokenRecord, slot: SlotRecord, isProtected: (token: TokenRecord) => boolean): boolean {
  return isEligible(token, slot) && keepsNotice(config, token, slot, isProtected);
}

/**
 * Whether no window applies to `request`: an emergency (a token the overflow strategy protects),
 * an exempt actor, or a category without a window.
 */
export function windowExempt(ws: Workspace, request: WindowRequest): boolean {
  const rules = ws.config.windows;
  if (rules === undefined || !rules.categories.has(request.category)) return true;
  if (request.actor !== null && rules.exemptActors.has(request.actor)) return true;
  return protectionOf(ws, request) !== null;
}

/**
 * How a path asks the rule for one request: `allows(slot)` whether the request may take a place
 * in the slot (`undefined` when no window applies, so a scan needs no predicate), and `refuse`,
 * the error for a slot outside it. Made once per request ({@link windowCheck}); its methods are
 * the class's, so a request without a window costs no closures.
 */
export class WindowCheck {
  readonly allows: ((slot: Pick<SlotRecord, 'day' | 'start'>) => boolean) | undefined;
  readonly #config: CoreConfig;
  readonly #category: string;
  readonly #now: number;

  constructor(ws: Workspace, request: WindowRequest) {
    const { config, now } = ws;
    const category = request.category;
    this.#config = config;
    this.#category = category;
    this.#now = now;
    this.allows = windowExempt(ws, request) ? undefined : (slot) => withinWindow(config, category, slot, now);
  }

  /** `OUTSIDE_BOOKING_WINDOW` for `slot`, naming `field`. */
  refuse(slot: SlotRecord, field: string): OpdError<'OUTSIDE_BOOKING_WINDOW'> {
    return outsideWindow(this.#config, this.#category, slot, field);
  }

  /** Of the usable slots of `list` (not before `notBefore`), the one a refusal names (see {@link slotToReport}). */
  report(list: SlotList, notBefore: number | null | undefined): number {
    return slotToReport(this.#config, this.#category, list, this.#now, notBefore);
  }
}

/** The window check of `request` in the unit `ws`, at the unit's clock. */
export function windowCheck(ws: Workspace, request: WindowRequest): WindowCheck {
  return new WindowCheck(ws, request);
}

/** `check`'s window over the slots of `list`, by index, for a scan's `allows` (`undefined` when no window applies). */
export function allowedIn(list: SlotList, check: WindowCheck): ((i: number) => boolean) | undefined {
  const allows = check.allows;
  return allows === undefined ? undefined : (i) => allows(list.slot(i));
}

/**
 * Refuses with `OUTSIDE_BOOKING_WINDOW` (naming `field`) a request for which `list` has usable
 * slots that `scan` accepts but none within its window: a day or a schedule the window closes,
 * not a full one (which the overflow strategy decides). The error names the slot
 * {@link slotToReport} picks.
 */
export function refuseOutsideAll(check: WindowCheck, list: SlotList, now: number, scan: SlotScan, field: string): void {
  const allows = allowedIn(list, check);
  if (allows === undefined || firstUsableSlot(list, now, { ...scan, allows }) >= 0 || firstUsableSlot(list, now, scan) < 0) return;
  throw check.refuse(list.slot(check.report(list, scan.notBefore)), field);
}

/** Refuses `slot` with `OUTSIDE_BOOKING_WINDOW` when `check` does not allow it. */
export function requireWithinWindow(check: WindowCheck, slot: SlotRecord, field: string): void {
  if (check.allows !== undefined && !check.allows(slot)) throw check.refuse(slot, field);
}

function outsideWindow(config: CoreConfig, category: string, slot: SlotRecord, field: string): OpdError<'OUTSIDE_BOOKING_WINDOW'> {
  const bounds = windowBounds(config, category, slot) ?? { opensAt: null, closesAt: null };
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
  const opensAt = iso(bounds.opensAt);
  const closesAt = iso(bounds.closesAt);
  const span = `${opensAt ?? 'any time'} to ${closesAt ?? 'the slot'}`;
  return new OpdError('OUTSIDE_BOOKING_WINDOW', `A ${category} request for slot \`${slot.id}\` may be made from ${span}`, {
    details: { field, doctorId: slot.doctorId, slotId: slot.id, day: slot.day, category, opensAt, closesAt },
  });
}

/**
 * Refuses the cancellation of `token` (`CANCEL_CUTOFF`) when its slot starts within its
 * category's `cancelCutoffMinutes` of the unit's clock. A token without a slot (waitlisted), an
 * emergency and an exempt actor are never refused.
 */
export function refuseAfterCutoff(ws: Workspace, token: TokenRecord, slot: SlotRecord | undefined, actor: string | null): void {
  const cutoff = ws.config.windows?.categories.get(token.category)?.cancelCutoffMs ?? null;
  if (cutoff === null || slot === undefined) return;
  const cutoffAt = slot.start - cutoff;
  if (ws.now <= cutoffAt || windowExempt(ws, { category: token.category, patient: token.patient, actor })) return;
  throw new OpdError(
    'CANCEL_CUTOFF',
    `Token \`${token.id}\` could be cancelled until ${new Date(cutoffAt).toISOString()}, before its slot \`${slot.id}\` starts`,
    {
      details: {
        field: 'tokenId',
        tokenId: token.id,
        slotId: slot.id,
        startsAt: new Date(slot.start).toISOString(),
        cutoffAt: new Date(cutoffAt).toISOString(),
      },
    },
  );
}

/** Minutes as milliseconds (a window's options are in minutes). */
export function minutesMs(minutes: number): number {
  return Math.round(minutes * MINUTE);
}

/**
 * The slot an `OUTSIDE_BOOKING_WINDOW` for a whole day or schedule names, among the usable slots
 * of `list` (not before `notBefore`): the first whose window has not opened yet (when the request
 * may be made), else the last (the latest it could have been made); -1 when none is usable.
 */
function slotToReport(config: CoreConfig, category: string, list: SlotList, now: number, notBefore: number | null | undefined): number {
  let last = -1;
  for (let i = firstUsableSlot(list, now, { notBefore }); i >= 0; i = firstUsableSlot(list, now, { from: i + 1, notBefore })) {
    const opensAt = windowBounds(config, category, list.slot(i))?.opensAt ?? null;
    if (opensAt !== null && now < opensAt) return i;
    last = i;
  }
  return last;
}
