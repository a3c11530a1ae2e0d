/**
 * A worker process of the failover test (test/long/failover.test.ts): on a highly available cluster
 * given as a list of hosts (`db: [pool1, pool2]`), with two callers at once, books, holds,
 * cancels, moves, sweeps and reads on the shared schema with `listen: true` while the primary is
 * killed and a standby promoted. Every booking and hold is retried with its idempotency key until
 * it gets an answer. It journals each acknowledged booking (when its call began and when it was
 * acknowledged), each failed call (its code, outcome and time), and at the end every event its
 * scheduler emitted. It stops when the file `<stop>` appears.
 *
 * Usage: tsx test/postgres/failover-worker.ts <urls (comma-separated)> <schema> <worker> <journal> <seed> <stop>
 */
import { appendFileSync, existsSync } from 'node:fs';
import pg from 'pg';
import { isOpdError, OpdScheduler, presets, type BookingRequest, type OpdErrorCode, type OpdEvent } from '../../src/index.js';
import { PostgresStorage } from '../../src/postgres/index.js';
import { CATEGORIES_MIX, DAY, DOCTORS, HOURS, NOW, seeded, slotIdOf } from './shared.js';

const [urls, schema, workerArg, journal, seedArg, stop] = process.argv.slice(2);
const worker = Number(workerArg);
const { random, pick } = seeded(seedArg);
const write = (entry: Record<string, unknown>): void => appendFileSync(journal!, `${JSON.stringify(entry)}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Refusals expected under contention. */
const ALLOWED = new Set<OpdErrorCode>(['INVALID_TRANSITION', 'NOT_YET_DUE', 'SLOT_CLOSED', 'SLOT_ENDED', 'SLOT_FULL', 'DUPLICATE_BOOKING', 'TOKEN_NOT_FOUND']);
/** Failures a lost server (or the contention it causes) may bring; the call is retried or skipped. */
const TRANSIENT = new Set<OpdErrorCode>(['STORAGE_FAILURE', 'CONFLICT']);

const pools = urls!.split(',').map((connectionString) => {
  const pool = new pg.Pool({ connectionString, max: 4, connectionTimeoutMillis: 2000 });
  pool.on('error', () => undefined);
  return pool;
});
const storage = new PostgresStorage({ db: pools, schema: schema!, enforceSlotLimit: true, listen: true, lockTimeout: 2000, failoverTimeout: 30_000 });
const opd = new OpdScheduler({ ...presets.standard(), storage, clock: () => new Date(NOW) });
const emitted: OpdEvent[] = [];
opd.on('event', (event) => emitted.push(event));
const mine: string[] = [];

/** A failed call, journaled: only typed errors are allowed here. */
function failed(op: string, error: unknown): void {
  if (isOpdError(error) && ALLOWED.has(error.code)) return;
  if (!(isOpdError(error) && TRANSIENT.has(error.code))) {
    console.error(`failover worker ${worker}: ${op} failed untyped:`, error);
    process.exit(2);
  }
  write({ t: 'fail', op, code: error.code, outcome: error.details['outcome'] ?? null, at: Date.now() });
}

let n = 0;
async function caller(): Promise<void> {
  while (!existsSync(stop!)) {
    const roll = random();
    try {
      if (roll < 0.5 || mine.length === 0) {
        const key = `k-w${worker}-${++n}`;
        const doctorId = pick(DOCTORS);
        const hold = random() < 0.2;
        const request: BookingRequest = {
          doctorId,
          category: pick(CATEGORIES_MIX),
          patient: { id: `w${worker}-${n}`, name: `Patient ${worker}-${n}` },
          idempotencyKey: key,
          ...(random() < 0.3 ? { date: DAY } : { slotId: slotIdOf(doctorId, pick(HOURS)) }),
        };
        // Retried with the same key until the outcome is known: exactly once, whatever was lost.
        for (let attempt = 0; ; attempt++) {
          const started = Date.now();
          try {
            const result = hold ? await opd.hold({ ...request, holdMinutes: 30 }) : await opd.book(request);
            write({ t: 'book', key, tokenId: result.token.id, replayed: result.replayed === true, attempts: attempt + 1, started, at: Date.now() });
            mine.push(result.token.id);
            break;
          } catch (error) {
            failed(hold ? 'hold' : 'book', error);
            if ((isOpdError(error) && ALLOWED.has(error.code)) || attempt > 500) break;
            await sleep(20 + random() * 80);
          }
        }
      } else if (roll < 0.62) {
        await opd.cancel(pick(mine), { reason: 'failover' });
      } else if (roll < 0.74) {
        const at = Math.floor(random() * mine.length);
        const to = pick(DOCTORS);
        const result = await opd.move(mine[at]!, random() < 0.5 ? { doctorId: to, date: DAY } : { slotId: slotIdOf(to, pick(HOURS)) }, { reason: 'failover' });
        mine[at] = result.token.id;
      } else if (roll < 0.8) {
        await opd.sweep(new Date(NOW));
      } else if (roll < 0.9) {
        await opd.getSchedule(pick(DOCTORS), DAY);
      } else {
        await opd.history({ after: Math.max(0, Math.floor(random() * 50)), limit: 20 });
      }
    } catch (error) {
      if (isOpdError(error, 'VALIDATION_FAILED')) continue; // a move to where the token already is
      failed('other', error);
    }
  }
}
write({ t: 'ready', at: Date.now() });
await Promise.all([caller(), caller()]);
// Give the feed and the background checks of lost acknowledgements time to deliver.
await sleep(3000);
write({
  t: 'emitted',
  seqs: emitted.map((e) => e.seq),
  created: emitted
    .filter((e) => e.type === 'token:booked' || e.type === 'token:waitlisted' || e.type === 'token:held')
    .map((e) => [e.seq, e.type, (e as { tokenId: string }).tokenId]),
});
await opd.close();
await Promise.all(pools.map((pool) => pool.end()));
write({ t: 'done' });
