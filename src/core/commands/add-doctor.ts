import { invalid } from '../../errors.js';
import { toDoctor } from '../../model/convert.js';
import type { DoctorRecord } from '../../model/records.js';
import type { Doctor } from '../../types.js';
import type { Command } from '../command.js';
import { NO_CHANGES } from '../workspace.js';

/** Adds a doctor with an unused id. */
export const addDoctor: Command<DoctorRecord, Doctor> = {
  load: (record) => ({ doctorId: record.id }),
  decide(_config, snapshot, record) {
    if (snapshot.doctor !== undefined) {
      throw invalid('id', `Doctor \`${record.id}\` already exists`, { doctorId: record.id });
    }
    return { kind: 'commit', changes: { ...NO_CHANGES, doctor: record }, result: toDoctor(record) };
  },
};
