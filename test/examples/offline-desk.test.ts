import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LONG } from '../intensity.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('examples/offline-desk', () => {
  // A slow example, run by `npm run test:long` only: a whole desk and central store on PGlite, in a process.
  it.runIf(LONG)('leases, is cut off, issues tokens on PGlite, reconnects and reconciles, printing the report', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'examples', 'offline-desk', 'main.ts')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 100_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('desk issued')).map((l) => l.split(' ')[2])).toEqual(['WEST-1', 'WEST-2', 'WEST-3', 'WEST-4']);
    expect(lines).toContain('desk refused the fifth patient: SLOT_FULL (sent to the central queue)');
    expect(lines).toContain('applied: WEST-1, WEST-3, WEST-4');
    expect(lines).toContain('to resolve: same-patient (west-2)');
    expect(lines).toContain('lease RETURNED: 3/4');
    expect(lines).toContain('retry: 0 applied, 3 already applied');
    // Patient names stay in the desk's records: the report prints none.
    for (const name of ['Asha', 'Ravi', 'Meena', 'Kiran', 'Sita']) expect(run.stdout).not.toContain(name);
  });
});
