/** Comparing two stores' results by the order of their events, not the numbers they gave them. */

/**
 * `log` with every event number replaced by its rank among the numbers it holds (1, 2, 3, …):
 * what is compared is the order of the events, not their numbers, which an adapter may give with
 * gaps (the contract asks only that they increase in commit order).
 */
export function bySeqRank(log: unknown[]): unknown[] {
  const seqs = new Set<number>();
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'seq' && typeof inner === 'number') seqs.add(inner);
        else collect(inner);
      }
    }
  };
  collect(log);
  const rank = new Map([...seqs].sort((a, b) => a - b).map((seq, i) => [seq, i + 1]));
  const replace = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(replace);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, key === 'seq' && typeof inner === 'number' ? rank.get(inner) : replace(inner)]));
  };
  return log.map(replace);
}
