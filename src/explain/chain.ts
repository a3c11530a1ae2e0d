/**
 * A token's reason chain, read from the stored events of its doctor-day: one step per event
 * about the token, in `seq` order, each naming the rule the event records. Pure: no I/O.
 */
import type { OpdEvent } from '../events.js';
import { fixedDate } from '../model/instant.js';
import type { SlotRecord, TokenRecord } from '../model/records.js';
import type { ExplainComesBack, ExplainRule, ExplainStep, Explanation } from './types.js';

/** A step with every optional field `null`, to be completed by {@link stepsOf}. */
function step(e: OpdEvent, rule: ExplainRule, slotId: string | null): Mutable<ExplainStep> {
  return {
    at: e.at,
    rule,
    seq: e.seq,
    event: e.type,
    slotId,
    fromSlotId: null,
    fullSlotId: null,
    quota: null,
    rank: null,
    otherTokenId: null,
    otherLabel: null,
    otherRank: null,
    otherCategory: null,
    reason: null,
    room: null,
    actor: e.actor,
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Token events whose rule is their name (the event's slot is the token's slot after it, or none). */
const PLAIN: Readonly<Record<string, ExplainRule>> = {
  'token:promoted': 'promoted',
  'token:held': 'held',
  'token:confirmed': 'confirmed',
  'token:checked-in': 'checked-in',
  'token:consultation-started': 'consultation-started',
  'token:completed': 'completed',
  'token:reinstated': 'reinstated',
  'emergency:unplaced': 'emergency-unplaced',
};

/** Events after which the token holds no place. */
const ENDS_PLACE: ReadonlySet<string> = new Set(['token:cancelled', 'token:no-show', 'token:released', 'token:expired', 'token:dropped', 'token:waitlisted']);

/**
 * The rule "what each stored event says about a token": the steps of `tokenId` in `events` (the
 * events of its doctor-day, in `seq` order, see `StorageAdapter.dayHistory`). Every event about
 * the token gives one step — two for a booking or a waitlisting a quota refused (`quota-refused`,
 * then where the token went). The labels of other tokens are read from the same events.
 */
export function stepsOf(tokenId: string, events: readonly OpdEvent[]): ExplainStep[] {
  const labels = new Map<string, string>();
  for (const e of events) if ('label' in e && 'tokenId' in e) labels.set(e.tokenId, e.label);
  const steps: ExplainStep[] = [];
  // The slot the token holds after each step, for the events that do not name it.
  let slot: string | null = null;
  for (const e of events) {
    if (!('tokenId' in e)) continue;
    const own = e.tokenId === tokenId;
    if (!own && !(e.type === 'token:moved' && e.fromTokenId === tokenId)) continue;
    const s = stepOf(e, tokenId, slot);
    if (s === undefined) continue;
    if (s.otherTokenId !== null) s.otherLabel = labels.get(s.otherTokenId) ?? null;
    if ((e.type === 'token:booked' || e.type === 'token:waitlisted') && e.quota !== undefined && e.quota !== null) {
      const refused = step(e, 'quota-refused', null);
      refused.fullSlotId = e.fullSlotId ?? null;
      refused.quota = e.quota;
      steps.push(refused);
    }
    steps.push(s);
    slot = ENDS_PLACE.has(e.type) ? null : s.slotId;
  }
  return steps;
}

/** The step one event about the token gives (`slot`: the token's slot before it). */
function stepOf(e: OpdEvent, tokenId: string, slot: string | null): Mutable<ExplainStep> | undefined {
  switch (e.type) {
    case 'token:booked': {
      // Events stored before the rule was recorded say only whether the place was elastic.
      const s = step(e, e.rule ?? (e.overflow ? 'elastic-place' : 'free-place'), e.slotId);
      s.fullSlotId = e.fullSlotId ?? null;
      s.quota = e.quota ?? null;
      if (e.bumpedTokenId !== undefined && e.bumpedTokenId !== null) {
        s.otherTokenId = e.bumpedTokenId;
        s.rank = e.rank;
        s.otherRank = e.bumpedRank ?? null;
      }
      return s;
    }
    case 'token:waitlisted': {
      const s = step(e, 'waitlisted', null);
      s.fromSlotId = e.fromSlotId;
      s.fullSlotId = e.fullSlotId ?? null;
      s.quota = e.quota ?? null;
      s.reason = e.reason;
      return s;
    }
    case 'token:bumped': {
      const s = step(e, 'bumped-by', null);
      s.fromSlotId = e.fromSlotId;
      s.otherTokenId = e.byTokenId;
      s.rank = e.rank ?? null;
      s.otherRank = e.byRank ?? null;
      s.otherCategory = e.byCategory ?? null;
      s.reason = 'bumped';
      return s;
    }
    case 'token:cascaded': {
      const s = step(e, 'cascaded', e.toSlotId);
      s.fromSlotId = e.fromSlotId;
      s.reason = e.reason;
      return s;
    }
    case 'token:moved': {
      const out = e.tokenId !== tokenId;
      // The patient left this token for another doctor-day (`out`), or arrived in this one.
      const s = step(e, 'moved', out ? null : e.toSlotId);
      s.fromSlotId = e.fromSlotId;
      s.reason = e.reason;
      if (e.fromTokenId !== e.tokenId) s.otherTokenId = out ? e.tokenId : e.fromTokenId;
      return s;
    }
    case 'token:dropped': {
      const s = step(e, 'dropped', null);
      s.fromSlotId = e.fromSlotId;
      s.reason = e.reason;
      return s;
    }
    case 'token:cancelled': {
      const s = step(e, 'cancelled', null);
      s.fromSlotId = e.slotId;
      s.reason = e.reason;
      return s;
    }
    case 'token:no-show': {
      const s = step(e, 'no-show', null);
      s.fromSlotId = e.slotId;
      s.reason = e.reason;
      return s;
    }
    case 'token:released':
    case 'token:expired': {
      const s = step(e, e.type === 'token:released' ? 'released' : 'expired', null);
      s.fromSlotId = e.slotId;
      if (e.type === 'token:released') s.reason = e.reason;
      return s;
    }
    case 'token:called': {
      const s = step(e, 'called', e.slotId);
      s.room = e.room;
      s.reason = e.recall ? 'recall' : null;
      return s;
    }
    case 'token:forwarded': {
      // To a service point (its id where to go), or back to the doctor (a re-entry, by the policy).
      const s = step(e, e.reentry === null ? 'forwarded' : 'reentered', e.slotId);
      s.room = e.to.servicePointId;
      s.reason = e.reason;
      if (e.reentry !== null) s.reentry = e.reentry;
      return s;
    }
    default: {
      const rule = PLAIN[e.type];
      const named = 'slotId' in e && typeof e.slotId === 'string' ? e.slotId : slot;
      if (rule !== undefined) return step(e, rule, e.type === 'emergency:unplaced' || e.type === 'token:reinstated' ? slot : named);
      // An event of a later version: its name is its rule.
      const type: string = e.type;
      return type.startsWith('token:') ? step(e, type.slice('token:'.length), named) : undefined;
    }
  }
}

/** The events that create a token: its first step, the one that carries what brought the patient back. */
const CREATES: ReadonlySet<string> = new Set(['token:booked', 'token:waitlisted', 'token:held']);

/**
 * The explanation of a token from its record, its day's slots and the day's events, and what
 * brought its patient back (read by the caller from the records that know it).
 */
export function explanationOf(token: TokenRecord, slots: readonly SlotRecord[], events: readonly OpdEvent[], comesBack?: ExplainComesBack): Explanation {
  const start = token.slotId === null ? undefined : slots.find((s) => s.id === token.slotId)?.start;
  const steps = stepsOf(token.id, events);
  const first = steps.find((s) => s.rule !== 'quota-refused');
  if (comesBack !== undefined && first !== undefined && CREATES.has(first.event)) (first as Mutable<ExplainStep>).comesBack = comesBack;
  return {
    tokenId: token.id,
    label: token.label,
    doctorId: token.doctorId,
    day: token.day,
    category: token.category,
    status: token.status,
    slotId: token.slotId,
    slotStart: start === undefined ? null : fixedDate(start),
    steps,
    ...(comesBack === undefined ? {} : { comesBack }),
  };
}

/** Rules that put a token in a place (or on a waitlist): the step that placed it is the last of these. */
export const PLACING_RULES: ReadonlySet<string> = new Set([
  'free-place',
  'elastic-place',
  'bump',
  'next-slot',
  'cascaded',
  'promoted',
  'moved',
  'held',
  'waitlisted',
]);

/**
 * The step that placed the token where it is now: the last step that gave it a place or put it on
 * a waitlist, or `undefined` when the events kept hold none (a history limit forgot them).
 */
export function placingStep(explanation: Explanation): ExplainStep | undefined {
  for (let i = explanation.steps.length - 1; i >= 0; i--) {
    const s = explanation.steps[i]!;
    if (PLACING_RULES.has(s.rule) && !(s.rule === 'moved' && s.otherTokenId !== null && s.slotId === null)) return s;
  }
  return undefined;
}
