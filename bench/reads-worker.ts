/**
 * A poller process of `bench:reads` (forked, its messages over IPC): patients polling their tokens
 * through a scheduler of its own (as an app server that serves the patients' phones would), with
 * pools of its own to the cluster's hosts. Started once for every phase: for each, it is given the
 * tokens, reads each once, says it is ready, polls from `go` for `seconds`, then sends its
 * {@link ReadSample}.
 */
import pg from 'pg';
import { isOpdError, OpdScheduler, presets } from '../src/index.js';
import { PostgresStorage } from '../src/postgres/index.js';
import { replicaCounts } from '../src/postgres/storage.js';
import { ReadClock } from './read-timing.js';

/** What the main process gives a poller process once. */
export interface PollerData {
  readonly urls: readonly string[];
  readonly schema: string;
  readonly day: string;
  readonly pollMs: number;
  readonly seconds: number;
  readonly poolMax: number;
}

/** A phase: the primary's index in `urls` (with `standby`, the display reads go to the other host) and the tokens to poll. */
export interface PollerPhase {
  readonly primary: number;
  readonly standby: boolean;
  readonly tokens: readonly string[];
}

const next = (): Promise<unknown> => new Promise((resolve) => process.once('message', resolve));
const data = (await next()) as PollerData;
const send = (message: unknown) => process.send!(message);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const clock = new ReadClock();
const pools = data.urls.map((connectionString) => {
  const pool = new pg.Pool({ connectionString, max: data.poolMax, connectionTimeoutMillis: 2000 });
  pool.on('error', () => undefined);
  return clock.timedPool(pool);
});

// One process for every phase, as an app server that runs on: its code compiled and its connections open.
for (;;) {
  const phase = (await next()) as PollerPhase | 'end';
  if (phase === 'end') break;
  clock.primaryPool = pools[phase.primary];
  const storage = new PostgresStorage({ db: pools, schema: data.schema, ...(phase.standby ? { read: [pools[1 - phase.primary]!] } : {}) });
  const opd = new OpdScheduler({ ...presets.cascade(), storage, clock: () => new Date(`${data.day}T03:00:00Z`) });
  // Every token read once before the clock starts, as by a process that has served a while.
  for (let i = 0; i < phase.tokens.length; i += data.poolMax) await Promise.all(phase.tokens.slice(i, i + data.poolMax).map((id) => opd.getToken(id)));
  send({ ready: true });
  await next();
  clock.start();
  let stop = false;
  const stopAt = performance.now() + data.seconds * 1000;
  await Promise.all(
    phase.tokens.map(async (id) => {
      // An open loop from a random start: a slow answer delays no next poll.
      await sleep(Math.random() * data.pollMs);
      const mine: Promise<void>[] = [];
      for (let at = performance.now(); !stop; at += data.pollMs) {
        mine.push(
          (async () => {
            const seen = await clock.time('poll', () => opd.getToken(id), isOpdError);
            if (seen !== undefined && seen.id !== id) clock.violations++;
          })(),
        );
        if (performance.now() >= stopAt) stop = true;
        await sleep(Math.max(0, at + data.pollMs - performance.now()));
      }
      await Promise.all(mine);
    }),
  );
  send({ ...clock.sample(), counts: { ...replicaCounts(storage)! } });
  await opd.close();
}
await Promise.all(pools.map((p) => p.end()));
