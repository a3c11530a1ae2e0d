import { ErrorSummary, invalid, isOpdError, OpdError } from './errors.js';
import { describe } from './time.js';
import type { Patient } from './types.js';

/**
 * Whether `text` is an id: 1–100 characters of letters, digits, `_ . : -`, starting with a letter
 * or digit (as `/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/` says; read by character codes, as every
 * booking reads its doctor's id, rather than by a regular expression's call).
 */
export function isId(text: string): boolean {
  const n = text.length;
  if (n === 0 || n > 100) return false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // Letters and digits anywhere; `_ . : -` after the first character.
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 58 && (c !== 58 || i > 0))) continue;
    if (i > 0 && (c === 95 || c === 46 || c === 45)) continue;
    return false;
  }
  return true;
}
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
/**
 * What a patient may hold: nesting, object fields in all, characters per string, items per array,
 * values in all (fields and items, each copy of a shared array counted again) and characters in
 * all (strings and field names), so that copying and keeping one stays small and quick.
 */
const LIMITS = { depth: 6, keys: 200, string: 10_000, items: 1_000, values: 10_000, chars: 1_000_000 } as const;

/** What is left of {@link LIMITS} while a patient is copied. */
interface Budget {
  keys: number;
  values: number;
  chars: number;
}

/** Earliest and latest instants accepted (years 1970–9999). */
export const MIN_INSTANT = 0;
/** @internal */
export const MAX_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** A plain object (not an array, not a class instance). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  try {
    if (Array.isArray(value)) return false;
    const proto = Object.getPrototypeOf(value) as unknown;
    return proto === Object.prototype || proto === null;
  } catch {
    return false; // a revoked proxy
  }
}

function isArray(value: unknown): value is unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    return false; // a revoked proxy
  }
}

/**
 * The items of an array of at most `max` items, or `undefined` when `value` is not an array. The
 * length is read once and checked, then the items by index up to it — never through the array's
 * iterator (which an array may replace to yield more items than its length says) nor by a length
 * read again (a getter of an item, or a proxy, may grow the array): a limit checked on the length
 * holds for what is read. A hole reads as `undefined`.
 * @throws OpdError `VALIDATION_FAILED` naming `field` with `tooMany(length)` for more than `max`
 *   items, or naming `field[i]` for an item that cannot be read
 */
export function arrayItems(field: string, value: unknown, max: number, tooMany: (length: number) => string): unknown[] | undefined {
  if (!isArray(value)) return undefined;
  let length: unknown;
  try {
    length = value.length;
  } catch {
    throw unreadable(field);
  }
  // Only a proxy can answer a length that is not an array length.
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) throw unreadable(field);
  if (length > max) throw invalid(field, tooMany(length));
  const items = new Array<unknown>(length);
  for (let i = 0; i < length; i++) {
    try {
      items[i] = value[i];
    } catch {
      throw invalid(pathOf(field, i), `Could not read \`${pathOf(field, i)}\``);
    }
  }
  return items;
}

/**
 * Whether `value` is an array of strings, read by index up to its length, once; a proxy that
 * throws is not.
 */
export function isStringArray(value: unknown): value is string[] {
  try {
    if (!Array.isArray(value)) return false;
    for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false;
    return true;
  } catch {
    return false;
  }
}

/**
 * The fields `keys` of an object, each read once into a new object without a prototype (an
 * absent field reads as `undefined`): what is checked of the copy is what is used, whatever a
 * getter or a proxy would answer on a second read.
 * @throws OpdError `VALIDATION_FAILED` naming `field` for anything but an object (an array, a
 *   revoked proxy), or naming `field.key` for a field that cannot be read
 */
export function readFields(field: string, value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw invalid(field, `Expected \`${field}\` to be an object, got ${describe(value)}`);
  let array: boolean;
  try {
    array = Array.isArray(value);
  } catch {
    throw unreadable(field); // a revoked proxy
  }
  if (array) throw invalid(field, `Expected \`${field}\` to be an object, got an array`);
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of keys) {
    try {
      out[key] = (value as Record<string, unknown>)[key];
    } catch {
      throw invalid(pathOf(field, key), `Could not read \`${pathOf(field, key)}\``);
    }
  }
  return out;
}

/**
 * A plain object's own fields, each read once into a new object without a prototype (see
 * {@link readFields}). With `allowed`, a key outside it is refused as `prefix + key` (a typo
 * must not be silently ignored).
 * @throws OpdError `VALIDATION_FAILED` naming `field` for anything but a plain object or one
 *   whose keys cannot be read, or naming the unknown key or the field that cannot be read
 */
export function readObject(field: string, value: unknown, allowed?: ReadonlySet<string>, prefix = `${field}.`): Record<string, unknown> {
  if (!isPlainObject(value)) throw invalid(field, `Expected \`${field}\` to be an object, got ${describe(value)}`);
  const keys = keysOf(field, value);
  if (allowed !== undefined) {
    for (const key of keys) if (!allowed.has(key)) throw invalid(`${prefix}${key}`, `Unknown field \`${prefix}${key}\``);
  }
  return readFields(field, value, keys);
}

/**
 * Reads caller input. Anything but an `OpdError` thrown while reading it (a throwing getter, a
 * proxy, a throwing clock) means the input is bad: it becomes `VALIDATION_FAILED` naming it.
 */
export function readInput<T>(field: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw inputFailure(field, error);
  }
}

/** What {@link readInput} throws for `error`, thrown while reading `field`. */
export function inputFailure(field: string, error: unknown): OpdError {
  if (isOpdError(error)) return error;
  return new OpdError('VALIDATION_FAILED', `Could not read \`${field}\``, { details: { field }, cause: new ErrorSummary(error) });
}

/** The own keys of an object, or a `VALIDATION_FAILED` naming `field` when they cannot be read (a proxy). */
function keysOf(field: string, value: Record<string, unknown>): string[] {
  try {
    return Object.keys(value);
  } catch {
    throw unreadable(field);
  }
}

/** The error for an object whose fields cannot be read (a proxy whose traps throw). */
function unreadable(field: string): ReturnType<typeof invalid> {
  return invalid(field, `Could not read the fields of \`${field}\``);
}

/**
 * Requires a plain object with no keys outside `allowed` (a typo such as `slotID` must not be
 * silently ignored). Unknown keys are reported as `prefix + key`.
 */
export function expectObject(field: string, value: unknown, allowed: ReadonlySet<string>, prefix = ''): Record<string, unknown> {
  if (!isPlainObject(value)) throw invalid(field, `Expected \`${field}\` to be an object, got ${describe(value)}`);
  const unknown = unknownKey(field, value, allowed);
  if (unknown !== undefined) {
    const path = `${prefix}${unknown}` || field;
    throw invalid(path, `Unknown field \`${path}\``);
  }
  return value;
}

/**
 * {@link expectObject} with the keys allowed told by `isAllowed` (a `switch`, for the objects
 * every call reads: a booking's request), rather than by a set.
 */
export function expectObjectOf(field: string, value: unknown, isAllowed: (key: string) => boolean): Record<string, unknown> {
  if (!isPlainObject(value)) throw invalid(field, `Expected \`${field}\` to be an object, got ${describe(value)}`);
  let unknown: string | undefined;
  try {
    for (const key in value) {
      if (!isAllowed(key) && Object.hasOwn(value, key)) {
        unknown = key;
        break;
      }
    }
  } catch {
    throw unreadable(field);
  }
  if (unknown !== undefined) {
    const path = unknown || field;
    throw invalid(path, `Unknown field \`${path}\``);
  }
  return value;
}

/**
 * The first own key of `value` outside `allowed`, in the order of `Object.keys`; read with
 * `for…in`, which makes no array of keys (every request passes here). A key `for…in` finds on
 * the prototype is not the object's own: never reported.
 */
function unknownKey(field: string, value: Record<string, unknown>, allowed: ReadonlySet<string>): string | undefined {
  try {
    for (const key in value) if (!allowed.has(key) && Object.hasOwn(value, key)) return key;
  } catch {
    throw unreadable(field);
  }
  return undefined;
}

/** Requires an id: 1–100 characters of letters, digits, `_ . : -`, starting with a letter or digit. */
export function expectId(field: string, value: unknown): string {
  if (typeof value !== 'string' || !isId(value)) {
    throw invalid(
      field,
      `Expected \`${field}\` to be an id of 1–100 letters, digits, '_', '.', ':' or '-', got ${typeof value === 'string' ? 'an invalid string' : describe(value)}`,
    );
  }
  return value;
}

/**
 * Whether a string holds a NUL character or a UTF-16 surrogate without its pair: neither can be
 * stored as text by every store (PostgreSQL refuses both), so every store refuses them alike.
 */
export function hasOddCodeUnits(text: string): boolean {
  return (codeUnitsOf(text) & ODD) !== 0;
}

/** {@link codeUnitsOf}: a NUL or an unpaired surrogate. */
const ODD = 1;
/** {@link codeUnitsOf}: a control character: C0 (below 32), DEL (127) or C1 (128–159). */
const CONTROL = 2;
/** {@link codeUnitsOf}: a character that `String.prototype.trim` keeps (not white space nor a line terminator). */
const VISIBLE = 4;

/**
 * In one pass, whether a string has odd code units ({@link hasOddCodeUnits}), control characters
 * ({@link hasControl}) and a character `trim` keeps: `ODD | CONTROL | VISIBLE` flags.
 */
function codeUnitsOf(text: string): number {
  let flags = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Printable ASCII but the space: the usual character, visible.
    if (c > 32 && c < 127) flags |= VISIBLE;
    // C0 controls, DEL and the C1 controls (U+0080–U+009F: CSI U+009B starts a terminal
    // escape sequence, NEL U+0085 breaks a line, as C0 controls do).
    else if (c < 32 || (c >= 127 && c <= 159)) flags |= c === 0 ? ODD | CONTROL | VISIBLE : c >= 9 && c <= 13 ? CONTROL : CONTROL | VISIBLE;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) flags |= ODD;
      else i++;
      flags |= VISIBLE;
    } else if (c >= 0xdc00 && c <= 0xdfff) flags |= ODD | VISIBLE;
    else if (!isTrimmed(c)) flags |= VISIBLE;
  }
  return flags;
}

/** Whether `String.prototype.trim` removes code unit `c` (at least 32: white space and line terminators of ECMAScript). */
function isTrimmed(c: number): boolean {
  return (
    c === 32 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** `VALIDATION_FAILED` for a string with a NUL or an unpaired surrogate (see {@link hasOddCodeUnits}). */
function expectStorable(field: string, value: string): void {
  if (hasOddCodeUnits(value)) throw invalid(field, `Expected \`${field}\` to be text without NUL characters or unpaired surrogates`);
}

/** Requires a string of some length (used for lookups: any string is a valid key to miss). */
export function expectKey(field: string, value: unknown, max = 200): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw invalid(field, `Expected \`${field}\` to be a non-empty string of at most ${max} characters, got ${describe(value)}`);
  }
  expectStorable(field, value);
  return value;
}

/** Requires a non-empty display text without control characters. */
export function expectText(field: string, value: unknown, max = 200): string {
  expectVisibleText(field, value, max);
  expectStorable(field, value);
  return value;
}

/** {@link expectText} but for NULs and unpaired surrogates, for a caller that has checked those. */
function expectVisibleText(field: string, value: unknown, max: number): asserts value is string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > max || hasControl(value)) {
    throw invalid(
      field,
      `Expected \`${field}\` to be a non-empty text of at most ${max} characters without control characters, got ${typeof value === 'string' ? 'an invalid string' : describe(value)}`,
    );
  }
}

function hasControl(text: string): boolean {
  return (codeUnitsOf(text) & CONTROL) !== 0;
}

/** Requires an integer in a range; the value is echoed in the message (never use for patient data). */
export function expectInteger(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    throw invalid(field, `Expected \`${field}\` to be ${range}, got \`${typeof value === 'number' ? String(value) : describe(value)}\``);
  }
  return value === 0 ? 0 : value;
}

/** Requires a boolean when present. */
export function expectOptionalBoolean(field: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw invalid(field, `Expected \`${field}\` to be a boolean, got ${describe(value)}`);
}

/**
 * Validates a patient and returns a deep, frozen copy. Values must be JSON data; keys that could
 * reach a prototype are refused. Messages name fields, never values.
 */
export function copyPatient(value: unknown): Readonly<Patient> {
  if (!isPlainObject(value)) throw invalid('patient', `Expected \`patient\` to be an object, got ${describe(value)}`);
  const compact = idAndName(value);
  if (compact !== undefined) return compact;
  const copy = copyObject('patient', value, 0, { keys: LIMITS.keys, values: LIMITS.values, chars: LIMITS.chars });
  expectText('patient.name', copy['name']);
  const id = copy['id'];
  if (id !== undefined) expectKey('patient.id', id, 200);
  return copy as Readonly<Patient>;
}

/**
 * The usual patient, an id and a name of plain text, copied as an object of exactly these two
 * fields (in their order): an object built key by key keeps room for four, 16 bytes more for
 * every token a store keeps. `undefined` for any other patient, which the general copy checks; the
 * checks made here are those it makes, in its order, so both refuse alike.
 */
function idAndName(value: Record<string, unknown>): Readonly<Patient> | undefined {
  // The keys counted with `for…in` (no array made): anything but exactly `id` and `name`, own
  // or inherited, goes to the general copy.
  let first: string | undefined;
  let second: string | undefined;
  let count = 0;
  try {
    for (const key in value) {
      if (++count > 2) return undefined;
      if (count === 1) first = key;
      else second = key;
    }
  } catch {
    return undefined; // the general copy refuses it, naming the field
  }
  const idFirst = first === 'id' && second === 'name';
  if (!idFirst && !(first === 'name' && second === 'id')) return undefined;
  let id: unknown;
  let name: unknown;
  try {
    id = value['id'];
    name = value['name'];
  } catch {
    return undefined;
  }
  if (typeof id !== 'string' || typeof name !== 'string' || id.length > LIMITS.string || name.length > LIMITS.string) return undefined;
  // One pass over each string: the name's scan also finds its control characters.
  const nameUnits = codeUnitsOf(name);
  if (hasOddCodeUnits(id) || (nameUnits & ODD) !== 0) return undefined;
  // The checks' own functions, only to refuse (with their messages).
  if ((nameUnits & (CONTROL | VISIBLE)) !== VISIBLE || name.length > 200) expectVisibleText('patient.name', name, 200);
  if (id.length === 0 || id.length > 200) expectKey('patient.id', id, 200);
  return Object.freeze(idFirst ? { id, name } : { name, id });
}

/** `parent.key` or `parent[i]` — built only when needed (on errors and for nested data). */
function pathOf(parent: string, key: string | number): string {
  return typeof key === 'number' ? `${parent}[${key}]` : `${parent}.${key}`;
}

/** Refuses a patient bigger than {@link LIMITS} in all. */
function overBudget(what: 'values' | 'characters'): ReturnType<typeof invalid> {
  const limit = what === 'values' ? LIMITS.values : LIMITS.chars;
  return invalid('patient', `Expected \`patient\` to hold at most ${limit.toLocaleString('en-US')} ${what} in all`);
}

function copyObject(path: string, value: Record<string, unknown>, depth: number, budget: Budget): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keysOf(path, value)) {
    if (FORBIDDEN_KEYS.has(key)) throw invalid(pathOf(path, key), `Field name \`${key}\` is not allowed in \`${path}\``);
    if (hasOddCodeUnits(key)) throw invalid(path, `Expected the field names of \`${path}\` to be text without NUL characters or unpaired surrogates`);
    if (--budget.keys < 0) throw invalid('patient', `Expected \`patient\` to have at most ${LIMITS.keys} fields in all`);
    if ((budget.chars -= key.length) < 0) throw overBudget('characters');
    // Below the top level a field name can be data (a map of conditions, of allergies): paths
    // show it as `*`.
    const shown = depth === 0 ? key : '*';
    let v: unknown;
    try {
      v = value[key];
    } catch {
      throw invalid(pathOf(path, shown), `Could not read \`${pathOf(path, shown)}\``);
    }
    if (v !== undefined) out[key] = copyJson(path, shown, v, depth + 1, budget);
  }
  return Object.freeze(out);
}

function copyJson(parent: string, key: string | number, value: unknown, depth: number, budget: Budget): unknown {
  if (--budget.values < 0) throw overBudget('values');
  switch (typeof value) {
    case 'string':
      if (value.length > LIMITS.string) throw invalid(pathOf(parent, key), `Expected \`${pathOf(parent, key)}\` to be at most ${LIMITS.string} characters`);
      if ((budget.chars -= value.length) < 0) throw overBudget('characters');
      if (hasOddCodeUnits(value)) expectStorable(pathOf(parent, key), value);
      return value;
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw invalid(pathOf(parent, key), `Expected \`${pathOf(parent, key)}\` to be a finite number`);
      // -0 is 0: JSON, and so every store but memory, has no negative zero.
      return value === 0 ? 0 : value;
    case 'object': {
      if (value === null) return null;
      const path = pathOf(parent, key);
      if (depth >= LIMITS.depth) throw invalid(path, `Expected \`${path}\` to be nested at most ${LIMITS.depth} levels`);
      if (isArray(value)) {
        // The length read once: an item's getter may grow the array while it is copied.
        const items = arrayItems(path, value, LIMITS.items, () => `Expected \`${path}\` to have at most ${LIMITS.items} items`)!;
        for (let i = 0; i < items.length; i++) items[i] = copyJson(path, i, items[i], depth + 1, budget);
        return Object.freeze(items);
      }
      if (!isPlainObject(value)) throw invalid(path, `Expected \`${path}\` to be JSON data, got ${describe(value)}`);
      return copyObject(path, value, depth, budget);
    }
    default:
      throw invalid(pathOf(parent, key), `Expected \`${pathOf(parent, key)}\` to be JSON data, got ${describe(value)}`);
  }
}

/** Canonical JSON (sorted keys) of JSON data, for idempotency fingerprints. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}
