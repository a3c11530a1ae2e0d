import type { TokenRecord } from '../model/records.js';
import { isLiveStatus } from '../model/status.js';

/** Tokens of a day above which a lookup goes through a map rather than a scan. */
const LARGE_DAY = 256;

/**
 * Which live tokens the patients of one doctor-day hold, for the duplicate-booking guard of the
 * in-memory store.
 *
 * A day keeps, by token number, a hash of the patient id of each live token (0 for a token that
 * is not live or has no patient id): an array of small integers, 8 bytes a token. A lookup scans
 * it and reads only the tokens whose hash matches; a day of a few dozen tokens fits in a few
 * cache lines. (A `Map` per day cost about 45 bytes a token, its table rounded up to a power of
 * two.) A day that grows past {@link LARGE_DAY} tokens also keeps a map from patient id to a
 * live token, so that a lookup stays O(1) however many places the day has.
 */
export class PatientIndex {
  /** Hash of the patient id of token n at n − 1, or 0. */
  readonly #hashes: number[] = [];
  /** Patient id → a live token of that patient; only on a large day. */
  #patients: Map<string, TokenRecord> | undefined;
  /** Patient id → how many more live tokens the patient holds (only with duplicates allowed, only on a large day). */
  #extra: Map<string, number> | undefined;

  /**
   * A live token of the patient among `tokens` (the day's tokens, token n at n − 1), if any.
   * `tokens` must be the list every change was noted against.
   */
  liveTokenOf(tokens: readonly TokenRecord[], patientId: string): TokenRecord | undefined {
    if (this.#patients !== undefined) return this.#patients.get(patientId);
    const hash = patientHash(patientId);
    const hashes = this.#hashes;
    for (let i = 0; i < hashes.length; i++) {
      if (hashes[i] === hash) {
        const token = tokens[i]!;
        if (token.patient.id === patientId) return token;
      }
    }
    return undefined;
  }

  /**
   * Keeps the index in step with a change of `tokens`: `next` was just added (`previous`
   * undefined; it is the last of `tokens`) or replaced `previous` at its number.
   */
  note(tokens: readonly TokenRecord[], previous: TokenRecord | undefined, next: TokenRecord): void {
    // A large day looks patients up in its map only: its hashes are never read again.
    if (this.#patients !== undefined) {
      this.#noteLarge(tokens, previous, next);
      return;
    }
    if (tokens.length > LARGE_DAY) {
      this.#patients = new Map();
      this.#hashes.length = 0;
      for (let i = 0; i < tokens.length; i++) this.#noteLarge(tokens, undefined, tokens[i]!);
      return;
    }
    const patientId = next.patient.id;
    const hash = patientId !== undefined && isLiveStatus(next.status) ? patientHash(patientId) : 0;
    if (previous === undefined) this.#hashes.push(hash);
    else this.#hashes[next.tokenNumber - 1] = hash;
  }

  /** What the index keeps, as plain data (for `MemoryStorage.dump`): hashes, and on a large day the ids it maps. */
  dump(): unknown {
    return {
      hashes: this.#hashes.slice(),
      patients: this.#patients === undefined ? null : [...this.#patients].map(([id, t]) => [id, t.id]),
      extra: this.#extra === undefined ? null : [...this.#extra],
    };
  }

  #noteLarge(tokens: readonly TokenRecord[], previous: TokenRecord | undefined, next: TokenRecord): void {
    const before = previous?.patient.id;
    if (previous !== undefined && before !== undefined && before !== next.patient.id) {
      // The token's patient data was erased: the old id leaves the index as if the token had ended.
      this.#noteLarge(tokens, previous, { ...previous, status: 'CANCELLED' });
      this.#noteLarge(tokens, undefined, next);
      return;
    }
    const patients = this.#patients!;
    const patientId = next.patient.id;
    if (patientId === undefined) return;
    const wasLive = previous !== undefined && isLiveStatus(previous.status);
    const indexed = patients.get(patientId);
    if (isLiveStatus(next.status)) {
      if (indexed === undefined || indexed === previous) patients.set(patientId, next);
      else {
        if (!wasLive) this.#countExtra(patientId, 1);
        // The index names the patient's live token with the lowest number.
        if (next.tokenNumber < indexed.tokenNumber) patients.set(patientId, next);
      }
      return;
    }
    if (!wasLive) return;
    const extra = this.#extra?.get(patientId) ?? 0;
    if (indexed !== previous) {
      this.#countExtra(patientId, -1); // one of the patient's other live tokens left
      return;
    }
    if (extra === 0) {
      patients.delete(patientId);
      return;
    }
    // Duplicates are allowed and the indexed token left: index the next live one (rare).
    const other = tokens.find((t) => t.patient.id === patientId && t.id !== next.id && isLiveStatus(t.status));
    if (other === undefined) patients.delete(patientId);
    else patients.set(patientId, other);
    this.#countExtra(patientId, -1);
  }

  #countExtra(patientId: string, change: 1 | -1): void {
    const count = (this.#extra?.get(patientId) ?? 0) + change;
    if (count > 0) (this.#extra ??= new Map()).set(patientId, count);
    else this.#extra?.delete(patientId);
  }
}

/** FNV-1a of the id's code units, as a positive small integer (never 0, the mark of no live token). */
export function patientHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff || 1;
}

/**
 * The in-memory store's index from a patient id to the ids of that patient's tokens, every
 * doctor's and every day's: a patient's tokens across a department, and what an erasure reaches.
 * A token is listed under the patient id it was stored with, until it loses it (erased) or its
 * day is forgotten.
 */
export class TokensByPatient {
  readonly #ids = new Map<string, string[]>();

  /** Lists a new token under its patient id (a token without one is not listed). */
  add(token: TokenRecord): void {
    const patientId = token.patient.id;
    if (typeof patientId !== 'string') return;
    const ids = this.#ids.get(patientId);
    if (ids === undefined) this.#ids.set(patientId, [token.id]);
    else ids.push(token.id);
  }

  /** Drops a token from the list of its (former) patient id, and the id once it has no token left. */
  remove(token: TokenRecord): void {
    const patientId = token.patient.id;
    if (typeof patientId !== 'string') return;
    const ids = this.#ids.get(patientId)?.filter((id) => id !== token.id);
    if (ids === undefined || ids.length === 0) this.#ids.delete(patientId);
    else this.#ids.set(patientId, ids);
  }

  /** The ids of the patient's tokens, in the order they were listed (not sorted: readers sort what they need). */
  idsOf(patientId: string): readonly string[] {
    return this.#ids.get(patientId) ?? [];
  }

  /** Every patient id with its tokens' ids, as plain data (for `MemoryStorage.dump`). */
  dump(): { patientId: string; tokenIds: string[] }[] {
    return [...this.#ids].map(([patientId, tokenIds]) => ({ patientId, tokenIds: [...tokenIds] }));
  }
}
