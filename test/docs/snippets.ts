/** Type-checking of the TypeScript snippets of the README and the guides. */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = new URL('../../', import.meta.url);

/** The fenced blocks of a language, in order. */
export function blocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

/**
 * Type-checks each snippet as its own module in the repository (so `opd-scheduler` resolves to
 * the sources through tsconfig paths and `pg` to its types), with the project's strict options.
 * Returns the diagnostics, as `snippet N: message`.
 */
export function compileSnippets(snippets: readonly string[], name = 'readme'): string[] {
  const rootDir = fileURLToPath(root);
  const config = ts.readConfigFile(`${rootDir}tsconfig.json`, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, rootDir);
  const files = new Map(snippets.map((text, i) => [`${rootDir}test/docs/${name}-snippet-${i + 1}.ts`, text]));
  const host = ts.createCompilerHost(parsed.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, ...rest) => {
    const text = files.get(file);
    return text === undefined ? getSourceFile(file, language, ...rest) : ts.createSourceFile(file, text, language);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => files.has(file) || fileExists(file);
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => files.get(file) ?? readFile(file);
  const program = ts.createProgram([...files.keys()], { ...parsed.options, noEmit: true, noUnusedLocals: false }, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || files.has(d.file.fileName))
    .map((d) => {
      const where = d.file === undefined ? '' : `snippet ${[...files.keys()].indexOf(d.file.fileName) + 1} line ${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: `;
      return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}
