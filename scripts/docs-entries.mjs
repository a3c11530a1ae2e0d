// The package's entry points, as the docs site names them: one per subpath of package.json
// "exports" that has types ("." is the package itself), each with the source file it is built
// from (src/<name>/index.ts or src/<name>.ts). A new entry point appears in the site by itself.
import { existsSync, readFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);

/** @returns {{ module: string, source: string }[]} */
export function docsEntries() {
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
  return Object.entries(pkg.exports)
    .filter(([, target]) => typeof target === 'object' && target !== null)
    .map(([subpath]) => {
      const name = subpath === '.' ? 'index' : subpath.slice(2);
      const candidates = name === 'index' ? ['src/index.ts'] : [`src/${name}/index.ts`, `src/${name}.ts`];
      const source = candidates.find((path) => existsSync(new URL(path, root)));
      if (source === undefined) throw new Error(`package.json exports ${subpath}, but none of ${candidates.join(', ')} exists`);
      return { module: subpath === '.' ? pkg.name : `${pkg.name}/${name}`, source };
    });
}
