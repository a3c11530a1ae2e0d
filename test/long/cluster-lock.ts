/**
 * The cluster of the long tests (`bash scripts/pg-cluster.sh start`) is one: the tests that kill
 * its nodes (test/long/failover.test.ts, test/long/replicas.test.ts) take it in turn, whichever
 * worker runs them. A lock directory in the temporary folder, named after the cluster's folder,
 * holding the pid of its holder; a lock whose holder is gone is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
};

/** Waits until this process holds the cluster in `clusterDir`; resolves with the function that lets it go. */
export async function lockCluster(clusterDir: string): Promise<() => void> {
  const lock = join(tmpdir(), `opd-ha-lock-${clusterDir.replace(/[^A-Za-z0-9]/g, '_')}`);
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return () => rmSync(lock, { recursive: true, force: true });
    } catch {
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // being written, or gone meanwhile
      }
      if (Number.isInteger(holder) && holder > 0 && !alive(holder)) rmSync(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
