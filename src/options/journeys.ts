/** The journey options (`servicePoints`, `routes`, `reentry`), validated once. */
import { invalid, isOpdError } from '../errors.js';
import { ReturnAhead, type ReentryPolicy } from '../policies/reentry.js';
import { DOCTOR_KIND, type JourneyConfig } from '../core/journey-config.js';
import type { Routes, ServicePoint } from '../types/journeys.js';
import { describe } from '../time.js';

export { DOCTOR_KIND, type JourneyConfig };
import { expectId, expectText, isPlainObject, readObject } from '../validate.js';

const POINT_KEYS: ReadonlySet<string> = new Set(['id', 'kind', 'department', 'rooms']);
const MAX_POINTS = 500;
const MAX_ROUTES = 100;
const MAX_STAGES = 20;

/**
 * Validates `servicePoints`, `routes` and `reentry`; `undefined` when none is given (no journeys:
 * every token waits for its doctor, as always).
 * @throws OpdError `VALIDATION_FAILED` naming the option and the field
 */
export function resolveJourneys(servicePoints: unknown, routes: unknown, reentry: unknown): JourneyConfig | undefined {
  if (servicePoints === undefined && routes === undefined && reentry === undefined) return undefined;
  const points = new Map<string, ServicePoint>();
  if (servicePoints !== undefined) {
    if (!Array.isArray(servicePoints) || servicePoints.length > MAX_POINTS)
      throw invalid('servicePoints', `Expected \`servicePoints\` to be an array of at most ${MAX_POINTS} service points, got ${describe(servicePoints)}`);
    const pooled = new Set<string>();
    servicePoints.forEach((raw: unknown, i) => {
      const field = `servicePoints[${i}]`;
      const o = readObject(field, raw, POINT_KEYS);
      const id = expectId(`${field}.id`, o['id']);
      if (id.length > 64) throw invalid(`${field}.id`, `Expected \`${field}.id\` to be at most 64 characters`);
      if (points.has(id)) throw invalid(`${field}.id`, `Service point \`${id}\` is given twice`);
      const kind = expectId(`${field}.kind`, o['kind']);
      if (kind.length > 32) throw invalid(`${field}.kind`, `Expected \`${field}.kind\` to be at most 32 characters`);
      const department = o['department'] === undefined ? undefined : expectText(`${field}.department`, o['department'], 100);
      if (kind === DOCTOR_KIND) {
        if (department === undefined)
          throw invalid(`${field}.department`, `A service point of kind '${DOCTOR_KIND}' pools a department's queue: give its \`department\``);
        if (pooled.has(department)) throw invalid(`${field}.department`, `Department \`${department}\` has two pooled doctor points`);
        pooled.add(department);
      }
      const rooms = o['rooms'];
      if (rooms !== undefined && (!Array.isArray(rooms) || rooms.length === 0 || rooms.length > 20))
        throw invalid(`${field}.rooms`, `Expected \`${field}.rooms\` to be an array of 1 to 20 rooms`);
      const roomList = rooms === undefined ? undefined : Object.freeze((rooms as unknown[]).map((r, k) => expectText(`${field}.rooms[${k}]`, r, 50)));
      points.set(id, Object.freeze({ id, kind, ...(department === undefined ? {} : { department }), ...(roomList === undefined ? {} : { rooms: roomList }) }));
    });
  }
  const kinds = new Set([DOCTOR_KIND, ...[...points.values()].map((p) => p.kind)]);
  const named = new Map<string, readonly string[]>();
  if (routes !== undefined) {
    if (!isPlainObject(routes)) throw invalid('routes', `Expected \`routes\` to be an object of named routes, got ${describe(routes)}`);
    const entries = Object.entries(routes as Routes);
    if (entries.length > MAX_ROUTES) throw invalid('routes', `Expected at most ${MAX_ROUTES} routes`);
    for (const [name, stages] of entries) {
      const field = `routes.${name}`;
      expectId('routes', name);
      if (!Array.isArray(stages) || stages.length === 0 || stages.length > MAX_STAGES)
        throw invalid(field, `Expected \`${field}\` to be an array of 1 to ${MAX_STAGES} service-point kinds`);
      stages.forEach((kind: unknown, k) => {
        if (typeof kind !== 'string' || !kinds.has(kind))
          throw invalid(`${field}[${k}]`, `Expected \`${field}[${k}]\` to be '${DOCTOR_KIND}' or the kind of a service point`);
      });
      named.set(name, Object.freeze([...(stages as string[])]));
    }
  }
  const policy = reentry ?? new ReturnAhead();
  try {
    const p = policy as Record<string, unknown>;
    if (typeof p !== 'object' || p === null || typeof p['name'] !== 'string' || typeof p['passed'] !== 'function')
      throw invalid('reentry', 'Expected `reentry` to be an object with a `name` and a `passed` function');
  } catch (error) {
    throw isOpdError(error) ? error : invalid('reentry', 'Could not read `reentry`');
  }
  return Object.freeze({ points, routes: named, reentry: policy as ReentryPolicy });
}
