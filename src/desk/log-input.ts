/**
 * A desk's log as `reconcile` reads it: every command checked against the lease it names before
 * anything is entered, so that a log a desk could not have written (a command of no known kind, a
 * time that is not a date, a category the lease does not hold, a label outside the desk's series,
 * an empty key) is refused whole with a `VALIDATION_FAILED` naming the command and the field, and
 * nothing is stored. Messages name fields and positions, never a patient's data.
 */
import { OpdError } from '../errors.js';
import type { LeaseRecord } from '../model/records.js';
import type { Patient } from '../types.js';
import { copyPatient, expectKey, isPlainObject } from '../validate.js';
import type { DeskBooking, DeskTransition } from './types.js';

/** The most commands a log may hold: far more than a desk issues in a lease of a day. */
export const MAX_LOG_COMMANDS = 10_000;

/** A booking of a desk's log, checked: its time in epoch ms, its desk number read from its label. */
export interface CheckedDeskBooking extends Omit<DeskBooking, 'patient'> {
  /** When the desk made it (epoch ms). */
  readonly atMs: number;
  /** The desk's number of the token, read from its label (`WEST-7` → 7). */
  readonly deskNumber: number;
  /** The patient, copied and frozen. */
  readonly patient: Readonly<Patient>;
}

/** A cancel or check-in of a desk's log, checked. */
export interface CheckedDeskTransition extends DeskTransition {
  /** When the desk made it (epoch ms). */
  readonly atMs: number;
}

/** One command of a desk's log, checked. */
export type CheckedDeskCommand = CheckedDeskBooking | CheckedDeskTransition;

const BOOK_KEYS: ReadonlySet<string> = new Set(['kind', 'idempotencyKey', 'at', 'category', 'slotId', 'tokenId', 'tokenNumber', 'label', 'patient']);
const TRANSITION_KEYS: ReadonlySet<string> = new Set(['kind', 'idempotencyKey', 'at', 'booking']);

/**
 * Reads a desk's log for `lease`, in order; refuses it whole at the first command that a desk
 * working inside the lease could not have written.
 * @throws OpdError `VALIDATION_FAILED` with `details.field` (`log[3].at`), `details.command` (its
 *   index) and the lease's id
 */
export function parseDeskLog(log: unknown, lease: Pick<LeaseRecord, 'id' | 'categories' | 'prefix' | 'slots'>): CheckedDeskCommand[] {
  if (!Array.isArray(log)) throw refused(lease, null, 'log', "Expected the desk's `log()` to be an array of commands");
  if (log.length > MAX_LOG_COMMANDS) throw refused(lease, null, 'log', `Expected a desk's log of at most ${MAX_LOG_COMMANDS} commands`);
  const commands: CheckedDeskCommand[] = [];
  const keys = new Set<string>();
  const slots = new Set(lease.slots.map((s) => s.slotId));
  for (let i = 0; i < log.length; i++) {
    const command = readCommand(log[i], i, lease, slots);
    if (keys.has(command.idempotencyKey)) throw refused(lease, i, 'idempotencyKey', "Expected each command of a desk's log to have its own `idempotencyKey`");
    keys.add(command.idempotencyKey);
    commands.push(command);
  }
  return commands;
}

function readCommand(value: unknown, i: number, lease: Pick<LeaseRecord, 'id' | 'categories' | 'prefix'>, slots: ReadonlySet<string>): CheckedDeskCommand {
  if (!isPlainObject(value)) throw refused(lease, i, '', 'Expected a command object');
  const kind = value['kind'];
  if (kind !== 'book' && kind !== 'cancel' && kind !== 'check-in') throw refused(lease, i, 'kind', "Expected `kind` to be 'book', 'cancel' or 'check-in'");
  for (const key of Object.keys(value)) {
    if (!(kind === 'book' ? BOOK_KEYS : TRANSITION_KEYS).has(key)) throw refused(lease, i, key, `Unknown field \`${key}\` of a \`${kind}\` command`);
  }
  const idempotencyKey = field(lease, i, 'idempotencyKey', () => expectKey('idempotencyKey', value['idempotencyKey'], 200));
  const at = value['at'];
  const atMs = typeof at === 'string' && at.length <= 40 ? Date.parse(at) : Number.NaN;
  if (typeof at !== 'string' || !Number.isFinite(atMs)) throw refused(lease, i, 'at', 'Expected `at` to be an ISO 8601 date and time');
  if (kind !== 'book') {
    const booking = field(lease, i, 'booking', () => expectKey('booking', value['booking'], 200));
    return Object.freeze({ kind, idempotencyKey, at, atMs, booking });
  }
  const category = field(lease, i, 'category', () => expectKey('category', value['category'], 64));
  if (lease.categories !== null && !lease.categories.includes(category))
    throw refused(lease, i, 'category', `Category \`${category}\` is not leased to the desk`);
  const slotId = field(lease, i, 'slotId', () => expectKey('slotId', value['slotId'], 200));
  if (!slots.has(slotId)) throw refused(lease, i, 'slotId', `Slot \`${slotId}\` is not a slot of the lease`);
  const tokenId = field(lease, i, 'tokenId', () => expectKey('tokenId', value['tokenId'], 400));
  const tokenNumber = value['tokenNumber'];
  if (typeof tokenNumber !== 'number' || !Number.isSafeInteger(tokenNumber) || tokenNumber < 1)
    throw refused(lease, i, 'tokenNumber', 'Expected `tokenNumber` to be a positive integer');
  const label = field(lease, i, 'label', () => expectKey('label', value['label'], 200));
  const deskNumber = label.startsWith(lease.prefix) && /^[1-9]\d{0,8}$/.test(label.slice(lease.prefix.length)) ? Number(label.slice(lease.prefix.length)) : 0;
  if (deskNumber === 0) throw refused(lease, i, 'label', `Expected \`label\` to be the desk's prefix \`${lease.prefix}\` and a number`);
  const patient = field(lease, i, 'patient', () => copyPatient(value['patient']));
  return Object.freeze({ kind, idempotencyKey, at, atMs, category, slotId, tokenId, tokenNumber, label, deskNumber, patient });
}

/** Runs a field's check; its refusal is renamed to the command's field (`log[3].patient.name`). */
function field<T>(lease: Pick<LeaseRecord, 'id'>, i: number, name: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof OpdError && error.code === 'VALIDATION_FAILED') {
      const inner = typeof error.details['field'] === 'string' ? error.details['field'] : name;
      throw refused(lease, i, inner, error.message);
    }
    throw error;
  }
}

function refused(lease: Pick<LeaseRecord, 'id'>, i: number | null, name: string, message: string): OpdError {
  const path = i === null ? 'log' : name === '' ? `log[${i}]` : `log[${i}].${name}`;
  return new OpdError('VALIDATION_FAILED', i === null ? message : `Command ${i} of the desk's log: ${message}`, {
    details: { field: path, command: i, leaseId: lease.id },
  });
}
