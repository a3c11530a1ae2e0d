/**
 * The parts of a UHI provider's answers, built as NHA's v2.0 samples show them: the catalogue's
 * items, fulfillments, agents and categories, the five terms, the payment, and a whole order with
 * its check-in PIN. It holds what the provider's options say of the facility, its doctors, fees
 * and terms (validated here); the calls themselves are handled by {@link UhiProvider} in
 * `src/abdm/uhi.ts`.
 */
import { createHmac } from 'node:crypto';
import { invalid } from '../errors.js';
import type { OpdScheduler } from '../scheduler.js';
import type { Doctor, Token } from '../types.js';
import { isPlainObject } from '../validate.js';
import type { LocalTimes } from './local-time.js';
import { UHI_DOCTOR_NO_SHOW_REASON, uhiStateOf } from './states.js';
// Named in the doc comments' links only.
import type { UhiProvider } from './uhi.js';
import type { UhiDoctorProfile, UhiFacility, UhiProviderOptions } from './uhi-options.js';
import { codeOf, quoteOf, rupees } from './uhi-read.js';
import {
  UHI_TERM_TYPES,
  type UhiAgent,
  type UhiAuthorization,
  type UhiCancellation,
  type UhiCategory,
  type UhiFulfillment,
  type UhiItem,
  type UhiOrder,
  type UhiPayment,
  type UhiPinStatus,
  type UhiTerm,
  type UhiTermText,
  type UhiTermType,
} from './uhi-types.js';

const DEFAULT_TERMS: Readonly<Record<UhiTermType, UhiTermText>> = {
  Commercial: {
    name: 'Commercial terms',
    short_desc: 'The consultation fee of the quote, nothing else.',
    long_desc: 'The consultation is charged at the fee of the quote; no other charge is made for the booking.',
  },
  Settlement: {
    name: 'Settlement terms',
    short_desc: 'The fee is settled at the facility.',
    long_desc: 'The fee is settled between the patient and the facility at the visit; nothing is settled through the consumer.',
  },
  Cancellation: {
    name: 'Cancellation policy',
    short_desc: 'Cancel before the appointment; the place goes to the next patient.',
    long_desc:
      'An order may be cancelled before the appointment, with a reason; its place is given to the next patient. The facility may cancel for the doctor (a leave, an emergency) and then offers the earliest place.',
  },
  Refund: {
    name: 'Refund policy',
    short_desc: 'Nothing is paid before the visit, so nothing is refunded.',
    long_desc: 'Nothing is charged before the visit; a cancelled order owes nothing.',
  },
  Payment: {
    name: 'Payment terms',
    short_desc: 'Pay at the clinic on the day of the visit.',
    long_desc: 'The fee is paid at the clinic on the day of the visit.',
  },
};

/** The facility of a UHI provider, its id, name and system of medicine filled in. */
export type UhiResolvedFacility = UhiFacility & { readonly id: string; readonly name: string; readonly system: string };

/** @internal The builder of a {@link UhiProvider}'s answers, over its scheduler and options. */
export class UhiMessages {
  /** The facility the provider answers for (`options.facility`, its id and name the provider id's by default). */
  readonly facility: UhiResolvedFacility;
  /** Doctor id by HPR address, lower-cased (`options.doctors[…].hprAddress`). */
  readonly byAddress: ReadonlyMap<string, string>;
  readonly #opd: OpdScheduler;
  readonly #secret: string;
  readonly #actor: string;
  readonly #times: LocalTimes;
  readonly #fees: Readonly<Record<string, number>>;
  readonly #doctors: ReadonlyMap<string, UhiDoctorProfile>;
  readonly #terms: Readonly<Record<UhiTermType, UhiTermText>>;

  /**
   * @param opd - the scheduler
   * @param options - the provider's options (its ids and `pinSecret` already checked)
   * @param actor - the provider's actor, whose check-in is the PIN's
   * @param times - the facility's local times
   * @throws OpdError `VALIDATION_FAILED` naming the option (`fees`, `hprIds`, `doctors`, `facility`, `terms`)
   */
  constructor(opd: OpdScheduler, options: UhiProviderOptions, actor: string, times: LocalTimes) {
    const fees = options.fees ?? {};
    for (const [doctorId, fee] of Object.entries(fees))
      if (typeof fee !== 'number' || !Number.isFinite(fee) || fee < 0)
        throw invalid('fees', `Expected the fee of doctor ${doctorId} as a number of rupees, 0 or more`);
    const doctors = new Map<string, UhiDoctorProfile>();
    for (const [doctorId, hprId] of Object.entries(options.hprIds ?? {})) {
      if (typeof hprId !== 'string' || hprId === '' || hprId.length > 64)
        throw invalid('hprIds', `Expected the HPR id of doctor ${doctorId} as a non-empty string of at most 64 characters`);
      doctors.set(doctorId, { hprId });
    }
    const byAddress = new Map<string, string>();
    for (const [doctorId, profile] of Object.entries(options.doctors ?? {})) {
      if (!isPlainObject(profile as unknown)) throw invalid('doctors', `Expected the profile of doctor ${doctorId} as an object`);
      for (const key of ['hprId', 'hprAddress', 'education', 'experience', 'languages'] as const) {
        const value = profile[key];
        if (value !== undefined && (typeof value !== 'string' || value === '' || value.length > 100))
          throw invalid('doctors', `Expected \`${key}\` of doctor ${doctorId} as a non-empty string of at most 100 characters`);
      }
      if (profile.gender !== undefined && !['M', 'F', 'O'].includes(profile.gender))
        throw invalid('doctors', `Expected \`gender\` of doctor ${doctorId} as M, F or O`);
      if (profile.hprAddress !== undefined) {
        const address = profile.hprAddress.toLowerCase();
        if (byAddress.has(address)) throw invalid('doctors', `Two doctors have the HPR address of doctor ${doctorId}`);
        byAddress.set(address, doctorId);
      }
      doctors.set(doctorId, { ...doctors.get(doctorId), ...profile });
    }
    const facility: UhiFacility = options.facility ?? {};
    if (!isPlainObject(facility as unknown)) throw invalid('facility', 'Expected `facility` as an object');
    for (const key of ['id', 'name', 'hfrId', 'hipId', 'system', 'helplineNumber'] as const) {
      const value = facility[key];
      if (value !== undefined && (typeof value !== 'string' || value === '' || value.length > 200))
        throw invalid('facility', `Expected \`facility.${key}\` as a non-empty string of at most 200 characters`);
    }
    const terms = options.terms ?? {};
    for (const [type, term] of Object.entries(terms)) {
      if (!(UHI_TERM_TYPES as readonly string[]).includes(type)) throw invalid('terms', `Expected the terms by type, one of ${UHI_TERM_TYPES.join(', ')}`);
      if (!isPlainObject(term as unknown) || [term['name'], term['short_desc'], term['long_desc']].some((v) => typeof v !== 'string' || v === ''))
        throw invalid('terms', `Expected the ${type} terms as { name, short_desc, long_desc }`);
    }
    this.#opd = opd;
    this.#secret = options.pinSecret;
    this.#actor = actor;
    this.#times = times;
    this.#fees = { ...fees };
    this.#doctors = doctors;
    this.byAddress = byAddress;
    this.facility = { ...facility, id: facility.id ?? options.providerId, name: facility.name ?? options.providerId, system: facility.system ?? 'Allopathy' };
    this.#terms = { ...DEFAULT_TERMS, ...terms };
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

  /** The order of `token` as the answer `kind` carries it (NHA's v2.0 samples, field by field). */
  async order(
    token: Token,
    kind: 'on_init' | 'on_confirm' | 'on_status' | 'on_cancel',
    formerSlotId: string | null = null,
    cancellation?: UhiCancellation,
  ): Promise<UhiOrder> {
    const doctor = await this.#opd.getDoctor(token.doctorId);
    const slotId = token.slotId ?? token.waitingForSlotId ?? formerSlotId;
    const view = slotId === null ? null : await this.#opd.getSlot(slotId);
    const item = this.item(doctor, slotId ?? '');
    const state = token.cancelReason === UHI_DOCTOR_NO_SHOW_REASON ? 'DOCTOR_NO_SHOW' : (uhiStateOf(token.status) ?? undefined);
    const confirmed =
      token.status !== 'HELD' && !(token.status === 'CANCELLED' && token.cancelReason === null && kind !== 'on_confirm' && (await this.neverBooked(token)));
    const tags: Record<string, string> = {};
    if (kind === 'on_init' || kind === 'on_confirm') tags['@abdm/gov.in/slot_id'] = slotId ?? '';
    if (kind === 'on_confirm')
      Object.assign(tags, {
        '@abdm/gov.in/messaging_support': 'false',
        '@abdm/gov.in/deep_link': '',
        '@abdm/gov.in/helpline_number': this.facility.helplineNumber ?? '',
        '@abdm/gov.in/chatbot_link': '',
      });
    if (cancellation !== undefined)
      Object.assign(tags, { '@abdm/gov.in/cancelledby': cancellation.cancelledBy, '@abdm/gov.in/cancel_reason': cancellation.code });
    const fulfillment =
      view === null ? undefined : this.fulfillment(doctor, view.slot.id, view.slot.start, view.slot.end, Object.keys(tags).length === 0 ? undefined : tags);
    const slotStart = view === null ? `${token.day}T00:00:00` : this.#times.format(view.slot.start);
    const provider = kind === 'on_confirm' ? this.#orderProvider(doctor) : { id: this.facility.id };
    const common = { id: token.id, provider, item, ...(fulfillment === undefined ? {} : { fulfillment }) };
    if (kind === 'on_init') return { ...common, terms: this.#termsOf('INITIATED', slotStart), quote: quoteOf(item.price), payment: this.payment(doctor.id) };
    const authorization = confirmed ? { authorization: await this.#authorization(token) } : {};
    const stated = { ...common, ...(state === undefined ? {} : { state }) };
    if (kind === 'on_confirm')
      return { ...stated, quote: quoteOf(item.price), payment: this.payment(doctor.id), terms: this.#termsOf('AGREED', slotStart), ...authorization };
    return { ...stated, payment: this.payment(doctor.id), ...authorization };
  }

  /** Whether a cancelled token ended as a hold (released or expired) and was never booked: it never had a PIN. */
  async neverBooked(token: Token): Promise<boolean> {
    const { steps } = await this.#opd.explain(token.id);
    return !steps.some((s) => s.event === 'token:confirmed');
  }

  async #authorization(token: Token): Promise<UhiAuthorization> {
    return {
      type: 'PIN',
      token: this.pinOf(token),
      valid_from: `${token.day}T00:00:00`,
      valid_to: `${token.day}T23:59:00`,
      status: await this.#pinStatus(token),
    };
  }

  /** `VERIFIED` once checked in with the PIN (the provider's actor), `HSPA_OVERRIDE` once checked in any other way (an override code, the counter), else `GENERATED`. */
  async #pinStatus(token: Token): Promise<UhiPinStatus> {
    if (!['CHECKED_IN', 'IN_CONSULTATION', 'COMPLETED'].includes(token.status)) return 'GENERATED';
    const { steps } = await this.#opd.explain(token.id);
    const checkIn = steps.filter((s) => s.event === 'token:checked-in').at(-1);
    return checkIn?.actor === this.#actor ? 'VERIFIED' : 'HSPA_OVERRIDE';
  }

  #termsOf(termsState: UhiTerm['termsState'], timePeriod: string): UhiTerm[] {
    return UHI_TERM_TYPES.map((type) => ({ type, descriptor: this.#terms[type], reasonRequired: type === 'Cancellation', timePeriod, reason: '', termsState }));
  }

  /** The payment of a consultation with the doctor (type `ON-ORDER`): `FREE` at no fee, else `NOT_PAID`, the amount its fee in rupees. */
  payment(doctorId: string): UhiPayment {
    const fee = this.#fees[doctorId] ?? 0;
    return { type: 'ON-ORDER', status: fee === 0 ? 'FREE' : 'NOT_PAID', params: { amount: rupees(fee) } };
  }

  #orderProvider(doctor: Doctor): UhiOrder['provider'] {
    const location = this.facility.location;
    return {
      id: this.facility.id,
      descriptor: { name: this.facility.name },
      categories: this.categories([doctor]),
      ...(location === undefined ? {} : { location }),
    };
  }

  /** The categories of a catalogue of `doctors`: each speciality (or department) once, under the facility's system of medicine, which comes last. */
  categories(doctors: readonly Doctor[]): UhiCategory[] {
    const system = { id: codeOf(this.facility.system), descriptor: { name: this.facility.system, code: codeOf(this.facility.system) } };
    const specialities = new Map<string, UhiCategory>();
    for (const doctor of doctors) {
      const name = doctor.specialization ?? doctor.department;
      if (name !== null && !specialities.has(codeOf(name)))
        specialities.set(codeOf(name), { id: codeOf(name), parent_category_id: system.id, descriptor: { name, code: codeOf(name) } });
    }
    return [...specialities.values(), system];
  }

  /** A consultation with the doctor as a catalogue item: its fee as the price, its speciality as the category, for the fulfillment (slot) `fulfillmentId`. */
  item(doctor: Doctor, fulfillmentId: string): UhiItem {
    const speciality = doctor.specialization ?? doctor.department;
    return {
      id: doctor.id,
      descriptor: { name: 'Consultation', code: 'CONSULTATION' },
      price: { currency: 'INR', value: rupees(this.#fees[doctor.id] ?? 0) },
      ...(speciality === null ? {} : { category_id: codeOf(speciality) }),
      fulfillment_id: fulfillmentId,
    };
  }

  /** A slot as a UHI fulfillment: the doctor as its agent by HPR address, tagged as NHA's catalogues tag them (`@abdm/gov.in/…`). */
  fulfillment(doctor: Doctor, slotId: string, start: Date, end: Date, tags?: Readonly<Record<string, string>>): UhiFulfillment {
    return {
      id: slotId,
      type: 'Physical',
      agent: this.#agent(doctor),
      start: { time: { timestamp: this.#times.format(start) } },
      end: { time: { timestamp: this.#times.format(end) } },
      ...(tags === undefined ? {} : { tags }),
    };
  }

  #agent(doctor: Doctor): UhiAgent {
    const profile = this.#doctors.get(doctor.id) ?? {};
    const tags: Record<string, string> = {};
    if (profile.experience !== undefined) tags['@abdm/gov.in/experience'] = profile.experience;
    if (profile.languages !== undefined) tags['@abdm/gov.in/languages'] = profile.languages;
    if (profile.education !== undefined) tags['@abdm/gov.in/education'] = profile.education;
    if (profile.hprId !== undefined) tags['@abdm/gov.in/hpr_id'] = profile.hprId;
    if (this.facility.hfrId !== undefined) tags['@abdm/gov.in/hfr_id'] = this.facility.hfrId;
    if (this.facility.hipId !== undefined) tags['@abdm/gov.in/hip_id'] = this.facility.hipId;
    return {
      id: profile.hprAddress ?? doctor.id,
      name: doctor.name,
      ...(profile.gender === undefined ? {} : { gender: profile.gender }),
      ...(Object.keys(tags).length === 0 ? {} : { tags }),
    };
  }
}
