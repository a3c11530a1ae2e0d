/**
 * The offline desk: the same engine ({@link OpdScheduler}) over a local store that holds only the
 * leased doctor-day, with slots whose capacities are the leased places, so a desk cut off from the
 * central scheduler issues tokens inside its lease and never beyond it.
 */
import { OpdError, isOpdError } from '../errors.js';
import type { CapacityStrategy } from '../policies/capacity.js';
import type { OverflowStrategy } from '../policies/overflow.js';
import type { PriorityPolicy } from '../policies/priority.js';
import { presets } from '../policies/presets.js';
import { OpdScheduler } from '../scheduler.js';
import type { StorageAdapter } from '../storage/adapter.js';
import { MemoryStorage } from '../storage/memory.js';
import type { Patient, Token } from '../types.js';
import { type DeskLogStore, MemoryDeskLog } from './log.js';
import type { DeskBooking, DeskCommand, Lease } from './types.js';

/** Options of {@link OfflineDesk.open}. */
export interface OfflineDeskOptions {
  /** The desk's local store: a `PostgresStorage` on PGlite keeps its tokens across restarts. @defaultValue a new `MemoryStorage` */
  readonly storage?: StorageAdapter | undefined;
  /** The hospital's time zone (the central scheduler's `timeZone`). @defaultValue `'UTC'` */
  readonly timeZone?: string | undefined;
  /** The hospital's priority policy, so the desk knows its categories. @defaultValue `presets.standard().priority` */
  readonly priority?: PriorityPolicy | undefined;
  /** The desk's clock. @defaultValue the system's */
  readonly clock?: (() => Date) | undefined;
  /** The log the desk exported before ({@link OfflineDesk.exportLog}), when it reopens on its store: its commands missing from `logStore` are added to it. */
  readonly log?: readonly DeskCommand[] | undefined;
  /**
   * Where the desk keeps its log: a `PostgresDeskLog` on the desk's PGlite keeps it across
   * restarts, beside the tokens. @defaultValue a new `MemoryDeskLog`
   */
  readonly logStore?: DeskLogStore | undefined;
}

/** A booking at the desk, inside its lease. */
export interface DeskBookingRequest {
  /** The channel; one of the lease's categories. */
  readonly category: string;
  /** The patient. */
  readonly patient: Patient;
  /** A leased slot; the earliest leased slot with a place left when omitted. */
  readonly slotId?: string | undefined;
  /** Makes the booking safe to repeat, at the desk and at reconcile: a repeat answers the same token. */
  readonly idempotencyKey: string;
}

/** Options of a desk's cancel and check-in. */
export interface DeskCommandOptions {
  /** Makes the command safe to repeat: a repeat changes nothing. */
  readonly idempotencyKey: string;
}

/** Leased places take no elastic place at the desk: the capacity of a desk slot is its leased places. */
const NO_ELASTIC: CapacityStrategy = Object.freeze({ name: 'desk-lease', elasticPlaces: () => 0 });

/** At the desk a full leased slot sends the request to the next leased slot, else refuses it: no bump, no waitlist, no protection beyond the lease. */
const INSIDE_LEASE: OverflowStrategy = Object.freeze<OverflowStrategy>({
  name: 'desk-lease',
  waitlist: 'day',
  bumpLimit: 0,
  victimOrder: 'latest',
  whenFull: () => ['next-slot', 'reject'] as const,
  whenDisplaced: () => [{ kind: 'waitlist' }] as const,
  protection: () => null,
});

/**
 * A registration desk that keeps issuing tokens without the network, inside a lease the central
 * scheduler granted (`OpdScheduler.leaseCapacity`). It runs the same engine over its own store —
 * the leased doctor-day only, each leased slot with its leased places as capacity, no elastic
 * place, no bump, no waitlist — so it books, cancels and checks in only inside its lease: its
 * categories, its places, its label prefix, until the lease's end. Every command carries an
 * idempotency key and is appended to the desk's log ({@link OfflineDesk.log}), which the
 * central scheduler applies on reconnect.
 *
 * @example
 * ```ts run
 * import { OpdScheduler } from 'opd-scheduler';
 * import { OfflineDesk } from 'opd-scheduler/desk';
 *
 * const opd = new OpdScheduler({ timeZone: 'Asia/Kolkata' });
 * const date = opd.dayOf(new Date(Date.now() + 86_400_000));
 * await opd.addDoctor({ id: 'dr-rao', name: 'Dr Rao' });
 * await opd.addSlots('dr-rao', [{ id: 'rao-09', start: `${date}T09:00:00+05:30`, end: `${date}T10:00:00+05:30`, capacity: 4 }]);
 * const lease = await opd.leaseCapacity({ deskId: 'WEST', doctorId: 'dr-rao', date, places: 2, ttlMinutes: 480 });
 *
 * const desk = await OfflineDesk.open(lease, { timeZone: 'Asia/Kolkata' });
 * const token = await desk.book({ category: 'WALK_IN', patient: { id: 'p-1', name: 'Asha' }, idempotencyKey: 'west-1' });
 * console.log(token.label); // WEST-1
 * await desk.close();
 * await opd.close();
 * ```
 */
export class OfflineDesk {
  /** The lease the desk works inside. */
  readonly lease: Lease;
  readonly #local: OpdScheduler;
  readonly #clock: () => Date;
  readonly #log: DeskCommand[];
  readonly #store: DeskLogStore;

  private constructor(lease: Lease, local: OpdScheduler, clock: () => Date, store: DeskLogStore, log: readonly DeskCommand[]) {
    this.lease = lease;
    this.#local = local;
    this.#clock = clock;
    this.#store = store;
    this.#log = [...log];
  }

  /**
   * Opens a desk on a lease: the leased doctor-day is laid in the local store (once: a store that
   * already holds it, such as a PGlite database reopened, is used as it is), and the lease's log is
   * read from `logStore`. A command is logged after the local store committed it: a desk stopped in
   * between finds, on opening, every token of its store in the log all the same — a booking missing
   * from it is logged from the token, a cancel or check-in under the key `<booking key>:cancel` or
   * `:check-in` — so that nothing the desk did is lost to reconcile.
   * @param lease - the lease as `leaseCapacity` returned it (or its JSON, parsed)
   * @param options - the local store, time zone, categories, clock, the log's store and a log exported before
   * @throws OpdError `VALIDATION_FAILED` for a lease that is not active or holds no place
   */
  static async open(lease: Lease, options?: OfflineDeskOptions): Promise<OfflineDesk> {
    const l = readLease(lease);
    const clock = options?.clock ?? (() => new Date());
    const preset = presets.standard();
    // While a log is replayed into a fresh store, the local engine's clock is each command's time.
    const replaying: { at: number | undefined } = { at: undefined };
    const local = new OpdScheduler({
      storage: options?.storage ?? new MemoryStorage(),
      timeZone: options?.timeZone ?? 'UTC',
      clock: () => (replaying.at === undefined ? clock() : new Date(replaying.at)),
      priority: options?.priority ?? preset.priority,
      capacity: NO_ELASTIC,
      overflow: INSIDE_LEASE,
      telemetry: false,
    });
    try {
      const known = (await local.listDoctors()).some((d) => d.id === l.doctorId);
      if (!known) {
        await local.addDoctor({ id: l.doctorId, name: l.doctorId });
        await local.addSlots(
          l.doctorId,
          l.slots.map((s) => ({ id: s.slotId, start: s.start, end: s.end, capacity: s.places - s.used, overflowCapacity: 0 })),
        );
      }
      const store = options?.logStore ?? new MemoryDeskLog();
      const desk = new OfflineDesk(l, local, clock, store, await store.load(l.id));
      for (const c of options?.log ?? []) await desk.#append(c);
      // A store laid out just now holds none of the commands a log kept elsewhere: they are made
      // again, each at its own time, so the desk counts its places taken and goes on numbering.
      if (!known) await desk.#replay(replaying);
      await desk.#recover();
      return desk;
    } catch (error) {
      await local.close();
      throw error;
    }
  }

  /** The desk's commands so far, in order: what `reconcile` applies centrally. */
  log(): readonly DeskCommand[] {
    return Object.freeze([...this.#log]);
  }

  /** The log as JSON, to keep or carry to the central scheduler (it holds patient data: keep it as the desk's records). */
  exportLog(): string {
    return JSON.stringify(this.#log);
  }

  /**
   * Books a patient on a leased place: the engine's booking rules, inside the lease only.
   * @param request - category, patient, slot and idempotency key
   * @throws OpdError `VALIDATION_FAILED` for a category outside the lease, a missing key or a lease
   *   past its end; `SLOT_FULL` when no leased place is left (the patient goes to the central
   *   queue once the network is back); `SLOT_NOT_FOUND` for a slot outside the lease
   */
  async book(request: DeskBookingRequest): Promise<Token> {
    const key = requireKey(request.idempotencyKey);
    const done = this.#log.find((c): c is DeskBooking => c.kind === 'book' && c.idempotencyKey === key);
    if (done !== undefined) return this.#labelled(await this.#local.getToken(done.tokenId));
    this.#requireOpen();
    if (this.lease.categories !== null && !this.lease.categories.includes(request.category)) {
      throw new OpdError('VALIDATION_FAILED', `Category \`${request.category}\` is not leased to desk \`${this.lease.deskId}\``, {
        details: { field: 'category', leaseId: this.lease.id },
      });
    }
    let result;
    try {
      result = await this.#local.book({
        doctorId: this.lease.doctorId,
        date: this.lease.date,
        category: request.category,
        patient: request.patient,
        slotId: request.slotId,
        idempotencyKey: key,
      });
    } catch (error) {
      if (isOpdError(error, 'SLOT_FULL')) {
        throw new OpdError(
          'SLOT_FULL',
          `Lease \`${this.lease.id}\` of desk \`${this.lease.deskId}\` has no place left${request.slotId === undefined ? '' : ` in slot \`${request.slotId}\``}`,
          {
            details: { slotId: request.slotId ?? null, doctorId: this.lease.doctorId, day: this.lease.date, leaseId: this.lease.id },
          },
        );
      }
      throw error;
    }
    const token = result.token;
    // A replay too: the desk may have stopped after the store committed the booking and before it was logged.
    await this.#logBooking(token, token.slotId!, this.#clock());
    return this.#labelled(token);
  }

  /**
   * Cancels a token the desk issued; its leased place is the desk's again.
   * @throws OpdError `TOKEN_NOT_FOUND`, `INVALID_TRANSITION`, `VALIDATION_FAILED` for a missing key
   */
  async cancel(tokenId: string, opts: DeskCommandOptions): Promise<Token> {
    return this.#transition('cancel', tokenId, opts, () => this.#local.cancel(tokenId, { reason: 'desk' }));
  }

  /**
   * Checks in a token the desk issued.
   * @throws OpdError `TOKEN_NOT_FOUND`, `INVALID_TRANSITION`, `NOT_YET_DUE`, `VALIDATION_FAILED` for a missing key
   */
  async checkIn(tokenId: string, opts: DeskCommandOptions): Promise<Token> {
    return this.#transition('check-in', tokenId, opts, () => this.#local.checkIn(tokenId));
  }

  /** The tokens the desk issued, labelled with its prefix. */
  async tokens(): Promise<Token[]> {
    const schedule = await this.#local.getSchedule(this.lease.doctorId, this.lease.date);
    return schedule.slots.flatMap((s) => s.places.map((t) => this.#labelled(t)));
  }

  /** The leased places not yet given to a patient. */
  async placesLeft(): Promise<number> {
    const schedule = await this.#local.getSchedule(this.lease.doctorId, this.lease.date);
    return schedule.slots.reduce((n, s) => n + Math.max(0, s.free), 0);
  }

  /** Closes the desk's local engine and store. */
  async close(): Promise<void> {
    await this.#local.close();
  }

  async #transition(kind: 'cancel' | 'check-in', tokenId: string, opts: DeskCommandOptions, run: () => Promise<unknown>): Promise<Token> {
    const key = requireKey(opts?.idempotencyKey);
    const token = await this.#local.getToken(tokenId);
    const booking = token.idempotencyKey;
    if (booking === null)
      throw new OpdError('TOKEN_NOT_FOUND', `Token \`${tokenId}\` was not issued by desk \`${this.lease.deskId}\``, { details: { field: 'tokenId', tokenId } });
    // A booking logged before its cancel or check-in, so that reconcile meets them in that order.
    if (!this.#log.some((c) => c.kind === 'book' && c.idempotencyKey === booking)) await this.#recover();
    // Done already: under this key, or under the key given when the log was recovered after a stop.
    if (!this.#log.some((c) => c.kind === kind && (c.idempotencyKey === key || c.idempotencyKey === `${booking}:${kind}`))) {
      await run();
      await this.#append({ kind, idempotencyKey: key, at: this.#clock().toISOString(), booking });
    }
    return this.#labelled(await this.#local.getToken(tokenId));
  }

  /** Logs a booking the local store holds, unless logged already. */
  async #logBooking(token: Token, slotId: string, at: Date): Promise<void> {
    const key = token.idempotencyKey;
    if (key === null || this.#log.some((c) => c.kind === 'book' && c.idempotencyKey === key)) return;
    await this.#append({
      kind: 'book',
      idempotencyKey: key,
      at: at.toISOString(),
      category: token.category,
      slotId,
      tokenId: token.id,
      tokenNumber: token.tokenNumber,
      label: `${this.lease.prefix}${token.tokenNumber}`,
      patient: token.patient,
    });
  }

  /** Writes a command to the log's store, then to the desk's copy (a command kept already changes neither). */
  async #append(command: DeskCommand): Promise<void> {
    if (this.#log.some((c) => c.idempotencyKey === command.idempotencyKey)) return;
    const frozen = Object.freeze({ ...command });
    await this.#store.append(this.lease.id, frozen);
    this.#log.push(frozen);
  }

  /**
   * Makes the log's commands again in a store laid out just now (the desk reopened on a new
   * device or store with its exported log, or its log kept apart from its store), in order, each
   * at the time it was made: its bookings take their places and their numbers again (so the next
   * booking is numbered after them and a leased place is never given twice), its cancels free
   * them. A command the lease no longer takes (a log that is not this lease's) is refused.
   * @throws OpdError `VALIDATION_FAILED` when a booking of the log does not take the place and number it had
   */
  async #replay(replaying: { at: number | undefined }): Promise<void> {
    const local = new Map<string, string>();
    try {
      for (const c of this.#log) {
        replaying.at = Date.parse(c.at);
        if (!Number.isFinite(replaying.at))
          throw new OpdError('VALIDATION_FAILED', "A command of the desk's log has no valid time", { details: { field: 'log.at', leaseId: this.lease.id } });
        if (c.kind === 'book') {
          const { token } = await this.#local.book({
            doctorId: this.lease.doctorId,
            date: this.lease.date,
            category: c.category,
            patient: c.patient,
            slotId: c.slotId,
            idempotencyKey: c.idempotencyKey,
          });
          if (token.tokenNumber !== c.tokenNumber || token.slotId !== c.slotId) {
            throw new OpdError(
              'VALIDATION_FAILED',
              `The desk's log does not replay on lease \`${this.lease.id}\`: booking \`${c.idempotencyKey}\` took another place or number`,
              {
                details: { field: 'log', leaseId: this.lease.id, idempotencyKey: c.idempotencyKey },
              },
            );
          }
          local.set(c.idempotencyKey, token.id);
          continue;
        }
        const tokenId = local.get(c.booking);
        if (tokenId === undefined) continue;
        if (c.kind === 'cancel') await this.#local.cancel(tokenId, { reason: 'desk' });
        else await this.#local.checkIn(tokenId);
      }
    } finally {
      replaying.at = undefined;
    }
  }

  /**
   * Logs what the local store holds and the log lacks (the desk stopped between a commit and its
   * log entry), in the order of the store's history.
   */
  async #recover(): Promise<void> {
    const keyOf = new Map<string, string | null>();
    for (let page = await this.#local.history(); page.length > 0; page = await this.#local.history({ after: page.at(-1)!.seq })) {
      for (const e of page) {
        if (e.type !== 'token:booked' && e.type !== 'token:cancelled' && e.type !== 'token:checked-in') continue;
        let key = keyOf.get(e.tokenId);
        if (key === undefined) {
          const token = await this.#local.getToken(e.tokenId);
          key = token.idempotencyKey;
          keyOf.set(e.tokenId, key);
          if (e.type === 'token:booked') await this.#logBooking(token, e.slotId, e.at);
        }
        if (key === null || e.type === 'token:booked') continue;
        const kind = e.type === 'token:cancelled' ? 'cancel' : 'check-in';
        if (!this.#log.some((c) => c.kind === kind && c.booking === key))
          await this.#append({ kind, idempotencyKey: `${key}:${kind}`, at: e.at.toISOString(), booking: key });
      }
    }
  }

  #requireOpen(): void {
    if (this.#clock().getTime() >= this.lease.endsAt.getTime()) {
      throw new OpdError('VALIDATION_FAILED', `Lease \`${this.lease.id}\` of desk \`${this.lease.deskId}\` ended at ${this.lease.endsAt.toISOString()}`, {
        details: { field: 'lease', leaseId: this.lease.id },
      });
    }
  }

  #labelled(token: Token): Token {
    return Object.freeze({ ...token, label: `${this.lease.prefix}${token.tokenNumber}` });
  }
}

function requireKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 200)
    throw new OpdError('VALIDATION_FAILED', 'Expected `idempotencyKey` to be a string of 1 to 200 characters', { details: { field: 'idempotencyKey' } });
  return key;
}

/** The lease as given, checked and with its dates as Dates (a lease read back from JSON carries strings). */
function readLease(lease: Lease): Lease {
  const l = lease as unknown as Record<string, unknown>;
  if (
    typeof l !== 'object' ||
    l === null ||
    typeof l['id'] !== 'string' ||
    typeof l['doctorId'] !== 'string' ||
    typeof l['date'] !== 'string' ||
    typeof l['prefix'] !== 'string' ||
    !Array.isArray(l['slots'])
  ) {
    throw new OpdError('VALIDATION_FAILED', 'Expected a lease as `leaseCapacity` returned it', { details: { field: 'lease' } });
  }
  if (l['status'] !== 'ACTIVE')
    throw new OpdError('VALIDATION_FAILED', `Lease \`${String(l['id'])}\` is ${String(l['status'])}, not ACTIVE`, {
      details: { field: 'lease.status', leaseId: l['id'] },
    });
  const slots = lease.slots.map((s) => Object.freeze({ ...s, start: new Date(s.start), end: new Date(s.end) }));
  if (slots.every((s) => s.places - s.used <= 0))
    throw new OpdError('VALIDATION_FAILED', `Lease \`${lease.id}\` holds no place`, { details: { field: 'lease.slots', leaseId: lease.id } });
  return Object.freeze({ ...lease, slots: Object.freeze(slots), grantedAt: new Date(lease.grantedAt), endsAt: new Date(lease.endsAt) });
}
