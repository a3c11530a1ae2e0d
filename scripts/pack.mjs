// Packs the package as `npm pack` does for anyone, its `prepack` building `dist/` first, and checks
// that the tarball holds every file its `exports` map and its `bin` name (a tarball without its build installs
// without a word and fails at the first import). Used by smoke-pack.mjs and type-consumers.mjs.
// The lifecycle scripts' output goes to stderr: on stdout it would be mixed into `npm pack --json`,
// so the tarball is found in its folder and listed with `tar` instead.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every file path an `exports` map names (conditions nested at any depth). */
function targets(entry) {
  if (typeof entry === 'string') return [entry];
  if (entry === null || typeof entry !== 'object') return [];
  return Object.values(entry).flatMap(targets);
}

/**
 * Packs the package at `root` into `destination`, an empty folder; the tarball's path and the
 * paths of its files, relative to the package (`dist/index.js`, `package.json`, …).
 */
export function pack(root, destination) {
  execFileSync('npm', ['pack', '--pack-destination', destination], { cwd: root, stdio: ['ignore', process.stderr, 'inherit'] });
  const tarballs = readdirSync(destination).filter((name) => name.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new Error(`expected one tarball in ${destination}, found ${tarballs.length}`);
  const tarball = join(destination, tarballs[0]);
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line !== '' && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, ''));
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const missing = [...new Set([...targets(manifest.exports), ...targets(manifest.bin)])]
    .map((path) => path.replace(/^\.\//, ''))
    .filter((path) => !files.includes(path));
  if (missing.length > 0)
    throw new Error(`the tarball lacks files its exports or bin name (${missing.join(', ')}): was the package built? (npm pack runs "prepack")`);
  return { tarball, files };
}
