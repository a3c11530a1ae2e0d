/**
 * A worker process of the PostgreSQL race and crash tests: its own pool and scheduler, and three
 * callers at once (so that units of one doctor also queue and run as chains in the process),
 * hammering the same doctors and slots as the other workers with a seeded mix of bookings (emergencies
 * included), cancellations, no-shows, check-ins, consultations and one closeSlot, until the
 * deadline and on until ACKS_AT_LEAST bookings are acknowledged (`bookingTime`). Every acknowledged
 * result is appended (synchronously) to its journal before the next call; a booking's intent is
 * journaled first, so that a restarted worker retries a call whose outcome it never learnt with
 * the same idempotency key.
 *
 * In `moves` mode the mix is department bookings and moves of the worker's own patients between
 * doctors (rd0 → rd1 and rd1 → rd0 at once across workers), with a few cancellations, and the
 * database's own check of slot limits (`enforceSlotLimit`); the mixed mode runs without it.
 *
 * With a facility (its last argument), the worker's scheduler is that facility's, over the
 * adapter's view of it (`forFacility`).
 *
 * Usage: tsx test/postgres/worker.ts <databaseUrl> <schema> <worker> <seconds> <journal> <seed> [mixed|moves] [facility]
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { isOpdError, OpdScheduler, presets, type BookingRequest, type OpdErrorCode } from '../../src/index.js';
import { PostgresStorage } from '../../src/postgres/index.js';
import { unitPaths } from '../../src/postgres/storage.js';
import { bookingTime, CATEGORIES_MIX, DAY, DOCTORS, HOURS, NOW, seeded, slotIdOf } from './shared.js';

const [url, schema, workerArg, secondsArg, journal, seedArg, modeArg, facilityArg] = process.argv.slice(2);
const facilityId = facilityArg ?? 'default';
const moves = modeArg === 'moves';
const worker = Number(workerArg);
const { random, pick } = seeded(seedArg);

/** Expected refusals under contention; anything else fails the worker. */
const ALLOWED = new Set<OpdErrorCode>(['INVALID_TRANSITION', 'NOT_YET_DUE', 'SLOT_CLOSED', 'SLOT_ENDED', 'SLOT_FULL', 'DUPLICATE_BOOKING', 'TOKEN_NOT_FOUND']);

/** Calls in flight at once in this process. */
const CALLERS = 3;
const pool = new pg.Pool({ connectionString: url, max: 2 });
// The mixed run, where slots fill, has the adapter's default (no slot limit checked by the
// database): only the rules and the locks keep places, and the store's check (`checkStore`) finds
// any slot they overfilled. The moves run has the database's check as well (so has the crash test).
const store = new PostgresStorage({ db: pool, schema: schema!, enforceSlotLimit: moves });
const storage = store.forFacility(facilityId);
const opd = new OpdScheduler({
  ...presets.standard(),
  // One label series per category, so that the race also proves labels unique per doctor-day.
  numbering: 'category',
  storage,
  facilityId,
  clock: () => new Date(NOW),
});
const write = (entry: Record<string, unknown>): void => appendFileSync(journal!, `${JSON.stringify(entry)}\n`);

// A restarted worker first finishes what its previous life may or may not have done.
const mine: string[] = [];
let counter = 0;
if (existsSync(journal!)) {
  // A life killed mid-write may leave a partial last line: what it says was never acted on.
  const entries = readFileSync(journal!, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  const acked = new Set(entries.filter((e) => e['t'] === 'book').map((e) => e['key']));
  for (const e of entries) {
    if (e['t'] === 'book') mine.push(e['tokenId'] as string);
    if (e['t'] === 'intent') counter = Math.max(counter, Number(e['n']));
  }
  for (const e of entries) {
    if (e['t'] !== 'intent' || acked.has(e['key'])) continue;
    const result = await opd.book(e['request'] as BookingRequest).catch((error: unknown) => {
      if (isOpdError(error) && ALLOWED.has(error.code)) return undefined;
      throw error;
    });
    if (result !== undefined) {
      write({ t: 'book', key: e['key'], tokenId: result.token.id, outcome: result.outcome, replayed: result.replayed === true, retried: true });
      mine.push(result.token.id);
    }
  }
}
write({ t: 'ready' });

const time = bookingTime(Number(secondsArg));
let closed = false;
/** One of the worker's concurrent callers (several per process, so that one doctor's units also queue and run as chains). */
async function caller(): Promise<void> {
  while (time.going()) {
    const roll = random();
    try {
      if (moves) {
        if (roll < 0.45 || mine.length === 0) {
          const n = ++counter;
          const request = {
            department: 'race',
            category: pick(CATEGORIES_MIX),
            patient: { id: `w${worker}-${n}`, name: `Patient ${worker}-${n}` },
            idempotencyKey: `k-w${worker}-${n}`,
            date: DAY,
          };
          write({ t: 'intent', n, key: request.idempotencyKey, request });
          const result = await opd.book(request);
          write({ t: 'book', key: request.idempotencyKey, tokenId: result.token.id, outcome: result.outcome, replayed: result.replayed === true });
          mine.push(result.token.id);
          time.acknowledged();
        } else if (roll < 0.92) {
          // Opposite directions at once: every move names the other doctor of rd0 and rd1, or rd2.
          const at = Math.floor(random() * mine.length);
          const tokenId = mine[at]!;
          const from = tokenId.split('~')[0];
          const to = from === 'rd0' ? 'rd1' : from === 'rd1' ? 'rd0' : pick(DOCTORS);
          const result = await opd.move(tokenId, random() < 0.5 ? { doctorId: to, date: DAY } : { slotId: slotIdOf(to, pick(HOURS)) }, { reason: 'race' });
          mine[at] = result.token.id;
        } else {
          await opd.cancel(pick(mine), { reason: 'race' });
        }
        continue;
      }
      if (roll < 0.55 || mine.length === 0) {
        const n = ++counter;
        const doctorId = pick(DOCTORS);
        const request: BookingRequest = {
          doctorId,
          category: pick(CATEGORIES_MIX),
          patient: { id: `w${worker}-${n}`, name: `Patient ${worker}-${n}` },
          idempotencyKey: `k-w${worker}-${n}`,
          ...(random() < 0.3 ? { date: DAY } : { slotId: slotIdOf(doctorId, pick(HOURS)) }),
        };
        write({ t: 'intent', n, key: request.idempotencyKey, request });
        const result = await opd.book(request);
        write({ t: 'book', key: request.idempotencyKey, tokenId: result.token.id, outcome: result.outcome, replayed: result.replayed === true });
        mine.push(result.token.id);
        time.acknowledged();
      } else if (roll < 0.7) {
        await opd.cancel(pick(mine), { reason: 'race' });
      } else if (roll < 0.8) {
        await opd.markNoShow(pick(mine));
      } else if (roll < 0.88) {
        await opd.checkIn(pick(mine));
      } else if (roll < 0.91) {
        const tokenId = pick(mine);
        await opd.startConsultation(tokenId);
        await opd.complete(tokenId);
      } else if (roll < 0.93 && worker < 2 && !closed) {
        closed = true;
        await opd.closeSlot(slotIdOf(DOCTORS[worker]!, HOURS[2 + worker]!), { reason: 'doctor left' }).catch((error: unknown) => {
          // Refused while a patient in the slot is checked in or in consultation.
          if (!isOpdError(error, 'VALIDATION_FAILED')) throw error;
          return [];
        });
      } else {
        await opd.getSchedule(pick(DOCTORS), DAY);
      }
    } catch (error) {
      // In moves mode, a move to the place the patient already holds is refused as invalid input.
      if (!(isOpdError(error) && (ALLOWED.has(error.code) || (moves && error.code === 'VALIDATION_FAILED')))) {
        console.error(`worker ${worker}:`, error);
        process.exit(2);
      }
    }
  }
}
await Promise.all(Array.from({ length: CALLERS }, caller));
await opd.close();
await store.close();
await pool.end();
// How this life's units ran: the race test checks that units raced through each path.
write({ t: 'paths', ...unitPaths(storage) });
write({ t: 'done' });
