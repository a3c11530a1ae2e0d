import { OpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import { fixedDate } from '../model/instant.js';
import { isTokenIdOf, parseTokenId } from '../model/records.js';

/**
 * How a key's value is kept: stored in the values, derived from the token id, or a constant kept
 * in the shape (`null`, `true`, `false`).
 */
const STORED = 0;
const DERIVED = 1;
const NULL = 2;
const TRUE = 3;
const FALSE = 4;
/** The value of each constant kind. */
const CONSTANTS: readonly unknown[] = [undefined, undefined, null, true, false];

/**
 * The type of an event, its keys in order, how each key's value is kept, and where the token id
 * is among the stored values (-1 when no key is derived).
 */
interface Shape {
  readonly type: string;
  readonly keys: readonly string[];
  readonly kinds: readonly number[];
  readonly tokenIdAt: number;
}

const INITIAL = 1024;

/** Whether an event's `doctorId`, `tokenNumber` and `day` are those of its token id. */
function hasDerivedFields(e: Readonly<Record<string, unknown>>): boolean {
  const { tokenId, doctorId, day, tokenNumber } = e;
  return typeof tokenId === 'string' && typeof doctorId === 'string' && typeof day === 'string' && typeof tokenNumber === 'number' && isTokenIdOf(tokenId, doctorId, day, tokenNumber);
}

/** How the value of `key` is kept. */
function kindOf(key: string, value: unknown, derived: boolean): number {
  if (derived && (key === 'doctorId' || key === 'tokenNumber' || key === 'day')) return DERIVED;
  return value === null ? NULL : value === true ? TRUE : value === false ? FALSE : STORED;
}

/**
 * An append-only, compact log of events for the in-memory store.
 *
 * A store keeps one event per change for its whole life, so events are not kept as objects (an
 * event object and its `Date` cost ~200 bytes of heap). Instead the shape (type, keys, and which
 * values are `null`, `true` or `false`), the time and where the values start are kept in typed arrays, and the other
 * values in one flat array, in the event's own key order. `seq` is the position in the log; a
 * token event's `doctorId`, `tokenNumber` and `day` are read back from its token id, wherever
 * they stand among its keys. Events are rebuilt, frozen and equal to the ones appended, with the
 * same key order.
 */
export class EventLog {
  #shapeOf = new Uint16Array(INITIAL);
  #at = new Float64Array(INITIAL);
  #starts = new Uint32Array(INITIAL + 1);
  readonly #values: unknown[] = [];
  readonly #shapes: Shape[] = [];
  readonly #shapeIds = new Map<string, number>();
  readonly #lastShape = new Map<string, number>();
  /** Events in the arrays (forgotten ones included, until compaction). */
  #count = 0;
  /** Index of the first event not forgotten. */
  #first = 0;
  /** `seq` of the event at index 0, minus one. */
  #base = 0;

  /** Appends an event; its `seq` must be the previous one plus one. */
  append(event: OpdEvent): void {
    const e = event as unknown as Readonly<Record<string, unknown>>;
    const derived = hasDerivedFields(e);
    const values = this.#values;
    const start = values.length;
    // Most events have the shape of the last event of their type: confirm it key by key
    // while copying the values, and only look the shape up when it differs.
    let shapeId = this.#lastShape.get(event.type);
    let shape = shapeId === undefined ? undefined : this.#shapes[shapeId];
    let k = 0;
    for (const key in e) {
      if (key === 'type' || key === 'seq' || key === 'at') continue;
      const value = e[key];
      const kind = kindOf(key, value, derived);
      if (shape !== undefined && (shape.keys[k] !== key || shape.kinds[k] !== kind)) shape = undefined;
      k++;
      if (kind === STORED) values.push(value);
    }
    if (shape === undefined || shape.keys.length !== k) {
      shapeId = this.#shape(e, derived);
      this.#lastShape.set(event.type, shapeId);
    }
    const i = this.#count;
    if (i + 1 >= this.#shapeOf.length) this.#grow();
    this.#shapeOf[i] = shapeId!;
    this.#at[i] = event.at.getTime();
    this.#starts[i] = start;
    this.#starts[i + 1] = values.length;
    this.#count = i + 1;
  }

  #shape(e: Readonly<Record<string, unknown>>, derived: boolean): number {
    const keys = Object.keys(e).filter((k) => k !== 'type' && k !== 'seq' && k !== 'at');
    const kinds = keys.map((k) => kindOf(k, e[k], derived));
    const type = e['type'] as string;
    const signature = `${type}|${keys.map((k, i) => `${k}:${kinds[i]}`).join(',')}`;
    let id = this.#shapeIds.get(signature);
    if (id === undefined) {
      id = this.#shapes.length;
      if (id > 0xffff) throw new OpdError('STORAGE_FAILURE', 'Too many kinds of events for the in-memory log', { details: { type } });
      const stored = keys.filter((_, i) => kinds[i] === STORED);
      this.#shapes.push({ type, keys, kinds, tokenIdAt: derived ? stored.indexOf('tokenId') : -1 });
      this.#shapeIds.set(signature, id);
    }
    return id;
  }

  #grow(): void {
    const size = this.#shapeOf.length * 2;
    const shapes = new Uint16Array(size);
    shapes.set(this.#shapeOf);
    this.#shapeOf = shapes;
    const at = new Float64Array(size);
    at.set(this.#at);
    this.#at = at;
    const starts = new Uint32Array(size + 1);
    starts.set(this.#starts);
    this.#starts = starts;
  }

  /** Events with `seq > after`, at most `limit` of them, in `seq` order. */
  read(after: number, limit: number): OpdEvent[] {
    const from = Math.max(this.#first, Math.floor(after) - this.#base);
    const to = Math.min(this.#count, from + limit);
    const out: OpdEvent[] = [];
    for (let i = from; i < to; i++) out.push(this.#event(i));
    return out;
  }

  #event(i: number): OpdEvent {
    const shape = this.#shapes[this.#shapeOf[i]!]!;
    let v = this.#starts[i]!;
    const event: Record<string, unknown> = { type: shape.type, seq: this.#base + i + 1, at: fixedDate(this.#at[i]!) };
    const parts = shape.tokenIdAt < 0 ? undefined : (parseTokenId(this.#values[v + shape.tokenIdAt] as string) as unknown as Record<string, unknown>);
    const { keys, kinds } = shape;
    for (let k = 0; k < keys.length; k++) {
      const kind = kinds[k]!;
      event[keys[k]!] = kind === STORED ? this.#values[v++] : kind === DERIVED ? parts![keys[k]!] : CONSTANTS[kind];
    }
    return Object.freeze(event) as unknown as OpdEvent;
  }

  /** Forgets the oldest events so that at most `keep` remain. */
  truncate(keep: number): void {
    const excess = this.#count - this.#first - keep;
    if (excess <= 0) return;
    this.#first += excess;
    // Compact once the forgotten part dominates, so memory stays bounded.
    if (this.#first < INITIAL || this.#first * 2 < this.#count) return;
    const offset = this.#starts[this.#first]!;
    this.#values.splice(0, offset);
    const n = this.#count - this.#first;
    this.#shapeOf.copyWithin(0, this.#first, this.#count);
    this.#at.copyWithin(0, this.#first, this.#count);
    for (let i = 0; i <= n; i++) this.#starts[i] = this.#starts[this.#first + i]! - offset;
    this.#base += this.#first;
    this.#count = n;
    this.#first = 0;
  }
}
