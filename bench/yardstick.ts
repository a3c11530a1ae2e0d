/**
 * The machine's yardstick: a fixed piece of JavaScript work that uses nothing of this library, for
 * a budget stated in absolute time (a year replayed in five minutes) to be measured as a ratio on a
 * shared, noisy machine. It does what the engine does most — makes small objects, keys maps by
 * strings, sorts, walks arrays, collects garbage — with the same input every time, so its CPU time
 * moves with the machine (its speed, its load, Node.js) and never with a change to the library.
 *
 * `node --import tsx bench/yardstick.ts` prints `{ cpuSeconds, wallSeconds }` of one run.
 */
import { performance } from 'node:perf_hooks';

/** A small deterministic generator (xorshift32), so every run does the same work. */
function generator(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

interface Entry {
  readonly id: string;
  readonly n: number;
  readonly tags: readonly string[];
}

/** One round: 50,000 entries made, keyed, sorted, serialised and read back, folded into a number. */
function round(next: () => number): number {
  const entries: Entry[] = [];
  const byId = new Map<string, Entry>();
  for (let i = 0; i < 50_000; i++) {
    const n = next();
    const entry: Entry = { id: `e-${n.toString(36)}-${i}`, n, tags: [`t${n % 7}`, `u${n % 13}`] };
    entries.push(entry);
    byId.set(entry.id, entry);
  }
  entries.sort((a, b) => a.n - b.n || (a.id < b.id ? -1 : 1));
  let sum = 0;
  for (let i = 0; i < entries.length; i += 3) sum = (sum + (byId.get(entries[i]!.id)?.n ?? 0)) % 1_000_003;
  const text = JSON.stringify(entries.slice(0, 10_000));
  const back = JSON.parse(text) as Entry[];
  for (const e of back) sum = (sum + e.tags.length + e.id.length) % 1_000_003;
  return sum;
}

/** The yardstick's fixed work (20 rounds); answers its CPU and wall seconds. */
export function yardstick(): { cpuSeconds: number; wallSeconds: number; check: number } {
  const next = generator(22);
  const at = process.cpuUsage();
  const start = performance.now();
  let check = 0;
  for (let r = 0; r < 20; r++) check = (check + round(next)) % 1_000_003;
  const spent = process.cpuUsage(at);
  return { cpuSeconds: (spent.user + spent.system) / 1e6, wallSeconds: (performance.now() - start) / 1000, check };
}

if (process.argv[1] === import.meta.filename) process.stdout.write(`${JSON.stringify(yardstick())}\n`);
