/**
 * A read-only map that finds its values itself (made on first use, or kept in fields rather than
 * a `Map`): a subclass says which keys it has and how to get one, and is a whole `ReadonlyMap`.
 */
export abstract class ReadonlyLookup<V> implements ReadonlyMap<string, V> {
  abstract get size(): number;
  abstract has(key: string): boolean;
  abstract get(key: string): V | undefined;
  /** Every key, in the map's order. */
  abstract keys(): MapIterator<string>;

  *values(): MapIterator<V> {
    for (const key of this.keys()) yield this.get(key)!;
  }

  *entries(): MapIterator<[string, V]> {
    for (const key of this.keys()) yield [key, this.get(key)!];
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }
}
