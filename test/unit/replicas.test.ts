/**
 * Where a display read goes when a standby cannot be reached (src/postgres/replicas.ts), with
 * drivers that answer as the test says: a standby whose connection could not be had while it
 * answered other reads is the client's queue and keeps serving; one that could not be reached at
 * all is left alone for a while.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionLost } from '../../src/postgres/connection.js';
import type { Driver, Output, Step } from '../../src/postgres/db.js';
import { REST_MS, Replicas } from '../../src/postgres/replicas.js';

const READ: Step = { statement: { name: 'read', text: 'SELECT 1' }, values: [] };

/** A driver whose snapshots run `answer` (the read's steps, minus the guard a standby read begins with). */
function driver(answer: (steps: readonly Step[]) => Promise<Output[]>): Driver & { snapshots: number } {
  const d = {
    kind: 'pool' as const,
    snapshots: 0,
    unit: () => Promise.reject(new Error('no units here')),
    snapshot: (steps: readonly Step[]) => {
      d.snapshots++;
      return answer(steps);
    },
    run: () => Promise.resolve('0/10'),
    together: () => Promise.resolve('0/10'),
    exec: () => Promise.resolve(),
  };
  return d;
}

const primaryDriver = () => driver((steps) => Promise.resolve(['0/10', ...steps.slice(1).map(() => 'from primary')]));

describe('standby reads when a connection cannot be had', () => {
  it('a checkout that timed out while the standby answered other reads does not leave the standby alone', async () => {
    let release: (() => void) | undefined;
    let calls = 0;
    const standby = driver(async (steps) => {
      calls++;
      if (calls === 1) {
        // The first read waits for a connection of the client's pool, and gets none in time.
        await new Promise<void>((resolve) => (release = resolve));
        throw new ConnectionLost('not-committed', new Error('timeout exceeded when trying to connect'), undefined, true);
      }
      return ['0/10', ...steps.slice(1).map(() => 'from standby')];
    });
    const replicas = new Replicas(primaryDriver(), [standby], 'x');
    const waiting = replicas.driver.snapshot([READ]);
    // Meanwhile the standby answers another read.
    expect(await replicas.driver.snapshot([READ])).toEqual(['from standby']);
    release!();
    // The read that found no connection is served elsewhere, and the standby keeps serving.
    expect(await waiting).toEqual(['from primary']);
    expect(await replicas.driver.snapshot([READ])).toEqual(['from standby']);
    expect(replicas.counts).toMatchObject({ standby: 2, primary: 1, busy: 1, failed: 0 });
  });

  it('a standby that cannot be reached is left alone, its reads served by the primary', async () => {
    const standby = driver(() => Promise.reject(new ConnectionLost('not-committed', new Error('connect ECONNREFUSED'), undefined, true)));
    const replicas = new Replicas(primaryDriver(), [standby], 'x');
    expect(await replicas.driver.snapshot([READ])).toEqual(['from primary']);
    expect(await replicas.driver.snapshot([READ])).toEqual(['from primary']);
    // Asked once: the second read did not try it again within REST_MS.
    expect(standby.snapshots).toBe(1);
    expect(replicas.counts).toMatchObject({ standby: 0, primary: 2, failed: 1, busy: 0 });
    expect(REST_MS).toBeGreaterThan(0);
  });

  it('a standby whose connection timed out and that answered nothing since is taken as failing', async () => {
    const standby = driver(() => Promise.reject(new ConnectionLost('not-committed', new Error('timeout exceeded when trying to connect'), undefined, true)));
    const replicas = new Replicas(primaryDriver(), [standby], 'x');
    expect(await replicas.driver.snapshot([READ])).toEqual(['from primary']);
    expect(await replicas.driver.snapshot([READ])).toEqual(['from primary']);
    expect(standby.snapshots).toBe(1);
    expect(replicas.counts).toMatchObject({ failed: 1, busy: 0 });
  });
});
