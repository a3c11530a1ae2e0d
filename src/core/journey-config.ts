/** What the core reads of the journey options (`servicePoints`, `routes`, `reentry`), resolved once by the options. */
import type { ReentryPolicy } from '../policies/reentry.js';
import type { ServicePoint } from '../types/journeys.js';

/** The kind that names the token's own doctor (or its department's pooled queue) in routes and `forward`. */
export const DOCTOR_KIND = 'doctor';

/** The journey options, resolved: service points by id, routes by name, the re-entry policy. */
export interface JourneyConfig {
  /** The service points, by id. */
  readonly points: ReadonlyMap<string, ServicePoint>;
  /** The routes, by name: the kinds of service point a visit passes, in order. */
  readonly routes: ReadonlyMap<string, readonly string[]>;
  /** Where a patient sent back to a queue they left takes their place. */
  readonly reentry: ReentryPolicy;
}
