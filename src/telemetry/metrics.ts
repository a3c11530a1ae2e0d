// The library's metrics: counters of bookings, bumps, cascades, promotions, drops and offers, and the
// histograms of call and unit-of-work durations (names in `names.ts`).
import type { OpdEvent } from '../events.js';
import type { BookingResult } from '../types.js';
import { guardedCounter, guardedHistogram, safely } from './guards.js';
import { OPD_ATTRIBUTES as A, OPD_INSTRUMENTATION_SCOPE, OPD_METRICS as M } from './names.js';
import type { OpdMethod } from './telemetry.js';
import type { TelemetryAttributes, TelemetryCounter, TelemetryHistogram, TelemetryMeterProvider } from './types.js';

/** Latencies of in-memory calls are tens of microseconds, of PostgreSQL calls milliseconds. */
const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The `opd.offer.outcome` of each offer event. */
const OFFER_OUTCOMES = {
  'token:offered': 'offered',
  'token:offer-accepted': 'accepted',
  'token:offer-declined': 'declined',
  'token:offer-lapsed': 'lapsed',
  'token:offer-withdrawn': 'withdrawn',
} as const;

interface Instruments {
  readonly bookings: TelemetryCounter;
  readonly bumps: TelemetryCounter;
  readonly cascades: TelemetryCounter;
  readonly promotions: TelemetryCounter;
  readonly drops: TelemetryCounter;
  readonly offers: TelemetryCounter;
  readonly duration: TelemetryHistogram;
  readonly unitDuration: TelemetryHistogram;
}

/** The instruments of one scheduler, each guarded on its own (see `guards.ts`). */
export class Metrics {
  readonly #instruments: Instruments;
  /** Attributes of successful calls, one frozen object per method: every booking records them. */
  readonly #byMethod = new Map<OpdMethod, TelemetryAttributes>();
  /** Attributes of cascades and drops, one frozen object per reason. */
  readonly #byReason = new Map<string, TelemetryAttributes>();
  /** Attributes of offers, one frozen object per outcome. */
  readonly #byOfferOutcome = new Map<string, TelemetryAttributes>();

  private constructor(instruments: Instruments) {
    this.#instruments = instruments;
  }

  /**
   * The metrics of the provider's meter, or `undefined` when there is nothing to record to: no
   * provider, a provider or meter that fails, or the API's no-op meter (no SDK registered when
   * the meter was taken), which records nothing, ever.
   */
  static of(meterProvider: TelemetryMeterProvider | undefined, isNoopMeter?: (meter: unknown) => boolean): Metrics | undefined {
    const instruments = safely(() => {
      const meter = meterProvider?.getMeter(OPD_INSTRUMENTATION_SCOPE);
      if (meter === undefined || isNoopMeter?.(meter) === true) return undefined;
      const counter = (name: string, unit: string, description: string): TelemetryCounter => guardedCounter(meter.createCounter(name, { unit, description }));
      return {
        bookings: counter(M.bookings, '{booking}', 'Bookings, by category and outcome (failed ones by error code)'),
        bumps: counter(M.bumps, '{bump}', 'Tokens bumped from their place by a more urgent one'),
        cascades: counter(M.cascades, '{cascade}', 'Displaced tokens moved to a later slot, by reason'),
        promotions: counter(M.promotions, '{promotion}', 'Waitlisted tokens that got a place'),
        drops: counter(M.drops, '{drop}', 'Displaced tokens dropped for want of a place, by reason'),
        offers: counter(M.offers, '{offer}', 'Offers of freed places made, and how each ended, by outcome'),
        duration: guardedHistogram(
          meter.createHistogram(M.duration, {
            unit: 's',
            description: 'Duration of public calls of the scheduler, by method',
            advice: { explicitBucketBoundaries: DURATION_BUCKETS },
          }),
        ),
        unitDuration: guardedHistogram(
          meter.createHistogram(M.unitDuration, {
            unit: 's',
            description: "Duration of units of work (read, decide and commit under the doctor's lock), by the method that ran them",
            advice: { explicitBucketBoundaries: DURATION_BUCKETS },
          }),
        ),
      } satisfies Instruments;
    });
    return instruments === undefined ? undefined : new Metrics(instruments);
  }

  /** The duration of a public call, begun at `start` (`performance.now()`); `code` for a failure. */
  called(method: OpdMethod, start: number, code?: string): void {
    this.#instruments.duration.record((performance.now() - start) / 1000, this.#attributes(method, code));
  }

  /** The duration of a unit of work, begun at `start` (`performance.now()`); `code` for one that failed or refused. */
  unit(method: OpdMethod, start: number, code?: string): void {
    this.#instruments.unitDuration.record((performance.now() - start) / 1000, this.#attributes(method, code));
  }

  /** A booking that succeeded; one answered from its idempotency key is not counted again. */
  booked(result: BookingResult): void {
    if (result.replayed === true) return;
    this.#instruments.bookings.add(1, { [A.category]: result.token.category, [A.outcome]: result.outcome });
  }

  /** A booking that failed, by its error code. */
  bookingFailed(code: string): void {
    this.#instruments.bookings.add(1, { [A.outcome]: 'FAILED', [A.errorType]: code });
  }

  /** Counts the effects of a stored unit of work. */
  committed(events: readonly OpdEvent[]): void {
    const instruments = this.#instruments;
    for (const event of events) {
      switch (event.type) {
        case 'token:bumped':
          instruments.bumps.add(1);
          break;
        case 'token:cascaded':
          instruments.cascades.add(1, this.#ofReason(event.reason));
          break;
        case 'token:promoted':
          instruments.promotions.add(1);
          break;
        case 'token:dropped':
          instruments.drops.add(1, this.#ofReason(event.reason));
          break;
        case 'token:offered':
        case 'token:offer-accepted':
        case 'token:offer-declined':
        case 'token:offer-lapsed':
        case 'token:offer-withdrawn':
          instruments.offers.add(1, this.#ofOffer(OFFER_OUTCOMES[event.type]));
          break;
        default:
      }
    }
  }

  #attributes(method: OpdMethod, code: string | undefined): TelemetryAttributes {
    if (code !== undefined) return { [A.method]: method, [A.errorType]: code };
    let attributes = this.#byMethod.get(method);
    if (attributes === undefined) this.#byMethod.set(method, (attributes = Object.freeze({ [A.method]: method })));
    return attributes;
  }

  #ofOffer(outcome: string): TelemetryAttributes {
    let attributes = this.#byOfferOutcome.get(outcome);
    if (attributes === undefined) this.#byOfferOutcome.set(outcome, (attributes = Object.freeze({ [A.offerOutcome]: outcome })));
    return attributes;
  }

  #ofReason(reason: string): TelemetryAttributes {
    let attributes = this.#byReason.get(reason);
    if (attributes === undefined) this.#byReason.set(reason, (attributes = Object.freeze({ [A.reason]: reason })));
    return attributes;
  }
}
