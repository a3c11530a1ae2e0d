/**
 * What a vendor who mirrors the repository gets: a fresh `git clone` packs the built library
 * (`prepack` builds `dist/`), and its tarball installs into an empty folder and loads there, by
 * `import` and by `require`, with its subpaths, and its program runs (`npx opd-scheduler --help`;
 * `scripts/smoke-pack.mjs`, run in the clone). The clone holds what is committed, not the work
 * tree's edits. Its dependencies are this checkout's
 * (a symlink standing in for `npm ci`, which would fetch the same locked versions).
 *
 * A long test (a build and two installs, about a minute on a 2-core machine): it runs with
 * `npm run test:long`, not `npm test`. It skips outside a git checkout, where there is nothing to
 * clone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The top of the git checkout this file is in, if it is in one (and git is installed). */
function checkout(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

const top = checkout();
if (top === undefined) console.warn('Packing a fresh clone skipped: not in a git checkout (or git is not installed), so there is nothing to clone');

describe.skipIf(top === undefined)('a fresh clone of the repository', () => {
  it('packs the built library, which installs into an empty folder and loads by import and require', { timeout: 300_000 }, () => {
    const work = mkdtempSync(join(tmpdir(), 'opd-clone-'));
    try {
      const clone = join(work, 'opd-scheduler');
      execFileSync('git', ['clone', '--quiet', '--no-hardlinks', top!, clone], { stdio: ['ignore', 'ignore', 'inherit'] });
      expect(existsSync(join(clone, 'dist')), 'a clone has no build of its own').toBe(false);
      symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
      const out = execFileSync(process.execPath, [join(clone, 'scripts', 'smoke-pack.mjs')], {
        cwd: clone,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(out).toContain('import:  ok');
      expect(out).toContain('require: ok');
      expect(out).toContain('import subpaths:  ok subpaths');
      expect(out).toContain('require subpaths: ok subpaths');
      expect(out).toContain('cli: ok');
      expect(out).toMatch(/smoke test passed \(\d+ files packed\)/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
