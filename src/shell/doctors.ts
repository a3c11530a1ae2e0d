/**
 * Adding a doctor: the record made from the parsed input, its id the one given or one generated
 * by the store, stored in one unit of work.
 */
import { addDoctor } from '../core/commands/add-doctor.js';
import { isOpdError } from '../errors.js';
import type { parseDoctorInput } from '../inputs.js';
import { makeDoctor } from '../model/make.js';
import { inFacility } from '../model/records.js';
import type { Doctor } from '../types.js';
import type { Runner } from './run.js';

/** The most generated ids tried for one doctor. */
const MAX_ID_ATTEMPTS = 100;

/**
 * Adds the doctor `parsed` as of `now`, in facility `facilityId`.
 * @throws OpdError `VALIDATION_FAILED` for an id already in use
 */
export async function addNewDoctor(runner: Runner, parsed: ReturnType<typeof parseDoctorInput>, now: number, facilityId: string | undefined): Promise<Doctor> {
  for (let attempt = 0; ; attempt++) {
    const id = parsed.id ?? `doc-${await runner.adapter.allocateId()}`;
    const record = inFacility(makeDoctor(parsed, id, now), facilityId);
    try {
      return await runner.run('addDoctor', addDoctor, record, now);
    } catch (error) {
      // A generated id may already be taken by a doctor added with an explicit id.
      if (parsed.id !== undefined || attempt >= MAX_ID_ATTEMPTS || !isOpdError(error, 'VALIDATION_FAILED')) throw error;
    }
  }
}
