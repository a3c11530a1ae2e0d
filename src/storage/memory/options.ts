/** The options of the memory store, read once. */
import { invalid, OpdError } from '../../errors.js';

/** Options of {@link MemoryStorage}. */
export interface MemoryStorageOptions {
  /**
   * Keep at most this many events in `history()` (the oldest are forgotten). Events are still
   * emitted and returned as effects. A `tail()` that needs a forgotten event (its consumer fell
   * more than this many events behind, or its `after` is below the oldest kept) fails with an
   * `OpdError` `HISTORY_TRUNCATED` rather than skip it.
   * @defaultValue Infinity
   */
  readonly historyLimit?: number | undefined;
}

/**
 * The history limit the options of a `MemoryStorage` ask for (Infinity by default).
 * @throws OpdError `VALIDATION_FAILED` for options that are not a plain object, an unknown option (named), or a bad `historyLimit`
 */
export function historyLimitOf(options: MemoryStorageOptions | undefined): number {
  // `undefined` means the defaults; anything but a plain object, or a key other than
  // `historyLimit` (a typo), is refused — never a raw TypeError.
  let limit: unknown;
  if (options !== undefined) {
    try {
      const proto: unknown = typeof options === 'object' && options !== null && !Array.isArray(options) ? Object.getPrototypeOf(options) : undefined;
      if (proto !== Object.prototype && proto !== null) throw invalid('options', 'Expected the options of `MemoryStorage` to be an object');
      for (const key of Object.keys(options)) {
        if (key !== 'historyLimit')
          throw invalid(key, `Unknown option \`${key.length > 40 ? `${key.slice(0, 40)}…` : key}\` of \`MemoryStorage\` (its options: historyLimit)`);
      }
    } catch (error) {
      if (error instanceof OpdError) throw error;
      throw invalid('options', 'Could not read the options of `MemoryStorage`'); // a proxy whose traps throw
    }
    try {
      limit = options.historyLimit;
    } catch {
      throw invalid('historyLimit', 'Could not read option `historyLimit` of `MemoryStorage`');
    }
  }
  if (limit === undefined) limit = Number.POSITIVE_INFINITY;
  if (!(limit === Number.POSITIVE_INFINITY || (typeof limit === 'number' && Number.isInteger(limit) && limit >= 0))) {
    const got = typeof limit === 'number' ? `\`${String(limit)}\`` : limit === null ? '`null`' : `a ${typeof limit}`;
    throw invalid('historyLimit', `Expected \`historyLimit\` to be a non-negative integer or Infinity, got ${got}`);
  }
  return limit as number;
}
