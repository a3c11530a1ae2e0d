/**
 * The pg_auto_failover cluster of the long tests (`bash scripts/pg-cluster.sh start`), as the tests
 * that kill its nodes see it: its hosts' connection strings and folder (OPD_HA_URLS, OPD_HA_DIR),
 * which host accepts writes, whether the monitor reports a primary and a secondary, and a node's
 * machine taken down (`kill -9` of its whole process group) and started again.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** The two hosts' connection strings. */
export const urls = (process.env['OPD_HA_URLS'] ?? '').split(',').filter(Boolean);
/** The cluster's folder. */
export const clusterDir = process.env['OPD_HA_DIR'] ?? '';
/** Whether a cluster was started for the tests. */
export const ready = urls.length === 2 && clusterDir !== '';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What `scripts/pg-cluster.sh <args>` prints (the cluster's state, its events). */
export function cluster(...args: string[]): string {
  return execFileSync('bash', [join(ROOT, 'scripts/pg-cluster.sh'), ...args], { env: { ...process.env, OPD_HA_DIR: clusterDir }, encoding: 'utf8' });
}

/** Which host (0 or 1) accepts writes now, or -1 (asked on connections of its own). */
export async function primaryIndex(): Promise<number> {
  const roles = await Promise.all(
    urls.map(async (connectionString) => {
      const client = new pg.Client({ connectionString, connectionTimeoutMillis: 1000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        const { rows } = await client.query<{ primary: boolean }>(
          "SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off' AS primary",
        );
        return rows[0]!.primary;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => undefined);
      }
    }),
  );
  const found = roles.flatMap((primary, i) => (primary ? [i] : []));
  return found.length === 1 ? found[0]! : -1;
}

/** Waits until the monitor reports a primary and a secondary (`pg_autoctl show state`). */
export async function settled(timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const state = cluster('state');
    if (/\|\s*primary\s*\|\s*primary\s*$/m.test(state) && /\|\s*secondary\s*\|\s*secondary\s*$/m.test(state)) return;
    if (Date.now() > until) throw new Error(`the cluster did not settle:\n${state}`);
    await sleep(500);
  }
}

/** Takes host `index`'s machine down: `kill -9` of its node's process group (pg_autoctl and the postmaster). */
export function killNode(index: number): void {
  const pgid = Number(readFileSync(join(clusterDir, `node${String(index + 1)}.pgid`), 'utf8').trim());
  if (!(pgid > 1)) throw new Error(`no process group for node${String(index + 1)}`);
  const postmaster = Number(readFileSync(join(clusterDir, `node${String(index + 1)}`, 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(-pgid, 'SIGKILL');
  try {
    process.kill(postmaster, 'SIGKILL'); // in the group already; in case it was not
  } catch {
    // gone with its group
  }
}

/** Starts host `index`'s node again: it rejoins the cluster (as the standby, after a failover). */
export function restartNode(index: number): void {
  execFileSync('bash', [join(ROOT, 'scripts/pg-cluster.sh'), 'restart-node', String(index + 1)], {
    env: { ...process.env, OPD_HA_DIR: clusterDir },
    stdio: 'ignore',
  });
}
