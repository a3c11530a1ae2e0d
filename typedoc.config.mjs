// The docs site (`npm run docs` → docs/site): the guides of docs/ and the API reference of every
// entry point, together. Warnings are errors.
import { docsEntries } from './scripts/docs-entries.mjs';
import { GROUPS } from './scripts/typedoc-plugin.mjs';

/** The guides, in the order of the site's navigation; the API reference follows them. */
const guides = [
  'docs/getting-started.md',
  'docs/rules.md',
  'docs/policies.md',
  'docs/offers.md',
  'docs/offline-desk.md',
  'docs/journeys.md',
  'docs/notices.md',
  'docs/follow-ups.md',
  'docs/fhir.md',
  'docs/abdm.md',
  'docs/storage.md',
  'docs/patient-data.md',
  'docs/cli.md',
  'docs/telemetry.md',
  'docs/lab.md',
  'docs/reports.md',
  'docs/testing.md',
  'docs/architecture.md',
  'docs/benchmarks.md',
  'docs/scale.md',
  'examples/express-server/README.md',
  'examples/day-simulation/README.md',
];

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  $schema: 'https://typedoc.org/schema.json',
  entryPoints: docsEntries().map((entry) => entry.source),
  // The published sources only: the site does not depend on the state of tests or examples.
  tsconfig: 'tsconfig.docs.json',
  plugin: ['./scripts/typedoc-plugin.mjs'],
  out: 'docs/site',
  name: 'opd-scheduler',
  readme: 'README.md',
  projectDocuments: guides,
  // eventemitter3 is the base class of OpdScheduler: its on/once/off are the scheduler's own API,
  // typed by OpdEvents, so they are documented as members rather than filed under "External".
  externalPattern: ['**/node_modules/!(eventemitter3)/**'],
  treatWarningsAsErrors: true,
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  excludePrivate: true,
  excludeInternal: true,
  includeVersion: true,
  // The guides' text is searchable, not only their titles.
  searchInDocuments: true,
  sort: ['documents-first', 'source-order'],
  groupOrder: [...GROUPS, '*'],
  disableSources: true,
  highlightLanguages: ['bash', 'console', 'css', 'html', 'javascript', 'json', 'jsonc', 'sh', 'sql', 'tsx', 'typescript', 'yaml'],
  navigation: { includeGroups: true, includeCategories: false, includeFolders: false },
  headings: { readme: false, document: false },
};
