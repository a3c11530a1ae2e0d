/**
 * The snapshots of the further doctors of a unit over several doctors in the in-memory store,
 * each read when the unit first asks for it. A unit runs to its end before anything else touches
 * the store (see `MemoryStorage.transact`), so a snapshot read late is the one it would have read
 * first; a call at a service point that serves the whole facility locks every doctor and then
 * looks at one of them, not two hundred.
 */
import { ReadonlyLookup } from '../../model/lookup.js';
import type { DoctorSnapshot, LoadRequest } from '../../model/snapshot.js';

/** A map of doctor id to snapshot over `parts` (the unit plan's further doctors, in order), each loaded by `load` on first use. */
export class DeferredSnapshots extends ReadonlyLookup<DoctorSnapshot> {
  readonly #parts: ReadonlyMap<string, LoadRequest>;
  readonly #load: (part: LoadRequest) => DoctorSnapshot;
  readonly #read = new Map<string, DoctorSnapshot>();

  constructor(parts: ReadonlyMap<string, LoadRequest>, load: (part: LoadRequest) => DoctorSnapshot) {
    super();
    this.#parts = parts;
    this.#load = load;
  }

  get size(): number {
    return this.#parts.size;
  }

  has(id: string): boolean {
    return this.#parts.has(id);
  }

  get(id: string): DoctorSnapshot | undefined {
    const read = this.#read.get(id);
    if (read !== undefined) return read;
    const part = this.#parts.get(id);
    if (part === undefined) return undefined;
    const snapshot = this.#load(part);
    this.#read.set(id, snapshot);
    return snapshot;
  }

  keys(): MapIterator<string> {
    return this.#parts.keys();
  }
}
