/**
 * The read-only calls of a scheduler (a token, a slot, a doctor's day, its waitlist, the stats):
 * one consistent read of the store, checked to be made of records, turned into views.
 */
import { takenPlacesAt } from '../model/claims.js';
import { doctorNotFound, slotNotFound, tokenNotFound } from '../core/command.js';
import type { CoreConfig } from '../core/config.js';
import { describeElastic } from '../core/placement.js';
import { dayEstimates, promotionUnder, slotView, StatsAccumulator, tokenView, waitlistView } from '../core/views.js';
import { toDoctor, toSlot } from '../model/convert.js';
import type { DaySnapshot, DoctorSnapshot } from '../model/snapshot.js';
import type { LeaseRecord } from '../model/records.js';
import { isDayDump, isSlotRecord, isTokenRecord } from '../storage/shapes.js';
import type { DaySchedule, Doctor, SlotAvailability, SlotView, Stats, Token } from '../types.js';
import { type AvailabilityCommand, availabilityLoad, probeAvailability } from '../core/commands/availability.js';
import { OpdError } from '../errors.js';
import { pointQueue } from '../core/commands/journey.js';
import { DayWork } from '../core/workspace.js';
import { fixedDate } from '../model/instant.js';
import type { ServicePoint } from '../types/journeys.js';
import type { CheckedAdapter } from './answers.js';

/** The views of one scheduler's store. */
export class Reads {
  constructor(
    readonly adapter: CheckedAdapter,
    readonly config: CoreConfig,
  ) {}

  /** @throws OpdError `DOCTOR_NOT_FOUND`, `STORAGE_FAILURE` */
  async doctor(id: string): Promise<Doctor> {
    const snapshot = await this.adapter.storage.read({ doctorId: id });
    if (snapshot.doctor === undefined) throw doctorNotFound(id, 'doctorId');
    this.adapter.checkRead(snapshot, undefined);
    return toDoctor(snapshot.doctor);
  }

  /** @throws OpdError `TOKEN_NOT_FOUND`, `STORAGE_FAILURE` */
  async token(id: string, now: () => number): Promise<Token> {
    const snapshot = await this.adapter.storage.read({ tokenId: id });
    const token = snapshot.tokens.get(id);
    if (token === undefined) throw tokenNotFound(id, 'tokenId');
    if (!isTokenRecord(token)) throw this.adapter.unreadable();
    const day = snapshot.days.get(token.day);
    this.adapter.checkRead(snapshot, day);
    return tokenView(token, day, this.#consultMinutes(snapshot), now(), this.config);
  }

  /** @throws OpdError `SLOT_NOT_FOUND`, `STORAGE_FAILURE` */
  async slot(id: string, now: () => number): Promise<SlotView> {
    const snapshot = await this.adapter.storage.read({ slotId: id });
    const slot = snapshot.slots.get(id);
    if (slot !== undefined && !isSlotRecord(slot)) throw this.adapter.unreadable();
    const day = slot === undefined ? undefined : snapshot.days.get(slot.day);
    this.adapter.checkRead(snapshot, day);
    const i = day === undefined ? -1 : day.slots.findIndex((s) => s.slot.id === id);
    if (day === undefined || i < 0) throw slotNotFound(id, 'slotId');
    const at = now();
    const view = slotView(day, i, dayEstimates(day, this.#consultMinutes(snapshot), at, this.config), at, promotionUnder(this.config, at));
    const elastic = describeElastic(this.config, day.slots[i]!.slot, takenPlacesAt(day.slots[i]!.places, day.record, id, at), new Date(at));
    return elastic === undefined ? view : { ...view, elastic };
  }

  /**
   * The slots of a doctor a booking by the query's channel would get a place in, decided by the
   * booking rule on one consistent read ({@link probeAvailability}); a read that must widen (the
   * slots' days) is made again, at most a few times.
   * @throws OpdError `DOCTOR_NOT_FOUND`, `STORAGE_FAILURE`
   */
  async availability(command: AvailabilityCommand, now: number): Promise<SlotAvailability[]> {
    let request = availabilityLoad(command);
    for (let reads = 0; reads < 4; reads++) {
      const snapshot = await this.adapter.storage.read(request);
      this.adapter.checkRead(snapshot, undefined);
      for (const day of snapshot.days.values()) this.adapter.checkRead(snapshot, day);
      const decision = probeAvailability(this.config, snapshot, command, now);
      if (decision.kind === 'commit') {
        return decision.result.map((p) => Object.freeze({ slot: toSlot(p.slot), available: p.reason === null, places: p.places, elastic: p.elastic, reason: p.reason }));
      }
      request = decision.request;
    }
    throw new OpdError('STORAGE_FAILURE', `The store kept answering without the days of doctor \`${command.doctorId}\`'s slots`, { details: { doctorId: command.doctorId } });
  }

  /** @throws OpdError `DOCTOR_NOT_FOUND`, `STORAGE_FAILURE` */
  async schedule(doctorId: string, date: string, now: () => number): Promise<DaySchedule> {
    const { snapshot, day } = await this.#day(doctorId, date);
    const at = now();
    const estimates = dayEstimates(day, this.#consultMinutes(snapshot), at, this.config);
    const promotion = promotionUnder(this.config, at);
    return {
      doctor: toDoctor(snapshot.doctor!),
      date: day.record.day,
      slots: day.slots.map((_, i) => slotView(day, i, estimates, at, promotion)),
      waitlist: waitlistView(day, promotion.isProtected),
    };
  }

  /** @throws OpdError `DOCTOR_NOT_FOUND`, `STORAGE_FAILURE` */
  async waitlist(doctorId: string, date: string, now: () => number): Promise<Token[]> {
    const { day } = await this.#day(doctorId, date);
    return waitlistView(day, promotionUnder(this.config, now()).isProtected);
  }

  /** @throws OpdError `DOCTOR_NOT_FOUND`, `STORAGE_FAILURE` */
  async stats(doctorId: string | undefined, date: string | undefined, now: () => number): Promise<Stats> {
    const doctors = new Map((await this.adapter.listDoctors()).map((d) => [d.id, d]));
    if (doctorId !== undefined && !doctors.has(doctorId)) {
      throw doctorNotFound(doctorId, 'filter.doctorId');
    }
    const stats = new StatsAccumulator();
    const at = now();
    const days = this.adapter.scanDays({ doctorId, day: date });
    try {
      for await (const day of days) {
        if (!isDayDump(day)) throw this.adapter.malformed('`scanDays` handed out something other than a stored day (a record, its slots and its tokens)');
        const consult = doctors.get(day.record.doctorId)?.consultMinutes ?? this.config.consultMinutes;
        stats.add(day.record, day.slots, day.tokens, consult, at, this.config);
      }
    } catch (error) {
      // The adapter's iteration failed, or handed out something that is not a stored day.
      throw this.adapter.failure('failed while reading its days', error);
    }
    return stats.result();
  }

  async #day(id: string, date: string): Promise<{ snapshot: DoctorSnapshot; day: DaySnapshot }> {
    const snapshot = await this.adapter.storage.read({ doctorId: id, days: [date] });
    const state = snapshot.days.get(date);
    this.adapter.checkRead(snapshot, state);
    if (snapshot.doctor === undefined || state === undefined) {
      throw doctorNotFound(id, 'doctorId');
    }
    return { snapshot, day: state };
  }

  /**
   * The patients waiting at a service point on `date`, in the order it will call them (the rule
   * `pointQueue`), among the days of `doctorIds` (a point without a department serves them all).
   * @throws OpdError `STORAGE_FAILURE`
   */
  async servicePointQueue(point: ServicePoint, doctorIds: readonly string[], date: string, now: () => number): Promise<Token[]> {
    const request = point.department !== undefined ? { department: { name: point.department, each: { days: [date] } } } : { others: doctorIds.map((doctorId) => ({ doctorId, days: [date] })) };
    const snapshot = await this.adapter.storage.read(request);
    const all = [snapshot, ...(snapshot.others?.values() ?? [])].filter((s) => s.doctor !== undefined);
    const days = new Map<string, { snapshot: DoctorSnapshot; day: DaySnapshot }>();
    for (const s of all) {
      const day = s.days.get(date);
      this.adapter.checkRead(s, day);
      if (day !== undefined) days.set(s.doctor!.id, { snapshot: s, day });
    }
    const at = now();
    const order = pointQueue({ config: this.config, nowDate: fixedDate(at) }, [...days.values()].map((d) => new DayWork(d.day)), point, at);
    return order.map((t) => {
      const own = days.get(t.doctorId)!;
      const record = own.day.slots.flatMap((x) => x.places).find((p) => p.id === t.id)!;
      return tokenView(record, own.day, this.#consultMinutes(own.snapshot), at, this.config);
    });
  }

  /**
   * A lease of a doctor-day as stored, `undefined` when the day never granted it.
   * @throws OpdError `DOCTOR_NOT_FOUND`, `STORAGE_FAILURE`
   */
  async lease(doctorId: string, day: string, leaseId: string): Promise<LeaseRecord | undefined> {
    const { day: state } = await this.#day(doctorId, day);
    return state.record.leases?.find((l) => l.id === leaseId);
  }

  #consultMinutes(snapshot: DoctorSnapshot): number {
    return snapshot.doctor?.consultMinutes ?? this.config.consultMinutes;
  }
}
