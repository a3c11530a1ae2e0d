/**
 * A worker thread of `bench:reads`: patients polling their tokens through a scheduler of its own
 * (as an app server that serves the patients' phones would), with pools of its own to the
 * cluster's hosts. It polls from the main thread's `go` for `seconds`, then posts its
 * {@link ReadSample} and ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { isOpdError, OpdScheduler, presets } from '../src/index.js';
import { PostgresStorage } from '../src/postgres/index.js';
import { replicaCounts } from '../src/postgres/storage.js';
import { ReadClock } from './read-timing.js';

/** What the main thread gives a worker. */
export interface PollerData {
  readonly urls: readonly string[];
  readonly schema: string;
  readonly day: string;
  /** The primary's index in `urls`; with `standby`, the display reads go to the other host. */
  readonly primary: number;
  readonly standby: boolean;
  readonly tokens: readonly string[];
  readonly pollMs: number;
  readonly seconds: number;
  readonly poolMax: number;
}

const data = workerData as PollerData;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const clock = new ReadClock();
const pools = data.urls.map((connectionString) => {
  const pool = new pg.Pool({ connectionString, max: data.poolMax, connectionTimeoutMillis: 2000 });
  pool.on('error', () => undefined);
  return clock.timedPool(pool);
});
clock.primaryPool = pools[data.primary];
const storage = new PostgresStorage({ db: pools, schema: data.schema, ...(data.standby ? { read: [pools[1 - data.primary]!] } : {}) });
const opd = new OpdScheduler({ ...presets.cascade(), storage, clock: () => new Date(`${data.day}T03:00:00Z`) });

// Connections opened and the hosts asked before the clock starts, as in a process that has served a while.
await Promise.all(data.tokens.slice(0, data.poolMax).map((id) => opd.getToken(id)));
parentPort!.postMessage({ ready: true });
await new Promise<void>((resolve) => parentPort!.once('message', () => resolve()));
clock.start();
let stop = false;
const stopAt = performance.now() + data.seconds * 1000;
await Promise.all(
  data.tokens.map(async (id) => {
    // An open loop from a random start: a slow answer delays no next poll.
    await sleep(Math.random() * data.pollMs);
    const mine: Promise<void>[] = [];
    for (let next = performance.now(); !stop; next += data.pollMs) {
      mine.push(
        (async () => {
          const seen = await clock.time('poll', () => opd.getToken(id), isOpdError);
          if (seen !== undefined && seen.id !== id) clock.violations++;
        })()
      );
      if (performance.now() >= stopAt) stop = true;
      await sleep(Math.max(0, next + data.pollMs - performance.now()));
    }
    await Promise.all(mine);
  })
);
parentPort!.postMessage({ ...clock.sample(), counts: { ...replicaCounts(storage)! } });
await opd.close();
await Promise.all(pools.map((p) => p.end()));
