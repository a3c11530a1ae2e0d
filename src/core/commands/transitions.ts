import { changeToken } from '../claims.js';
import { tokenView } from '../call-order.js';
import { OpdError, invalid } from '../../errors.js';
import type { JourneyRecord, TokenRecord } from '../../model/records.js';
import { makeJourney, NO_JOURNEY } from '../../model/make.js';
import { journeysOf, resolveTarget, routeStages } from '../journeys.js';
import type { TokenStatus, TransitionResult } from '../../types.js';
import { type Command, commit, refuseClosedOrEnded, tokenNotFound } from '../command.js';
import * as ev from '../events.js';
import { endHold, HOLD_EXPIRED, HOLD_RELEASED } from '../holds.js';
import { holdEnded } from '../../model/claims.js';
import { returnLeasedPlace } from '../leases.js';
import { promoteWaiting } from '../placement.js';
import { type DayWork, Workspace } from '../workspace.js';
import { refuseAfterCutoff } from '../windows.js';
import { openEntitlement } from '../entitlements.js';
import { CARRIED, DAY_CLOSED, MOVED } from '../cancel-reasons.js';

/** A transition of one token, asked for by its id. */
export interface TransitionInput {
  readonly tokenId: string;
  /** Why (a cancellation only), or `null`. */
  readonly reason: string | null;
  /** Who makes the call (an exempt actor may cancel past the cut-off), or `null`. */
  readonly actor?: string | null | undefined;
  /** The route of the visit (a check-in only), or `null`. */
  readonly route?: string | null | undefined;
  /**
   * The lease the token's place goes back to (a cancel only: a desk's cancel of a token it issued
   * from its lease, entered by `reconcile`), or `null`: the place returns to the day.
   */
  readonly lease?: string | null | undefined;
  /** Whether the consultation is charged for (a completion only): with the option `followUps`, it opens an entitlement to free revisits. */
  readonly charged?: boolean | undefined;
}

/** What one lifecycle transition does to a token it is allowed on. */
interface Transition {
  /** Its name in errors (`Cannot check-in token …`). */
  readonly action: string;
  /** The statuses it starts from. */
  readonly from: readonly TokenStatus[];
  /** Changes the token (and records its event); returns the new record. */
  apply(
    ws: Workspace,
    work: DayWork,
    token: TokenRecord,
    reason: string | null,
    actor: string | null,
    route: string | null,
    lease: string | null,
    charged: boolean,
  ): TokenRecord;
  /** Checks the caller's input before anything is read (throws `VALIDATION_FAILED`). */
  check?(reason: string | null): void;
}

/**
 * A lifecycle transition as a command: load the token (and its day), check the status it starts
 * from, apply it, then promote into any place it freed.
 */
function transition(t: Transition): Command<TransitionInput, TransitionResult> {
  return {
    load: ({ tokenId }) => ({ tokenId }),
    decide(config, snapshot, { tokenId, reason, actor, route, lease, charged }, now) {
      t.check?.(reason);
      const stored = snapshot.tokens.get(tokenId);
      if (stored === undefined || snapshot.doctor === undefined) throw tokenNotFound(tokenId);
      const ws = new Workspace(config, snapshot, now);
      const work = ws.day(stored.day);
      const token = work.find(tokenId, stored.slotId) ?? stored;
      if (!t.from.includes(token.status)) {
        throw new OpdError('INVALID_TRANSITION', `Cannot ${t.action} token \`${tokenId}\`: it is ${token.status}`, {
          details: { field: 'tokenId', tokenId, status: token.status, action: t.action },
        });
      }
      const next = t.apply(ws, work, token, reason, actor ?? null, route ?? null, lease ?? null, charged === true);
      promoteWaiting(ws, work);
      return commit(ws, Object.freeze({ token: tokenView(ws, work, ws.latest(tokenId) ?? next), effects: ws.effects() }));
    },
  };
}

/** A progress through the consultation: the token keeps its place. */
function progress(action: string, from: TokenStatus, to: TokenStatus, type: 'token:checked-in' | 'token:consultation-started' | 'token:completed'): Transition {
  return {
    action,
    from: [from],
    apply(ws, work, token) {
      const next = changeToken(ws, work, token, { status: to });
      ws.own(ev.progressed(ws, next, token.slotId ?? '', type));
      return next;
    },
  };
}

/**
 * Cancels a token from `WAITLISTED`, `BOOKED` or `CHECKED_IN`; its place is promoted into (or,
 * with `lease`, goes back to that lease while it is active: {@link returnLeasedPlace}). The
 * caller's reason is free text, stored as `cancelReason`, and never one of the scheduler's own
 * markers ({@link RESERVED_CANCEL_REASONS}): the lifecycle reads those (`reinstate` refuses a hold
 * that ended and a token a move replaced), so a caller's text must not pass for one.
 */
export const cancel = transition({
  action: 'cancel',
  from: ['WAITLISTED', 'BOOKED', 'CHECKED_IN'],
  check(reason) {
    if (reason !== null && RESERVED_CANCEL_REASONS.includes(reason)) {
      throw invalid(
        'opts.reason',
        `Expected \`opts.reason\` to be other than ${RESERVED_CANCEL_REASONS.map((r) => `'${r}'`).join(', ')}: the scheduler gives these to tokens it ends itself`,
      );
    }
  },
  apply(ws, work, token, reason, actor, _route, lease) {
    const index = token.slotId === null ? -1 : work.indexOf(token.slotId);
    refuseAfterCutoff(ws, token, index < 0 ? undefined : work.slot(index), actor);
    const next = changeToken(ws, work, token, { status: 'CANCELLED', slotId: null, waitingForSlotId: null, cancelReason: reason });
    // A desk's own token: its place goes back to the lease it came from, as it did at the desk.
    if (lease !== null && token.slotId !== null && token.status !== 'WAITLISTED') returnLeasedPlace(work, lease, token.slotId);
    ws.own(ev.cancelled(ws, next, token.slotId, reason));
    return next;
  },
});

/** Marks a `BOOKED` token a no-show once its slot has started; its place is promoted into. */
export const markNoShow = transition({
  action: 'no-show',
  from: ['BOOKED'],
  apply(ws, work, token) {
    const slotId = token.slotId;
    const index = work.indexOf(slotId ?? '');
    const slot = index < 0 ? undefined : work.slot(index);
    if (slot !== undefined && slot.start > ws.now) {
      throw new OpdError('NOT_YET_DUE', `Token \`${token.id}\` cannot be a no-show before its slot starts`, {
        details: { field: 'tokenId', tokenId: token.id, slotId, startsAt: new Date(slot.start).toISOString() },
      });
    }
    const next = changeToken(ws, work, token, { status: 'NO_SHOW', slotId: null });
    ws.own(ev.noShow(ws, next, slotId ?? '', 'manual'));
    return next;
  },
});

/**
 * Checks a `BOOKED` patient in; with a route, the patient starts in the queue of its first stage
 * (a service point's, or the doctor's).
 */
export const checkIn = transition({
  action: 'check-in',
  from: ['BOOKED'],
  apply(ws, work, token, _reason, _actor, route) {
    const next = changeToken(ws, work, token, route === null ? { status: 'CHECKED_IN' } : { status: 'CHECKED_IN', journey: startJourney(ws, token, route) });
    ws.own(ev.progressed(ws, next, token.slotId ?? '', 'token:checked-in'));
    return next;
  },
});

/** The journey of a token checked in on `route`: at its first stage. */
function startJourney(ws: Workspace, token: TokenRecord, route: string): JourneyRecord {
  const stages = routeStages(ws.config, route);
  const first = resolveTarget(journeysOf(ws.config, 'opts.route'), ws.doctor!, stages[0]!);
  return makeJourney(token.journey ?? NO_JOURNEY, { route, stage: 0, point: first.point?.id ?? token.journey?.point });
}

/** Starts the consultation of a `CHECKED_IN` patient. */
export const startConsultation = transition(progress('start', 'CHECKED_IN', 'IN_CONSULTATION', 'token:consultation-started'));

/** Completes a consultation. */
export const complete = transition(charging(progress('complete', 'IN_CONSULTATION', 'COMPLETED', 'token:completed')));

/**
 * A completion that, with the option `followUps`, opens an entitlement to free revisits when the
 * consultation is charged for (`charged`, or every completion by the option's `everyCompletion`).
 */
function charging(t: Transition): Transition {
  return {
    ...t,
    apply(ws, work, token, reason, actor, route, lease, charged) {
      const next = t.apply(ws, work, token, reason, actor, route, lease, charged);
      const rules = ws.config.followUps;
      return rules !== undefined && (charged || rules.everyCompletion) ? openEntitlement(ws, work, rules, next) : next;
    },
  };
}

/**
 * Confirms a `HELD` token before its hold ends: it becomes `BOOKED` in the same place. A hold
 * whose slot has ended is refused as a booking there is (`SLOT_ENDED`): confirmed, the patient who
 * paid would be a no-show at the next sweep. A hold whose end has passed otherwise (even if no
 * sweep has released it yet) is refused with `INVALID_TRANSITION` (`details.expired: true`): its
 * place may already be promised elsewhere. Either refusal changes nothing.
 */
export const confirm = transition({
  action: 'confirm',
  from: ['HELD'],
  apply(ws, work, token) {
    const index = work.indexOf(token.slotId ?? '');
    if (index >= 0) refuseClosedOrEnded(work.slot(index), ws.now, 'tokenId');
    const until = token.holdExpiresAt;
    if (until !== null && holdEnded(token, ws.now)) {
      throw new OpdError('INVALID_TRANSITION', `Cannot confirm token \`${token.id}\`: its hold ended at ${new Date(until).toISOString()}`, {
        details: { field: 'tokenId', tokenId: token.id, status: token.status, action: 'confirm', expired: true, holdExpiresAt: new Date(until).toISOString() },
      });
    }
    // A patient cannot check in while held: the no-show grace runs from the confirmation.
    const next = changeToken(ws, work, token, { status: 'BOOKED', holdExpiresAt: null, placedAt: ws.now });
    ws.own(ev.confirmed(ws, next, token.slotId ?? ''));
    return next;
  },
});

/**
 * Releases a `HELD` token (`CANCELLED`, reason `hold-released`); its place is promoted into. A
 * hold whose end has passed (no sweep has released it yet) is recorded as the expiry it is
 * (`token:expired`, reason `hold-expired`).
 */
export const release = transition({
  action: 'release',
  from: ['HELD'],
  apply(ws, work, token) {
    const event = endHold(ws, work, token, token.slotId ?? '', 'released');
    ws.own(event);
    return ws.latest(token.id)!;
  },
});

/**
 * The `cancelReason`s the scheduler gives to tokens it ends itself, which the lifecycle reads; a
 * caller's `cancel` may not give one of them.
 */
export const RESERVED_CANCEL_REASONS: readonly string[] = Object.freeze([HOLD_RELEASED, HOLD_EXPIRED, MOVED, DAY_CLOSED, CARRIED]);
