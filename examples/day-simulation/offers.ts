/**
 * Offers of freed places in the simulated day (`--offers <minutes>`): the scheduler holds a freed
 * place for an offer (`StagedOffers`) and texts the waiting patients (`token:offered`); each
 * answers YES with the acceptance rate of their channel, at a random moment of the window, and
 * the first YES takes the place. What the offers changed is counted from the events.
 */
import { CATEGORIES, type BuiltInCategory, type OpdEvent, StagedOffers } from 'opd-scheduler';
import { Random } from './random.js';

/**
 * Patients who accept an offered place, per channel: about one offer in ten is accepted in the
 * field (Epic Fast Pass: 8.3 % of 177,311 offers at one health system, 11 % of 60,660 at
 * another).
 */
export const DEFAULT_ACCEPTANCE = 0.1;

/** How offers run in the simulated day. */
export interface SimOffers {
  /** Minutes each group of candidates has to answer. */
  readonly windowMinutes: number;
  /** Candidates texted at once; the first YES wins. */
  readonly groupSize: number;
  /** The share of offers accepted, per channel (0 to 1). */
  readonly acceptance: Readonly<Record<BuiltInCategory, number>>;
  /** The day's seed: the same seed gives the same answers. */
  readonly seed: number;
}

/** The offer policy of the simulated hospital: groups of `groupSize`, booked patients pulled forward after the waitlist, none in the last 10 minutes before a slot. */
export function offerPolicy(offers: SimOffers): StagedOffers {
  return new StagedOffers({ windowMinutes: offers.windowMinutes, groupSize: offers.groupSize, earlierSlots: true, stopMinutesBeforeStart: 10 });
}

/**
 * Reads `--offer-acceptance`: one share for every channel (`0.1`), or `CATEGORY=share` pairs
 * (`ONLINE=0.12,WALK_IN=0.3`) over the default for the rest.
 * @returns the shares, or a message saying what is wrong
 */
export function parseAcceptance(text: string | undefined): Readonly<Record<BuiltInCategory, number>> | string {
  const all = (share: number): Record<BuiltInCategory, number> => Object.fromEntries(CATEGORIES.map((c) => [c, share])) as Record<BuiltInCategory, number>;
  const share = (value: string): number | null => (/^(0(\.\d+)?|1(\.0+)?)$/.test(value) ? Number(value) : null);
  if (text === undefined) return all(DEFAULT_ACCEPTANCE);
  const one = share(text);
  if (one !== null) return all(one);
  const shares = all(DEFAULT_ACCEPTANCE);
  for (const pair of text.split(',')) {
    const [category, value] = pair.split('=').map((part) => part.trim());
    const parsed = value === undefined ? null : share(value);
    if (!(CATEGORIES as readonly string[]).includes(category ?? '') || parsed === null) {
      return `--offer-acceptance must be a share from 0 to 1 (0.1), or CATEGORY=share pairs such as ONLINE=0.12,WALK_IN=0.3 with CATEGORY one of ${CATEGORIES.join(', ')} (got \`${text}\`)`;
    }
    shares[category as BuiltInCategory] = parsed;
  }
  return shares;
}

/** What the offers of a day did. */
export interface OfferFigures {
  /** Offers texted (one per candidate). */
  readonly made: number;
  readonly accepted: number;
  readonly declined: number;
  /** Candidates beaten by a faster YES, or whose window passed. */
  readonly lapsed: number;
  /** Offers an emergency, a closing or a capacity change took back. */
  readonly withdrawn: number;
  /** Offers still open when the day ended. */
  readonly open: number;
  /** YES answers that came too late (`OFFER_TAKEN`, `OFFER_EXPIRED`: the window had passed or the token had moved on). */
  readonly lateAnswers: number;
  /** Freed places promoted into at once, as without offers: candidates ran out, or the slot was about to start. */
  readonly backToPromotion: number;
  /** For each booked patient pulled forward by an accepted offer: minutes between the slot left and the slot taken. */
  readonly minutesSooner: readonly number[];
  /** Waiting patients given a place by an accepted offer. */
  readonly fromWaitlist: number;
}

/** Follows a day's offers through its events and decides each patient's answer. */
export class OfferTally {
  readonly #offers: SimOffers;
  readonly #random: Random;
  readonly #open = new Set<string>();
  /** The token whose accepted offer the next `token:promoted` or `token:moved` completes. */
  #accepting: string | null = null;
  #made = 0;
  #accepted = 0;
  #declined = 0;
  #lapsed = 0;
  #withdrawn = 0;
  #late = 0;
  #backToPromotion = 0;
  #fromWaitlist = 0;
  readonly #minutesSooner: number[] = [];

  /** @param offers - the rates, the window and the seed */
  constructor(offers: SimOffers) {
    this.#offers = offers;
    this.#random = new Random(`${offers.seed}/offers`);
  }

  /**
   * Counts an event. For `token:offered`, decides the patient's answer: the minutes from now at
   * which they say YES, or `null` when they let it pass.
   * @param category - the channel of the event's token
   * @param startOf - a slot's start, ms
   */
  observe(e: OpdEvent, category: string, startOf: (slotId: string) => number): number | null {
    switch (e.type) {
      case 'token:offered': {
        this.#made++;
        this.#open.add(e.offerId);
        // Two draws for every offer, in event order, so that a patient's answer does not depend on the others'.
        const yes = this.#random.next() < (this.#offers.acceptance[category as BuiltInCategory] ?? DEFAULT_ACCEPTANCE);
        const after = this.#random.next() * this.#offers.windowMinutes;
        return yes ? after : null;
      }
      case 'token:offer-accepted':
        this.#open.delete(e.offerId);
        this.#accepted++;
        this.#accepting = e.tokenId;
        if (e.fromSlotId === null) this.#fromWaitlist++;
        else this.#minutesSooner.push(Math.round((startOf(e.fromSlotId) - startOf(e.slotId)) / 60_000));
        return null;
      case 'token:offer-declined':
        this.#open.delete(e.offerId);
        this.#declined++;
        return null;
      case 'token:offer-lapsed':
        this.#open.delete(e.offerId);
        this.#lapsed++;
        return null;
      case 'token:offer-withdrawn':
        this.#open.delete(e.offerId);
        this.#withdrawn++;
        return null;
      case 'token:promoted':
        // A promotion completing an accepted offer is the offer's; any other is a place back to promotion.
        if (this.#accepting === e.tokenId) this.#accepting = null;
        else this.#backToPromotion++;
        return null;
      case 'token:moved':
        if (this.#accepting === e.tokenId) this.#accepting = null;
        return null;
      default:
        return null;
    }
  }

  /** A YES that came too late: another patient took the place, the window had passed, or the token had moved on. */
  late(): void {
    this.#late++;
  }

  /** The figures so far. */
  figures(): OfferFigures {
    return {
      made: this.#made,
      accepted: this.#accepted,
      declined: this.#declined,
      lapsed: this.#lapsed,
      withdrawn: this.#withdrawn,
      open: this.#open.size,
      lateAnswers: this.#late,
      backToPromotion: this.#backToPromotion,
      minutesSooner: [...this.#minutesSooner].sort((a, b) => a - b),
      fromWaitlist: this.#fromWaitlist,
    };
  }
}

/** The day's offers in one line, for the text report: made, how they ended, what they gave. */
export function offerLine(f: OfferFigures): string {
  const sooner = f.minutesSooner.length === 0 ? null : f.minutesSooner[Math.floor((f.minutesSooner.length - 1) / 2)]!;
  return [
    `${f.made.toLocaleString('en-US')} offers made`,
    `${f.accepted.toLocaleString('en-US')} accepted (${f.fromWaitlist.toLocaleString('en-US')} from the waiting list, ${f.minutesSooner.length.toLocaleString('en-US')} pulled forward${sooner === null ? '' : `, median ${sooner} min sooner`})`,
    `${f.lapsed.toLocaleString('en-US')} lapsed`,
    ...(f.declined > 0 ? [`${f.declined.toLocaleString('en-US')} declined`] : []),
    ...(f.withdrawn > 0 ? [`${f.withdrawn.toLocaleString('en-US')} withdrawn (an emergency or a closing took the place)`] : []),
    `${f.lateAnswers.toLocaleString('en-US')} YES too late`,
    `${f.backToPromotion.toLocaleString('en-US')} places back to promotion`,
  ].join(' · ');
}
