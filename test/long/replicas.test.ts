/**
 * Reads on the standby of a real cluster (pg_auto_failover: a primary and a synchronous standby,
 * `bash scripts/pg-cluster.sh start`), with `new PostgresStorage({ db: [a, b], read: [a, b] })`:
 *
 * - a property: a scheduler that booked or cancelled reads it at once from whichever pool it is
 *   routed to, and a slot read from a standby shows exactly what a primary read right after shows
 *   (nothing written between them);
 * - the standby's machine killed (`kill -9` of its node) while patients poll: no read fails, the
 *   primary serves;
 * - the primary's machine killed while patients poll: no read fails while the standby is promoted,
 *   and once the old primary rejoined as a standby it serves reads again.
 *
 * Needs OPD_HA_URLS and OPD_HA_DIR (as `bash scripts/pg-cluster.sh start` writes them); skipped
 * without.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpdScheduler, presets } from '../../src/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';
import { replicaCounts } from '../../src/postgres/storage.js';
import { clusterDir, killNode, ready, restartNode, settled, sleep, urls } from './cluster.js';
import { lockCluster } from './cluster-lock.js';

const day = new Date().toISOString().slice(0, 10);
const clock = () => new Date(`${day}T03:00:00Z`);

if (!ready) console.warn('Replica test skipped: OPD_HA_URLS and OPD_HA_DIR are not set (bash scripts/pg-cluster.sh start)');

describe.skipIf(!ready)('PostgreSQL reads on the standby of a cluster, with read-your-writes', () => {
  const schema = `opd_t_reads_${String(process.pid)}`;
  const pools = urls.map((connectionString) => {
    const pool = new pg.Pool({ connectionString, max: 4, connectionTimeoutMillis: 2000 });
    pool.on('error', () => undefined);
    return pool;
  });
  const primaryIndex = async (): Promise<number> => {
    const roles = await Promise.all(
      pools.map((p) =>
        p.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r').then(
          (r) => r.rows[0]!.r,
          () => true,
        ),
      ),
    );
    return roles.filter((r) => !r).length === 1 ? roles.indexOf(false) : -1;
  };
  // The cluster is shared with the other tests that kill its nodes: one at a time.
  let unlock: (() => void) | undefined;
  beforeAll(async () => {
    unlock = await lockCluster(clusterDir);
  }, 900_000);
  afterAll(async () => {
    unlock?.();
    const index = await primaryIndex();
    if (index >= 0) await pools[index]!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await Promise.all(pools.map((pool) => pool.end()));
  }, 60_000);

  it('reads its own writes from any pool; survives the standby and then the primary killed, without a failed read', { timeout: 240_000 }, async () => {
    await settled(60_000);
    await migrate(pools, { schema });
    const storage = new PostgresStorage({ db: pools, read: pools, schema });
    const direct = new PostgresStorage({ db: pools, schema });
    const opd = new OpdScheduler({ ...presets.cascade(), storage, clock });
    const onPrimary = new OpdScheduler({ ...presets.cascade(), storage: direct, clock });
    const counts = replicaCounts(storage)!;
    try {
      let doctors = 0;
      let patients = 0;
      // The property: random bookings and cancellations, each read back at once.
      await fc.assert(
        fc.asyncProperty(fc.array(fc.oneof(fc.constant('book' as const), fc.nat({ max: 20 })), { minLength: 3, maxLength: 12 }), async (steps) => {
          const doctorId = `R${String(++doctors)}`;
          await opd.addDoctor({ id: doctorId, name: 'Dr R' });
          await opd.addSlots(doctorId, [{ id: `${doctorId}-1`, start: `${day}T09:00:00Z`, end: `${day}T10:00:00Z`, capacity: 30 }]);
          const mine: { id: string; cancelled: boolean }[] = [];
          for (const step of steps) {
            if (step === 'book') {
              const { token } = await opd.book({ doctorId, slotId: `${doctorId}-1`, category: 'ONLINE', patient: { id: `p${String(++patients)}`, name: 'n' } });
              mine.push({ id: token.id, cancelled: false });
            } else if (mine.length > 0 && !mine[step % mine.length]!.cancelled) {
              await opd.cancel(mine[step % mine.length]!.id);
              mine[step % mine.length]!.cancelled = true;
            }
            for (const t of mine) expect((await opd.getToken(t.id)).status === 'CANCELLED').toBe(t.cancelled);
            const routed = (await opd.getSlot(`${doctorId}-1`)).places.map((p) => p.id).sort();
            const later = (await onPrimary.getSlot(`${doctorId}-1`)).places.map((p) => p.id).sort();
            expect(routed).toEqual(later);
          }
        }),
        { numRuns: 8 },
      );
      expect(counts.standby).toBeGreaterThan(0);

      // Patients polling their tokens while a machine is killed: no read fails.
      const polled = [] as string[];
      const doctorId = `R${String(++doctors)}`;
      await opd.addDoctor({ id: doctorId, name: 'Dr R' });
      await opd.addSlots(doctorId, [{ id: `${doctorId}-1`, start: `${day}T09:00:00Z`, end: `${day}T10:00:00Z`, capacity: 30 }]);
      for (let i = 0; i < 10; i++)
        polled.push((await opd.book({ doctorId, slotId: `${doctorId}-1`, category: 'ONLINE', patient: { id: `q${String(i)}`, name: 'n' } })).token.id);
      /** Polls for `ms`; `gap`: the longest time in which no read completed, `slow`: the reads over 250 ms (when they began, how long they took). */
      const poll = async (ms: number): Promise<{ reads: number; failed: unknown[]; slowest: number; gap: number; slow: [number, number][] }> => {
        const failed: unknown[] = [];
        let reads = 0;
        let slowest = 0;
        const started = Date.now();
        let lastDone = started;
        let gap = 0;
        const slow: [number, number][] = [];
        const until = Date.now() + ms;
        await Promise.all(
          polled.map(async (id) => {
            while (Date.now() < until) {
              const t0 = Date.now();
              try {
                expect((await opd.getToken(id)).id).toBe(id);
                reads++;
                const now = Date.now();
                gap = Math.max(gap, now - lastDone);
                lastDone = Math.max(lastDone, now);
              } catch (error) {
                failed.push(error);
              }
              if (Date.now() - t0 > 250) slow.push([t0 - started, Date.now() - t0]);
              slowest = Math.max(slowest, Date.now() - t0);
              await sleep(20);
            }
          }),
        );
        return { reads, failed, slowest, gap, slow };
      };

      const primary = await primaryIndex();
      expect(primary).toBeGreaterThanOrEqual(0);
      const standby = 1 - primary;
      const standbyKill = poll(4000);
      await sleep(1000);
      killNode(standby);
      const afterStandby = await standbyKill;
      expect(afterStandby.failed).toEqual([]);
      expect(afterStandby.reads).toBeGreaterThan(50);
      restartNode(standby);
      await settled(90_000);
      // Settled, and still so a few seconds later (a standby back from a kill may report secondary, then catch up again).
      await sleep(5000);
      await settled(90_000);

      const standbyBefore = counts.standby;
      // Long enough to cover the whole promotion (the standby read-only until the old primary is surely demoted, then writable).
      const primaryKill = poll(15_000);
      await sleep(1000);
      const killedAt = Date.now();
      killNode(primary);
      const afterPrimary = await primaryKill;
      console.log(`replicas: reads so far ${JSON.stringify(counts)}`);
      expect(afterPrimary.failed).toEqual([]);
      console.log(
        `replicas: standby killed: ${String(afterStandby.reads)} reads, slowest ${String(afterStandby.slowest)} ms; primary killed: ${String(afterPrimary.reads)} reads, slowest ${String(
          afterPrimary.slowest,
        )} ms (${String(Date.now() - killedAt)} ms after the kill), longest time without a read ${String(afterPrimary.gap)} ms; reads over 250 ms (began, took): ${JSON.stringify(afterPrimary.slow.slice(0, 20))}`,
      );
      expect(counts.standby).toBeGreaterThan(standbyBefore);
      // The old primary back, as a standby: it serves reads again.
      restartNode(primary);
      await settled(120_000);
      expect(await primaryIndex()).toBe(standby);
      await sleep(1100); // its rest as a host that answered as a primary, or failed
      const served = counts.standby;
      for (const id of polled) expect((await opd.getToken(id)).id).toBe(id);
      expect(counts.standby).toBeGreaterThanOrEqual(served + polled.length);
    } finally {
      await opd.close();
      await onPrimary.close();
    }
  });
});
