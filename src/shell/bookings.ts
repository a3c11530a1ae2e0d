/**
 * The booking calls of a scheduler (a booking, a hold, a move): the request read, the doctors its
 * unit locks named up front, then its one unit run. Under `duplicates.onDuplicate: 'move'`, a
 * booking refused as a same-day duplicate becomes a move of the patient's live token.
 */
import { book, type BookCommand } from '../core/commands/book.js';
import { bookDepartment } from '../core/commands/book-department.js';
import { moveCommand } from '../core/commands/move.js';
import { reinstate } from '../core/commands/queue.js';
import { isOpdError } from '../errors.js';
import { isDepartmentRequest, parseBookRequest, parseDepartmentBookRequest } from '../inputs.js';
import type { BookingResult, HoldResult, LateArrival, MoveResult, TransitionResult } from '../types.js';
import { readInput } from '../validate.js';
import { doctorOfSlot, doctorsOfMove, patientOfToken, requireMultiDoctor } from './locks.js';
import type { Runner } from './run.js';

/** Where a move goes: a slot, a doctor, a local date, an instant to look from (each optional). */
export interface MoveTo {
  readonly doctorId?: string | undefined;
  readonly slotId?: string | undefined;
  readonly date?: string | undefined;
  readonly after?: number | undefined;
}

/** A booking (`hold` false) or a hold, by doctor or by department, at the clock's time: the request read, then its unit run. */
export function bookRequest(runner: Runner, clock: () => number, request: unknown, hold: boolean): Promise<BookingResult> {
  const now = clock();
  const method = hold ? 'hold' : 'book';
  if (readInput('request', () => isDepartmentRequest(request))) {
    const department = readInput('request', () => parseDepartmentBookRequest(request, runner.config, now, hold));
    requireMultiDoctor(runner.adapter.storage);
    return runner.run(method, bookDepartment, department, now, false, department.actor);
  }
  const command = readInput('request', () => parseBookRequest(request, runner.config, now, hold));
  if (hold || runner.config.duplicates?.onDuplicate !== 'move') return runner.run(method, book, command, now, false, command.actor);
  return runner.run(method, book, command, now, false, command.actor).catch((error: unknown) => moveInstead(runner, clock, error, command));
}

/** A hold, by doctor or by department, at the clock's time: the booking's result as a hold's (no outcome, no elastic flag). */
export async function holdRequest(runner: Runner, clock: () => number, request: unknown): Promise<HoldResult> {
  const { token, effects, replayed } = await bookRequest(runner, clock, request, true);
  return Object.freeze(replayed === true ? { token, effects, replayed } : { token, effects });
}

/** A move's unit at the clock's time: the doctors (and, under wide duplicate rules, the patient) named before it, so that it locks them up front. */
export async function moveToken(
  runner: Runner,
  clock: () => number,
  id: string,
  target: MoveTo,
  reason: string | null,
  actor: string | null,
  dryRun: boolean,
): Promise<MoveResult> {
  const now = clock();
  const storage = runner.adapter.storage;
  const toDoctor = target.doctorId ?? (target.slotId === undefined ? undefined : await doctorOfSlot(storage, target.slotId));
  const { doctorId, tokenDoctor } = doctorsOfMove(id, toDoctor);
  if (doctorId !== tokenDoctor) requireMultiDoctor(storage);
  const patient = await patientOfToken(storage, runner.config, id, now);
  const command = { tokenId: id, slotId: target.slotId, doctorId, date: target.date, after: target.after, reason, actor, patientLoad: patient };
  return runner.run('move', moveCommand(runner.config), command, now, dryRun, actor);
}

/**
 * `duplicates.onDuplicate: 'move'`: a booking refused because the patient holds a live token the
 * same day becomes a move of that token to the place the booking asks for (one unit, the
 * move's rules). A token that cannot move (checked in, in consultation) leaves the refusal.
 */
async function moveInstead(runner: Runner, clock: () => number, error: unknown, command: BookCommand): Promise<BookingResult> {
  if (!isOpdError(error) || error.code !== 'DUPLICATE_BOOKING' || error.details['reason'] !== 'same-day') throw error;
  const tokenId = error.details['tokenId'];
  if (typeof tokenId !== 'string') throw error;
  let moved: MoveResult;
  try {
    const to = { doctorId: command.doctorId, slotId: command.slotId, date: command.date, after: command.after };
    moved = await moveToken(runner, clock, tokenId, to, 'duplicate booking', command.actor, false);
  } catch (failure) {
    if (isOpdError(failure) && failure.code === 'INVALID_TRANSITION') throw error;
    throw failure;
  }
  const { token, fromTokenId, effects } = moved;
  return Object.freeze({ token, outcome: token.status === 'WAITLISTED' ? 'WAITLISTED' : 'BOOKED', overflow: false, effects, movedFromTokenId: fromTokenId });
}

/** A late arrival's (or a mistaken cancellation's) token back under the booking rules, its patient (under wide duplicate rules) locked up front. */
export async function reinstateToken(runner: Runner, id: string, lateArrival: LateArrival, actor: string | null, now: number): Promise<TransitionResult> {
  const patient = await patientOfToken(runner.adapter.storage, runner.config, id, now);
  return runner.run('reinstate', reinstate, { tokenId: id, lateArrival, actor, patientLoad: patient }, now, false, actor);
}
