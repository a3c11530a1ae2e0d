// Packs the library, installs the tarball into an empty folder, and both imports and requires
// it there, booking one token each way without the optional peer @opentelemetry/api, then with it
// (a span per call), and loads the subpaths opd-scheduler/postgres, opd-scheduler/testing,
// opd-scheduler/lab, opd-scheduler/events, opd-scheduler/reports, opd-scheduler/notices and opd-scheduler/print (without
// its optional peers) both ways, and runs the program `opd-scheduler` (`npx opd-scheduler --help`): what a user installing
// from npm would get.
// It packs the folder it sits in (`node scripts/smoke-pack.mjs` in a fresh clone tests that clone).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from './pack.mjs';

const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'opd-smoke-'));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

try {
  const { tarball, files } = pack(root, work);
  if (files.some((f) => !f.startsWith('dist/') && f !== 'package.json' && f !== 'README.md' && f !== 'LICENSE' && f !== 'CHANGELOG.md')) {
    throw new Error(`unexpected files in the package: ${files.join(', ')}`);
  }
  const app = join(work, 'app');
  run('mkdir', ['-p', app], work);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'smoke-app', version: '1.0.0', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', tarball], app);
  const scenario = (load) => `
${load}
const opd = new OpdScheduler({ ...presets.standard(), clock: () => new Date('2026-01-30T07:00:00Z') });
const doctor = await opd.addDoctor({ name: 'Dr. Smoke' });
const [slot] = await opd.addSlots(doctor.id, [{ start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 1 }]);
const result = await opd.book({ doctorId: doctor.id, category: 'ONLINE', patient: { name: 'A' }, slotId: slot.id });
if (result.outcome !== 'BOOKED' || result.token.tokenNumber !== 1) throw new Error('unexpected booking result');
try { await opd.book({ doctorId: doctor.id, category: 'NOPE', patient: { name: 'B' } }); throw new Error('expected an error'); }
catch (error) { if (!isOpdError(error, 'VALIDATION_FAILED')) throw error; }
console.log('ok', result.token.id);
`;
  writeFileSync(join(app, 'esm.mjs'), scenario("import { OpdScheduler, presets, isOpdError } from 'opd-scheduler';"));
  writeFileSync(
    join(app, 'cjs.cjs'),
    `(async () => {${scenario("const { OpdScheduler, presets, isOpdError } = require('opd-scheduler');")}})().catch((e) => { console.error(e); process.exit(1); });`,
  );
  // Without the optional peer @opentelemetry/api (npm does not install it): nothing recorded, nothing fails.
  if (existsSync(join(app, 'node_modules', '@opentelemetry', 'api'))) throw new Error('@opentelemetry/api was installed with the package');
  process.stdout.write(`import:  ${run('node', ['esm.mjs'], app)}`);
  process.stdout.write(`require: ${run('node', ['cjs.cjs'], app)}`);

  // With it and a tracer provider registered globally, both builds record a span per call.
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', join(root, 'node_modules', '@opentelemetry', 'api')], app);
  const traced = (load) => `
${load}
const names = [];
const span = { isRecording: () => true, setAttributes() {}, setStatus() {}, recordException() {}, end() {} };
trace.setGlobalTracerProvider({
  getTracer: () => ({ startSpan: (name) => (names.push(name), span), startActiveSpan: (name, options, fn) => (names.push(name), fn(span)) }),
});
const opd = new OpdScheduler();
await opd.addDoctor({ id: 'd1', name: 'Dr Smoke' });
await opd.listDoctors();
if (names.join() !== 'opd.addDoctor,opd.listDoctors') throw new Error(\`unexpected spans: \${names.join()}\`);
console.log('ok', names.join(' '));
`;
  writeFileSync(join(app, 'otel-esm.mjs'), traced("import { OpdScheduler } from 'opd-scheduler';\nimport { trace } from '@opentelemetry/api';"));
  writeFileSync(
    join(app, 'otel-cjs.cjs'),
    `(async () => {${traced("const { OpdScheduler } = require('opd-scheduler');\nconst { trace } = require('@opentelemetry/api');")}})().catch((e) => { console.error(e); process.exit(1); });`,
  );
  process.stdout.write(`import with @opentelemetry/api:  ${run('node', ['otel-esm.mjs'], app)}`);
  process.stdout.write(`require with @opentelemetry/api: ${run('node', ['otel-cjs.cjs'], app)}`);

  // The subpaths. `opd-scheduler/testing` needs vitest (an optional peer): a stand-in that records
  // the suites declared is enough to load it here.
  const vitest = join(app, 'node_modules', 'vitest');
  run('mkdir', ['-p', vitest], work);
  writeFileSync(join(vitest, 'package.json'), JSON.stringify({ name: 'vitest', version: '0.0.0', exports: { import: './index.mjs', require: './index.cjs' } }));
  const stub = `const suites = []; const describe = (name, body) => { suites.push(name); body(); }; describe.skip = () => {};
const it = () => {}; const afterEach = () => {}; const expect = () => ({});`;
  writeFileSync(join(vitest, 'index.mjs'), `${stub}\nexport { suites, describe, it, afterEach, expect };\n`);
  writeFileSync(join(vitest, 'index.cjs'), `${stub}\nmodule.exports = { suites, describe, it, afterEach, expect };\n`);
  const subpaths = (load) => `
${load}
await migrate({ nope: true }).then(() => { throw new Error('expected a validation error'); }, (error) => { if (!isOpdError(error, 'VALIDATION_FAILED')) throw error; });
const storage = new PostgresStorage({ db: { connect: async () => { throw new Error('unused'); } }, schema: 'opd' });
if (storage.name !== 'postgres') throw new Error('unexpected adapter name');
describeStorageConformance('smoke', async () => ({ storage: new MemoryStorage() }));
if (suites.length !== 1) throw new Error('the conformance suite declared nothing');
if (checkChangeSet({ newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [], days: [], events: [] }) !== undefined) throw new Error('an empty change set is fine');
const lab = await replay({ doctors: [], slots: [], events: [] }, { label: 'empty' });
if (lab.label !== 'empty' || lab.recorded.tokens !== 0) throw new Error('the lab replayed nothing wrongly');
await lab.scheduler.close();
const report = await opdReport(new OpdScheduler(), { from: '2026-03-02', to: '2026-03-02' });
if (report.total.requested !== 0 || hmisReturn(report).length !== 8) throw new Error('the empty report is wrong');
if (!CalibratedElastic.fromHistory({ doctors: [], slots: [], events: [] }, { risk: 0.05 }).name.startsWith('calibrated')) throw new Error('unexpected strategy name');
// opd-scheduler/notices speaks a label without its zeros; opd-scheduler/print, without its optional
// peers (npm does not install them), refuses with DEPENDENCY_MISSING.
const called = { type: 'token:called', seq: 1, at: new Date(), facilityId: 'default', doctorId: 'd1', actor: null, tokenId: 't1', tokenNumber: 7, label: 'W-007', day: '2026-01-30', slotId: 's1', room: '4', recall: false };
if (announcement(called, { language: 'hi' }).text !== 'टोकन नंबर डब्ल्यू सात कृपया कमरा नंबर चार में जाएँ।') throw new Error('unexpected announcement');
const slip = ticketDocument({ id: 't1', facilityId: 'default', day: '2026-01-30', label: 'W-007', estimatedStart: null }, { language: 'hi' });
await renderEscPos(slip, { width: 58 }).then(() => { throw new Error('expected DEPENDENCY_MISSING'); }, (error) => { if (!isOpdError(error, 'DEPENDENCY_MISSING')) throw error; });
// opd-scheduler/events holds types only: it resolves, with no values.
if (typeof events !== 'object' || Object.keys(events).filter((key) => key !== 'default').length !== 0) throw new Error('opd-scheduler/events should load, with types only');
console.log('ok subpaths');
`;
  writeFileSync(
    join(app, 'sub-esm.mjs'),
    subpaths(`import { MemoryStorage, OpdScheduler, isOpdError } from 'opd-scheduler';
import { hmisReturn, opdReport } from 'opd-scheduler/reports';
import { migrate, PostgresStorage } from 'opd-scheduler/postgres';
import { describeStorageConformance } from 'opd-scheduler/testing';
import { checkChangeSet } from 'opd-scheduler/adapter-kit';
import { CalibratedElastic, replay } from 'opd-scheduler/lab';
import * as events from 'opd-scheduler/events';
import { announcement, ticketDocument } from 'opd-scheduler/notices';
import { renderEscPos } from 'opd-scheduler/print';
import { suites } from 'vitest';`),
  );
  writeFileSync(
    join(app, 'sub-cjs.cjs'),
    `(async () => {${subpaths(`const { MemoryStorage, OpdScheduler, isOpdError } = require('opd-scheduler');
const { hmisReturn, opdReport } = require('opd-scheduler/reports');
const { migrate, PostgresStorage } = require('opd-scheduler/postgres');
const { describeStorageConformance } = require('opd-scheduler/testing');
const { checkChangeSet } = require('opd-scheduler/adapter-kit');
const { CalibratedElastic, replay } = require('opd-scheduler/lab');
const events = require('opd-scheduler/events');
const { announcement, ticketDocument } = require('opd-scheduler/notices');
const { renderEscPos } = require('opd-scheduler/print');
const { suites } = require('vitest');`)}})().catch((e) => { console.error(e); process.exit(1); });`,
  );
  process.stdout.write(`import subpaths:  ${run('node', ['sub-esm.mjs'], app)}`);
  process.stdout.write(`require subpaths: ${run('node', ['sub-cjs.cjs'], app)}`);

  // The program (package.json `bin`), as installed: its help, the SQL of a migration (no database
  // needed), and a clear refusal when the optional peer it needs for a server (pg) is missing.
  // The environment's DATABASE_URL (CI sets one) is left out: the program would take it as its store.
  const { DATABASE_URL: _url, ...env } = process.env;
  const cli = (args) => execFileSync('npx', ['--no-install', 'opd-scheduler', ...args], { cwd: app, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (!cli(['--help']).startsWith('Usage: opd-scheduler <command>')) throw new Error('unexpected help of the program');
  if (!cli(['migrate', '--print-sql', '--schema', 'opd']).startsWith('-- opd-scheduler: schema "opd"'))
    throw new Error('unexpected SQL from migrate --print-sql');
  if (existsSync(join(app, 'node_modules', 'pg'))) throw new Error('pg was installed with the package');
  try {
    cli(['status', '--database-url', 'postgres://127.0.0.1:1/none']);
    throw new Error('expected the program to fail without pg');
  } catch (error) {
    if (error.status !== 1 || !String(error.stderr).includes('MISSING_PACKAGE'))
      throw new Error(`unexpected failure without pg: ${error.status} ${error.stderr}`);
  }
  console.log('cli: ok');
  console.log(`smoke test passed (${files.length} files packed)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
