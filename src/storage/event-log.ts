import { OpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import { fixedDate } from '../model/instant.js';
import { isTokenIdOf, partsOfTokenId } from '../model/records.js';

/**
 * How a key's value is kept: stored in the values, derived from the token id, a constant kept
 * in the shape (`null`, `true`, `false`), or a label that is the token number in decimal (as
 * most are), derived from the token id too.
 */
const STORED = 0;
const DERIVED = 1;
const NULL = 2;
const TRUE = 3;
const FALSE = 4;
const NUMBER_LABEL = 5;
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
  /**
   * An event of the shape with its keys in order (constants set, the other values `null` until
   * filled in): an event is read as a copy of it, made at its full size at once, then filled in.
   */
  readonly template: Readonly<Record<string, unknown>>;
}

const INITIAL = 1024;
/** Values per chunk of the flat values (a power of two: 32 KB of pointers, an ordinary object). */
const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/** Whether an event's `doctorId`, `tokenNumber` and `day` are those of its token id. */
function hasDerivedFields(e: Readonly<Record<string, unknown>>): boolean {
  const { tokenId, doctorId, day, tokenNumber } = e;
  return (
    typeof tokenId === 'string' &&
    typeof doctorId === 'string' &&
    typeof day === 'string' &&
    typeof tokenNumber === 'number' &&
    isTokenIdOf(tokenId, doctorId, day, tokenNumber)
  );
}

/**
 * How the value of `key` is kept; `tokenNumber` is the event's token number when its token fields
 * are derived, else 0.
 */
function kindOf(key: string, value: unknown, tokenNumber: number): number {
  if (tokenNumber > 0) {
    if (key === 'doctorId' || key === 'tokenNumber' || key === 'day') return DERIVED;
    if (key === 'label' && typeof value === 'string' && isDecimalOf(value, tokenNumber)) return NUMBER_LABEL;
  }
  return value === null ? NULL : value === true ? TRUE : value === false ? FALSE : STORED;
}

/** Whether event `e` has `shape`'s keys, in its order, with values of its kinds. */
function fits(e: Readonly<Record<string, unknown>>, shape: Shape, tokenNumber: number): boolean {
  const { keys, kinds } = shape;
  let k = 0;
  for (const key in e) {
    if (key === 'type' || key === 'seq' || key === 'at') continue;
    if (keys[k] !== key || kinds[k] !== kindOf(key, e[key], tokenNumber)) return false;
    k++;
  }
  return k === keys.length;
}

/** Whether `text` is `n` (a positive safe integer) written in decimal, as `String(n)` writes it. */
function isDecimalOf(text: string, n: number): boolean {
  let rest = n;
  for (let i = text.length - 1; i >= 0; i--) {
    if (rest === 0 || text.charCodeAt(i) !== 48 + (rest % 10)) return false;
    rest = Math.floor(rest / 10);
  }
  return rest === 0 && text.length > 0;
}

/**
 * What one read made for its last event, given again to the next when it is the same: the time
 * (a fixed date cannot be changed, so events of one instant share it) and the parts of the token
 * id (consecutive events are often of one token).
 */
class LastRead {
  #ms = Number.NaN;
  #date: Date | undefined;
  #tokenId: string | undefined;
  #parts: Record<string, unknown> | undefined;

  date(ms: number): Date {
    if (ms !== this.#ms || this.#date === undefined) {
      this.#ms = ms;
      this.#date = fixedDate(ms);
    }
    return this.#date;
  }

  parts(tokenId: string): Record<string, unknown> {
    if (tokenId !== this.#tokenId || this.#parts === undefined) {
      this.#tokenId = tokenId;
      this.#parts = partsOfTokenId(tokenId) as unknown as Record<string, unknown>;
    }
    return this.#parts;
  }
}

/**
 * An append-only, compact log of events for the in-memory store.
 *
 * A store keeps one event per change for its whole life, so events are not kept as objects (an
 * event object and its `Date` cost ~200 bytes of heap). Instead the shape (type, keys, and which
 * values are `null`, `true` or `false`), the time and where the values start are kept in typed arrays, and the other
 * values in one flat sequence, in the event's own key order. The sequence is kept in chunks of
 * fixed length, each made once at its full length, rather than one array of millions of values
 * that grows by half again each time it fills (and so keeps up to a third of its room empty). `seq` is the position in the log; a
 * token event's `doctorId`, `tokenNumber` and `day` are read back from its token id, wherever
 * they stand among its keys, and so is its `label` when it is the token number in decimal.
 * Events are rebuilt, frozen and equal to the ones appended, with the
 * same key order.
 */
export class EventLog {
  #shapeOf = new Uint16Array(INITIAL);
  #at = new Float64Array(INITIAL);
  #starts = new Uint32Array(INITIAL + 1);
  /** The flat values, value `v` at `#chunks[v >>> CHUNK_BITS][v & CHUNK_MASK]`. */
  readonly #chunks: unknown[][] = [];
  /** Values stored (forgotten ones included, until compaction). */
  #size = 0;
  readonly #shapes: Shape[] = [];
  readonly #shapeIds = new Map<string, number>();
  /** Type → the shapes of that type seen so far, the last one used first. */
  readonly #shapesOfType = new Map<string, number[]>();
  /** The type of the last event appended and its shapes (consecutive events are mostly of one type). */
  #lastType: string | undefined;
  #lastCandidates: number[] | undefined;
  /** Events in the arrays (forgotten ones included, until compaction). */
  #count = 0;
  /** Index of the first event not forgotten. */
  #first = 0;
  /** `seq` of the event at index 0, minus one. */
  #base = 0;
  /** Doctor → day → the `seq`s of the doctor-day's events, in order (see {@link EventLog.readDay}); no key is built per event. */
  readonly #days = new Map<string, Map<string, number[]>>();
  #lastDoctor: string | undefined;
  #lastDay: string | undefined;
  #lastSeqs: number[] | undefined;

  /** Appends an event; its `seq` must be the previous one plus one. */
  append(event: OpdEvent): void {
    const e = event as unknown as Readonly<Record<string, unknown>>;
    const tokenNumber = hasDerivedFields(e) ? (e['tokenNumber'] as number) : 0;
    const start = this.#size;
    // Most events have the shape of the last event of their type: confirm it key by key
    // while copying the values, and only look further when it differs.
    const type = event.type;
    let candidates = this.#lastCandidates;
    if (type !== this.#lastType) {
      candidates = this.#shapesOfType.get(type);
      this.#lastType = type;
      this.#lastCandidates = candidates;
    }
    let shapeId = candidates?.[0];
    let shape = shapeId === undefined ? undefined : this.#shapes[shapeId];
    let k = 0;
    for (const key in e) {
      if (key === 'type' || key === 'seq' || key === 'at') continue;
      const value = e[key];
      const kind = kindOf(key, value, tokenNumber);
      if (shape !== undefined && (shape.keys[k] !== key || shape.kinds[k] !== kind)) shape = undefined;
      k++;
      if (kind === STORED) this.#keep(value);
    }
    if (shape === undefined || shape.keys.length !== k) {
      shapeId = this.#otherShape(e, tokenNumber, candidates);
      // A type seen for the first time has its list of shapes now.
      this.#lastCandidates = this.#shapesOfType.get(type);
    }
    const i = this.#count;
    if (i + 1 >= this.#shapeOf.length) this.#grow();
    this.#shapeOf[i] = shapeId!;
    this.#at[i] = event.at.getTime();
    this.#starts[i] = start;
    this.#starts[i + 1] = this.#size;
    this.#count = i + 1;
    this.#index(e, this.#base + i + 1);
  }

  /** Files `seq` under the event's doctor-day, and under the doctor-day a moved patient left. */
  #index(e: Readonly<Record<string, unknown>>, seq: number): void {
    const { doctorId, day, fromDoctorId, fromDay } = e;
    if (typeof day !== 'string' || typeof doctorId !== 'string') return;
    // A unit's events are mostly of one doctor-day: its list is kept at hand.
    if (this.#lastSeqs !== undefined && doctorId === this.#lastDoctor && day === this.#lastDay) this.#lastSeqs.push(seq);
    else {
      this.#lastSeqs = this.#file(doctorId, day, seq);
      this.#lastDoctor = doctorId;
      this.#lastDay = day;
    }
    if (typeof fromDay === 'string' && typeof fromDoctorId === 'string' && (fromDay !== day || fromDoctorId !== doctorId))
      this.#file(fromDoctorId, fromDay, seq);
  }

  /** Files `seq` under a doctor-day; returns the day's list. */
  #file(doctorId: string, day: string, seq: number): number[] {
    let days = this.#days.get(doctorId);
    if (days === undefined) this.#days.set(doctorId, (days = new Map()));
    const seqs = days.get(day);
    if (seqs !== undefined) {
      seqs.push(seq);
      return seqs;
    }
    const first = [seq];
    days.set(day, first);
    return first;
  }

  /**
   * The events kept of one doctor-day, in `seq` order: those whose `doctorId` and `day` are
   * these, and the `token:moved` of a patient who left it for another doctor-day.
   */
  readDay(doctorId: string, day: string): OpdEvent[] {
    const seqs = this.#days.get(doctorId)?.get(day);
    if (seqs === undefined) return [];
    const out: OpdEvent[] = [];
    const last = new LastRead();
    for (const seq of seqs) {
      const i = seq - this.#base - 1;
      if (i >= this.#first) out.push(this.#event(i, last));
    }
    return out;
  }

  #keep(value: unknown): void {
    const v = this.#size;
    const at = v >>> CHUNK_BITS;
    // Made at its full length once: filled by index, never grown.
    const chunk = at < this.#chunks.length ? this.#chunks[at]! : this.#newChunk();
    chunk[v & CHUNK_MASK] = value;
    this.#size = v + 1;
  }

  #newChunk(): unknown[] {
    const chunk = new Array<unknown>(CHUNK);
    this.#chunks.push(chunk);
    return chunk;
  }

  #value(v: number): unknown {
    return this.#chunks[v >>> CHUNK_BITS]![v & CHUNK_MASK];
  }

  /**
   * The shape of an event that does not have the last shape of its type: another shape of the
   * type (events alternate between a few, e.g. a booking with and without an elastic place),
   * else a new one. It becomes the type's first candidate.
   */
  #otherShape(e: Readonly<Record<string, unknown>>, tokenNumber: number, candidates: number[] | undefined): number {
    if (candidates !== undefined) {
      // Compared key by key, as in `append`: a known shape is found without making anything.
      for (let c = 1; c < candidates.length; c++) {
        const id = candidates[c]!;
        if (!fits(e, this.#shapes[id]!, tokenNumber)) continue;
        for (let i = c; i > 0; i--) candidates[i] = candidates[i - 1]!;
        candidates[0] = id;
        return id;
      }
    }
    const keys = Object.keys(e).filter((k) => k !== 'type' && k !== 'seq' && k !== 'at');
    const kinds = keys.map((k) => kindOf(k, e[k], tokenNumber));
    const id = this.#shape(e['type'] as string, keys, kinds, tokenNumber > 0);
    if (candidates === undefined) this.#shapesOfType.set(e['type'] as string, [id]);
    else {
      // A shape of another type's list (the same keys and kinds under another type cannot be).
      if (candidates.includes(id)) candidates.splice(candidates.indexOf(id), 1);
      candidates.unshift(id);
    }
    return id;
  }

  #shape(type: string, keys: readonly string[], kinds: readonly number[], derived: boolean): number {
    const signature = `${type}|${keys.map((k, i) => `${k}:${kinds[i]}`).join(',')}`;
    let id = this.#shapeIds.get(signature);
    if (id === undefined) {
      id = this.#shapes.length;
      if (id > 0xffff) throw new OpdError('STORAGE_FAILURE', 'Too many kinds of events for the in-memory log', { details: { type } });
      const stored = keys.filter((_, i) => kinds[i] === STORED);
      // Parsed from JSON: an object the parser makes holds its keys in place, while one given
      // keys one at a time past a dozen becomes a dictionary (more bytes, slower to read); and
      // every key is its own, `__proto__` too.
      const fields = [['type', type], ['seq', 0], ['at', null], ...keys.map((key, i) => [key, CONSTANTS[kinds[i]!] ?? null])];
      const template = JSON.parse(`{${fields.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`) as Record<string, unknown>;
      this.#shapes.push({ type, keys, kinds, tokenIdAt: derived ? stored.indexOf('tokenId') : -1, template });
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
    const last = new LastRead();
    for (let i = from; i < to; i++) out.push(this.#event(i, last));
    return out;
  }

  #event(i: number, last: LastRead): OpdEvent {
    const shape = this.#shapes[this.#shapeOf[i]!]!;
    let v = this.#starts[i]!;
    const event: Record<string, unknown> = { ...shape.template };
    event['seq'] = this.#base + i + 1;
    event['at'] = last.date(this.#at[i]!);
    const parts = shape.tokenIdAt < 0 ? undefined : last.parts(this.#value(v + shape.tokenIdAt) as string);
    const { keys, kinds } = shape;
    for (let k = 0; k < keys.length; k++) {
      const kind = kinds[k]!;
      if (kind === STORED) event[keys[k]!] = this.#value(v++);
      else if (kind === DERIVED) event[keys[k]!] = parts![keys[k]!];
      else if (kind === NUMBER_LABEL) event[keys[k]!] = String(parts!.tokenNumber);
    }
    return Object.freeze(event) as unknown as OpdEvent;
  }

  /** The `seq` of the oldest event kept; that of the next event appended when none is kept. */
  get oldestSeq(): number {
    return this.#base + this.#first + 1;
  }

  /** Forgets the oldest events so that at most `keep` remain. */
  truncate(keep: number): void {
    const excess = this.#count - this.#first - keep;
    if (excess <= 0) return;
    this.#first += excess;
    // Compact once the forgotten part dominates, so memory stays bounded.
    if (this.#first < INITIAL || this.#first * 2 < this.#count) return;
    // Whole chunks of forgotten values are dropped; the forgotten ones of the first chunk kept
    // are cleared, so that they hold nothing.
    const forgotten = this.#starts[this.#first]!;
    const dropped = forgotten >>> CHUNK_BITS;
    this.#chunks.splice(0, dropped);
    const offset = dropped << CHUNK_BITS;
    if (this.#chunks.length > 0) this.#chunks[0]!.fill(undefined, 0, forgotten - offset);
    this.#size -= offset;
    const n = this.#count - this.#first;
    this.#shapeOf.copyWithin(0, this.#first, this.#count);
    this.#at.copyWithin(0, this.#first, this.#count);
    for (let i = 0; i <= n; i++) this.#starts[i] = this.#starts[this.#first + i]! - offset;
    this.#base += this.#first;
    this.#count = n;
    this.#first = 0;
    // The days' lists forget the same events (a day whose events are all forgotten goes).
    this.#lastSeqs = undefined;
    const oldest = this.#base + 1;
    for (const [doctorId, days] of this.#days) {
      for (const [day, seqs] of days) {
        if (seqs[seqs.length - 1]! < oldest) days.delete(day);
        else if (seqs[0]! < oldest)
          seqs.splice(
            0,
            seqs.findIndex((seq) => seq >= oldest),
          );
      }
      if (days.size === 0) this.#days.delete(doctorId);
    }
  }
}
