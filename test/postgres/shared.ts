import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OpdEvent, TokenStatus } from '../../src/index.js';
import { OpdScheduler, presets } from '../../src/index.js';
import { PostgresStorage } from '../../src/postgres/index.js';
import type { Decision, DoctorSnapshot } from '../../src/model/snapshot.js';
import type pg from 'pg';
import { expect } from 'vitest';
import { allHistory } from '../helpers.js';

/** The day of every slot of the race (UTC). */
export const DAY = '2026-01-30';
/** The workers' clock: the first slot has started (no-shows possible), the others have not. */
export const NOW = `${DAY}T09:30:00Z`;
/** Three doctors shared by every worker. */
export const DOCTORS = ['rd0', 'rd1', 'rd2'] as const;
/** Six hourly slots per doctor. */
export const HOURS = [9, 10, 11, 12, 13, 14] as const;
export const CAPACITY = 4;
export const OVERFLOW = 2;
/**
 * Bookings each worker (race and fault tests) has acknowledged before it stops, past the seconds
 * it was given if need be: on a loaded machine kills and retries can leave those seconds too few to check by.
 */
export const ACKS_AT_LEAST = 8;

/**
 * How long a storm worker books: for `seconds`, then on until it has {@link ACKS_AT_LEAST}
 * acknowledged bookings, a minute more at most (the test then says how many it got).
 * @param seconds - the worker's seconds, from now
 * @returns `going()`, whether to make another call; `acknowledged()`, to count a booking acknowledged
 */
export function bookingTime(seconds: number): { readonly going: () => boolean; readonly acknowledged: () => void } {
  const deadline = Date.now() + seconds * 1000;
  const lastCall = deadline + 60_000;
  let acked = 0;
  return {
    going: () => Date.now() < deadline || (acked < ACKS_AT_LEAST && Date.now() < lastCall),
    acknowledged: () => void acked++,
  };
}
/** Emergencies are one request in ten. */
export const CATEGORIES_MIX = ['EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'ONLINE', 'ONLINE', 'WALK_IN', 'WALK_IN', 'WALK_IN', 'ONLINE'] as const;

/**
 * Runs `call` as a unit with the integrator's work (`withTransaction`) that, its changes written,
 * waits before its `COMMIT` — holding its doctor's lock — until `release()`. Resolves `entered`
 * once it waits; `result` is the call's answer after the commit.
 */
export function heldOpen<T>(storage: PostgresStorage, call: () => Promise<T>): { entered: Promise<void>; release: () => void; result: Promise<T> } {
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let inside: () => void = () => {};
  const entered = new Promise<void>((resolve) => (inside = resolve));
  const result = storage.withTransaction(call, async () => {
    inside();
    await held;
  });
  return { entered, release, result };
}

/**
 * A decision that a faulty rule could make: a second live token (number 2) for the patient of the
 * day's first place, under the duplicate-booking guard. The store must refuse it.
 */
export function duplicateOfFirstPlace(snapshot: DoctorSnapshot, day: string): Decision<null> {
  const dayState = snapshot.days.get(day)!;
  const first = dayState.slots[0]!.places[0]!;
  return {
    kind: 'commit',
    changes: {
      newSlots: [],
      updatedSlots: [],
      newTokens: [{ ...first, id: `${first.doctorId}~${day}~2`, tokenNumber: 2 }],
      updatedTokens: [],
      days: [{ ...dayState.record, lastTokenNumber: 2 }],
      events: [],
      guardDuplicates: true,
    },
    result: null,
  };
}

/** A seeded random source (mulberry32) for the workers, so that a run can be replayed. */
export function seeded(seedArg: string | undefined): { random: () => number; pick: <T>(list: readonly T[]) => T } {
  let seed = Number(seedArg) >>> 0 || 1;
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { random, pick: <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]! };
}

export function slotIdOf(doctorId: string, hour: number): string {
  return `${doctorId}-${String(hour).padStart(2, '0')}`;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Creates the doctors and slots of the race. */
export async function seed(pool: pg.Pool, schema: string, facilityId = 'default'): Promise<void> {
  const storage = new PostgresStorage({ db: pool, schema });
  const opd = new OpdScheduler({ ...presets.standard(), storage: storage.forFacility(facilityId), facilityId, clock: () => new Date(`${DAY}T07:00:00Z`) });
  for (const id of DOCTORS) {
    await opd.addDoctor({ id, name: `Dr ${id}`, department: 'race' });
    await opd.addSlots(
      id,
      HOURS.map((h) => ({
        id: slotIdOf(id, h),
        start: `${DAY}T${String(h).padStart(2, '0')}:00:00Z`,
        end: `${DAY}T${String(h + 1).padStart(2, '0')}:00:00Z`,
        capacity: CAPACITY,
        overflowCapacity: OVERFLOW,
      })),
    );
  }
  await opd.close();
  await storage.close();
}

/** Starts a worker process (`worker.ts`). */
const running = new Set<ChildProcess>();

/** Kills every worker still running (after a failed test). */
export function killWorkers(): void {
  for (const child of running) child.kill('SIGKILL');
}

export function startWorker(
  url: string,
  schema: string,
  worker: number,
  seconds: number,
  journal: string,
  seed: number,
  mode: 'mixed' | 'moves' = 'mixed',
  facilityId = 'default',
): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/postgres/worker.ts', url, schema, String(worker), String(seconds), journal, String(seed), mode, facilityId],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** A worker process started by {@link startAtOnce}: `ready` once it is connected, `go()` lets it act, `answers` its JSON lines once it has exited. */
export interface AtOnceWorker<T> {
  readonly ready: Promise<void>;
  readonly go: () => void;
  readonly answers: Promise<T[]>;
}

/**
 * Starts `script` (a worker of a race at one instant) with `args`: it prints `ready` once it is
 * connected, waits for `go` on its stdin, then prints one JSON answer per line and exits 0.
 */
export function startAtOnce<T>(script: string, args: readonly string[]): AtOnceWorker<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  let signal: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (signal = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith('ready\n')) signal();
  });
  const answers = new Promise<T[]>((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${script} exited with ${String(code)}`));
      else
        resolve(
          out
            .trim()
            .split('\n')
            .slice(1)
            .map((line) => JSON.parse(line) as T),
        );
    });
  });
  return { ready, go: () => child.stdin!.end('go\n'), answers };
}

/** Resolves with the exit code (or signal) of a process. */
export function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
}

/** The acknowledged bookings of a journal: idempotency key → token id. */
export function acknowledged(journal: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(journal, 'utf8').split('\n')) {
    // A worker killed mid-write may leave a partial last line.
    if (!line.endsWith('}')) continue;
    const entry = JSON.parse(line) as { t: string; key?: string; tokenId?: string };
    if (entry.t !== 'book') continue;
    const known = out.get(entry.key!);
    // The same key always yields the same token (a replay).
    if (known !== undefined) expect(entry.tokenId).toBe(known);
    out.set(entry.key!, entry.tokenId!);
  }
  return out;
}

interface TokenRow {
  token_id: string;
  doctor_id: string;
  day: string;
  token_number: number;
  status: TokenStatus;
  slot_id: string | null;
  idempotency_key: string | null;
}

/**
 * Checks the store after the workers stopped, in SQL and through the API: no slot beyond its
 * limit, token numbers unique and without gaps, every acknowledged booking stored exactly once,
 * history complete and ordered, and every token's status and slot equal to what replaying the
 * history gives (no half-applied cascade). Returns the number of tokens and events.
 */
export async function checkStore(
  pool: pg.Pool,
  schema: string,
  acks: ReadonlyMap<string, string>,
): Promise<{ tokens: number; events: number; seqs: number[] }> {
  const q = async <T>(sql: string): Promise<T[]> => (await pool.query(sql)).rows as T[];
  // No transaction left open by a killed worker.
  const open = await q<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' AND query LIKE '%${schema}%'`);
  expect(Number(open[0]!.n)).toBe(0);

  // No slot over capacity + overflowCapacity.
  const over = await q(`SELECT sl.slot_id, count(*) AS n, sl.capacity + sl.overflow_capacity AS limit
      FROM ${schema}.opd_slots sl JOIN ${schema}.opd_tokens t ON t.doctor_id = sl.doctor_id AND t.slot_id = sl.slot_id
      WHERE t.status IN ('BOOKED','CHECKED_IN','IN_CONSULTATION','COMPLETED','HELD')
      GROUP BY sl.slot_id, sl.capacity, sl.overflow_capacity HAVING count(*) > sl.capacity + sl.overflow_capacity`);
  expect(over).toEqual([]);

  // Token numbers: 1..n per doctor-day, equal to the day's counter.
  const numbering = await q<{ doctor_id: string; day: string; n: string; max: number; distinct: string; last: number }>(`
      SELECT t.doctor_id, t.day, count(*) AS n, max(t.token_number) AS max, count(DISTINCT t.token_number) AS distinct, d.last_token_number AS last
      FROM ${schema}.opd_tokens t JOIN ${schema}.opd_days d ON d.doctor_id = t.doctor_id AND d.day = t.day
      GROUP BY t.doctor_id, t.day, d.last_token_number`);
  for (const row of numbering) {
    expect(Number(row.n)).toBe(row.max);
    expect(Number(row.distinct)).toBe(row.max);
    expect(row.last).toBe(row.max);
  }

  // Labels: per doctor-day, each series (the prefix before '-') numbered 1..k without a gap or a
  // repeat, however many processes booked at once.
  const labels = await q<{ doctor_id: string; day: string; label: string }>(`SELECT doctor_id, day, label FROM ${schema}.opd_tokens`);
  const series = new Map<string, number[]>();
  for (const { doctor_id, day, label } of labels) {
    const dash = label.lastIndexOf('-');
    const key = `${doctor_id} ${day} ${dash < 0 ? '' : label.slice(0, dash)}`;
    series.set(key, [...(series.get(key) ?? []), Number(label.slice(dash + 1))]);
  }
  for (const [key, numbers] of series) {
    expect(
      numbers.sort((a, b) => a - b),
      key,
    ).toEqual(numbers.map((_, i) => i + 1));
  }

  // Every acknowledged booking exactly once, under its key.
  const tokens = await q<TokenRow>(`SELECT token_id, doctor_id, day, token_number, status, slot_id, idempotency_key FROM ${schema}.opd_tokens`);
  const byKey = new Map<string, TokenRow[]>();
  for (const t of tokens) if (t.idempotency_key !== null) byKey.set(t.idempotency_key, [...(byKey.get(t.idempotency_key) ?? []), t]);
  for (const [key, tokenId] of acks) {
    const stored = byKey.get(key) ?? [];
    expect(stored.map((t) => t.token_id)).toEqual([tokenId]);
  }
  for (const list of byKey.values()) expect(list).toHaveLength(1);

  // History: every stored event once, in strictly increasing seq order (numbers come from a
  // sequence: a unit rolled back after taking its numbers leaves them unused, never an event
  // skipped); replaying it gives every token's status and slot.
  const events = (await q<{ seq: string; event: OpdEvent }>(`SELECT seq, event FROM ${schema}.opd_events ORDER BY seq`)).map(
    (r) => ({ ...r.event, seq: Number(r.seq) }) as OpdEvent,
  );
  events.forEach((e, i) => expect(e.seq).toBeGreaterThan(i === 0 ? 0 : events[i - 1]!.seq));
  const replayed = new Map<string, { status: TokenStatus; slotId: string | null; bumped: boolean }>();
  const closedSlots = new Set<string>();
  for (const e of events) {
    if (e.type === 'doctor:updated' || e.type === 'doctor:retired') continue;
    if (e.type === 'slot:closed') {
      closedSlots.add(e.slotId);
      continue;
    }
    if (e.type === 'slot:reopened') {
      closedSlots.delete(e.slotId);
      continue;
    }
    if (
      e.type === 'slot:capacity-changed' ||
      e.type === 'day:closed' ||
      e.type === 'lease:granted' ||
      e.type === 'lease:returned' ||
      e.type === 'lease:expired' ||
      e.type === 'doctor:paused' ||
      e.type === 'doctor:resumed' ||
      e.type === 'followup:booked' ||
      e.type === 'followup:due' ||
      e.type === 'followup:cancelled' ||
      e.type === 'series:booked' ||
      e.type === 'series:cancelled' ||
      e.type === 'entitlement:opened' ||
      e.type === 'entitlement:used' ||
      e.type === 'entitlement:returned' ||
      e.type === 'entitlement:expired'
    )
      continue;
    const state = replayed.get(e.tokenId) ?? { status: 'WAITLISTED' as TokenStatus, slotId: null, bumped: false };
    if (state.bumped) expect(['token:cascaded', 'token:waitlisted', 'token:dropped']).toContain(e.type);
    state.bumped = false;
    switch (e.type) {
      case 'token:booked':
      case 'token:promoted':
        Object.assign(state, { status: 'BOOKED', slotId: e.slotId });
        break;
      case 'token:cascaded':
        Object.assign(state, { status: 'BOOKED', slotId: e.toSlotId });
        break;
      case 'token:waitlisted':
        Object.assign(state, { status: 'WAITLISTED', slotId: null });
        break;
      case 'token:held':
        Object.assign(state, { status: 'HELD', slotId: e.slotId });
        break;
      case 'token:bumped':
        state.bumped = true;
        break;
      case 'token:dropped':
        Object.assign(state, { status: 'DROPPED', slotId: null });
        break;
      case 'token:cancelled':
      // A hold released, by its holder or for an emergency that took its place (DESIGN §12).
      case 'token:released':
        Object.assign(state, { status: 'CANCELLED', slotId: null });
        break;
      case 'token:confirmed':
        state.status = 'BOOKED';
        break;
      case 'token:moved':
        // Out of its doctor-day, the old token ends cancelled as moved; the new one holds the place.
        if (e.fromTokenId !== e.tokenId) replayed.set(e.fromTokenId, { status: 'CANCELLED', slotId: null, bumped: false });
        Object.assign(state, { status: 'BOOKED', slotId: e.toSlotId });
        break;
      case 'token:no-show':
        Object.assign(state, { status: 'NO_SHOW', slotId: null });
        break;
      case 'token:checked-in':
      case 'token:forwarded':
        state.status = 'CHECKED_IN';
        break;
      case 'token:consultation-started':
        state.status = 'IN_CONSULTATION';
        break;
      case 'token:completed':
        state.status = 'COMPLETED';
        break;
    }
    replayed.set(e.tokenId, state);
  }
  expect(replayed.size).toBe(tokens.length);
  for (const t of tokens) {
    const state = replayed.get(t.token_id);
    expect({ id: t.token_id, status: state?.status, slotId: state?.slotId, bumped: state?.bumped }).toEqual({
      id: t.token_id,
      status: t.status,
      slotId: t.slot_id,
      bumped: false,
    });
  }
  const closedRows = await q<{ slot_id: string }>(`SELECT slot_id FROM ${schema}.opd_slots WHERE status = 'CLOSED' ORDER BY slot_id`);
  expect(closedRows.map((r) => r.slot_id)).toEqual([...closedSlots].sort());

  // Through the API: the same counts, and no slot view beyond its limit.
  const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool, schema }), clock: () => new Date(NOW) });
  const stats = await opd.stats();
  expect(stats.tokens).toBe(tokens.length);
  for (const doctorId of DOCTORS) {
    const schedule = await opd.getSchedule(doctorId, DAY);
    for (const slot of schedule.slots) expect(slot.places.length).toBeLessThanOrEqual(slot.slot.capacity + slot.slot.overflowCapacity);
  }
  const history = await allHistory(opd);
  expect(history.map((e) => e.seq)).toEqual(events.map((e) => e.seq));
  for (const [, tokenId] of acks) expect((await opd.getToken(tokenId)).id).toBe(tokenId);
  await opd.close();
  return { tokens: tokens.length, events: events.length, seqs: events.map((e) => e.seq) };
}

/**
 * The server's log file, when the tests may read it: the one `pg_current_logfile()` names (asked
 * with `query`), else the newest of Debian's `/var/log/postgresql`; `undefined` when neither can
 * be read.
 */
export async function serverLog(query: (sql: string) => Promise<{ rows: Record<string, unknown>[] }>): Promise<string | undefined> {
  try {
    const { rows } = await query(`SELECT pg_current_logfile() AS f, current_setting('data_directory') AS d`);
    const file = rows[0]?.['f'] as string | null;
    if (file !== null && file !== undefined) {
      const path = file.startsWith('/') ? file : `${rows[0]!['d'] as string}/${file}`;
      if (existsSync(path)) return path;
    }
  } catch {
    // not allowed
  }
  const dir = '/var/log/postgresql';
  if (!existsSync(dir)) return undefined;
  const logs = readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .map((f) => `${dir}/${f}`)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  try {
    if (logs[0] !== undefined) readFileSync(logs[0], 'utf8');
    return logs[0];
  } catch {
    return undefined;
  }
}
