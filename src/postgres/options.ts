/**
 * Reading the options of the adapter's public entry points (`new PostgresStorage`, `migrate`):
 * each field read once, every failure a `VALIDATION_FAILED` naming the option, never a raw error.
 */
import { invalid } from '../errors.js';
import { describe } from '../time.js';
import { readInput } from '../validate.js';

/**
 * The fields `keys` of an options object, each read once into a new object without a prototype
 * (an absent field reads as `undefined`), so that what is checked is what is used.
 *
 * @param owner - the function or class whose options they are, for the messages
 * @param value - the options as given
 * @param keys - the known options; any other own key is refused (a typo must not be ignored)
 * @throws OpdError `VALIDATION_FAILED` naming `options` for anything but an object (or one whose
 *   keys cannot be read), or naming the option that is unknown or whose getter throws
 */
export function readOptions(owner: string, value: unknown, keys: ReadonlySet<string>): Record<string, unknown> {
  let array = false;
  try {
    array = Array.isArray(value);
  } catch {
    // a revoked proxy: refused below, as its keys cannot be read
  }
  if (typeof value !== 'object' || value === null || array) {
    throw invalid('options', `Expected the options of \`${owner}\` to be an object, got ${describe(value)}`);
  }
  let own: string[];
  try {
    own = Object.keys(value);
  } catch {
    throw invalid('options', `Could not read the options of \`${owner}\``);
  }
  for (const key of own) {
    if (!keys.has(key)) {
      const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
      throw invalid(key, `Unknown option \`${shown}\` of \`${owner}\` (its options: ${[...keys].join(', ')})`);
    }
  }
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of keys) out[key] = readInput(key, () => (value as Record<string, unknown>)[key]);
  return out;
}
