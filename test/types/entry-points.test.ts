/**
 * The public surface, entry point by entry point, as the compiler sees it: each name (value or
 * type) is exported by one entry point only, so that a consumer never has two imports to choose
 * from; the contract integrators and adapter authors share is the main entry's.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Every subpath of package.json `exports` with types, and the source it is built from. */
function entrySources(): Map<string, string> {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, unknown> };
  const entries = new Map<string, string>();
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target !== 'object' || target === null) continue;
    entries.set(subpath, subpath === '.' ? `${root}src/index.ts` : `${root}src/${subpath.slice(2)}/index.ts`);
  }
  return entries;
}

/** The names each entry point exports. */
function exportedNames(): Map<string, string[]> {
  const entries = entrySources();
  const config = ts.readConfigFile(`${root}tsconfig.json`, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram([...entries.values()], { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const names = new Map<string, string[]>();
  for (const [subpath, file] of entries) {
    const source = program.getSourceFile(file);
    const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    if (module === undefined) throw new Error(`No module for ${subpath} (${file})`);
    names.set(subpath, checker.getExportsOfModule(module).map((symbol) => symbol.name));
  }
  return names;
}

describe('entry points', () => {
  const names = exportedNames();

  it('export each name from one entry point only', () => {
    const where = new Map<string, string[]>();
    for (const [subpath, exported] of names) for (const name of exported) where.set(name, [...(where.get(name) ?? []), subpath]);
    const twice = [...where].filter(([, subpaths]) => subpaths.length > 1).map(([name, subpaths]) => `${name} (${subpaths.join(', ')})`);
    expect(twice).toEqual([]);
  });

  it('keep the shared contract in the main entry, and what only an adapter needs in the kit', () => {
    expect(names.get('.')).toEqual(expect.arrayContaining(['OpdScheduler', 'StorageAdapter', 'MemoryStorage', 'OpdError', 'Token', 'presets', 'toFhirAppointmentStatus']));
    expect(names.get('./adapter-kit')).toEqual(expect.arrayContaining(['ChangeSet', 'DaySnapshot', 'DoctorSnapshot', 'TokenRecord', 'PLACE_STATUSES', 'checkChangeSet']));
  });
}, 60_000);
