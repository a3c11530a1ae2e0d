// Type tests as a consumer sees them: packs the library, installs the tarball into fresh folders
// and compiles a program against its published .d.ts with `tsc`, once per module resolution
// consumers use (node16 ESM and CommonJS, bundler), each with `skipLibCheck: false`, no
// `@types/node` and only the ES2022 lib (no `esnext.disposable`, no DOM). A type that needs
// anything more, a wrong narrowing or a missing export fails here. Packing builds (`prepack`).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from './pack.mjs';

const root = new URL('..', import.meta.url).pathname;
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const work = mkdtempSync(join(tmpdir(), 'opd-types-'));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

// What a consumer writes. Lines marked @ts-expect-error must fail to compile: a narrowing that
// lets them through is a defect.
const program = (load) => `${load}

export async function main(): Promise<string> {
  const opd = new OpdScheduler({ ...presets.standard(), timeZone: 'Asia/Kolkata' });
  const doctor = await opd.addDoctor({ id: 'sharma', name: 'Dr. Sharma' });
  const [slot] = await opd.addSlots(doctor.id, [{ start: '2026-01-30T09:00:00+05:30', end: '2026-01-30T10:00:00+05:30', capacity: 2 }]);
  let out = '';
  // An event's payload by name, from its own entry point.
  const bumped: TokenBumpedEvent[] = [];
  opd.on('token:bumped', (event) => bumped.push(event));
  try {
    const { token } = await opd.book({ doctorId: doctor.id, category: 'ONLINE', patient: { name: 'A' }, slotId: slot!.id });
    const appointment: FhirAppointment = toFhirAppointment(token, { patient: { reference: 'Patient/1' }, slot: await opd.getSlot(token.slotId!) });
    const status: 'booked' | 'waitlist' | 'checked-in' | FhirAppointmentStatus = appointment.status;
    const fhirSlot: FhirSlot = toFhirSlot(await opd.getSlot(slot!.id));
    const schedule: FhirSchedule = toFhirSchedule(doctor);
    out = status + fhirSlot.status + schedule.resourceType;
  } catch (error) {
    if (isOpdError(error, 'SLOT_NOT_FOUND')) {
      const slotId: string = error.details.slotId;
      const code: 'SLOT_NOT_FOUND' = error.code;
      out = slotId + code;
    } else if (isOpdError(error, 'VALIDATION_FAILED')) {
      const field: string = error.details.field;
      // @ts-expect-error a validation failure names a field, not a slot
      const slotId: string = error.details.slotId;
      out = field + String(slotId);
    } else if (isOpdError(error, 'SLOT_FULL')) {
      const slotId: string | null = error.details.slotId;
      out = String(slotId);
    } else if (isOpdError(error)) {
      const code: OpdErrorCode = error.code;
      out = code;
    }
  }
  await opd.close();
  const pool = { connect: async () => { throw new Error('unused'); } };
  const storage = new PostgresStorage({ db: pool });
  await migrate(pool).catch(() => undefined);
  const day: DaySnapshot = assembleDay('app', emptyDayRecord('sharma', '2026-01-30'), [], []);
  const problem: ChangeSetProblem | undefined = checkChangeSet({ newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [], days: [], events: [] });
  const replayed: ReplayResult = await replay({ doctors: [], slots: [], events: [] }, { ...presets.cascade(), label: 'cascade' });
  const calibrated = CalibratedElastic.fromHistory({ doctors: [], slots: [], events: [] }, { risk: 0.05 });
  await replayed.scheduler.close();
  return out + storage.name + String(day.slots.length) + String(problem?.what) + replayed.label + calibrated.name + String(bumped.length);
}
`;

const names = `OpdScheduler, presets, isOpdError, toFhirAppointment, toFhirSlot, toFhirSchedule, type OpdErrorCode, type FhirAppointment, type FhirAppointmentStatus, type FhirSlot, type FhirSchedule`;
const strict = {
  strict: true,
  skipLibCheck: false,
  noEmit: true,
  types: [],
  lib: ['ES2022'],
  target: 'ES2022',
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
};

const consumers = [
  {
    name: 'node16 (ESM and CommonJS)',
    type: 'module',
    tsconfig: { compilerOptions: { ...strict, module: 'node16', moduleResolution: 'node16' }, include: ['*.mts', '*.cts'] },
    files: {
      'esm.mts': program(
        `import { ${names} } from 'opd-scheduler';\nimport { migrate, PostgresStorage } from 'opd-scheduler/postgres';\nimport { assembleDay, checkChangeSet, emptyDayRecord, type ChangeSetProblem, type DaySnapshot } from 'opd-scheduler/adapter-kit';\nimport { CalibratedElastic, replay, type ReplayResult } from 'opd-scheduler/lab';\nimport type { TokenBumpedEvent } from 'opd-scheduler/events';`,
      ),
      'cjs.cts': program(
        `import { ${names} } from 'opd-scheduler';\nimport { migrate, PostgresStorage } from 'opd-scheduler/postgres';\nimport { assembleDay, checkChangeSet, emptyDayRecord, type ChangeSetProblem, type DaySnapshot } from 'opd-scheduler/adapter-kit';\nimport { CalibratedElastic, replay, type ReplayResult } from 'opd-scheduler/lab';\nimport type { TokenBumpedEvent } from 'opd-scheduler/events';`,
      ),
    },
  },
  {
    name: 'bundler',
    type: 'module',
    tsconfig: { compilerOptions: { ...strict, module: 'esnext', moduleResolution: 'bundler' }, include: ['*.ts'] },
    files: {
      'app.ts': program(
        `import { ${names} } from 'opd-scheduler';\nimport { migrate, PostgresStorage } from 'opd-scheduler/postgres';\nimport { assembleDay, checkChangeSet, emptyDayRecord, type ChangeSetProblem, type DaySnapshot } from 'opd-scheduler/adapter-kit';\nimport { CalibratedElastic, replay, type ReplayResult } from 'opd-scheduler/lab';\nimport type { TokenBumpedEvent } from 'opd-scheduler/events';`,
      ),
    },
  },
];

let failed = false;
try {
  const { tarball } = pack(root, work);
  for (const consumer of consumers) {
    const app = join(work, consumer.name.replace(/\W+/g, '-'));
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'types-app', version: '1.0.0', private: true, type: consumer.type }));
    run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', tarball], app);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(consumer.tsconfig, null, 2));
    for (const [file, text] of Object.entries(consumer.files)) writeFileSync(join(app, file), text);
    try {
      run(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
      console.log(`types ok: ${consumer.name} (skipLibCheck false, no @types/node, lib ES2022)`);
    } catch (error) {
      failed = true;
      console.error(`types FAILED: ${consumer.name}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failed) process.exit(1);
