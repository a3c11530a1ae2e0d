/**
 * A UHI provider (HSPA) for physical consultations over the scheduler: `search`, `select`,
 * `init` (a hold), `confirm` (the hold confirmed, with a check-in PIN), `status`, `cancel`, the
 * PIN checked at the counter, and the `on_update` / `on_cancel` messages of the scheduler's
 * events. Every place it offers or takes is one the scheduler's rules give the UHI channel.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { invalid, isOpdError, OpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import type { OpdScheduler } from '../scheduler.js';
import type { Category, Doctor, Token } from '../types.js';
import type { TransitionResult } from '../types/inputs.js';
import { answerContext, type BecknContext, type BecknMessage, objectAt, readBecknCall, text } from './beckn.js';
import { type UhiCancelCode, UHI_CANCEL_CODES, UHI_OVERRIDE_CODES, type UhiOverrideCode, type UhiState, uhiChangeOf, uhiStateOf } from './states.js';

/** How long an `init` holds its place, in minutes: UHI's "temporarily holding the selected slot for 15 minutes". */
export const UHI_HOLD_MINUTES = 15;

/** The prefix of the idempotency key of a token taken by a UHI `init`: how a UHI order is told from another booking of its channel. */
const UHI_KEY_PREFIX = 'uhi-init:';

/** Options of {@link UhiProvider}. */
export interface UhiProviderOptions {
  /** The provider's subscriber id (`context.provider_id` of the answers). */
  readonly providerId: string;
  /** The provider's URI (`context.provider_uri`). */
  readonly providerUri: string;
  /**
   * The channel UHI bookings take (a category the priority policy knows): give it its own quota
   * and booking window in the scheduler's options. @defaultValue `'ONLINE'`
   */
  readonly category?: Category | undefined;
  /** The secret the check-in PIN is derived from (HMAC-SHA256 of the token and its day): at least 16 characters, the same in every process. */
  readonly pinSecret: string;
  /** Minutes an `init` holds its place. @defaultValue {@link UHI_HOLD_MINUTES} */
  readonly holdMinutes?: number | undefined;
  /** The consultation fee of each doctor, in rupees, by doctor id (`0` when absent). */
  readonly fees?: Readonly<Record<string, number>> | undefined;
  /** Each doctor's Healthcare Professionals Registry id, by doctor id (the agent's `@abdm/gov/in/hpr_id` tag; absent when not given). */
  readonly hprIds?: Readonly<Record<string, string>> | undefined;
  /** Who the events of UHI calls name as their actor. @defaultValue `'uhi'` */
  readonly actor?: string | undefined;
}

/** A time of a UHI fulfillment. */
export interface UhiTime {
  /** The instant (ISO 8601). */
  readonly time: {
    /** The instant (ISO 8601). */
    readonly timestamp: string;
  };
}

/** A doctor's time slot in the catalogue: a UHI fulfillment. */
export interface UhiFulfillment {
  /** The slot id. */
  readonly id: string;
  /** Always `PhysicalConsultation`. */
  readonly type: 'PhysicalConsultation';
  /** The doctor. */
  readonly agent: {
    /** The doctor id. */
    readonly id: string;
    /** The doctor's name. */
    readonly name: string;
    /** Tagged as UHI's catalogues tag a doctor: `@abdm/gov/in/hpr_id` (when given), `speciality` and `department` (when known), `first_consultation` (the fee). */
    readonly tags: Readonly<Record<string, string>>;
  };
  /** The slot's start. */
  readonly start: UhiTime;
  /** The slot's end. */
  readonly end: UhiTime;
  /** Places a UHI booking would still get in it, as text (UHI tags are text). */
  readonly tags: {
    /** Places left for the UHI channel. */
    readonly '@abdm/gov/in/slots_available': string;
  };
}

/** A consultation offered: one per doctor, priced. */
export interface UhiItem {
  /** The doctor id. */
  readonly id: string;
  /** The consultation, in words. */
  readonly descriptor: {
    /** The consultation, in words. */
    readonly name: string;
  };
  /** The fee. */
  readonly price: {
    /** Always `INR`. */
    readonly currency: 'INR';
    /** The fee in rupees, as text. */
    readonly value: string;
  };
  /** The doctor's fulfillment ids. */
  readonly fulfillment_id: string;
}

/** The `message` of `on_search`: the catalogue of places a UHI booking would get. */
export interface UhiOnSearchMessage {
  /** The catalogue. */
  readonly catalog: {
    /** The provider. */
    readonly descriptor: {
      /** The provider's subscriber id. */
      readonly name: string;
    };
    /** The items (a consultation per doctor). */
    readonly items: readonly UhiItem[];
    /** The time slots. */
    readonly fulfillments: readonly UhiFulfillment[];
  };
}

/** The order of `on_select`, `on_init`, `on_confirm`, `on_status` and `on_cancel`. */
export interface UhiOrder {
  /** The order id: the token id (absent in `on_select`, before any hold). */
  readonly id?: string | undefined;
  /** `INITIATED` (held), then a UHI state. */
  readonly state: 'INITIATED' | UhiState;
  /** The consultation. */
  readonly item: UhiItem;
  /** The slot: absent for an order that holds no place any more and whose slot is not known (a cancelled order read by `status`). */
  readonly fulfillment?: UhiFulfillment | undefined;
  /** The price to pay. */
  readonly quote: {
    /** The fee. */
    readonly price: UhiItem['price'];
  };
  /** Until when the place is held (`on_init`). */
  readonly holdExpiresAt?: string | undefined;
  /** The token number shown to the patient, once confirmed. */
  readonly tokenNumber?: string | undefined;
  /** The check-in PIN (`on_confirm`, `on_status` of a confirmed order). */
  readonly authorization?: UhiAuthorization | undefined;
  /** Why the order was cancelled (`on_cancel`). */
  readonly cancellation?:
    | {
        /** The P- or D-code. */
        readonly reason_id: UhiCancelCode;
        /** Who cancelled: the patient (P-codes) or the provider (D-codes). */
        readonly cancelled_by: 'PATIENT' | 'PROVIDER';
      }
    | undefined;
  /** For a D2 cancellation: the earliest place the patient may take instead, if any. */
  readonly offer?: UhiFulfillment | undefined;
}

/** The `message` of `on_select`, `on_init`, `on_confirm`, `on_status` and `on_cancel`. */
export interface UhiOrderMessage {
  /** The order. */
  readonly order: UhiOrder;
}

/** The check-in PIN of a confirmed order. */
export interface UhiAuthorization {
  /** Always `PIN`. */
  readonly type: 'PIN';
  /** Four digits. */
  readonly token: string;
  /** From when it is valid. */
  readonly valid_from: string;
  /** Until when (the end of the token's slot). */
  readonly valid_to: string;
  /** Always `GENERATED`. */
  readonly status: 'GENERATED';
}

/** How a patient checks in: the PIN, or an override code with the member of staff who used it. */
export type UhiCheckIn =
  | {
      /** The four digits the patient shows. */
      readonly pin: string;
    }
  | {
      /** O1–O6 (among them an emergency and an elderly patient). */
      readonly override: UhiOverrideCode;
      /** The member of staff (stamped on the event with the code). */
      readonly actor: string;
    };

/** An `on_update` or `on_cancel` message to push to the consumer. */
export interface UhiPush {
  /** `on_update` or `on_cancel`. */
  readonly action: 'on_update' | 'on_cancel';
  /** The message. */
  readonly message: {
    /** The order. */
    readonly order: {
      /** The order id (the token id). */
      readonly id: string;
      /** The new state. */
      readonly state: UhiState;
      /** The D-code, for `on_cancel`. */
      readonly cancellation?:
        | {
            /** The D-code. */
            readonly reason_id: UhiCancelCode;
            /** Always `PROVIDER`. */
            readonly cancelled_by: 'PROVIDER';
          }
        | undefined;
      /** For D-codes: the earliest place the UHI channel would get with the doctor now, if any. */
      readonly offer?: UhiFulfillment | undefined;
    };
  };
}

/**
 * A UHI provider over one scheduler. Its handlers take the parsed JSON of a UHI call and return
 * the JSON of its answer (`on_search`, `on_init`…); transport, gateway sessions and signatures
 * ({@link signBecknRequest}) stay the application's.
 *
 * - `search` answers from {@link OpdScheduler.availability} for the UHI channel: only places a UHI
 *   booking would get now (quotas, reserves, booking windows, holds applied).
 * - `init` is a hold ({@link OpdScheduler.hold}) of {@link UHI_HOLD_MINUTES}: an unconfirmed order
 *   frees its place when the hold ends (the scheduler's sweep). The order id is the token id, and
 *   `init` is idempotent by the transaction id.
 * - `confirm` confirms the hold and answers a 4-digit PIN, derived from `pinSecret`, the token and
 *   its day (HMAC-SHA256): nothing is stored, and every process with the secret checks it.
 * - `checkIn` checks the PIN, or records an override code with its actor. Wrong tries are counted
 *   per provider instance: after three the token's PIN is refused until the instance restarts
 *   (a process that did not see the tries still allows three).
 *
 * @example
 * ```ts
 * import { OpdScheduler } from 'opd-scheduler';
 * import { UhiProvider } from 'opd-scheduler/abdm';
 *
 * const opd = new OpdScheduler();
 * const uhi = new UhiProvider(opd, { providerId: 'hspa.example.org', providerUri: 'https://hspa.example.org/uhi', pinSecret: 'a secret of the hospital' });
 * console.log(uhi.category); // 'ONLINE'
 * ```
 */
export class UhiProvider {
  /** The channel UHI bookings take. */
  readonly category: Category;
  readonly #opd: OpdScheduler;
  readonly #providerId: string;
  readonly #providerUri: string;
  readonly #secret: string;
  readonly #holdMinutes: number;
  readonly #fees: Readonly<Record<string, number>>;
  readonly #hprIds: Readonly<Record<string, string>>;
  readonly #actor: string;
  readonly #wrongTries = new Map<string, number>();

  /**
   * @param opd - the scheduler
   * @param options - the provider's ids, the channel, the PIN secret, the hold, the fees
   * @throws OpdError `VALIDATION_FAILED` naming the option
   */
  constructor(opd: OpdScheduler, options: UhiProviderOptions) {
    if (typeof options !== 'object' || options === null) throw invalid('options', 'Expected the UHI provider options');
    for (const key of ['providerId', 'providerUri'] as const) if (typeof options[key] !== 'string' || options[key] === '') throw invalid(key, `Expected \`${key}\` as a non-empty string`);
    if (typeof options.pinSecret !== 'string' || options.pinSecret.length < 16) throw invalid('pinSecret', 'Expected `pinSecret` as a string of at least 16 characters');
    const hold = options.holdMinutes ?? UHI_HOLD_MINUTES;
    if (!Number.isInteger(hold) || hold < 1 || hold > 1440) throw invalid('holdMinutes', 'Expected `holdMinutes` as a whole number from 1 to 1440');
    const category = options.category ?? 'ONLINE';
    if (typeof category !== 'string' || category === '') throw invalid('category', 'Expected `category` as a non-empty string');
    const fees = options.fees ?? {};
    for (const [doctorId, fee] of Object.entries(fees)) if (typeof fee !== 'number' || !Number.isFinite(fee) || fee < 0) throw invalid('fees', `Expected the fee of doctor ${doctorId} as a number of rupees, 0 or more`);
    this.#opd = opd;
    this.#providerId = options.providerId;
    this.#providerUri = options.providerUri;
    this.#secret = options.pinSecret;
    this.#holdMinutes = hold;
    this.#fees = { ...fees };
    const hprIds = options.hprIds ?? {};
    for (const [doctorId, hprId] of Object.entries(hprIds)) if (typeof hprId !== 'string' || hprId === '' || hprId.length > 64) throw invalid('hprIds', `Expected the HPR id of doctor ${doctorId} as a non-empty string of at most 64 characters`);
    this.#hprIds = { ...hprIds };
    this.#actor = options.actor ?? 'uhi';
    this.category = category;
  }

  /**
   * `search`: the catalogue of the doctors' time slots a UHI booking would get now. The call's
   * `message.intent.fulfillment` may name a doctor (`agent.id`) and a window (`start.time.timestamp`,
   * `end.time.timestamp`; by default the scheduler's day of now); `message.intent.item.descriptor.name`
   * may name a specialization or department.
   *
   * @returns the `on_search` answer
   * @throws OpdError `VALIDATION_FAILED` naming the field
   */
  async search(payload: unknown): Promise<BecknMessage<UhiOnSearchMessage>> {
    const { context, message } = readBecknCall(payload, 'search');
    const intent = objectAt(message, 'intent', 'message.intent');
    const fulfillment = intent['fulfillment'] === undefined ? {} : objectAt(intent, 'fulfillment', 'message.intent.fulfillment');
    const agent = fulfillment['agent'] === undefined ? undefined : text(objectAt(fulfillment, 'agent', 'message.intent.fulfillment.agent'), 'id', 'message.intent.fulfillment.agent.id');
    const item = intent['item'] === undefined ? undefined : objectAt(intent, 'item', 'message.intent.item');
    const speciality = item === undefined ? undefined : text(objectAt(item, 'descriptor', 'message.intent.item.descriptor'), 'name', 'message.intent.item.descriptor.name').toLowerCase();
    const now = this.#opd.now();
    const from = fulfillment['start'] === undefined ? now : instantAt(fulfillment, 'start', 'message.intent.fulfillment.start');
    const to = fulfillment['end'] === undefined ? new Date(from.getTime() + 24 * 3600_000) : instantAt(fulfillment, 'end', 'message.intent.fulfillment.end');
    const doctors = (await this.#opd.listDoctors()).filter((d) => (agent === undefined || d.id === agent) && (speciality === undefined || d.specialization?.toLowerCase() === speciality || d.department?.toLowerCase() === speciality) && d.retiredFrom === null);
    const items: UhiItem[] = [];
    const fulfillments: UhiFulfillment[] = [];
    for (const doctor of doctors) {
      const slots = (await this.#opd.availability({ doctorId: doctor.id, category: this.category, from, to, actor: this.#actor })).filter((s) => s.available);
      if (slots.length === 0) continue;
      items.push(this.#item(doctor, slots[0]?.slot.id ?? ''));
      for (const s of slots) fulfillments.push(this.#fulfillment(doctor, s.slot.id, s.slot.start, s.slot.end, s.places));
    }
    return { context: this.#answer(context), message: { catalog: { descriptor: { name: this.#providerId }, items, fulfillments } } };
  }

  /**
   * `select`: the quote of one slot (`message.order.fulfillment.id`), if a UHI booking would get a
   * place in it now.
   *
   * @returns the `on_select` answer
   * @throws OpdError `VALIDATION_FAILED`; `SLOT_NOT_FOUND`; `SLOT_FULL` (no place for the UHI channel, with the reason)
   */
  async select(payload: unknown): Promise<BecknMessage<UhiOrderMessage>> {
    const { context, message } = readBecknCall(payload, 'select');
    const slotId = text(objectAt(objectAt(message, 'order', 'message.order'), 'fulfillment', 'message.order.fulfillment'), 'id', 'message.order.fulfillment.id');
    const view = await this.#opd.getSlot(slotId);
    const doctor = await this.#opd.getDoctor(view.slot.doctorId);
    const [place] = await this.#opd.availability({ doctorId: doctor.id, category: this.category, from: view.slot.start, to: new Date(view.slot.start.getTime() + 1), actor: this.#actor });
    if (place === undefined || !place.available) throw new OpdError('SLOT_FULL', `Slot ${slotId} has no place for the UHI channel (${place?.reason ?? 'closed'})`, { details: { slotId, doctorId: doctor.id, day: this.#opd.dayOf(view.slot.start) } });
    const fulfillment = this.#fulfillment(doctor, slotId, view.slot.start, view.slot.end, place.places);
    const item = this.#item(doctor, slotId);
    return { context: this.#answer(context), message: { order: { state: 'INITIATED', item, fulfillment, quote: { price: item.price } } } };
  }

  /**
   * `init`: holds a place of the slot (`message.order.fulfillment.id`) for the patient
   * (`message.order.customer.id`, the ABHA address) for {@link UhiProviderOptions.holdMinutes}: a
   * hold, counted taken by every rule, that frees its place by itself unless confirmed. The same
   * transaction answers the same hold.
   *
   * @returns the `on_init` answer: `order.id` is the token id, `state` `INITIATED`
   * @throws OpdError `VALIDATION_FAILED`; `SLOT_NOT_FOUND`; `SLOT_FULL`; `DUPLICATE_BOOKING`; `OUTSIDE_BOOKING_WINDOW`
   */
  async init(payload: unknown): Promise<BecknMessage<UhiOrderMessage>> {
    const { context, message } = readBecknCall(payload, 'init');
    const order = objectAt(message, 'order', 'message.order');
    const slotId = text(objectAt(order, 'fulfillment', 'message.order.fulfillment'), 'id', 'message.order.fulfillment.id');
    const customer = objectAt(order, 'customer', 'message.order.customer');
    const patientId = text(customer, 'id', 'message.order.customer.id');
    const person = customer['person'] === undefined ? undefined : objectAt(customer, 'person', 'message.order.customer.person');
    const name = person === undefined ? patientId : text(person, 'name', 'message.order.customer.person.name');
    const view = await this.#opd.getSlot(slotId);
    const { token } = await this.#opd.hold({
      doctorId: view.slot.doctorId,
      slotId,
      category: this.category,
      patient: { id: patientId, name },
      holdMinutes: this.#holdMinutes,
      idempotencyKey: `${UHI_KEY_PREFIX}${context.transaction_id}`,
      actor: this.#actor,
    });
    return { context: this.#answer(context), message: { order: await this.#order(token) } };
  }

  /**
   * `confirm`: books the held order (`message.order.id`) and answers its check-in PIN. Confirming
   * again answers the same booking.
   *
   * @returns the `on_confirm` answer: the order `CONFIRMED` with `authorization`
   * @throws OpdError `VALIDATION_FAILED`; `TOKEN_NOT_FOUND`; `INVALID_TRANSITION` (the hold ended)
   */
  async confirm(payload: unknown): Promise<BecknMessage<UhiOrderMessage>> {
    const { context, message } = readBecknCall(payload, 'confirm');
    const tokenId = text(objectAt(message, 'order', 'message.order'), 'id', 'message.order.id');
    const held = await this.#uhiToken(tokenId);
    const token = held.status === 'HELD' ? (await this.#opd.confirm(tokenId, { actor: this.#actor })).token : held;
    if (token.status === 'HELD' || uhiStateOf(token.status) !== 'CONFIRMED') throw new OpdError('INVALID_TRANSITION', `Token ${tokenId} cannot be confirmed from ${token.status}`, { details: { tokenId, status: token.status, action: 'confirm' } });
    return { context: this.#answer(context), message: { order: await this.#order(token) } };
  }

  /**
   * `status`: the order (`message.order_id`) as it stands.
   *
   * @returns the `on_status` answer
   * @throws OpdError `VALIDATION_FAILED`; `TOKEN_NOT_FOUND`
   */
  async status(payload: unknown): Promise<BecknMessage<UhiOrderMessage>> {
    const { context, message } = readBecknCall(payload, 'status');
    const tokenId = text(message, 'order_id', 'message.order_id');
    return { context: this.#answer(context), message: { order: await this.#order(await this.#uhiToken(tokenId)) } };
  }

  /**
   * `cancel`: cancels the order (`message.order_id`) with a P-code (the patient) or a D-code (the
   * provider), required (`message.cancellation_reason_id`). A held order is released; a booked
   * one cancelled, its place freed for the waitlist. Cancelling again answers the cancelled order.
   *
   * @returns the `on_cancel` answer
   * @throws OpdError `VALIDATION_FAILED` (no code, an unknown code); `TOKEN_NOT_FOUND`; `CANCEL_CUTOFF`
   */
  async cancel(payload: unknown): Promise<BecknMessage<UhiOrderMessage>> {
    const { context, message } = readBecknCall(payload, 'cancel');
    const tokenId = text(message, 'order_id', 'message.order_id');
    const code = text(message, 'cancellation_reason_id', 'message.cancellation_reason_id');
    if (!(UHI_CANCEL_CODES as readonly string[]).includes(code)) throw invalid('message.cancellation_reason_id', 'Expected a UHI cancellation code, P1 to P7 or D1 to D6');
    const token = await this.#uhiToken(tokenId);
    let ended = token;
    if (token.status === 'HELD') ended = (await this.#opd.release(tokenId, { actor: this.#actor })).token;
    else if (token.status !== 'CANCELLED') ended = (await this.#opd.cancel(tokenId, { actor: this.#actor, reason: code })).token;
    const { authorization: _pin, ...order } = await this.#order(ended, token.slotId ?? token.waitingForSlotId);
    const cancellation = { reason_id: code as UhiCancelCode, cancelled_by: code.startsWith('P') ? ('PATIENT' as const) : ('PROVIDER' as const) };
    return { context: this.#answer(context), message: { order: { ...order, state: 'CANCELLED', cancellation } } };
  }

  /**
   * The check-in PIN of a token: four digits of HMAC-SHA256(`pinSecret`, token id and day).
   *
   * @param token - the token (its id and day)
   */
  pinOf(token: Pick<Token, 'id' | 'day'>): string {
    const digest = createHmac('sha256', this.#secret).update(`${token.id}|${token.day}`).digest();
    return String(digest.readUInt32BE(0) % 10_000).padStart(4, '0');
  }

  /**
   * Checks a UHI patient in at the counter: with the PIN of their order, or with an override code
   * (O1–O6) and the member of staff who used it, stamped as the event's actor
   * (`<actor> override <code>`). A wrong PIN changes nothing; after three wrong PINs for one token
   * this provider refuses its PIN (an override still checks the patient in).
   *
   * @param tokenId - the order id
   * @param how - `{ pin }` or `{ override, actor }`
   * @returns the token `CHECKED_IN`
   * @throws OpdError `VALIDATION_FAILED` (field `pin`: wrong, or refused after three tries; field `override`); `TOKEN_NOT_FOUND`; `INVALID_TRANSITION`
   */
  async checkIn(tokenId: string, how: UhiCheckIn): Promise<TransitionResult> {
    if (typeof how !== 'object' || how === null) throw invalid('how', 'Expected `{ pin }` or `{ override, actor }`');
    const token = await this.#uhiToken(tokenId);
    if ('override' in how) {
      if (!(UHI_OVERRIDE_CODES as readonly string[]).includes(how.override)) throw invalid('override', 'Expected a UHI override code, O1 to O6');
      if (typeof how.actor !== 'string' || how.actor === '' || how.actor.length > 80) throw invalid('actor', 'Expected `actor` as a non-empty string of at most 80 characters');
      return this.#opd.checkIn(tokenId, { actor: `${how.actor} override ${how.override}` });
    }
    if (typeof how.pin !== 'string' || !/^\d{4}$/.test(how.pin)) throw invalid('pin', 'Expected the PIN as four digits');
    const tries = this.#wrongTries.get(tokenId) ?? 0;
    if (tries >= 3) throw invalid('pin', `Three wrong PINs were given for token ${tokenId}: check in with an override`, { tokenId });
    const expected = Buffer.from(this.pinOf(token));
    if (!timingSafeEqual(expected, Buffer.from(how.pin))) {
      this.#wrongTries.set(tokenId, tries + 1);
      throw invalid('pin', `Wrong PIN for token ${tokenId} (${tries + 1} of 3 tries)`, { tokenId });
    }
    this.#wrongTries.delete(tokenId);
    return this.#opd.checkIn(tokenId, { actor: this.#actor });
  }

  /**
   * The `on_update` or `on_cancel` to push for an event of a UHI token (see {@link uhiChangeOf}), or
   * `null` for an event of no UHI token or with nothing to tell. A D-code offers the earliest place
   * the UHI channel would get with the token's doctor now, from {@link OpdScheduler.availability}.
   *
   * @param event - an event of the scheduler (`opd.on`, `opd.tail`)
   */
  async pushOf(event: OpdEvent): Promise<UhiPush | null> {
    const change = uhiChangeOf(event);
    if (change === null) return null;
    let token: Token;
    try {
      token = await this.#opd.getToken(change.tokenId);
    } catch (error) {
      if (isOpdError(error, 'TOKEN_NOT_FOUND')) return null;
      throw error;
    }
    if (!this.#isOrder(token)) return null;
    if (change.action === 'on_update') return { action: 'on_update', message: { order: { id: token.id, state: change.state } } };
    const offer = change.offerEarliest ? await this.#earliest(token.doctorId) : undefined;
    return { action: 'on_cancel', message: { order: { id: token.id, state: change.state, cancellation: { reason_id: change.code, cancelled_by: 'PROVIDER' }, ...(offer === undefined ? {} : { offer }) } } };
  }

  async #earliest(doctorId: string): Promise<UhiFulfillment | undefined> {
    const doctor = await this.#opd.getDoctor(doctorId);
    const from = this.#opd.now();
    const slots = await this.#opd.availability({ doctorId, category: this.category, from, to: new Date(from.getTime() + 62 * 24 * 3600_000 - 1), actor: this.#actor });
    const first = slots.find((s) => s.available);
    return first === undefined ? undefined : this.#fulfillment(doctor, first.slot.id, first.slot.start, first.slot.end, first.places);
  }

  async #uhiToken(tokenId: string): Promise<Token> {
    if (typeof tokenId !== 'string' || tokenId === '') throw invalid('order.id', 'Expected the order id');
    const token = await this.#opd.getToken(tokenId);
    if (!this.#isOrder(token)) throw new OpdError('TOKEN_NOT_FOUND', `Token ${tokenId} is not a UHI order`, { details: { tokenId } });
    return token;
  }

  /** Whether `token` was taken by an `init` of this channel (its idempotency key says so): a token of the same category booked at the counter or on the portal is no UHI order. */
  #isOrder(token: Token): boolean {
    return token.category === this.category && token.idempotencyKey !== null && token.idempotencyKey.startsWith(UHI_KEY_PREFIX);
  }

  async #order(token: Token, formerSlotId: string | null = null): Promise<UhiOrder> {
    const doctor = await this.#opd.getDoctor(token.doctorId);
    const slotId = token.slotId ?? token.waitingForSlotId ?? formerSlotId;
    const view = slotId === null ? null : await this.#opd.getSlot(slotId);
    const item = this.#item(doctor, slotId ?? '');
    const fulfillment = view === null ? undefined : this.#fulfillment(doctor, view.slot.id, view.slot.start, view.slot.end, 0);
    const state = uhiStateOf(token.status) ?? 'INITIATED';
    const confirmed = state === 'CONFIRMED' || state === 'APPOINTMENT_STARTED';
    return {
      id: token.id,
      state,
      item,
      ...(fulfillment === undefined ? {} : { fulfillment }),
      quote: { price: item.price },
      ...(token.holdExpiresAt === null ? {} : { holdExpiresAt: token.holdExpiresAt.toISOString() }),
      ...(token.status === 'HELD' ? {} : { tokenNumber: token.label }),
      ...(confirmed && view !== null ? { authorization: { type: 'PIN', token: this.pinOf(token), valid_from: token.updatedAt.toISOString(), valid_to: view.slot.end.toISOString(), status: 'GENERATED' } as const } : {}),
    };
  }

  #item(doctor: Doctor, fulfillmentId: string): UhiItem {
    return { id: doctor.id, descriptor: { name: `Consultation${doctor.specialization === null ? '' : ` (${doctor.specialization})`}` }, price: { currency: 'INR', value: String(this.#fees[doctor.id] ?? 0) }, fulfillment_id: fulfillmentId };
  }

  /** A slot as a UHI fulfillment: the doctor as its agent, tagged as UHI's catalogues tag them (`@abdm/gov/in/…`). */
  #fulfillment(doctor: Doctor, slotId: string, start: Date, end: Date, places: number): UhiFulfillment {
    const tags: Record<string, string> = {};
    const hprId = this.#hprIds[doctor.id];
    if (hprId !== undefined) tags['@abdm/gov/in/hpr_id'] = hprId;
    if (doctor.specialization !== null) tags['@abdm/gov/in/speciality'] = doctor.specialization;
    if (doctor.department !== null) tags['@abdm/gov/in/department'] = doctor.department;
    tags['@abdm/gov/in/first_consultation'] = String(this.#fees[doctor.id] ?? 0);
    return {
      id: slotId,
      type: 'PhysicalConsultation',
      agent: { id: doctor.id, name: doctor.name, tags },
      start: { time: { timestamp: start.toISOString() } },
      end: { time: { timestamp: end.toISOString() } },
      tags: { '@abdm/gov/in/slots_available': String(places) },
    };
  }

  #answer(context: BecknContext): BecknContext {
    return answerContext(context, { providerId: this.#providerId, providerUri: this.#providerUri }, this.#opd.now());
  }
}

function instantAt(object: Record<string, unknown>, key: string, path: string): Date {
  const time = objectAt(objectAt(object, key, path), 'time', `${path}.time`);
  const value = text(time, 'timestamp', `${path}.time.timestamp`);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw invalid(`${path}.time.timestamp`, `Expected \`${path}.time.timestamp\` as an ISO 8601 instant`);
  return date;
}
