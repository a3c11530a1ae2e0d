/**
 * Which doctors a unit over several doctors locks, read before the unit starts: a unit takes all
 * its locks up front (in one order), so the doctors it names are known before it begins.
 */
import { doctorNotFound, patientLoad, slotNotFound, tokenNotFound } from '../core/command.js';
import { type CoreConfig, readsPatientTokens } from '../core/config.js';
import type { PatientLoad } from '../model/snapshot.js';
import { OpdError, invalid } from '../errors.js';
import { parseTokenId } from '../model/records.js';
import type { StorageAdapter } from '../storage/adapter.js';

/**
 * The doctor of a move's target slot (a slot's doctor never changes).
 * @throws OpdError `SLOT_NOT_FOUND` (field `to.slotId`)
 */
export async function doctorOfSlot(storage: StorageAdapter, slotId: string): Promise<string> {
  const doctorId = (await storage.read({ slotId })).slots.get(slotId)?.doctorId;
  if (doctorId === undefined) throw slotNotFound(slotId, 'to.slotId');
  return doctorId;
}

/**
 * The doctor a move goes to (`target`, when the move names one, else the token's own) and the
 * doctor of the token moved.
 * @throws OpdError `TOKEN_NOT_FOUND` for a token id that names no doctor
 */
export function doctorsOfMove(tokenId: string, target: string | undefined): { doctorId: string; tokenDoctor: string } {
  const tokenDoctor = parseTokenId(tokenId)?.doctorId;
  if (tokenDoctor === undefined) throw tokenNotFound(tokenId, 'tokenId');
  return { doctorId: target ?? tokenDoctor, tokenDoctor };
}

/**
 * The department of a doctor going on leave (or retiring) with `reassign: 'department'`: it names the
 * colleagues locked with the doctor.
 * @throws OpdError `DOCTOR_NOT_FOUND`; `VALIDATION_FAILED` (`field`) for a doctor without a department
 */
export async function departmentOf(storage: StorageAdapter, doctorId: string, field = 'leave.reassign'): Promise<string> {
  const doctor = (await storage.read({ doctorId })).doctor;
  if (doctor === undefined) throw doctorNotFound(doctorId, 'doctorId');
  const department = doctor.department ?? null;
  if (department === null) throw invalid(field, `Doctor \`${doctorId}\` has no department to reassign patients within`, { doctorId });
  return department;
}

/**
 * The patient part of a unit on an existing token (a move, a reinstatement) under duplicate rules
 * that reach beyond one doctor-day: its patient, read before the unit (the unit checks it is still
 * the token's), so that the unit takes the patient's lock first. `undefined` otherwise, or for a
 * token not found (the unit reports it).
 */
export async function patientOfToken(storage: StorageAdapter, config: CoreConfig, tokenId: string, now: number): Promise<PatientLoad | undefined> {
  if (!readsPatientTokens(config.duplicates) && config.followUps === undefined) return undefined;
  const token = (await storage.read({ tokenId })).tokens.get(tokenId);
  return token === undefined ? undefined : patientLoad(config, token.patient.id, now);
}

/**
 * Refuses a unit over several doctors on a store that cannot lock them together.
 * @throws OpdError `STORAGE_FAILURE` (`details.adapter`) for a storage adapter without `multiDoctor`
 */
export function requireMultiDoctor(storage: StorageAdapter): void {
  if (storage.multiDoctor === true) return;
  const name = storage.name;
  throw new OpdError('STORAGE_FAILURE', `The storage adapter \`${name}\` cannot lock several doctors in one unit`, { details: { adapter: name } });
}
