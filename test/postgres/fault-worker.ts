/**
 * A worker process of the fault-injection test: while its server backends are terminated at
 * random moments, it migrates a scratch schema (retrying until it succeeds), then, with two
 * callers at once (so that units of one doctor also run as chains), books, cancels,
 * checks in and reads on the shared schema with `listen: true`, retrying every booking that
 * failed with the same idempotency key until it gets an answer, for the seconds given and on
 * until ACKS_AT_LEAST bookings are acknowledged (`bookingTime`). It journals each acknowledged
 * booking, and at the end every event its scheduler emitted.
 *
 * Usage: tsx test/postgres/fault-worker.ts <databaseUrl> <schema> <worker> <seconds> <journal> <seed> <applicationName>
 */
import { appendFileSync } from 'node:fs';
import pg from 'pg';
import { isOpdError, OpdScheduler, presets, type BookingRequest, type OpdErrorCode, type OpdEvent } from '../../src/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';
import { MIGRATIONS } from '../../src/postgres/migrations.js';
import { bookingTime, CATEGORIES_MIX, DAY, DOCTORS, HOURS, NOW, seeded, slotIdOf } from './shared.js';

const [url, schema, workerArg, secondsArg, journal, seedArg, app] = process.argv.slice(2);
const worker = Number(workerArg);
const { random, pick } = seeded(seedArg);
const write = (entry: Record<string, unknown>): void => appendFileSync(journal!, `${JSON.stringify(entry)}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Refusals expected under contention. */
const ALLOWED = new Set<OpdErrorCode>(['INVALID_TRANSITION', 'NOT_YET_DUE', 'SLOT_CLOSED', 'SLOT_ENDED', 'SLOT_FULL', 'DUPLICATE_BOOKING', 'TOKEN_NOT_FOUND']);
/** Failures a lost connection (or the contention it causes) may bring; the call is retried or skipped. */
const TRANSIENT = new Set<OpdErrorCode>(['STORAGE_FAILURE', 'CONFLICT']);

const pool = new pg.Pool({ connectionString: url, max: 3, application_name: app });
pool.on('error', () => undefined); // node-postgres reports idle clients' errors here

/** Where the worker is, and each caller's call in flight: a hang ends the worker with them (below). */
let phase = 'migrating its scratch schema';
const calls: string[] = ['', ''];
// A hang becomes a failure that says where, before the test's own limit (which says only that it
// ran out of time): 240 s is many times what the worker takes on a loaded machine.
setTimeout(() => {
  console.error(`fault worker ${worker}: hung ${phase}${calls.some(Boolean) ? `, calls in flight: ${calls.filter(Boolean).join('; ')}` : ''}`);
  process.exit(3);
}, 240_000).unref();

// migrate survives a lost connection and can be run again. It is one transaction: on a loaded
// machine where it takes seconds, the killer (a backend every 20–300 ms) could end every attempt,
// so after a few the worker migrates on a connection the killer does not look for.
const scratch = `${schema}_m${worker}`;
const KILLABLE_MIGRATIONS = 5;
let migrations = 0;
let spared: pg.Pool | undefined;
for (;;) {
  migrations++;
  if (migrations > KILLABLE_MIGRATIONS && spared === undefined) {
    spared = new pg.Pool({ connectionString: url, max: 1, application_name: `${app}-spared` });
    spared.on('error', () => undefined);
  }
  try {
    const result = await migrate(spared ?? pool, { schema: scratch });
    if (result.version !== MIGRATIONS.at(-1)!.version) throw new Error(`migrated to ${result.version}`);
    break;
  } catch (error) {
    if (!isOpdError(error, 'STORAGE_FAILURE')) throw error;
    await sleep(20);
  }
}
await spared?.end();
phase = `dropping its scratch schema after ${migrations} migrations`;
for (;;) {
  try {
    await pool.query(`DROP SCHEMA ${scratch} CASCADE`);
    break;
  } catch {
    await sleep(20);
  }
}
write({ t: 'migrated', attempts: migrations, spared: spared !== undefined });

const storage = new PostgresStorage({ db: pool, schema: schema!, enforceSlotLimit: true, listen: true, lockTimeout: 2000 });
const opd = new OpdScheduler({ ...presets.standard(), storage, clock: () => new Date(NOW) });
const emitted: OpdEvent[] = [];
opd.on('event', (event) => emitted.push(event));
const mine: string[] = [];
let lostOutcomes = 0;

const time = bookingTime(Number(secondsArg));
let n = 0;
/** One of the worker's two concurrent callers: units of one doctor also queue and run as chains. */
async function caller(c: number): Promise<void> {
  while (time.going()) {
    const roll = random();
    try {
      if (roll < 0.6 || mine.length === 0) {
        const key = `k-w${worker}-${++n}`;
        const doctorId = pick(DOCTORS);
        const request: BookingRequest = {
          doctorId,
          category: pick(CATEGORIES_MIX),
          patient: { id: `w${worker}-${n}`, name: `Patient ${worker}-${n}` },
          idempotencyKey: key,
          ...(random() < 0.3 ? { date: DAY } : { slotId: slotIdOf(doctorId, pick(HOURS)) }),
        };
        // Retried with the same key until the outcome is known: exactly once, whatever was lost.
        for (let attempt = 0; ; attempt++) {
          calls[c] = `book ${key}, attempt ${attempt + 1}`;
          try {
            const result = await opd.book(request);
            write({ t: 'book', key, tokenId: result.token.id, outcome: result.outcome, replayed: result.replayed === true, attempts: attempt + 1 });
            mine.push(result.token.id);
            time.acknowledged();
            break;
          } catch (error) {
            if (isOpdError(error) && ALLOWED.has(error.code)) break;
            if (!(isOpdError(error) && TRANSIENT.has(error.code)) || attempt > 200) throw error;
            if (error.details['outcome'] === 'unknown') lostOutcomes++;
            await sleep(10 + random() * 40);
          }
        }
      } else if (roll < 0.72) {
        const tokenId = pick(mine);
        calls[c] = `cancel ${tokenId}`;
        await opd.cancel(tokenId, { reason: 'fault' });
      } else if (roll < 0.82) {
        const tokenId = pick(mine);
        calls[c] = `checkIn ${tokenId}`;
        await opd.checkIn(tokenId);
      } else if (roll < 0.86) {
        const tokenId = pick(mine);
        calls[c] = `startConsultation and complete ${tokenId}`;
        await opd.startConsultation(tokenId);
        await opd.complete(tokenId);
      } else if (roll < 0.93) {
        const doctorId = pick(DOCTORS);
        calls[c] = `getSchedule ${doctorId}`;
        await opd.getSchedule(doctorId, DAY);
      } else {
        calls[c] = 'history';
        await opd.history({ after: Math.max(0, Math.floor(random() * 50)), limit: 20 });
      }
    } catch (error) {
      if (!(isOpdError(error) && (ALLOWED.has(error.code) || TRANSIENT.has(error.code)))) {
        console.error(`fault worker ${worker}:`, error);
        process.exit(2);
      }
    }
  }
}
phase = 'booking';
await Promise.all([caller(0), caller(1)]);
calls.fill('');
// Give the feed and the background checks of lost acknowledgements time to deliver.
phase = 'waiting for its feed';
await sleep(2500);
write({
  t: 'emitted',
  seqs: emitted.map((e) => e.seq),
  created: emitted.filter((e) => e.type === 'token:booked' || e.type === 'token:waitlisted').map((e) => [e.seq, e.type, (e as { tokenId: string }).tokenId]),
  lostOutcomes,
});
phase = 'closing its scheduler';
await opd.close();
phase = 'ending its pool';
await pool.end();
write({ t: 'done' });
