import { OpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import { fixedDate } from '../model/instant.js';
import { isTokenIdOf, parseTokenId } from '../model/records.js';

/** The type of an event, the keys of its stored values, and whether its token fields are derived. */
interface Shape {
  readonly type: string;
  readonly keys: readonly string[];
  readonly derived: boolean;
}

const INITIAL = 1024;
const TOKEN_PREFIX = ['type', 'seq', 'at', 'doctorId', 'tokenId', 'tokenNumber', 'day'] as const;

/** Whether an event's keys start like every token event built by the core. */
function hasTokenPrefix(event: OpdEvent): boolean {
  let j = 0;
  for (const key in event) {
    if (j === TOKEN_PREFIX.length) return true;
    if (key !== TOKEN_PREFIX[j]) return false;
    j++;
  }
  return j === TOKEN_PREFIX.length;
}

/**
 * An append-only, compact log of events for the in-memory store.
 *
 * A store keeps one event per change for its whole life, so events are not kept as objects (an
 * event object and its `Date` cost ~200 bytes of heap). Instead the shape (type and keys), the
 * time and where the values start are kept in typed arrays, and the values in one flat array, in
 * the event's own key order. `seq` is the position in the log; a token event's `doctorId`,
 * `tokenNumber` and `day` are read back from its token id. Events are rebuilt, frozen and equal to
 * the ones appended, with the same key order.
 */
export class EventLog {
  #shapeOf = new Uint8Array(INITIAL);
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
    const derived =
      'tokenId' in event &&
      hasTokenPrefix(event) &&
      isTokenIdOf(event.tokenId, event.doctorId, event.day, event.tokenNumber);
    const values = this.#values;
    const start = values.length;
    // Most events have the shape of the last event of their type: confirm it key by key
    // while copying the values, and only look the shape up when it differs.
    let shapeId = this.#lastShape.get(event.type);
    let keys = shapeId === undefined ? undefined : this.#shapes[shapeId];
    if (keys !== undefined && keys.derived !== derived) keys = undefined;
    let k = 0;
    for (const key in event) {
      if (key === 'type' || key === 'seq' || key === 'at') continue;
      if (derived && (key === 'doctorId' || key === 'tokenNumber' || key === 'day')) continue;
      if (keys !== undefined && keys.keys[k] !== key) keys = undefined;
      k++;
      values.push(event[key as keyof OpdEvent]);
    }
    if (keys === undefined || keys.keys.length !== k) {
      shapeId = this.#shape(event, derived);
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

  #shape(event: OpdEvent, derived: boolean): number {
    const keys = Object.keys(event).filter(
      (k) => k !== 'type' && k !== 'seq' && k !== 'at' && !(derived && (k === 'doctorId' || k === 'tokenNumber' || k === 'day')),
    );
    const signature = `${event.type}|${derived ? 'T' : 'P'}|${keys.join(',')}`;
    let id = this.#shapeIds.get(signature);
    if (id === undefined) {
      id = this.#shapes.length;
      if (id > 255) throw new OpdError('STORAGE_FAILURE', 'Too many kinds of events for the in-memory log', { details: { type: event.type } });
      this.#shapes.push({ type: event.type, keys, derived });
      this.#shapeIds.set(signature, id);
    }
    return id;
  }

  #grow(): void {
    const size = this.#shapeOf.length * 2;
    const shapes = new Uint8Array(size);
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
    const start = this.#starts[i]!;
    const event: Record<string, unknown> = { type: shape.type, seq: this.#base + i + 1, at: fixedDate(this.#at[i]!) };
    let k = 0;
    if (shape.derived) {
      // Stored keys start with `tokenId` (the core puts it right after `doctorId`).
      const tokenId = this.#values[start] as string;
      const parts = parseTokenId(tokenId)!;
      event['doctorId'] = parts.doctorId;
      event['tokenId'] = tokenId;
      event['tokenNumber'] = parts.tokenNumber;
      event['day'] = parts.day;
      k = 1;
    }
    for (; k < shape.keys.length; k++) event[shape.keys[k]!] = this.#values[start + k];
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
