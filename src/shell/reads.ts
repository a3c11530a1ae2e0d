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
import { leaseOf } from '../core/leases.js';
import { isDayDump, isSlotRecord, isTokenRecord } from '../storage/shapes.js';
import type { DaySchedule, Doctor, SlotAvailability, SlotView, Stats, Token } from '../types.js';
import { type AvailabilityCommand, availabilityLoad, probeAvailability } from '../core/commands/availability.js';
import { OpdError } from '../errors.js';
import { doctorSnapshotOf, pointLoad, pointQueueIn } from '../core/commands/journey.js';
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
    const view = slotView(day, i, dayEstimates(day, this.#consultMinutes(snapshot), at, this.config), at, promotionUnder(this.config, at), this.config);
    const elastic = describeElastic(this.config, day.slots[i]!.slot, takenPlacesAt(day.slots[i]!.places, day.record.claims, id, at), new Date(at));
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
        return decision.result.map((p) =>
          Object.freeze({ slot: toSlot(p.slot), available: p.reason === null, places: p.places, elastic: p.elastic, reason: p.reason }),
        );
      }
      request = decision.request;
    }
    throw new OpdError('STORAGE_FAILURE', `The store kept answering without the days of doctor \`${command.doctorId}\`'s slots`, {
      details: { doctorId: command.doctorId },
    });
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
      slots: day.slots.map((_, i) => slotView(day, i, estimates, at, promotion, this.config)),
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
   * `pointQueue`), among the days of the doctors it serves (its department's; else every doctor's,
   * `doctorIds` where the scheduler listed them).
   * Reads the point's queue from the store's index of the tokens at each point, with the days of
   * the doctors whose patients wait there (for each token's place and estimate): read again, with
   * more of them, until one read holds the day of every doctor whose patient it shows.
   * @throws OpdError `STORAGE_FAILURE`
   */
  async servicePointQueue(point: ServicePoint, doctorIds: readonly string[] | undefined, date: string, now: () => number): Promise<Token[]> {
    const owners = new Set<string>();
    let days = false;
    for (;;) {
      const snapshot = await this.adapter.storage.read(pointLoad(point, doctorIds, date, days, owners));
      const at = now();
      const order = pointQueueIn({ config: this.config, nowDate: fixedDate(at) }, snapshot, point, date, at);
      // A store without an index of the tokens at each point: read the day of every doctor the point serves.
      if (order === undefined) {
        days = true;
        continue;
      }
      const missing = order.filter((t) => doctorSnapshotOf(snapshot, t.doctorId)?.days.get(date) === undefined);
      if (missing.length === 0 || missing.every((t) => owners.has(t.doctorId))) {
        return order.map((t) => {
          const own = doctorSnapshotOf(snapshot, t.doctorId);
          const day = own?.days.get(date);
          if (own !== undefined) this.adapter.checkRead(own, day);
          const record = day?.slots.flatMap((x) => x.places).find((p) => p.id === t.id);
          if (own === undefined || day === undefined || record === undefined)
            throw this.adapter.malformed(`\`read\` answered the queue of a service point with a token its doctor's day does not hold (\`${t.id}\`)`);
          return tokenView(record, day, this.#consultMinutes(own), at, this.config);
        });
      }
      for (const t of missing) owners.add(t.doctorId);
    }
  }

  /**
   * A lease of a doctor-day as stored, `undefined` when the day never granted it.
   * @throws OpdError `DOCTOR_NOT_FOUND`, `STORAGE_FAILURE`
   */
  async lease(doctorId: string, day: string, leaseId: string): Promise<LeaseRecord | undefined> {
    const { day: state } = await this.#day(doctorId, day);
    return leaseOf({ claims: state.record.claims ?? [] }, leaseId);
  }

  #consultMinutes(snapshot: DoctorSnapshot): number {
    return snapshot.doctor?.consultMinutes ?? this.config.consultMinutes;
  }
}
