/**
 * The storage-adapter conformance suite: proves that a {@link StorageAdapter} keeps the contract
 * (serialized per doctor, atomic, events in commit order, the same observable results as
 * `MemoryStorage`). Runs with vitest.
 *
 * @example
 * ```ts
 * // test/storage.test.ts, run by Vitest: here the PostgreSQL adapter on PGlite; put yours in its place.
 * import { PGlite } from '@electric-sql/pglite';
 * import { migrate, PostgresStorage } from 'opd-scheduler/postgres';
 * import { describeStorageConformance } from 'opd-scheduler/testing';
 *
 * describeStorageConformance('PostgresStorage on PGlite', async () => {
 *   const db = new PGlite(); // a fresh, empty database for each test
 *   await migrate(db);
 *   return { storage: new PostgresStorage({ db }), cleanup: () => db.close() };
 * });
 * ```
 * @packageDocumentation
 */
import { describe, it } from 'vitest';
import type { StorageAdapter } from '../index.js';
import { closeTests } from './close.js';
import { closeDayTests } from './close-day.js';
import { directoryTests } from './directory.js';
import { explainTests } from './explain.js';
import { facilitiesTests } from './facilities.js';
import { doctorsTests } from './doctors.js';
import { dueDaysTests } from './due-days.js';
import { type Suite, suiteOf } from './fixtures.js';
import { historyTests } from './history.js';
import { idempotencyTests } from './idempotency.js';
import { multiDoctorTests } from './multi-doctor.js';
import { patientTokensTests } from './patient-tokens.js';
import { CAPABILITY_PARTS, CONFORMANCE_PARTS, type ConformanceOptions, type ConformancePart, type ConformanceSubject, conformanceOptions } from './options.js';
import { patientDataTests } from './patient-data.js';
import { readsTests } from './reads.js';
import { scheduleWindowTests } from './schedule-window.js';
import { schedulerTailTests } from './scheduler-tail.js';
import { scriptedDayTests } from './scripted-day.js';
import { serializationTests } from './serialization.js';
import { sharedTests } from './shared.js';
import { subscribeTests } from './subscribe.js';
import { tailTests } from './tail.js';
import { textTests } from './text.js';
import { unitsTests } from './units.js';
import { offersTests } from './offers.js';
import { claimsTests } from './claims.js';

export { type AdapterCapabilities, type ConformanceOptions, type ConformancePart, type ConformanceSubject, CONFORMANCE_PARTS } from './options.js';

/**
 * Each part of the suite: its title, and what declares its tests. A capability's tests run in a
 * block of that title; the core's run in the suite's own block, as they always have. A part left
 * out is declared in a skipped block, its title saying why.
 */
const PARTS: { readonly [P in ConformancePart]: readonly [title: string, declare: (suite: Suite) => void] } = {
  scriptedDay: ['scriptedDay: a scripted day, as on MemoryStorage', scriptedDayTests],
  serialization: ['serialization: concurrent units', serializationTests],
  idempotency: ['idempotency: replays and the duplicate guard', idempotencyTests],
  history: ['history: order and paging', historyTests],
  directory: ['directory: doctors and ids', directoryTests],
  doctors: ['doctors: updates and retirements', doctorsTests],
  scheduleWindow: ['scheduleWindow: the slots a booking reads', scheduleWindowTests],
  dueDays: ['dueDays: days due for a sweep, and scans', dueDaysTests],
  units: ['units: atomic, load-then-decide', unitsTests],
  reads: ['reads: requests and snapshots', readsTests],
  text: ['text: NULs and unpaired surrogates', textTests],
  schedulerTail: ["schedulerTail: the scheduler's tail()", schedulerTailTests],
  explain: ["explain: a doctor-day's events, explanations and fairness", explainTests],
  offers: ['offers: offers of freed places stored with their day', offersTests],
  claims: ['claims: every kind of claim stored, counted, due, converted and ended once', (suite) => claimsTests(suite, suite.claimKinds)],
  closeDay: ['closeDay: closing a day, and the days due for it', closeDayTests],
  multiDoctor: ['capability: multiDoctor (units over several doctors)', multiDoctorTests],
  patientTokens: ["capability: patientTokens (a patient's tokens across doctors, the duplicate rules)", patientTokensTests],
  tail: ['capability: tail', tailTests],
  shared: ['capability: shared (several handles on one store)', sharedTests],
  subscribe: ['capability: subscribe', subscribeTests],
  patientData: ['capability: patientData (export, erasure, retention)', patientDataTests],
  facilities: ['capability: facilities (many hospitals in one store, sharing nothing)', facilitiesTests],
  close: ['close: idempotent, then refusing work', closeTests],
};

/**
 * Declares a vitest suite that checks a storage adapter against the {@link StorageAdapter}
 * contract, through `OpdScheduler` and directly: serialization of concurrent units per doctor,
 * atomicity, load-then-decide, history order and paging, idempotent replays, the duplicate guard,
 * ordering of `listDoctors`, `allocateId`, `findDueDays`, `scanDays`, immutable read snapshots,
 * one answer for NUL characters and unpaired surrogates, `tail()` (stored, then live events, in
 * order, ended by `break` and by `close`), idempotent `close`, and a scripted scenario (every
 * preset) whose observable results must equal those of `MemoryStorage`. Each part (see
 * {@link CONFORMANCE_PARTS}) can be left out: a capability not declared, or a part named in
 * {@link ConformanceOptions.leaveOut}, has its tests listed as skipped, in a block whose name
 * gives the reason.
 *
 * @param name - the suite's name
 * @param factory - makes a fresh, empty store for each test
 * @param options - see {@link ConformanceOptions}
 * @throws OpdError `VALIDATION_FAILED` naming the argument or option at fault (`factory`,
 *   `concurrency`, `capabilities.tail`, `leaveOut.units`, an unknown option) before any suite is
 *   declared
 */
export function describeStorageConformance(name: string, factory: () => Promise<ConformanceSubject>, options?: ConformanceOptions): void {
  const { skip, concurrency, timeout, leftOut, claimKinds } = conformanceOptions(name, factory, options);
  const title = `storage conformance: ${name}`;
  if (skip !== undefined) {
    console.warn(`${title} skipped: ${skip}`);
    describe.skip(`${title} (skipped: ${skip})`, () => {
      it('is skipped', () => {});
    });
    return;
  }
  describe(title, () => {
    const suite = suiteOf(factory, timeout, concurrency, claimKinds);
    for (const part of CONFORMANCE_PARTS) {
      const [partTitle, declare] = PARTS[part];
      const reason = leftOut.get(part);
      if (reason !== undefined) describe.skip(`${partTitle} (left out: ${reason})`, () => declare(suite));
      else if (CAPABILITY_PARTS.has(part)) describe(partTitle, () => declare(suite));
      else declare(suite);
    }
  });
}
