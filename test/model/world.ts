/**
 * A reference model of several doctors and days, written from the rules of booking by
 * department, moving a patient and a doctor's leave (docs/rules.md): one {@link Model} per
 * doctor-day does the day's own rules, and this layer owns them all and does what crosses a
 * day or a doctor. Like the one-day model it copies the whole state per call, so that a failed
 * call (or a dry run) changes nothing, and is meant to be obviously correct, not fast.
 */
import { type Cat, LIVE, type MEvent, Model, ModelError, type MQuota, type MSlot, type MToken, type Policy } from './reference.js';

/** A doctor of the world, with its department (`null`: none). */
export interface WDoctor {
  readonly id: string;
  readonly department: string | null;
}

/** A token of the world: the doctor-day it belongs to and its number there. */
export interface WRef {
  readonly doctorId: string;
  readonly day: string;
  readonly number: number;
}

/** An event as the scheduler returns it, without `seq`, `at` and `actor`; token ids as the scheduler writes them. */
export type WEvent = Readonly<Record<string, unknown>> & { readonly type: string };

/** A token's id as the scheduler makes it: doctor, day and number. */
export const tokenIdOf = (ref: WRef): string => `${ref.doctorId}~${ref.day}~${ref.number}`;

/** Where `move` should go, as `move(tokenId, to)` takes it. */
export interface WTarget {
  readonly slotId?: string;
  readonly doctorId?: string;
  readonly date?: string;
  readonly after?: number;
}

/** A leave, as `closeSlots(doctorId, leave)` takes it. */
export interface WLeave {
  readonly from: number;
  readonly to: number;
  readonly reason: string | null;
  readonly reassign: boolean;
  readonly dryRun: boolean;
  /** Later days count only with slots starting before `to` plus this many days (0: none). */
  readonly horizonDays: number;
}

const key = (doctorId: string, day: string): string => `${doctorId}|${day}`;

/** The duplicate rules the world keeps beyond one doctor-day (the scheduler's `duplicates` option). */
export interface WDuplicates {
  readonly scope: 'doctor-day' | 'department-day' | 'facility-day';
  readonly max: number | null;
}

export class World {
  readonly #models = new Map<string, Model>();
  /** Every token in the order it was created (the handles random commands refer to). */
  refs: WRef[] = [];

  constructor(
    readonly policy: Policy,
    start: number,
    /** Doctors in id order. */
    readonly doctors: readonly WDoctor[],
    /** Days in date order. */
    readonly days: readonly string[],
    /** The channel quota of every doctor-day, or `null`. */
    quota: MQuota | null = null,
    /** The duplicate rules beyond the doctor-day (a department's or the facility's day, a cap), or `null`. */
    readonly duplicates: WDuplicates | null = null,
  ) {
    for (const d of doctors) for (const day of days) this.#models.set(key(d.id, day), new Model(policy, start, quota, null, { doctorId: d.id, day }));
  }

  get now(): number {
    return this.#models.values().next().value!.now;
  }

  set now(value: number) {
    for (const m of this.#models.values()) m.now = value;
  }

  /**
   * The duplicate rules, written from docs/rules.md: a live token of the patient (a hold not ended,
   * the token `except` left out) the same day within the scope, or as many as the cap from today
   * on within the scope's reach, refuses a token for `doctorId` on `day`.
   */
  refuseDuplicate(doctorId: string, day: string, patientId: string | null, except?: WRef): void {
    const rules = this.duplicates;
    if (rules === null || patientId === null) return;
    const department = this.doctors.find((d) => d.id === doctorId)?.department ?? null;
    const reaches = (other: string): boolean =>
      rules.scope === 'facility-day' ||
      other === doctorId ||
      (rules.scope === 'department-day' && department !== null && this.doctors.find((d) => d.id === other)?.department === department);
    let sameDay = false;
    let active = 0;
    for (const d of this.doctors) {
      if (!reaches(d.id)) continue;
      for (const theDay of this.days) {
        const m = this.#models.get(key(d.id, theDay))!;
        for (const t of m.state.tokens) {
          if (t.patientId !== patientId || !LIVE.includes(t.status) || (t.status === 'HELD' && t.holdExpiresAt! <= this.now)) continue;
          if (except !== undefined && except.doctorId === d.id && except.day === theDay && tokenIdOf(except) === tokenIdOf(this.#ref(m, t))) continue;
          if (theDay === day) sameDay = true;
          if (theDay >= this.today()) active++;
        }
      }
    }
    if (sameDay || (rules.max !== null && active >= rules.max)) throw new ModelError('DUPLICATE_BOOKING');
  }

  model(doctorId: string, day: string): Model {
    return this.#models.get(key(doctorId, day))!;
  }

  /** Every doctor-day, doctors in id order, then days in date order. */
  all(): Model[] {
    return [...this.#models.values()];
  }

  /** The token a reference names, if it exists. */
  token(ref: WRef): MToken | undefined {
    return this.#models.get(key(ref.doctorId, ref.day))?.state.tokens.find((t) => t.number === ref.number);
  }

  #ref(m: Model, t: MToken): WRef {
    return { doctorId: m.where.doctorId, day: m.where.day, number: t.number };
  }

  /** The slot with this id, of any doctor-day, with its model. */
  slot(id: string): { model: Model; slot: MSlot } | undefined {
    for (const model of this.#models.values()) {
      const slot = model.slot(id);
      if (slot !== undefined) return { model, slot };
    }
    return undefined;
  }

  /** Runs a call on copies of every doctor-day; keeps them only if it succeeds and is not a dry run. */
  #call<R>(dryRun: boolean, work: (events: WEvent[]) => R): { result: R; events: WEvent[] } {
    const saved = [...this.#models.values()].map((m) => structuredClone(m.state));
    const refs = this.refs.length;
    const restore = (): void => {
      [...this.#models.values()].forEach((m, i) => {
        m.state = saved[i]!;
        m.events = [];
      });
      this.refs.length = refs;
    };
    for (const m of this.#models.values()) m.events = [];
    const events: WEvent[] = [];
    try {
      const result = work(events);
      if (dryRun) restore();
      return { result, events };
    } catch (error) {
      restore();
      throw error;
    }
  }

  /** A model's events as the scheduler reports them (events built here pass as they are); the model's list is emptied. */
  #collect(m: Model, into: WEvent[]): void {
    const real = (id: unknown): string =>
      tokenIdOf(
        this.#ref(
          m,
          m.state.tokens.find((t) => t.id === id)!,
        ),
      );
    for (const e of m.events as readonly (MEvent | WEvent)[]) {
      if ('doctorId' in e) {
        into.push(e);
        continue;
      }
      const out: Record<string, unknown> = { ...e, doctorId: m.where.doctorId, day: m.where.day };
      if (e.tokenId !== null) {
        const t = m.state.tokens.find((x) => x.id === e.tokenId)!;
        Object.assign(out, { tokenId: real(e.tokenId), tokenNumber: t.number, label: t.label });
      }
      if (typeof e['byTokenId'] === 'string') out['byTokenId'] = real(e['byTokenId']);
      if (typeof e['fromTokenId'] === 'string') out['fromTokenId'] = real(e['fromTokenId']);
      into.push(out as WEvent);
    }
    m.events = [];
  }

  #created(m: Model, before: number): void {
    for (const t of m.state.tokens.slice(before)) this.refs.push(this.#ref(m, t));
  }

  /** The day of the clock (days are UTC days). */
  today(): string {
    return new Date(this.now).toISOString().slice(0, 10);
  }

  /**
   * The day a booking without a date goes to: with no usable slot, today; for an emergency, of
   * the days up to the first usable slot with a free or elastic place, the first where the
   * emergency rule finds it a place (else the first of them); for anyone else, the day of the
   * first usable slot with a free place (else of the first usable slot), or an earlier day where a
   * lapsed hold keeps a place of a usable slot and a place is free once the day is settled (with
   * `settle`, each such day looked at stays settled).
   */
  dayFor(doctorId: string, category: Cat, settle = false): string {
    const usable = this.days.flatMap((day) => {
      const m = this.model(doctorId, day);
      return m
        .slots()
        .filter((s) => m.usable(s))
        .map((s) => ({
          day,
          m,
          slotId: s.id,
          free: m.places(s.id).length < s.capacity,
          elastic: m.places(s.id).length < s.capacity + m.policy.elastic(category, s.overflowCapacity),
        }));
    });
    if (usable.length === 0) return this.today();
    if (category !== 'EMERGENCY') {
      // The day of the first free place, unless an earlier day has a place a lapsed hold keeps
      // and that place stays free once the day is settled (its waitlist may take it).
      const firstFree = usable.find((u) => u.free);
      const lapsed = [...new Set(usable.filter((u) => (firstFree === undefined || u.day < firstFree.day) && u.m.hasLapsedHold(u.slotId)).map((u) => u.day))];
      const freed = lapsed.find((day) => this.model(doctorId, day).freeAfterSettling(settle));
      return freed ?? (firstFree ?? usable[0]!).day;
    }
    const days: string[] = [];
    for (const u of usable) {
      if (days.at(-1) !== u.day) days.push(u.day);
      if (u.free || u.elastic) break;
    }
    // With `settle`, as the booking does: each day looked at is settled for good (its lapsed
    // holds released, the waitlist promoted into their places) before the emergency is tried there.
    return (
      days.find((day) => {
        const m = this.model(doctorId, day);
        if (settle) m.prepareArrival();
        return m.emergencyFits();
      }) ?? days[0]!
    );
  }

  /** `book({ doctorId, date?, category, patient })`; without a date, on the day {@link dayFor} chooses. */
  book(
    doctorId: string,
    date: string | null,
    category: Cat,
    patientId: string | null,
  ): { result: { ref: WRef; outcome: 'BOOKED' | 'WAITLISTED'; overflow: boolean; own: number }; events: WEvent[] } {
    return this.#call(false, (events) => {
      if (date !== null && date < this.today()) throw new ModelError('VALIDATION_FAILED');
      const m = this.model(doctorId, date ?? this.dayFor(doctorId, category, true));
      // What choosing the day settled comes first, in the order of the days.
      for (const day of this.days) {
        const settled = this.#models.get(key(doctorId, day));
        if (settled !== undefined && settled.events.length > 0) this.#collect(settled, events);
      }
      const first = events.length;
      const before = m.state.tokens.length;
      this.refuseDuplicate(doctorId, m.where.day, patientId);
      const r = m.book({ category, slotId: null, date: 'today', patientId, after: null, key: null });
      this.#created(m, before);
      this.#collect(m, events);
      return { ref: this.#ref(m, r.token), outcome: r.outcome, overflow: r.overflow, own: first + r.own };
    });
  }

  /**
   * `book({ department, date, category, patient })`: the booking rules run for every doctor of
   * the department (each on a copy), and the place that starts soonest wins; ties: fewest places
   * taken that day (the day settled: ended holds released, the waitlist promoted), then the
   * lower doctor id. With no place anywhere, the waitlist of a doctor
   * with a usable slot that day if any, with fewest places taken (then the lower id); with every doctor refusing, the first one's
   * refusal. A patient holding a live token that day with any of them is refused.
   */
  bookDepartment(department: string, date: string | null, category: Cat, patientId: string | null): ReturnType<World['book']> {
    const members = this.doctors.filter((d) => d.department === department);
    if (members.length === 0) throw new ModelError('DEPARTMENT_NOT_FOUND');
    let best: { doctorId: string; day: string; start: number; cost: number; usable: boolean; taken: number } | undefined;
    let firstError: unknown;
    const days = new Set<string>();
    for (const d of members) {
      const day = date ?? this.dayFor(d.id, category);
      // A date in the past: each doctor's booking refuses it.
      if (day < this.today()) {
        firstError ??= new ModelError('VALIDATION_FAILED');
        continue;
      }
      const m = this.model(d.id, day);
      const saved = structuredClone(m.state);
      let taken = 0;
      try {
        // Places taken as the booking finds the day: its ended holds released and its waitlist
        // promoted first (as after a sweep), on the copy.
        m.prepareArrival();
        taken = m.taken();
        this.refuseDuplicate(d.id, day, patientId);
        const r = m.book({ category, slotId: null, date: 'today', patientId, after: null, key: null });
        const start = r.token.status === 'BOOKED' ? m.slot(r.token.slotId!)!.start : Number.POSITIVE_INFINITY;
        const usable = saved.slots.some((s) => s.status === 'OPEN' && s.end > this.now);
        // At the same start: a free place, then an elastic one, then a place taken by a bump.
        const cost = r.effects.some((e) => e.type === 'token:bumped' && e['byTokenId'] === r.token.id) ? 2 : r.overflow ? 1 : 0;
        days.add(day);
        // Waiting: with a doctor whose day has a usable slot, from which it can be promoted.
        const better =
          best === undefined ||
          start < best.start ||
          (start === best.start && (cost !== best.cost ? cost < best.cost : usable !== best.usable ? usable : taken < best.taken));
        if (better) best = { doctorId: d.id, day, start, cost, usable, taken };
      } catch (error) {
        if (error instanceof ModelError && error.code === 'DUPLICATE_BOOKING') throw error;
        firstError ??= error;
      } finally {
        m.state = saved;
        m.events = [];
      }
    }
    // Whichever doctor would be chosen: a live token with any of them on a day one of them would book.
    for (const day of this.duplicates === null || this.duplicates.scope === 'doctor-day' ? days : []) {
      for (const d of members) {
        if (
          patientId !== null &&
          this.#models
            .get(key(d.id, day))
            ?.state.tokens.some((t) => t.patientId === patientId && LIVE.includes(t.status) && !(t.status === 'HELD' && t.holdExpiresAt! <= this.now)) === true
        )
          throw new ModelError('DUPLICATE_BOOKING');
      }
    }
    if (best === undefined) throw firstError;
    // Without a date, the booking chooses (and settles) its days again: the same day as above.
    return this.book(best.doctorId, date === null ? null : best.day, category, patientId);
  }

  /** `cancel`, `checkIn`, `startConsultation`, `complete` of one token. */
  transition(ref: WRef, action: 'cancel' | 'checkIn' | 'startConsultation' | 'complete', reason: string | null): { result: MToken; events: WEvent[] } {
    return this.#call(false, (events) => {
      const m = this.#models.get(key(ref.doctorId, ref.day));
      const t = this.token(ref);
      if (m === undefined || t === undefined) throw new ModelError('TOKEN_NOT_FOUND');
      const r = m.transition(t.id, action, reason);
      this.#collect(m, events);
      return r.token;
    });
  }

  /**
   * `move(tokenId, to, { reason, dryRun })`. Within the token's doctor-day the day's own rule
   * moves it (same token); otherwise only a free place the quota admits, in `to.slotId` or the
   * first usable slot of the target doctor-day starting at or after `to.after`: a new token there
   * (`BOOKED`, the next number, same patient, category and request time) and the old one
   * `CANCELLED` (`moved`), one `token:moved`, then the place left is promoted into. The target
   * doctor-day is settled first ({@link Model.prepareArrival}).
   */
  move(ref: WRef, to: WTarget, reason: string | null, dryRun: boolean): { result: { ref: WRef; slotId: string | null }; events: WEvent[] } {
    return this.#call(dryRun, (events) => {
      // The slot named is looked up first: its doctor names the unit.
      const named = to.slotId === undefined ? undefined : this.slot(to.slotId);
      if (to.slotId !== undefined && named === undefined) throw new ModelError('SLOT_NOT_FOUND');
      const source = this.#models.get(key(ref.doctorId, ref.day));
      const token = this.token(ref);
      if (source === undefined || token === undefined) throw new ModelError('TOKEN_NOT_FOUND');
      if (token.status !== 'BOOKED' && token.status !== 'WAITLISTED') throw new ModelError('INVALID_TRANSITION');
      const doctorId = to.doctorId ?? named?.model.where.doctorId ?? ref.doctorId;
      if (!this.doctors.some((d) => d.id === doctorId)) throw new ModelError('DOCTOR_NOT_FOUND');
      if (named !== undefined && named.model.where.doctorId !== doctorId) throw new ModelError('SLOT_NOT_FOUND');
      const day = named?.model.where.day ?? to.date ?? (to.after === undefined ? ref.day : new Date(to.after).toISOString().slice(0, 10));
      if (named !== undefined && to.date !== undefined && to.date !== day) throw new ModelError('VALIDATION_FAILED');
      if (named === undefined && day < this.today()) throw new ModelError('VALIDATION_FAILED');
      if (doctorId === ref.doctorId && day === ref.day) {
        const r = source.move(token.id, to.slotId ?? null, to.after ?? null, reason);
        this.#collect(source, events);
        return { ref: this.#ref(source, r.token), slotId: r.token.slotId };
      }
      const target = this.model(doctorId, day);
      // The target day first releases its ended holds and promotes into what time opened.
      target.prepareArrival();
      const free = (s: MSlot): boolean => target.places(s.id).length < s.capacity && target.admits(token.category, '', s);
      let place: MSlot | undefined;
      if (named !== undefined) {
        place = named.slot;
        if (to.after !== undefined && place.start < to.after) throw new ModelError('VALIDATION_FAILED');
        if (place.status === 'CLOSED') throw new ModelError('SLOT_CLOSED');
        if (place.end <= this.now) throw new ModelError('SLOT_ENDED');
        if (!free(place)) throw new ModelError('SLOT_FULL');
      } else {
        place = target.slots().find((s) => target.usable(s) && (to.after === undefined || s.start >= to.after) && free(s));
        if (place === undefined) throw new ModelError('SLOT_FULL');
      }
      if (target.holdsLive(token.patientId)) throw new ModelError('DUPLICATE_BOOKING');
      this.refuseDuplicate(doctorId, day, token.patientId, ref);
      const moved = this.#moveOut(source, token, target, place, reason);
      source.settle();
      // One doctor's days are one unit: the target day's events first, as they happened; another
      // doctor's come after the source's.
      if (doctorId === ref.doctorId) this.#collect(target, events);
      this.#collect(source, events);
      if (doctorId !== ref.doctorId) this.#collect(target, events);
      return { ref: this.#ref(target, moved), slotId: moved.slotId };
    });
  }

  /** The patient of `token` gets a new token in `place` of another doctor-day, the old one ends `CANCELLED` (`moved`); one `token:moved`. */
  #moveOut(source: Model, token: MToken, target: Model, place: MSlot, reason: string | null): MToken {
    const fromSlotId = token.slotId;
    const moved = target.adopt(token, place);
    source.leaveFor(token);
    this.refs.push(this.#ref(target, moved));
    const event: WEvent = {
      type: 'token:moved',
      doctorId: target.where.doctorId,
      day: target.where.day,
      tokenId: tokenIdOf(this.#ref(target, moved)),
      tokenNumber: moved.number,
      label: moved.label,
      slotId: place.id,
      fromSlotId,
      toSlotId: place.id,
      fromDoctorId: source.where.doctorId,
      toDoctorId: target.where.doctorId,
      fromTokenId: tokenIdOf(this.#ref(source, token)),
      fromDay: source.where.day,
      reason,
    };
    // In the source's list, so that it keeps its place among the source's own events.
    (source.events as unknown[]).push(event);
    return moved;
  }

  /**
   * `closeSlots(doctorId, leave)`: every usable slot of the doctor overlapping `[from, to)`, on
   * every day, closes first (day by day, in time order); then day by day each `BOOKED` place of
   * them is displaced once, emergencies first, then in queue order. With `reassign`, a colleague
   * of the department takes the patient when its soonest place (free, or elastic for an
   * emergency; never a bump) starting no earlier than the slot lost is strictly sooner than the
   * doctor's own first such place after the leave on that day. A patient whose day has no place
   * after the leave goes to the doctor's first place on a later day within `horizonDays`; only
   * with none is the policy's waitlist or drop used on its own day. A day where a place is found
   * for a patient, and where patients wait, is settled first ({@link World.#landOn}).
   */
  closeSlots(doctorId: string, leave: WLeave): { result: null; events: WEvent[] } {
    return this.#call(leave.dryRun, (events) => {
      const doctor = this.doctors.find((d) => d.id === doctorId);
      if (doctor === undefined) throw new ModelError('DOCTOR_NOT_FOUND');
      if (leave.reassign && doctor.department === null) throw new ModelError('VALIDATION_FAILED');
      const plan = this.days
        .map((day) => ({ m: this.model(doctorId, day), closing: this.model(doctorId, day).leaveSlots(leave.from, leave.to) }))
        .filter((p) => p.closing.length > 0);
      if (plan.length === 0) return null;
      for (const { m, closing } of plan) m.refuseLeave(closing);
      // Each day first as after a sweep (its ended holds released, the waitlist promoted).
      for (const { m } of plan) {
        m.prepareArrival();
        this.#collect(m, events);
      }
      for (const { m, closing } of plan) {
        m.closeAll(closing, leave.reason);
        this.#collect(m, events);
      }
      const team = leave.reassign ? this.doctors.filter((d) => d.id !== doctorId && d.department === doctor.department).map((d) => d.id) : [];
      // The doctor-days the duplicate rule looks at on a later day: with reassign, or under a
      // scope wider than the doctor-day, the department's (a facility-day rule reads no further).
      const wide = this.duplicates !== null && this.duplicates.scope !== 'doctor-day';
      const department =
        leave.reassign || (wide && doctor.department !== null) ? this.doctors.filter((d) => d.department === doctor.department).map((d) => d.id) : [doctorId];
      this.#landing = { settled: new Set(), theirs: new Map(team.map((id) => [id, []])), department };
      try {
        for (const { m, closing } of plan) {
          m.displaceAll(closing, {
            ...(team.length > 0 ? { first: (t: MToken, from: MSlot) => this.#reassign(m, team, t, from, leave) } : {}),
            last: (t: MToken) => this.#later(m, t, leave),
          });
          this.#collect(m, events);
        }
        // What settling a colleague's day did, after the doctor's own events, colleague by colleague.
        for (const id of team) events.push(...this.#landing.theirs.get(id)!);
      } finally {
        for (const m of this.all()) m.spared.clear();
        this.#landing = undefined;
      }
      return null;
    });
  }

  /** Where a displaced patient could go in `m` without a bump: a free place (for an emergency also an elastic place) in a usable slot `accept`ed. */
  #placeIn(m: Model, t: MToken, accept: (s: MSlot) => boolean): MSlot | undefined {
    const elastic = (s: MSlot): number => (t.category === 'EMERGENCY' ? m.policy.elastic(t.category, s.overflowCapacity) : 0);
    return m
      .slots()
      .find((s) => m.usable(s) && accept(s) && m.places(s.id).filter((x) => x.id !== t.id).length < s.capacity + elastic(s) && m.admits(t.category, t.id, s));
  }

  /**
   * During a leave: the days settled so far, what settling each colleague's days reported, and
   * the doctors whose same day the duplicate rule looks at on a later day (the doctor, and with
   * `reassign` its colleagues: a place in the department, as a department booking).
   */
  #landing: { readonly settled: Set<Model>; readonly theirs: Map<string, WEvent[]>; readonly department: readonly string[] } | undefined;

  /**
   * A leave's place for a displaced patient of `source` on another doctor-day `theirs`: where a
   * place is found on a day where patients wait, the day is first settled (once per leave: what
   * time opened goes to its waitlist, {@link Model.prepareArrival}) and the place looked for again.
   * The doctor's own days report in order with the source's events; a colleague's after them.
   */
  #landOn(source: Model, theirs: Model, find: () => MSlot | undefined): MSlot | undefined {
    const slot = find();
    const landing = this.#landing!;
    if (slot === undefined || theirs.waitlist().length === 0 || landing.settled.has(theirs)) return slot;
    landing.settled.add(theirs);
    theirs.prepareArrival();
    const own = theirs.where.doctorId === source.where.doctorId;
    this.#collect(theirs, own ? (source.events as unknown as WEvent[]) : landing.theirs.get(theirs.where.doctorId)!);
    return find();
  }

  /**
   * With `reassign`: the soonest place with a colleague — on the patient's day a free place (an
   * emergency: also elastic) starting no earlier than the slot lost, else the colleague's first
   * such place on a later day — taken when strictly sooner than the doctor's own first place
   * after the leave (on the day, else on a later day); ties: fewest places taken that day, then
   * the lower doctor id. A doctor-day where the patient already holds a live token is skipped, and
   * so is every colleague's same day when the patient holds a live token with any of them.
   */
  #reassign(m: Model, team: readonly string[], t: MToken, from: MSlot, leave: WLeave): boolean {
    const own = this.#placeIn(m, t, (s) => s.start > from.start) ?? this.#laterSpot(m, m.where.doctorId, t, leave.to, leave)?.slot;
    const ownStart = own?.start ?? Number.POSITIVE_INFINITY;
    let best: { m: Model; slot: MSlot; taken: number } | undefined;
    // A place with a colleague the same day is a department's place: the patient may hold no other
    // live token with any doctor of the department that day (as a department booking requires).
    const heldInDepartment = team.some((id) => this.model(id, m.where.day).holdsLive(t.patientId));
    for (const id of team) {
      const theirs = this.model(id, m.where.day);
      const sameDay = heldInDepartment ? undefined : this.#landOn(m, theirs, () => this.#placeIn(theirs, { ...t, id: '' }, (s) => s.start >= from.start));
      // A colleague's later day only while its place could still be the soonest (ties included).
      const bound = Math.min(ownStart, best?.slot.start ?? Number.POSITIVE_INFINITY);
      const spot = sameDay === undefined ? this.#laterSpot(m, id, t, Number.NEGATIVE_INFINITY, leave, bound) : { m: theirs, slot: sameDay };
      if (spot === undefined) continue;
      const taken = spot.m.taken();
      if (best === undefined || spot.slot.start < best.slot.start || (spot.slot.start === best.slot.start && taken < best.taken)) best = { ...spot, taken };
    }
    if (best === undefined || best.slot.start >= ownStart) return false;
    this.#moveOut(m, t, best.m, best.slot, leave.reason);
    return true;
  }

  /**
   * The doctor's first place on a day after the day of `source`, starting at or after `notBefore`,
   * before the leave's end plus its `horizonDays` and at or before `bound` (free, or elastic for
   * an emergency; never a bump); days where the patient holds a live token with the doctor — with
   * `reassign`, with any doctor of the department — are skipped.
   */
  #laterSpot(
    source: Model,
    doctorId: string,
    t: MToken,
    notBefore: number,
    leave: WLeave,
    bound = Number.POSITIVE_INFINITY,
  ): { m: Model; slot: MSlot } | undefined {
    const horizon = leave.to + leave.horizonDays * 24 * 60 * 60_000;
    for (const later of this.days) {
      if (later <= source.where.day) continue;
      const theirs = this.model(doctorId, later);
      if (this.#landing!.department.some((id) => this.model(id, later).holdsLive(t.patientId))) continue;
      const slot = this.#landOn(source, theirs, () =>
        this.#placeIn(theirs, { ...t, id: '' }, (s) => s.start >= notBefore && s.start < horizon && s.start <= bound),
      );
      if (slot !== undefined) return { m: theirs, slot };
    }
    return undefined;
  }

  /**
   * A patient whose own day has no place after the leave: the doctor's first place on a later
   * day, starting at or after the leave's end, where the rest of the leave bumps them by no chain.
   */
  #later(m: Model, t: MToken, leave: WLeave): boolean {
    const spot = this.#laterSpot(m, m.where.doctorId, t, leave.to, leave);
    if (spot === undefined) return false;
    // Moved once: no chain of the leave's later days bumps the new token (an emergency still may).
    spot.m.spared.add(this.#moveOut(m, t, spot.m, spot.slot, leave.reason).id);
    return true;
  }
}
