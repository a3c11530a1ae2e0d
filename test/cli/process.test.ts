/**
 * The program itself, as an operator runs it beside an application: `sweep --every` in its own
 * process stops on SIGTERM after the sweep in progress, closes the store and exits 0 promptly.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'opd-cli-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `opd-scheduler ...argv` from the sources. */
function start(argv: readonly string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/bin.ts'), ...argv], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DATABASE_URL: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('the opd-scheduler program', () => {
  it('sweep --every runs until SIGTERM, then exits 0 within seconds', async () => {
    const store = ['--data-dir', join(dir, 'db')];
    const migrate = start(['migrate', ...store]);
    expect(await migrate.exited, migrate.err()).toBe(0);
    const sweep = start(['sweep', '--every', '1s', ...store]);
    // Two sweeps logged, so it runs on a timer.
    while (
      sweep
        .out()
        .split('\n')
        .filter((l) => l !== '').length < 2
    ) {
      expect(sweep.child.exitCode, sweep.err()).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const stopped = Date.now();
    sweep.child.kill('SIGTERM');
    expect(await sweep.exited, sweep.err()).toBe(0);
    expect(Date.now() - stopped).toBeLessThan(5000);
    for (const line of sweep.out().trim().split('\n')) expect(JSON.parse(line)).toMatchObject({ command: 'sweep', changes: 0 });
  });

  it('an unknown option: exit code 2 and a message on stderr', async () => {
    const run = start(['sweep', '--evry', '5m']);
    expect(await run.exited).toBe(2);
    expect(run.err()).toContain("'--evry'");
    expect(run.out()).toBe('');
  });

  it('import-rota of an endless input (/dev/zero): refused at the bound, exit code 1, within seconds', async () => {
    const started = Date.now();
    const run = start(['import-rota', '/dev/zero', '--data-dir', join(dir, 'rota-db')]);
    expect(await run.exited, run.err()).toBe(1);
    expect(run.err()).toMatch(/^opd-scheduler: BAD_ROTA: `\/dev\/zero` is larger than the 8 MiB \(8388608 bytes\) a rota file may be/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
