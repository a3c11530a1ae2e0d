/**
 * The shape of `src/` that keeps it readable: no file over 600 lines but the two named here (the
 * facade, with its reference documentation, and the booking decision), and no circle of value
 * imports over two files (an `import type` is erased and joins no circle). A file that outgrows
 * its bound is split along a seam; a circle is broken by moving what both sides need below them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { circles } from '../graph.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const LINES = 600;
/** The files allowed past {@link LINES}, each with its own bound. */
const LARGER: Readonly<Record<string, number>> = { 'src/scheduler.ts': 1100, 'src/core/commands/book.ts': 850 };

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** The files of the tree a source's value imports and re-exports name (relative ones only). */
function valueImports(file: string, text: string, known: ReadonlySet<string>): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022);
  const out: string[] = [];
  for (const statement of source.statements) {
    let specifier: string | undefined;
    let value = false;
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      specifier = statement.moduleSpecifier.text;
      const clause = statement.importClause;
      const bindings = clause?.namedBindings;
      value =
        clause === undefined ||
        (!clause.isTypeOnly &&
          (clause.name !== undefined ||
            (bindings !== undefined && (ts.isNamespaceImport(bindings) || bindings.elements.some((element) => !element.isTypeOnly)))));
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier !== undefined && ts.isStringLiteral(statement.moduleSpecifier)) {
      specifier = statement.moduleSpecifier.text;
      const clause = statement.exportClause;
      value = !statement.isTypeOnly && (clause === undefined || ts.isNamespaceExport(clause) || clause.elements.some((element) => !element.isTypeOnly));
    }
    if (!value || specifier === undefined || !specifier.startsWith('.')) continue;
    const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
    if (known.has(target)) out.push(target);
    else if (known.has(join(target.replace(/\.ts$/, ''), 'index.ts'))) out.push(join(target.replace(/\.ts$/, ''), 'index.ts'));
  }
  return out;
}

describe('the structure of src/', () => {
  const files = sources(join(root, 'src'));

  it(`has no file over ${LINES} lines but ${Object.keys(LARGER).join(' and ')}, each within its own bound`, () => {
    const over = files.flatMap((file) => {
      const name = relative(root, file);
      const lines = readFileSync(file, 'utf8').split('\n').length - 1;
      return lines > (LARGER[name] ?? LINES) ? [`${name}: ${lines} lines`] : [];
    });
    expect(over).toEqual([]);
  });

  it('has no circle of value imports over two files', () => {
    const known = new Set(files);
    const graph = new Map(files.map((file) => [file, valueImports(file, readFileSync(file, 'utf8'), known)] as const));
    const large = circles(graph)
      .filter((group) => group.length > 2)
      .map((group) => group.map((file) => relative(root, file)));
    expect(large).toEqual([]);
  });

  it('the circle check sees value imports and re-exports, and passes over type-only ones', () => {
    const a = join(root, 'src/a.ts');
    const b = join(root, 'src/b.ts');
    const c = join(root, 'src/c.ts');
    const known = new Set([a, b, c]);
    const graph = new Map([
      [a, valueImports(a, "import { x } from './b.js';", known)],
      [b, valueImports(b, "export { y } from './c.js';\nimport type { T } from './a.js';", known)],
      [c, valueImports(c, "import { type T, z } from './a.js';", known)],
    ]);
    expect(circles(graph).map((group) => group.length)).toEqual([3]);
    const typeOnly = new Map([
      [a, valueImports(a, "import { x } from './b.js';", known)],
      [b, valueImports(b, "import { y } from './c.js';", known)],
      [c, valueImports(c, "import { type T } from './a.js';\nexport type { U } from './b.js';", known)],
    ]);
    expect(circles(typeOnly)).toEqual([]);
  });
});
