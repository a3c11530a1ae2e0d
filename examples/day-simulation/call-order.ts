/**
 * `--call-order fair`: the order in which the doctors call their checked-in patients, the
 * scheduler's `callOrder` option (a `FairCallOrder`), read from the command line.
 */
import { type BuiltInCategory, FairCallOrder, type FairCallOrderOptions, isOpdError } from 'opd-scheduler';

/** The call orders `--call-order` names: `queue` (slot by slot, the default) or `fair`. */
export const CALL_ORDER_NAMES = ['queue', 'fair'] as const;

/** The categories a rate may be given for (emergencies are always called first). */
const RATED: readonly BuiltInCategory[] = ['PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN'];

/** The flags of a fair call order, as the command line gave them (`undefined`: not given). */
export interface CallOrderFlags {
  readonly callOrder: string | undefined;
  readonly interleaveEvery: string | undefined;
  readonly maxWait: string | undefined;
  readonly callRates: string | undefined;
}

/**
 * The options of `FairCallOrder` the flags ask for, `null` for queue order, or the message of
 * the mistake. `--call-order` is `queue`, `fair`, or the options as JSON (`{"interleaveEvery":2}`);
 * `--interleave-every <n>`, `--max-wait <minutes>` and `--call-rates CATEGORY=rate,…` refine
 * `fair`. Whatever the form, `FairCallOrder` checks the options itself.
 */
export function parseCallOrder(flags: CallOrderFlags): FairCallOrderOptions | null | string {
  const { callOrder, interleaveEvery, maxWait, callRates } = flags;
  const refined = interleaveEvery !== undefined || maxWait !== undefined || callRates !== undefined;
  if (callOrder === undefined || callOrder === 'queue') {
    return refined ? '--interleave-every, --max-wait and --call-rates apply with --call-order fair only' : null;
  }
  let options: Record<string, unknown>;
  if (callOrder === 'fair') options = {};
  else if (callOrder.startsWith('{')) {
    if (refined) return '--call-order given as JSON takes no --interleave-every, --max-wait or --call-rates: put them in the JSON';
    try {
      options = JSON.parse(callOrder) as Record<string, unknown>;
    } catch {
      return `--call-order must be queue, fair, or FairCallOrder options as JSON such as {"interleaveEvery":2,"maxWaitMinutes":90} (got \`${callOrder}\`)`;
    }
  } else return `--call-order must be one of ${CALL_ORDER_NAMES.join(', ')}, or FairCallOrder options as JSON (got \`${callOrder}\`)`;
  if (interleaveEvery !== undefined) {
    if (!/^\d{1,4}$/.test(interleaveEvery)) return `--interleave-every must be a whole number of calls from 1 to 1000 (got \`${interleaveEvery}\`)`;
    options['interleaveEvery'] = Number(interleaveEvery);
  }
  if (maxWait !== undefined) {
    if (!/^\d{1,4}$/.test(maxWait)) return `--max-wait must be a whole number of minutes from 1 to 1440 (got \`${maxWait}\`)`;
    options['maxWaitMinutes'] = Number(maxWait);
  }
  if (callRates !== undefined) {
    const rates: Record<string, number> = {};
    for (const pair of callRates.split(',')) {
      const [category, value] = pair.split('=').map((part) => part.trim());
      if (!(RATED as readonly string[]).includes(category ?? '') || value === undefined || !/^\d+(\.\d+)?$/.test(value) || category! in rates) {
        return `--call-rates must be CATEGORY=rate pairs such as PAID=4,WALK_IN=1, each CATEGORY once, one of ${RATED.join(', ')} (got \`${callRates}\`)`;
      }
      rates[category!] = Number(value);
    }
    options['rates'] = rates;
  }
  try {
    void new FairCallOrder(options as FairCallOrderOptions);
  } catch (error) {
    if (isOpdError(error)) return `--call-order: ${error.message}`;
    throw error;
  }
  return options as FairCallOrderOptions;
}

/** How the call order reads in the printed day and the report. */
export function describeCallOrder(options: FairCallOrderOptions | null): string {
  return options === null ? 'queue order (slot by slot, as booked)' : new FairCallOrder(options).name;
}
