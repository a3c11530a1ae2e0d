/**
 * The public surface, entry point by entry point: the names (values and types) each subpath of
 * package.json "exports" offers, as the TypeScript compiler sees its source. `npm run surface`
 * prints the counts, and with `--names` the names; test/types/entry-points.test.ts holds the
 * surface to its rules (each name from one entry point, the main entry's count under its ceiling).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../', import.meta.url));

/** One exported name: a value (function, class, constant; a class is a type too) or a type only. */
export interface ExportedName {
  readonly name: string;
  readonly kind: 'value' | 'type';
}

/** Every subpath of package.json "exports" with types, and the source it is built from. */
export function entrySources(): Map<string, string> {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, unknown> };
  const entries = new Map<string, string>();
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target !== 'object' || target === null) continue;
    entries.set(subpath, subpath === '.' ? `${root}src/index.ts` : `${root}src/${subpath.slice(2)}/index.ts`);
  }
  return entries;
}

/** The names each entry point exports, in the order the compiler lists them. */
export function publicSurface(): Map<string, ExportedName[]> {
  const entries = entrySources();
  const config = ts.readConfigFile(`${root}tsconfig.json`, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram([...entries.values()], { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const surface = new Map<string, ExportedName[]>();
  for (const [subpath, file] of entries) {
    const source = program.getSourceFile(file);
    const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    if (module === undefined) throw new Error(`No module for ${subpath} (${file})`);
    surface.set(
      subpath,
      checker.getExportsOfModule(module).map((symbol) => {
        const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        return { name: symbol.name, kind: target.flags & ts.SymbolFlags.Value ? 'value' : 'type' };
      }),
    );
  }
  return surface;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const surface = publicSurface();
  let total = 0;
  for (const [subpath, names] of surface) {
    const values = names.filter((name) => name.kind === 'value').length;
    total += names.length;
    console.log(`${subpath.padEnd(14)} ${String(names.length).padStart(4)} names (${values} values, ${names.length - values} types only)`);
    if (process.argv.includes('--names'))
      console.log(
        `  ${names
          .map((name) => name.name)
          .sort()
          .join(', ')}`,
      );
  }
  console.log(`${'all'.padEnd(14)} ${String(total).padStart(4)} names`);
}
