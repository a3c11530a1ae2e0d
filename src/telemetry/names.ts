/** The instrumentation scope of every span and metric the library records: its tracer's and meter's name. */
export const OPD_INSTRUMENTATION_SCOPE = 'opd-scheduler';

/**
 * Names of the attributes on the library's spans and metrics. Ids are the library's own (never
 * patient data); no attribute ever carries a field of a patient.
 */
export const OPD_ATTRIBUTES = {
  /** The public method of a call, such as `book` (on the duration histograms). */
  method: 'opd.method',
  /** The doctor of a call. */
  doctorId: 'opd.doctor.id',
  /** The slot of a call (for a booking, the slot of its place). */
  slotId: 'opd.slot.id',
  /** The token of a call. */
  tokenId: 'opd.token.id',
  /** A booking's category (its channel, such as `ONLINE`). */
  category: 'opd.category',
  /** `BOOKED` or `WAITLISTED` for a booking, `OK` for any other call that succeeded, `FAILED` for a failure. */
  outcome: 'opd.outcome',
  /** Whether `closeSlot` or `setCapacity` ran as a dry run (which stores nothing and counts nothing). */
  dryRun: 'opd.dry_run',
  /** `true` for a booking answered from its idempotency key (not counted again). */
  replayed: 'opd.replayed',
  /** How many effects (events) a call caused; for `tail()`, how many events it yielded. */
  effects: 'opd.effects',
  /** Why a token was displaced: `bumped`, `slot-closed` or `capacity-lowered` (on cascades and drops). */
  reason: 'opd.reason',
  /** How an offer of a freed place ended, or `offered` when it was made (on `opd.offers`). */
  offerOutcome: 'opd.offer.outcome',
  /** The `OpdError` code of a failure (the OpenTelemetry semantic convention `error.type`). */
  errorType: 'error.type',
} as const;

/** Names of the library's metrics. */
export const OPD_METRICS = {
  /** Counter of bookings (`{booking}`) by `opd.category` and `opd.outcome`; failed ones by `error.type`. */
  bookings: 'opd.bookings',
  /** Counter of tokens bumped from their place by a more urgent one (`{bump}`). */
  bumps: 'opd.bumps',
  /** Counter of displaced tokens moved to a later slot (`{cascade}`), by `opd.reason`. */
  cascades: 'opd.cascades',
  /** Counter of waitlisted tokens that got a place (`{promotion}`). */
  promotions: 'opd.promotions',
  /** Counter of displaced tokens dropped for want of a place (`{drop}`), by `opd.reason`. */
  drops: 'opd.drops',
  /**
   * Counter of offers of freed places (`{offer}`), by `opd.offer.outcome`: `offered` when one is
   * made to a candidate, then `accepted`, `declined`, `lapsed` (another candidate took the place,
   * or the window passed) or `withdrawn` (an emergency, a closing or a capacity change took it).
   */
  offers: 'opd.offers',
  /** Histogram of the duration of public calls, in seconds (`s`), by `opd.method` and, on failure, `error.type`. */
  duration: 'opd.operation.duration',
  /**
   * Histogram of the duration of units of work, in seconds (`s`): from the storage adapter's
   * `transact` to its answer (reading, deciding and committing under the doctor's lock), one point
   * per unit, by `opd.method` (the public call that ran it) and, for a unit that failed or refused,
   * `error.type`.
   */
  unitDuration: 'opd.unit.duration',
} as const;
