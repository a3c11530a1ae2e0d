/**
 * A UHI provider (HSPA) for physical consultations over the scheduler, speaking NHA's *UHI
 * Physical Consultation v2.0* dialect: `search` (both rounds), `select`, `init` (a hold),
 * `confirm` (the hold confirmed once every term is agreed, with a check-in PIN), `status`,
 * `cancel`, the patient's app's `on_update` (`DOCTOR_NO_SHOW`), the PIN checked at the counter,
 * and the `on_update` / `on_cancel` pushes of the scheduler's events. Every place it offers or
 * takes is one the scheduler's rules give the UHI channel.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { invalid, isOpdError, OpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import type { OpdScheduler } from '../scheduler.js';
import type { Category, Doctor, Token } from '../types.js';
import type { TransitionResult } from '../types/inputs.js';
import { isPlainObject } from '../validate.js';
import { answerContext, type BecknContext, type BecknMessage, objectAt, readBecknCall, text } from './beckn.js';
import { localTimes, type LocalTimes } from './local-time.js';
import { UHI_DOCTOR_NO_SHOW_REASON, UHI_OVERRIDE_CODES, uhiChangeOf, uhiStateOf } from './states.js';
import type { UhiCaller, UhiCatalogProvider, UhiFulfillment, UhiItem, UhiOnSearchMessage, UhiOrderMessage } from './uhi-types.js';
import { notAnOrder, optionalText, slotOf, orderIdOf, cancellationOf, agreedTerms, quoteOf } from './uhi-read.js';
import type { UhiCheckIn, UhiProviderOptions, UhiPush } from './uhi-options.js';
import { UhiMessages } from './uhi-messages.js';

/** How long an `init` holds its place, in minutes: UHI's "temporarily holding the selected slot for 15 minutes". */
export const UHI_HOLD_MINUTES = 15;

/** The prefix of the idempotency key of a token taken by a UHI `init`: how a UHI order is told from another booking of its channel, and whose it is. */
const UHI_KEY_PREFIX = 'uhi-init:';

/** The fulfillment types read as a physical consultation: NHA's `Physical` (v2.0), `Physical-OPD` (NHA's HSPA code) and `PhysicalConsultation` (2022). */
const PHYSICAL_TYPES: ReadonlySet<string> = new Set(['physical', 'physical-opd', 'physicalconsultation']);

/** Statuses of an order that still stands: it is never told it is cancelled. */
const STANDING: ReadonlySet<Token['status']> = new Set(['HELD', 'BOOKED', 'WAITLISTED', 'CHECKED_IN', 'IN_CONSULTATION']);

interface Owner {
  readonly consumer: string | null;
  readonly transaction: string;
}

/**
 * A UHI provider over one scheduler. Its handlers take the parsed JSON of a UHI call (and, when
 * the application verified its signature, the {@link UhiCaller} it named) and return the JSON of
 * its answer (`on_search`, `on_init`…); transport, gateway sessions and signatures
 * ({@link signBecknRequest}, {@link verifyBecknRequest}) stay the application's.
 *
 * - `search` answers from {@link OpdScheduler.availability} for the UHI channel: only places a UHI
 *   booking would get now (quotas, reserves, booking windows, holds applied), as one provider of
 *   `catalog.providers[]`. A doctor is named by the HPR address (`fulfillment.agent.id`).
 * - `init` is a hold ({@link OpdScheduler.hold}) of {@link UHI_HOLD_MINUTES}: an unconfirmed order
 *   frees its place when the hold ends. The order id is the token id; `init` is idempotent by the
 *   consumer and transaction, and the order is theirs: `confirm`, `status` and `cancel` answer it
 *   only in the same transaction of the same consumer, or to the verified consumer that made it,
 *   else `TOKEN_NOT_FOUND`.
 * - `confirm` needs every one of the five terms `AGREED` (when the call carries terms), books
 *   the hold and answers a 4-digit PIN, derived from `pinSecret`, the token and its day
 *   (HMAC-SHA256): nothing is stored, and every process with the secret checks it.
 * - `checkIn` checks the PIN (`authorization.status` `VERIFIED`), or records an override code with
 *   its actor (`HSPA_OVERRIDE`). Wrong tries are counted per provider instance: after three the
 *   token's PIN is refused until the instance restarts.
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
  readonly #holdMinutes: number;
  readonly #actor: string;
  readonly #times: LocalTimes;
  /** The parts of the answers: catalogue, orders, terms, payments, PINs. */
  readonly #messages: UhiMessages;
  readonly #wrongTries = new Map<string, number>();

  /**
   * @param opd - the scheduler
   * @param options - the provider's ids, the channel, the PIN secret, the hold, the fees, the doctors' and the facility's registry ids
   * @throws OpdError `VALIDATION_FAILED` naming the option
   */
  constructor(opd: OpdScheduler, options: UhiProviderOptions) {
    if (typeof options !== 'object' || options === null) throw invalid('options', 'Expected the UHI provider options');
    for (const key of ['providerId', 'providerUri'] as const)
      if (typeof options[key] !== 'string' || options[key] === '') throw invalid(key, `Expected \`${key}\` as a non-empty string`);
    if (typeof options.pinSecret !== 'string' || options.pinSecret.length < 16)
      throw invalid('pinSecret', 'Expected `pinSecret` as a string of at least 16 characters');
    const hold = options.holdMinutes ?? UHI_HOLD_MINUTES;
    if (!Number.isInteger(hold) || hold < 1 || hold > 1440) throw invalid('holdMinutes', 'Expected `holdMinutes` as a whole number from 1 to 1440');
    const category = options.category ?? 'ONLINE';
    if (typeof category !== 'string' || category === '') throw invalid('category', 'Expected `category` as a non-empty string');
    this.#opd = opd;
    this.#providerId = options.providerId;
    this.#providerUri = options.providerUri;
    this.#holdMinutes = hold;
    this.#actor = options.actor ?? 'uhi';
    this.#times = localTimes(opd.timeZone);
    this.#messages = new UhiMessages(opd, options, this.#actor, this.#times);
    this.category = category;
  }

  /**
   * `search`: the catalogue of the doctors' time slots a UHI booking would get now. The call's
   * `message.intent.fulfillment` may name a doctor (`agent.id`: the HPR address, or the doctor
   * id; `agent.name`: part of the name), a window (`start.time.timestamp`,
   * `end.time.timestamp`, local times of the facility; by default a day from now) and a type
   * (`Physical`; another type, such as `Online`, finds nothing here).
   * `message.intent.item.descriptor.name` other than `Consultation` names a speciality or
   * department; `message.intent.provider.id` other than the facility's finds nothing.
   *
   * @returns the `on_search` answer
   * @throws OpdError `VALIDATION_FAILED` naming the field
   */
  async search(payload: unknown, caller?: UhiCaller): Promise<BecknMessage<UhiOnSearchMessage>> {
    const { context, message } = this.#read(payload, 'search', caller);
    const intent = objectAt(message, 'intent', 'message.intent');
    const fulfillment = intent['fulfillment'] === undefined ? {} : objectAt(intent, 'fulfillment', 'message.intent.fulfillment');
    const agent = fulfillment['agent'] === undefined ? {} : objectAt(fulfillment, 'agent', 'message.intent.fulfillment.agent');
    const agentId = optionalText(agent, 'id', 'message.intent.fulfillment.agent.id');
    const agentName = optionalText(agent, 'name', 'message.intent.fulfillment.agent.name')?.toLowerCase();
    const type = optionalText(fulfillment, 'type', 'message.intent.fulfillment.type');
    const item = intent['item'] === undefined ? undefined : objectAt(intent, 'item', 'message.intent.item');
    const descriptor = item === undefined || item['descriptor'] === undefined ? {} : objectAt(item, 'descriptor', 'message.intent.item.descriptor');
    const named = optionalText(descriptor, 'name', 'message.intent.item.descriptor.name')?.toLowerCase();
    const speciality = named === undefined || named === 'consultation' ? undefined : named;
    const provider = intent['provider'] === undefined ? undefined : objectAt(intent, 'provider', 'message.intent.provider');
    const providerId = provider === undefined ? undefined : optionalText(provider, 'id', 'message.intent.provider.id');
    const now = this.#opd.now();
    const from = fulfillment['start'] === undefined ? now : this.#instantAt(fulfillment, 'start', 'message.intent.fulfillment.start');
    const to =
      fulfillment['end'] === undefined ? new Date(from.getTime() + 24 * 3600_000) : this.#instantAt(fulfillment, 'end', 'message.intent.fulfillment.end');
    const answer = (providers: UhiCatalogProvider[]): BecknMessage<UhiOnSearchMessage> => ({
      context: this.#answer(context),
      message: { catalog: { descriptor: { name: this.#messages.facility.name }, providers } },
    });
    if ((type !== undefined && !PHYSICAL_TYPES.has(type.toLowerCase())) || (providerId !== undefined && providerId !== this.#messages.facility.id))
      return answer([]);
    const wanted = agentId === undefined ? undefined : (this.#messages.byAddress.get(agentId.toLowerCase()) ?? agentId);
    const doctors = (await this.#opd.listDoctors()).filter(
      (d) =>
        d.retiredFrom === null &&
        (wanted === undefined || d.id === wanted) &&
        (agentName === undefined || d.name.toLowerCase().includes(agentName)) &&
        (speciality === undefined || d.specialization?.toLowerCase() === speciality || d.department?.toLowerCase() === speciality),
    );
    const items: UhiItem[] = [];
    const fulfillments: UhiFulfillment[] = [];
    const found: Doctor[] = [];
    for (const doctor of doctors) {
      const slots = (await this.#opd.availability({ doctorId: doctor.id, category: this.category, from, to, actor: this.#actor })).filter((s) => s.available);
      if (slots.length === 0) continue;
      found.push(doctor);
      for (const s of slots) {
        fulfillments.push(this.#messages.fulfillment(doctor, s.slot.id, s.slot.start, s.slot.end));
        items.push(this.#messages.item(doctor, s.slot.id));
      }
    }
    if (found.length === 0) return answer([]);
    const location = this.#messages.facility.location;
    return answer([
      {
        id: this.#messages.facility.id,
        descriptor: { name: this.#messages.facility.name },
        categories: this.#messages.categories(found),
        fulfillments,
        items,
        ...(location === undefined ? {} : { location }),
      },
    ]);
  }

  /**
   * `select`: the quote of one slot (`message.order.fulfillment.id`), if a UHI booking would get a
   * place in it now. (NHA's v2.0 flow goes from `search` to `init`; `select` is kept for consumers of the gateway's Swagger.)
   *
   * @returns the `on_select` answer
   * @throws OpdError `VALIDATION_FAILED`; `SLOT_NOT_FOUND`; `SLOT_FULL` (no place for the UHI channel, with the reason)
   */
  async select(payload: unknown, caller?: UhiCaller): Promise<BecknMessage<UhiOrderMessage>> {
    const { context, message } = this.#read(payload, 'select', caller);
    const slotId = slotOf(objectAt(message, 'order', 'message.order'));
    const view = await this.#opd.getSlot(slotId);
    const doctor = await this.#opd.getDoctor(view.slot.doctorId);
    const [place] = await this.#opd.availability({
      doctorId: doctor.id,
      category: this.category,
      from: view.slot.start,
      to: new Date(view.slot.start.getTime() + 1),
      actor: this.#actor,
    });
    if (place === undefined || !place.available)
      throw new OpdError('SLOT_FULL', `Slot ${slotId} has no place for the UHI channel (${place?.reason ?? 'closed'})`, {
        details: { slotId, doctorId: doctor.id, day: this.#opd.dayOf(view.slot.start) },
      });
    const item = this.#messages.item(doctor, slotId);
    return {
      context: this.#answer(context),
      message: {
        order: {
          provider: { id: this.#messages.facility.id },
          item,
          fulfillment: this.#messages.fulfillment(doctor, slotId, view.slot.start, view.slot.end),
          quote: quoteOf(item.price),
          payment: this.#messages.payment(doctor.id),
        },
      },
    };
  }

  /**
   * `init`: holds a place of the slot (`message.order.fulfillment.id`, or its
   * `@abdm/gov.in/slot_id` tag, or `item.fulfillment_id`) for the patient (`customer.id`, the ABHA
   * address; the 2022 dialect's `customer.cred`) for {@link UhiProviderOptions.holdMinutes}: a
   * hold, counted taken by every rule, that frees its place by itself unless confirmed. The
   * patient's name is `customer.person.name`, else `billing.name`, else the ABHA address. The same
   * consumer's same transaction answers the same hold.
   *
   * @returns the `on_init` answer: `order.id` is the token id, with the slot tag, the five terms `INITIATED`, the quote and payment `NOT_PAID` (`FREE` at no fee)
   * @throws OpdError `VALIDATION_FAILED`; `SLOT_NOT_FOUND`; `SLOT_FULL`; `DUPLICATE_BOOKING`; `OUTSIDE_BOOKING_WINDOW`; `INVALID_TRANSITION` (the same transaction's init again after its hold ended unconfirmed)
   */
  async init(payload: unknown, caller?: UhiCaller): Promise<BecknMessage<UhiOrderMessage>> {
    const { context, message } = this.#read(payload, 'init', caller);
    const order = objectAt(message, 'order', 'message.order');
    const slotId = slotOf(order);
    const customer = objectAt(order, 'customer', 'message.order.customer');
    const cred = optionalText(customer, 'cred', 'message.order.customer.cred', true);
    const patientId = cred ?? text(customer, 'id', 'message.order.customer.id');
    const person = customer['person'] === undefined ? {} : objectAt(customer, 'person', 'message.order.customer.person');
    const billing = order['billing'] === undefined ? {} : objectAt(order, 'billing', 'message.order.billing');
    const name = optionalText(person, 'name', 'message.order.customer.person.name') ?? optionalText(billing, 'name', 'message.order.billing.name') ?? patientId;
    const view = await this.#opd.getSlot(slotId);
    const held = await this.#opd.hold({
      doctorId: view.slot.doctorId,
      slotId,
      category: this.category,
      patient: { id: patientId, name },
      holdMinutes: this.#holdMinutes,
      idempotencyKey: `${UHI_KEY_PREFIX}${encodeURIComponent(context.consumer_id)}|${encodeURIComponent(context.transaction_id)}`,
      actor: this.#actor,
    });
    // A replayed init (a lost answer retried) answers the same order, as long as it still holds
    // or has been booked since; a hold that ended unconfirmed is not answered as a place held.
    const token = held.replayed === true ? await this.#opd.getToken(held.token.id) : held.token;
    if (token.status !== 'HELD' && uhiStateOf(token.status) === 'CANCELLED' && (await this.#messages.neverBooked(token))) {
      throw new OpdError('INVALID_TRANSITION', `Order ${token.id}: its hold ended unconfirmed; init again in a new transaction`, {
        details: { tokenId: token.id, status: token.status, action: 'init' },
      });
    }
    return { context: this.#answer(context), message: { order: await this.#messages.order(token, 'on_init') } };
  }

  /**
   * `confirm`: books the held order (`message.order.id`) once the patient agreed every term, and
   * answers its check-in PIN. A call that carries `terms` must carry the five types, each
   * `termsState: AGREED` (a call of the 2022 dialect carries none). Confirming again answers the
   * same booking.
   *
   * @returns the `on_confirm` answer: the order `CONFIRMED`, the facility, the billing and customer echoed, the terms `AGREED`, `authorization` with the PIN `GENERATED`
   * @throws OpdError `VALIDATION_FAILED` (field `message.order.terms`: a term not agreed, nothing booked); `TOKEN_NOT_FOUND` (not an order of this transaction or consumer); `INVALID_TRANSITION` (the hold ended)
   */
  async confirm(payload: unknown, caller?: UhiCaller): Promise<BecknMessage<UhiOrderMessage>> {
    const { context, message } = this.#read(payload, 'confirm', caller);
    const order = objectAt(message, 'order', 'message.order');
    const tokenId = text(order, 'id', 'message.order.id');
    if (order['terms'] !== undefined) agreedTerms(order['terms']);
    const held = await this.#owned(tokenId, context, caller);
    const token = held.status === 'HELD' ? (await this.#opd.confirm(tokenId, { actor: this.#actor })).token : held;
    if (token.status === 'HELD' || uhiStateOf(token.status) !== 'CONFIRMED')
      throw new OpdError('INVALID_TRANSITION', `Token ${tokenId} cannot be confirmed from ${token.status}`, {
        details: { tokenId, status: token.status, action: 'confirm' },
      });
    const echoed = {
      ...(isPlainObject(order['billing']) ? { billing: order['billing'] } : {}),
      ...(isPlainObject(order['customer']) ? { customer: order['customer'] } : {}),
    };
    return { context: this.#answer(context), message: { order: { ...(await this.#messages.order(token, 'on_confirm')), ...echoed } } };
  }

  /**
   * `status`: the order (`message.order.id`; the older `message.order_id` too) as it stands, with
   * its PIN's status.
   *
   * @returns the `on_status` answer
   * @throws OpdError `VALIDATION_FAILED`; `TOKEN_NOT_FOUND` (not an order of this transaction or consumer)
   */
  async status(payload: unknown, caller?: UhiCaller): Promise<BecknMessage<UhiOrderMessage>> {
    const { context, message } = this.#read(payload, 'status', caller);
    const token = await this.#owned(orderIdOf(message), context, caller);
    return { context: this.#answer(context), message: { order: await this.#messages.order(token, 'on_status') } };
  }

  /**
   * `cancel`: cancels the order (`message.order.id`, `order.state: CANCELLED`) for whoever the
   * `@abdm/gov.in/cancelledby` tag names (`patient`, the default, or `doctor`), with the reason
   * code of the `@abdm/gov.in/cancel_reason` tag (a code or its reason, as NHA lists them; the
   * older `message.cancellation_reason_id` too), P7 (`PATIENT_OTHER`) or D6 (`DOCTOR_OTHER`)
   * when none is given. A held order is released; a booked one cancelled, its place freed for
   * the waitlist. Cancelling again answers the cancelled order.
   *
   * @returns the `on_cancel` answer: the full order `CANCELLED`, its fulfillment tagged with who cancelled and the code
   * @throws OpdError `VALIDATION_FAILED` (an unknown code, a code of the other side, another state); `TOKEN_NOT_FOUND` (not an order of this transaction or consumer); `CANCEL_CUTOFF`
   */
  async cancel(payload: unknown, caller?: UhiCaller): Promise<BecknMessage<UhiOrderMessage>> {
    const { context, message } = this.#read(payload, 'cancel', caller);
    const tokenId = orderIdOf(message);
    const cancellation = cancellationOf(message);
    const token = await this.#owned(tokenId, context, caller);
    let ended = token;
    if (token.status === 'HELD') ended = (await this.#opd.release(tokenId, { actor: this.#actor })).token;
    else if (STANDING.has(token.status)) ended = (await this.#opd.cancel(tokenId, { actor: this.#actor, reason: cancellation.code })).token;
    return {
      context: this.#answer(context),
      message: { order: await this.#messages.order(ended, 'on_cancel', token.slotId ?? token.waitingForSlotId, cancellation) },
    };
  }

  /**
   * The patient's app's `on_update`: the one state a consumer may set, `DOCTOR_NO_SHOW`, for an
   * order (`message.order.id`) of its own. A booked or waiting order is cancelled with reason
   * `DOCTOR_NO_SHOW` (nothing is pushed back for it); an order already ended is left as it is.
   *
   * @returns the order as it stands after
   * @throws OpdError `VALIDATION_FAILED` (another state); `TOKEN_NOT_FOUND`; `INVALID_TRANSITION` (the patient is checked in or seen); `CANCEL_CUTOFF`
   */
  async onUpdate(payload: unknown, caller?: UhiCaller): Promise<UhiOrderMessage> {
    const { context, message } = this.#read(payload, 'on_update', caller);
    const order = objectAt(message, 'order', 'message.order');
    const tokenId = text(order, 'id', 'message.order.id');
    if (order['state'] !== 'DOCTOR_NO_SHOW')
      throw invalid('message.order.state', 'Expected `message.order.state` "DOCTOR_NO_SHOW": the only state a consumer may set');
    let token = await this.#owned(tokenId, context, caller);
    if (token.status === 'CHECKED_IN' || token.status === 'IN_CONSULTATION')
      throw new OpdError('INVALID_TRANSITION', `Token ${tokenId} is checked in: the doctor's absence is for the counter to settle`, {
        details: { tokenId, status: token.status, action: 'cancel' },
      });
    if (token.status === 'HELD') token = (await this.#opd.release(tokenId, { actor: this.#actor })).token;
    else if (STANDING.has(token.status)) token = (await this.#opd.cancel(tokenId, { actor: this.#actor, reason: UHI_DOCTOR_NO_SHOW_REASON })).token;
    return { order: await this.#messages.order(token, 'on_status') };
  }

  /**
   * The check-in PIN of a token: four digits of HMAC-SHA256(`pinSecret`, token id and day).
   *
   * @param token - the token (its id and day)
   */
  pinOf(token: Pick<Token, 'id' | 'day'>): string {
    return this.#messages.pinOf(token);
  }

  /**
   * Checks a UHI patient in at the counter: with the PIN of their order (its
   * `authorization.status` becomes `VERIFIED`), or with an override code (O1–O6) and the member of
   * staff who used it, stamped as the event's actor (`<actor> override <code>`; the status becomes
   * `HSPA_OVERRIDE`). A wrong PIN changes nothing; after three wrong PINs for one token this
   * provider refuses its PIN (an override still checks the patient in).
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
      if (typeof how.actor !== 'string' || how.actor === '' || how.actor.length > 80)
        throw invalid('actor', 'Expected `actor` as a non-empty string of at most 80 characters');
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
   * The `on_update` or `on_cancel` to push for an event of a UHI order (see {@link uhiChangeOf}),
   * or `null` for an event of no UHI order or with nothing to tell. The push carries the full
   * order as it is now, in the order's transaction. An order that still stands is never pushed
   * `on_cancel`: it gets an `on_update` with its place as it is (a cascade, a promotion from the
   * waitlist). A D2 cancellation offers the earliest place the UHI channel would get with the
   * doctor now, from {@link OpdScheduler.availability}.
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
    const owner = this.#ownerOf(token);
    if (owner === null) return null;
    const context = (action: 'on_update' | 'on_cancel'): BecknContext => ({
      domain: 'nic2004:85111',
      action,
      core_version: '0.7.1',
      consumer_id: owner.consumer ?? '',
      provider_id: this.#providerId,
      provider_uri: this.#providerUri,
      transaction_id: owner.transaction,
      message_id: randomUUID(),
      timestamp: this.#opd.now().toISOString(),
    });
    if (change.action === 'on_update' || STANDING.has(token.status)) {
      const order = await this.#messages.order(token, 'on_status');
      const state = change.action === 'on_update' && change.state === 'FAILED' ? 'FAILED' : order.state;
      return { action: 'on_update', context: context('on_update'), message: { order: { ...order, ...(state === undefined ? {} : { state }) } } };
    }
    const cancellation = { code: change.code, cancelledBy: change.cancelledBy };
    const offer = change.offerEarliest ? await this.#earliest(token.doctorId) : undefined;
    const former =
      ('slotId' in event && typeof event.slotId === 'string' ? event.slotId : null) ??
      ('fromSlotId' in event && typeof event.fromSlotId === 'string' ? event.fromSlotId : null);
    const order = await this.#messages.order(token, 'on_cancel', former, cancellation);
    return { action: 'on_cancel', context: context('on_cancel'), message: { order }, cancellation, ...(offer === undefined ? {} : { offer }) };
  }

  #read(payload: unknown, action: string, caller: UhiCaller | undefined): { context: BecknContext; message: Record<string, unknown> } {
    const call = readBecknCall(payload, action);
    if (caller !== undefined && (typeof caller !== 'object' || caller === null || caller.subscriberId !== call.context.consumer_id))
      throw invalid('context.consumer_id', 'Expected `context.consumer_id` to be the subscriber that signed the call');
    return call;
  }

  async #earliest(doctorId: string): Promise<UhiFulfillment | undefined> {
    const doctor = await this.#opd.getDoctor(doctorId);
    const from = this.#opd.now();
    const slots = await this.#opd.availability({
      doctorId,
      category: this.category,
      from,
      to: new Date(from.getTime() + 62 * 24 * 3600_000 - 1),
      actor: this.#actor,
    });
    const first = slots.find((s) => s.available);
    return first === undefined ? undefined : this.#messages.fulfillment(doctor, first.slot.id, first.slot.start, first.slot.end);
  }

  /** A UHI order, answered only to its own transaction of its own consumer, or to the verified consumer that made it: to anyone else it does not exist. */
  async #owned(tokenId: string, context: BecknContext, caller: UhiCaller | undefined): Promise<Token> {
    const token = await this.#uhiToken(tokenId);
    const owner = this.#ownerOf(token);
    const sameTransaction =
      owner !== null && owner.transaction === context.transaction_id && (owner.consumer === null || owner.consumer === context.consumer_id);
    const sameConsumer = owner !== null && caller !== undefined && owner.consumer !== null && owner.consumer === caller.subscriberId;
    if (!sameTransaction && !sameConsumer) throw notAnOrder(tokenId);
    return token;
  }

  async #uhiToken(tokenId: string): Promise<Token> {
    if (typeof tokenId !== 'string' || tokenId === '') throw invalid('order.id', 'Expected the order id');
    let token: Token;
    try {
      token = await this.#opd.getToken(tokenId);
    } catch (error) {
      if (isOpdError(error, 'TOKEN_NOT_FOUND')) throw notAnOrder(tokenId);
      throw error;
    }
    if (this.#ownerOf(token) === null) throw notAnOrder(tokenId);
    return token;
  }

  /** Whose order `token` is: an `init` of this channel wrote its consumer and transaction in its idempotency key. A token of the same category booked at the counter or on the portal is no UHI order. */
  #ownerOf(token: Token): Owner | null {
    if (token.category !== this.category || token.idempotencyKey === null || !token.idempotencyKey.startsWith(UHI_KEY_PREFIX)) return null;
    const rest = token.idempotencyKey.slice(UHI_KEY_PREFIX.length);
    const bar = rest.indexOf('|');
    try {
      return bar < 0
        ? { consumer: null, transaction: rest }
        : { consumer: decodeURIComponent(rest.slice(0, bar)), transaction: decodeURIComponent(rest.slice(bar + 1)) };
    } catch {
      return null;
    }
  }

  #instantAt(object: Record<string, unknown>, key: string, path: string): Date {
    const time = objectAt(objectAt(object, key, path), 'time', `${path}.time`);
    return this.#times.parse(`${path}.time.timestamp`, text(time, 'timestamp', `${path}.time.timestamp`));
  }

  #answer(context: BecknContext): BecknContext {
    return answerContext(context, { providerId: this.#providerId, providerUri: this.#providerUri }, this.#opd.now());
  }
}
