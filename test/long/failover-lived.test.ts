/**
 * A failover lived through by schedulers that were there before it: on the pg_auto_failover
 * cluster (scripts/pg-cluster.sh), 8 worker processes book, hold, cancel, move and sweep through
 * a list of hosts (`db: [pool1, pool2]`) while, in this process, three schedulers on pools of
 * their own sit idle: one that booked and read before the kill, one that only read, and one that
 * booked and read with `readFrom: 'standby'`. The primary's machine is killed (`kill -9` of its
 * node's process group), the standby promoted, and the old primary's node started again,
 * rejoining as the standby — nothing told the idle schedulers, whose hosts still name the old
 * primary, now in recovery. Then all three read (`getSchedule`, `getSlot`, `getToken`, `history`)
 * through their lists of pools while the workers still book, the two that booked before book
 * again and read their new bookings back, and once the workers stop, each reads every
 * acknowledged booking back with its status as stored, every doctor's day as stored and the whole
 * history. No read or write of theirs fails, and the old primary, a standby now, serves display
 * reads again.
 *
 * Prints the time to the first booking accepted after the kill, the reads after it (and the
 * slowest), and the bookings acknowledged and read back.
 *
 * Needs OPD_HA_URLS and OPD_HA_DIR, as `bash scripts/pg-cluster.sh start` writes them; skipped
 * without.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpdScheduler, presets, type OpdEvent } from '../../src/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';
import { replicaCounts } from '../../src/postgres/storage.js';
import { checkStore, DAY, DOCTORS, exited, HOURS, NOW, seed, slotIdOf } from '../postgres/shared.js';
import { clusterDir, killNode, primaryIndex, ready, restartNode, settled, sleep, urls } from './cluster.js';
import { lockCluster } from './cluster-lock.js';

const WORKERS = 8;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The statuses of a token that holds a place of its slot. */
const PLACED = new Set(['BOOKED', 'CHECKED_IN', 'IN_CONSULTATION', 'HELD']);

if (!ready) console.warn('Long-lived failover test skipped: OPD_HA_URLS and OPD_HA_DIR are not set (bash scripts/pg-cluster.sh start)');

/** Pools of one process, one per host, as an application makes them. */
function poolsOf(max: number): pg.Pool[] {
  return urls.map((connectionString) => {
    const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 2000 });
    pool.on('error', () => undefined);
    return pool;
  });
}

/** Every event of a scheduler's history, page after page. */
async function wholeHistory(opd: OpdScheduler): Promise<OpdEvent[]> {
  const all: OpdEvent[] = [];
  for (;;) {
    const page = await opd.history({ after: all.at(-1)?.seq ?? 0, limit: 1000 });
    all.push(...page);
    if (page.length < 1000) return all;
  }
}

describe.skipIf(!ready)('PostgreSQL high availability: schedulers that lived through a failover', () => {
  const run = `${String(process.pid)}_${Date.now().toString(36)}`;
  const schema = `opd_t_lived_${run}`;
  const dir = mkdtempSync(join(tmpdir(), 'opd-lived-'));
  const children = new Set<ChildProcess>();
  const admin = poolsOf(3);
  const livedPools = poolsOf(4);
  const watcherPools = poolsOf(4);
  const spreadPools = poolsOf(4);
  const schedulers: OpdScheduler[] = [];
  let unlock: (() => void) | undefined;
  beforeAll(async () => {
    unlock = await lockCluster(clusterDir);
  }, 900_000);
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const opd of schedulers) await opd.close().catch(() => undefined);
    const index = await primaryIndex();
    if (index >= 0) await admin[index]!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await Promise.all([...admin, ...livedPools, ...watcherPools, ...spreadPools].map((pool) => pool.end()));
    if (process.env['OPD_HA_KEEP'] === undefined) rmSync(dir, { recursive: true, force: true });
    unlock?.();
  }, 60_000);

  it(
    'reads and writes through its list of pools after the primary was killed and rejoined as a standby, as does one that never wrote',
    { timeout: 360_000 },
    async () => {
      await settled(60_000);
      await migrate(admin, { schema });
      const first = await primaryIndex();
      expect(first).toBeGreaterThanOrEqual(0);
      await seed(admin[first]!, schema);

      const clock = () => new Date(NOW);
      const lived = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: livedPools, schema }), clock });
      const watcher = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: watcherPools, schema }), clock });
      // One that books too, its display reads on the standby where it has replayed its writes.
      const spreadStorage = new PostgresStorage({ db: spreadPools, schema, readFrom: 'standby' });
      const spread = new OpdScheduler({ ...presets.standard(), storage: spreadStorage, clock });
      const counts = replicaCounts(spreadStorage)!;
      schedulers.push(lived, watcher, spread);
      const everyone = [lived, watcher, spread];
      const slots = DOCTORS.flatMap((d) => HOURS.map((h) => slotIdOf(d, h)));

      /** Bookings of the schedulers of this process: idempotency key → token id. */
      const mine = new Map<string, string>();
      const bookMine = async (opd: OpdScheduler, who: string, n: number): Promise<void> => {
        const doctorId = DOCTORS[n % DOCTORS.length]!;
        const key = `k-${who}-${String(n)}`;
        const { token } = await opd.book({
          doctorId,
          slotId: slotIdOf(doctorId, HOURS[n % HOURS.length]!),
          category: 'ONLINE',
          patient: { id: `${who}-${String(n)}`, name: `Patient ${String(n)}` },
          idempotencyKey: key,
        });
        expect(token.id).toBeTruthy();
        mine.set(key, token.id);
        // Its own booking, read back at once.
        expect((await opd.getToken(token.id)).id).toBe(token.id);
      };
      /** One round of the reads of a long-lived scheduler; each timed. */
      const reads: number[] = [];
      const readAll = async (opd: OpdScheduler, tokens: Iterable<string>): Promise<void> => {
        const timed = async <T>(call: () => Promise<T>): Promise<T> => {
          const started = performance.now();
          const out = await call();
          reads.push(performance.now() - started);
          return out;
        };
        for (const doctorId of DOCTORS) expect((await timed(() => opd.getSchedule(doctorId, DAY))).slots).toHaveLength(HOURS.length);
        for (const slotId of slots) expect((await timed(() => opd.getSlot(slotId))).slot.id).toBe(slotId);
        for (const id of tokens) expect((await timed(() => opd.getToken(id))).id).toBe(id);
        expect((await timed(() => opd.history({ after: 0, limit: 50 }))).length).toBeGreaterThan(0);
      };

      // Before the kill: two book and read, one only reads; then all three sit idle.
      for (let n = 0; n < 12; n++) await bookMine(lived, 'lived', n);
      for (let n = 0; n < 6; n++) await bookMine(spread, 'spread', n);
      for (const opd of everyone) await readAll(opd, mine.values());

      const stop = join(dir, 'stop');
      const journals = Array.from({ length: WORKERS }, (_, w) => join(dir, `w${String(w)}.jsonl`));
      for (const [w, journal] of journals.entries()) {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', 'test/postgres/failover-worker.ts', urls.join(','), schema, String(w), journal, String(7000 + w), stop],
          {
            cwd: ROOT,
            stdio: ['ignore', 'ignore', 'inherit'],
          },
        );
        children.add(child);
      }
      const codes = Promise.all([...children].map((child) => exited(child)));

      let killedAt = 0;
      let promotedAfter = 0;
      let readsAfter = 0;
      let firstAfter = 0;
      let standbyBefore = 0;
      try {
        const booked = (journal: string): boolean => existsSync(journal) && readFileSync(journal, 'utf8').includes('"t":"book"');
        for (const started = Date.now(); !journals.every(booked); await sleep(250))
          expect(Date.now() - started, 'the workers did not start booking').toBeLessThan(90_000);
        await sleep(6000); // the storm on a settled cluster

        const victim = await primaryIndex();
        expect(victim).toBe(first);
        killedAt = Date.now();
        killNode(victim);
        while ((await primaryIndex()) !== 1 - victim) {
          expect(Date.now() - killedAt, 'the standby was not promoted').toBeLessThan(90_000);
          await sleep(200);
        }
        promotedAfter = Date.now() - killedAt;
        restartNode(victim); // the old primary rejoins as the standby
        await settled(120_000);
        await sleep(2000);

        // The schedulers that were idle through it read, while the workers still book.
        firstAfter = reads.length;
        standbyBefore = counts.standby;
        for (const opd of everyone) await readAll(opd, mine.values());
        // Those that booked before the kill book again, and read each booking back at once.
        for (let n = 12; n < 24; n++) await bookMine(lived, 'lived', n);
        for (let n = 6; n < 12; n++) await bookMine(spread, 'spread', n);
        for (const opd of everyone) await readAll(opd, mine.values());
        readsAfter = reads.length - firstAfter;
        await sleep(2000);
      } finally {
        writeFileSync(stop, '');
      }
      expect(await codes).toEqual(journals.map(() => 0));

      // Every acknowledged booking: the workers' and this process's.
      const acks = new Map(mine);
      const bookings: { started: number; at: number }[] = [];
      for (const journal of journals) {
        for (const line of readFileSync(journal, 'utf8').split('\n').filter(Boolean)) {
          const e = JSON.parse(line) as { t: string; key?: string; tokenId?: string; started?: number; at?: number };
          if (e.t !== 'book') continue;
          const known = acks.get(e.key!);
          if (known !== undefined) expect(e.tokenId).toBe(known);
          acks.set(e.key!, e.tokenId!);
          bookings.push({ started: e.started!, at: e.at! });
        }
      }
      const back = Math.min(...bookings.filter((b) => b.started >= killedAt || b.at >= killedAt + promotedAfter).map((b) => b.at));
      expect(Number.isFinite(back), 'no booking accepted after the kill').toBe(true);

      const primary = await primaryIndex();
      expect(primary).toBe(1 - first);
      const { seqs } = await checkStore(admin[primary]!, schema, acks);
      const { rows } = await admin[primary]!.query<{ token_id: string; doctor_id: string; status: string; slot_id: string | null }>(
        `SELECT token_id, doctor_id, status, slot_id FROM ${schema}.opd_tokens WHERE day = $1`,
        [DAY],
      );
      const stored = new Map(rows.map((r) => [r.token_id, r]));

      // Both read back every acknowledged booking as stored, every doctor's day as stored, and the whole history.
      let readBack = 0;
      for (const opd of everyone) {
        for (const id of acks.values()) {
          expect({ id, status: (await opd.getToken(id)).status }).toEqual({ id, status: stored.get(id)?.status });
          readBack++;
        }
        for (const doctorId of DOCTORS) {
          const schedule = await opd.getSchedule(doctorId, DAY);
          const placed = schedule.slots.flatMap((s) => s.places.map((t) => t.id)).sort();
          const waiting = schedule.waitlist.map((t) => t.id).sort();
          const mineOf = rows.filter((r) => r.doctor_id === doctorId);
          expect(placed).toEqual(
            mineOf
              .filter((r) => r.slot_id !== null && PLACED.has(r.status))
              .map((r) => r.token_id)
              .sort(),
          );
          expect(waiting).toEqual(
            mineOf
              .filter((r) => r.status === 'WAITLISTED')
              .map((r) => r.token_id)
              .sort(),
          );
        }
        expect((await wholeHistory(opd)).map((e) => e.seq)).toEqual(seqs);
      }
      readBack /= everyone.length;
      // The old primary, back as the standby, served display reads again.
      expect(counts.standby).toBeGreaterThan(standbyBefore);

      const sorted = reads.slice(firstAfter, firstAfter + readsAfter).sort((a, b) => a - b);
      console.log(
        `failover (long-lived schedulers): standby promoted ${String(promotedAfter)} ms after the kill, first booking accepted ${String(back - killedAt)} ms after it; ` +
          `${String(readsAfter)} reads after it by the three schedulers idle through it (median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, slowest ${sorted.at(-1)!.toFixed(0)} ms), none failed; ` +
          `${String(acks.size)} bookings acknowledged (${String(mine.size)} by the two schedulers of this process that booked before and after it), ${String(readBack)} read back by each scheduler, ` +
          `${String(stored.size)} tokens and ${String(seqs.length)} events stored; where the readFrom: 'standby' scheduler's reads went: ${JSON.stringify(counts)}`,
      );
    },
  );
});
