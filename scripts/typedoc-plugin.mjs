// TypeDoc plugin for the docs site:
// - names each module after the import path a user writes (`opd-scheduler`,
//   `opd-scheduler/postgres`, ...) rather than after its file ("index"), and files the modules
//   under "API";
// - names each document after its first heading ("Getting started") rather than its file name,
//   and files it under "Guides", or "Examples" for the READMEs of examples/.
import { Comment, CommentTag, Converter, ReflectionKind } from 'typedoc';
import { docsEntries } from './docs-entries.mjs';

/** The navigation's groups, in order. */
export const GROUPS = ['Guides', 'Examples', 'API'];

/** @param {import('typedoc').Application} app */
export function load(app) {
  const names = new Map(docsEntries().map((entry) => [entry.source, entry.module]));
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    for (const module of project.getChildrenByKind(ReflectionKind.Module)) {
      const source = project.getSymbolIdFromReflection(module)?.packagePath;
      const name = source === undefined ? undefined : names.get(source);
      if (name === undefined) {
        app.logger.error(`docs site: module "${module.name}" (${source ?? 'no source'}) is not an entry point of package.json`);
        continue;
      }
      module.name = name;
      module.comment ??= new Comment();
      module.comment.blockTags.push(new CommentTag('@group', [{ kind: 'text', text: 'API' }]));
    }
    for (const document of project.documents ?? []) {
      const first = document.content[0];
      const heading = first?.kind === 'text' ? /^# (.+)$/m.exec(first.text) : null;
      if (heading !== null) document.name = heading[1].trim();
      const source = project.files.getReflectionPath(document) ?? '';
      document.frontmatter['group'] ??= /(^|\/)examples\//.test(source) ? 'Examples' : 'Guides';
    }
  });
}
