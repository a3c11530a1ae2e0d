/**
 * `node --import tsx scripts/book-files.ts [memory|postgres]`: the files of `src/` one `book` call
 * enters, from the public method to the store's write, and the functions it runs in each. V8's
 * precise coverage counts the functions that ran during one booking (a second one, after a first
 * that loads and warms the code); a file is entered when one of its functions ran. With
 * `postgres`, the store is a `PostgresStorage` on DATABASE_URL
 * (postgres://postgres@127.0.0.1:5432/test; schema `opd_book_files`, dropped after).
 */
import { Session } from 'node:inspector/promises';
import pg from 'pg';
import { OpdScheduler, presets, type StorageAdapter } from '../src/index.js';
import { migrate, PostgresStorage } from '../src/postgres/index.js';

const store = process.argv[2] ?? 'memory';
if (store !== 'memory' && store !== 'postgres') throw new Error('usage: scripts/book-files.ts [memory|postgres]');
const SCHEMA = 'opd_book_files';

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });

let storage: StorageAdapter | undefined;
let pool: pg.Pool | undefined;
if (store === 'postgres') {
  pool = new pg.Pool({ connectionString: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test', max: 2 });
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await migrate(pool, { schema: SCHEMA });
  storage = new PostgresStorage({ db: pool, schema: SCHEMA });
}
const opd = new OpdScheduler({ ...presets.standard(), ...(storage === undefined ? {} : { storage }), telemetry: false });
try {
  await opd.addDoctor({ id: 'd1', name: 'Dr One' });
  const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const [slot] = await opd.addSlots('d1', [{ start: `${day}T09:00:00Z`, end: `${day}T10:00:00Z`, capacity: 10 }]);
  await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: { name: 'First' }, slotId: slot!.id });
  await session.post('Profiler.takePreciseCoverage');
  await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: { name: 'Second' }, slotId: slot!.id });
  const { result } = await session.post('Profiler.takePreciseCoverage');
  const files: [string, string[]][] = [];
  for (const script of result) {
    const at = script.url.indexOf('/src/');
    if (at < 0 || script.url.includes('/node_modules/')) continue;
    const ran = script.functions.filter((f) => (f.ranges[0]?.count ?? 0) > 0).map((f) => f.functionName || '(anonymous)');
    if (ran.length > 0) files.push([script.url.slice(at + 1), ran]);
  }
  files.sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [file, ran] of files) console.log(`${file.padEnd(34)} ${ran.join(', ')}`);
  console.log(`${files.length} files of src/ entered by one book() on ${store === 'memory' ? 'MemoryStorage' : 'PostgresStorage'}`);
} finally {
  await opd.close();
  if (pool !== undefined) {
    await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await pool.end();
  }
}
