/**
 * Facilities: many hospitals in one store. The `facilityId` option, checked, and the storage
 * adapter's view of that facility (see {@link StorageAdapter.forFacility}).
 */
import { invalid, isOpdError } from './errors.js';
import type { StorageAdapter } from './storage/adapter.js';
import { describe } from './time.js';
import { isId } from './validate.js';

/** The facility of a scheduler made without the option `facilityId`, and of rows stored before facilities existed. */
export const DEFAULT_FACILITY_ID = 'default';

/**
 * The `facilityId` option, checked: an id (1–100 letters, digits and `_ . : -`, starting with a
 * letter or digit), `'default'` when not given.
 *
 * @throws OpdError `VALIDATION_FAILED` (`details.field: 'facilityId'`) for anything else
 */
export function resolveFacilityId(given: unknown): string {
  if (given === undefined) return DEFAULT_FACILITY_ID;
  if (typeof given !== 'string' || !isId(given)) {
    const got =
      typeof given === 'string'
        ? given.length === 0
          ? 'an empty string'
          : given.length > 100
            ? `a string of ${given.length} characters`
            : 'a string with other characters'
        : describe(given);
    throw invalid('facilityId', `Expected \`facilityId\` to be 1 to 100 letters, digits, '_', '.', ':' or '-' (starting with a letter or digit), got ${got}`);
  }
  return given;
}

/**
 * The storage adapter a scheduler of facility `facilityId` works with: the adapter itself for the
 * default facility, else the adapter's `forFacility(facilityId)`, asked once (an adapter without
 * it knows nothing of facilities and holds the default facility only).
 *
 * @throws OpdError `VALIDATION_FAILED` (`details.field: 'facilityId'`) for another facility over
 *   an adapter without `forFacility`, or when `forFacility` throws or answers something that is
 *   not a storage adapter
 */
export function facilityStorage(storage: StorageAdapter, facilityId: string): StorageAdapter {
  // A view of one facility (`forFacility`) serves that facility's scheduler only: never a
  // scheduler of another, whose records it would read and label as its own.
  const own = facilityOf(storage);
  if (own !== undefined && own !== DEFAULT_FACILITY_ID) {
    if (own === facilityId) return storage;
    const asked = facilityId === DEFAULT_FACILITY_ID ? "no `facilityId` (the facility 'default')" : `\`facilityId: '${facilityId}'\``;
    throw invalid(
      'facilityId',
      `The storage given is the store's view of facility '${own}', and the scheduler has ${asked}: pass \`facilityId: '${own}'\`, or give the scheduler the store itself`,
      { storageFacilityId: own },
    );
  }
  // The adapter's own facility is the default one: it is its own view.
  if (facilityId === DEFAULT_FACILITY_ID) return storage;
  let scope: unknown;
  try {
    scope = storage.forFacility;
  } catch {
    scope = undefined;
  }
  if (scope === undefined) {
    throw invalid(
      'facilityId',
      `The storage adapter \`${String(storage.name)}\` keeps no facilities apart (it has no \`forFacility\`): it holds the facility 'default' only`,
    );
  }
  if (typeof scope !== 'function') throw invalid('storage', 'Expected `storage.forFacility` to be a function when present');
  let view: unknown;
  try {
    view = (scope as (id: string) => unknown).call(storage, facilityId);
  } catch (error) {
    if (isOpdError(error)) throw error;
    throw invalid('facilityId', `The storage adapter \`${String(storage.name)}\` could not open facility \`${facilityId}\``);
  }
  if (typeof view !== 'object' || view === null)
    throw invalid('facilityId', `The storage adapter \`${String(storage.name)}\` answered no adapter for facility \`${facilityId}\``);
  return view as StorageAdapter;
}

/** The facility a storage adapter is the view of (`StorageAdapter.facilityId`), or `undefined` when it does not say. */
function facilityOf(storage: StorageAdapter): string | undefined {
  try {
    const id: unknown = storage.facilityId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
