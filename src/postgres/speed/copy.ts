/**
 * The statements of the speed machinery and what their answers bring to the copy of the doctors'
 * days: a locking read of what changed since the copy, a write bound to the copy's rev that
 * answers what changed instead when the doctor moved on, each sent in the group of its turn.
 */
import type { DoctorSnapshot, LoadRequest } from '../../model/snapshot.js';
import { decodeLoad, loadRequestJson } from '../codec.js';
import type { Step } from '../db.js';
import { RECENT_DAYS, type Wing } from '../wing.js';

/** A snapshot from the copy and the doctor's rev it is as of. */
export interface Copy {
  readonly snapshot: DoctorSnapshot;
  readonly rev: number;
}

/**
 * A step of one doctor's unit that takes the doctor's lock (`opd_load`, `opd_write_or_load`),
 * sent with the other doctors' steps of the same turn in one transaction (see
 * `Driver.together`); with `groupCommit: false`, a transaction of its own.
 */
export function together(wing: Wing, step: Step, doctorId: string, afterCommit?: Step): Promise<unknown> {
  // Where each statement takes its lock_timeout.
  if (wing.groupCommit) return wing.driver.together(step, doctorId, step.statement === wing.sql.load ? 2 : 3, afterCommit);
  return wing.driver.run(step, afterCommit);
}

/** `opd_write_or_load` of a unit decided on the copy at `rev`: the write (`params`, `opd_write`'s arguments), or what changed. */
export function writeOrLoadStep(wing: Wing, request: LoadRequest, doctorId: string, rev: number, params: Step['values']): Step {
  const known = knownRevs(wing, request, doctorId);
  return {
    statement: wing.sql.writeOrLoad,
    values: [String(rev), request.idempotencyKey ?? null, loadRequestJson(request, known), wing.lockTimeout, wing.statementTimeout, ...params],
  };
}

/** The revs of the days the copy holds for a request's doctor, to read what changed since. */
export function knownRevs(wing: Wing, request: LoadRequest, doctorId: string): Record<string, number> | undefined {
  return wing.cache.known(doctorId, request.days ?? [], RECENT_DAYS);
}

/**
 * What `opd_load` answered, read under the doctor's lock, merged into the copy: the snapshot to
 * decide on and the rev it is as of; `undefined` (counted) when the unit should run under the
 * lock instead: the doctor is unknown, the copy lost a day it sent a rev for, or the request's
 * idempotency key is stored (replayed under the lock).
 */
export function fresh(wing: Wing, out: unknown, request: LoadRequest): Copy | undefined {
  const loaded = decodeLoad(out, request.idempotencyKey, wing.cache);
  if (loaded?.snapshot.doctor === undefined || loaded.rev === undefined) {
    wing.paths.undecided++;
    return undefined;
  }
  wing.seqFloor = Math.max(wing.seqFloor, loaded.lastSeq);
  wing.cache.saw(loaded.snapshot.doctor, loaded.rev, wing.units);
  if (loaded.snapshot.idempotency !== undefined) {
    wing.paths.undecided++;
    return undefined;
  }
  return { snapshot: loaded.snapshot, rev: loaded.rev };
}
