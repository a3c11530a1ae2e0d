/**
 * A unit of work over several doctors (a move to another doctor, a leave reassigned across a
 * department): every lock first, in one fixed order, then every doctor's reads, then every doctor's
 * writes and the commit, in one transaction. No copy of the doctors' days: each doctor is read in
 * full.
 */
import { OpdError } from '../errors.js';
import type { Decision, DoctorSnapshot, LoadRequest } from '../model/snapshot.js';
import { checkChangeSet } from '../adapter-kit/checks.js';
import { changeSetParts, planUnit, staysWithin } from '../adapter-kit/units.js';
import { assignEventSeq } from '../storage/adapter.js';
import {
  decodeDoctorsOnly,
  decodeLoad,
  decodePatientTokens,
  decodePointQueue,
  doctorOnly,
  type Loaded,
  loadRequestJson,
  namesOnlyDoctor,
  writeParams,
} from './codec.js';
import type { Step, UnitSession } from './db.js';
import { decided, DecisionFailed, keptAsking, MAX_ROUNDS, outOfOrder } from './decision.js';
import type { Transactions, UnitWork } from './transaction.js';
import type { Wing } from './wing.js';

/** What a unit over several doctors hands back to the unit loop. */
export interface MultiDoctorOutcome<R> {
  readonly result: R;
  /** The last event number taken when the unit read (the floor of its events). */
  readonly floor: number;
  /** The stored idempotency record the unit replayed, if it did. */
  readonly replayed: Loaded['snapshot']['idempotency'];
}

/**
 * A unit over several doctors, in the transaction `tx`: every lock first (one round trip, in
 * lock-key order — so that units over the same doctors never wait for each other in a cycle —
 * resolving the department in the same statement), then every doctor's reads (one round trip),
 * then every doctor's writes and the commit (one round trip).
 */
export async function multiDoctorUnit<R>(
  wing: Wing,
  transactions: Transactions,
  tx: UnitSession,
  request: LoadRequest,
  decide: (snapshot: DoctorSnapshot) => Decision<R>,
  tag: string,
  work: UnitWork | undefined,
): Promise<MultiDoctorOutcome<R>> {
  const named = planUnit(request, undefined);
  if (named.primary === undefined && request.slotId !== undefined) {
    throw new DecisionFailed(
      new OpdError('STORAGE_FAILURE', 'A unit over several doctors names its locked doctor by doctorId or tokenId', { details: { adapter: wing.name } }),
    );
  }
  const patient = request.patient;
  // A patient's lock first, then the doctors' (no unit takes them the other way round).
  const every = request.everyDoctor !== undefined;
  const locks: Step[] = [
    every
      ? { statement: wing.sql.lockEveryDoctor, values: [JSON.stringify(named.lockOrder), wing.lockTimeout, wing.statementTimeout] }
      : {
          statement: wing.sql.lockDoctors,
          values: [JSON.stringify(named.lockOrder), request.department?.name ?? null, wing.lockTimeout, wing.statementTimeout],
        },
  ];
  if (patient !== undefined) locks.unshift({ statement: wing.sql.lockPatient, values: [patient.id, wing.lockTimeout, wing.statementTimeout] });
  const lockOuts = await tx.run(locks);
  const out = lockOuts[lockOuts.length - 1];
  // The department's members, or every doctor: resolved with the locks, once for the unit.
  const members = every || request.department !== undefined ? ((out ?? []) as string[]) : undefined;
  const department = request.department === undefined ? undefined : members;
  const locked = planUnit(request, members).lockOrder;
  let loaded = await multiLoad(wing, tx, request, members, department);
  for (let round = 1; ; round++) {
    const decision = decided(decide, loaded.snapshot);
    if (decision.kind === 'commit') {
      const changes = decision.changes;
      const replayed = changes.events.length === 0 ? loaded.snapshot.idempotency : undefined;
      const problem = checkChangeSet(changes, locked);
      if (problem !== undefined) {
        throw new OpdError('STORAGE_FAILURE', `Refused an inconsistent change (${problem.what} \`${problem.id}\`)`, {
          details: { adapter: wing.name, id: problem.id },
        });
      }
      const steps: Step[] = [];
      for (const part of changeSetParts(changes)) {
        const params = writeParams(part, tag, wing.enforce);
        if (params !== undefined) steps.push({ statement: wing.sql.write, values: params });
      }
      const events = changes.events;
      const afterCommit = events.length === 0 ? undefined : { statement: wing.driver.kind === 'pool' ? wing.sql.notify : wing.sql.notifyAlways, values: [] };
      let outs: unknown[] = [];
      if (steps.length > 0) outs = await tx.run(steps, work === undefined ? { afterCommit } : undefined);
      if (work !== undefined) {
        try {
          await transactions.run(work, tx, decision.result, tag);
        } catch (error) {
          if (error instanceof DecisionFailed && error.forget) for (const id of locked) wing.cache.forget(id);
          throw error;
        }
        await tx.run([], { afterCommit });
      } else if (steps.length === 0) await tx.run([], {});
      if (events.length > 0) {
        const [base] = outs[outs.length - 1] as [number | string, number | string];
        for (let i = 0; i < events.length; i++) assignEventSeq(events[i]!, Number(base) + i + 1);
        wing.wakeup.wake();
      }
      return { result: decision.result, floor: loaded.lastSeq, replayed };
    }
    if (round >= MAX_ROUNDS) throw keptAsking(wing.name);
    if (!staysWithin(decision.request, locked, members, patient?.id)) throw new DecisionFailed(outOfOrder(wing.name));
    loaded = await multiLoad(wing, tx, decision.request, members, department);
  }
}

/**
 * Reads every doctor of a unit over several doctors, its locks already held (one round trip): one
 * `opd_load` for each doctor the unit reads something of, and one statement for all the doctors it
 * only holds (a call at a point serving the facility locks every doctor and reads one day).
 */
async function multiLoad(
  wing: Wing,
  tx: UnitSession,
  request: LoadRequest,
  members: readonly string[] | undefined,
  department: readonly string[] | undefined,
): Promise<Loaded> {
  const plan = planUnit(request, members);
  const requests = [plan.primaryRequest];
  const onlyHeld = new Set<string>();
  for (const [id, part] of plan.further) {
    if (namesOnlyDoctor(part)) onlyHeld.add(id);
    else requests.push(part);
  }
  const steps: Step[] = requests.map((r) => ({ statement: wing.sql.load, values: [loadRequestJson(r, undefined), false, null, null] }));
  // Where each further answer is among the outputs (-1: not asked).
  const step = (statement: Step['statement'], values: Step['values']): number => steps.push({ statement, values }) - 1;
  const heldAt = onlyHeld.size > 0 ? step(wing.sql.doctorsById, [JSON.stringify([...onlyHeld])]) : -1;
  const patient = request.patient;
  const patientAt = patient !== undefined ? step(wing.sql.patientTokens, [patient.id, patient.fromDay]) : -1;
  // A service point's queue, of the unit's doctors, from the index of the tokens at each point.
  const point = request.servicePoint;
  const pointAt = point !== undefined ? step(wing.sql.pointQueue, [point.id, point.day, JSON.stringify(plan.lockOrder)]) : -1;
  const outs = await tx.run(steps);
  const decoded = requests.map((r, i) => decodeLoad(outs[i], r.idempotencyKey, undefined)!);
  const held = heldAt < 0 ? undefined : decodeDoctorsOnly(outs[heldAt]);
  const primary = decoded[0]!;
  const others = new Map<string, DoctorSnapshot>();
  let i = 1;
  // In the plan's order (by id), whichever way each was read.
  for (const id of plan.further.keys()) others.set(id, onlyHeld.has(id) ? (held!.get(id) ?? doctorOnly(undefined)) : decoded[i++]!.snapshot);
  const snapshot: DoctorSnapshot = {
    ...primary.snapshot,
    others,
    department,
    ...(patientAt < 0 ? {} : { patientTokens: decodePatientTokens(outs[patientAt]) }),
    ...(pointAt < 0 ? {} : { servicePoint: decodePointQueue(outs[pointAt]) }),
  };
  return { snapshot, rev: undefined, lastSeq: primary.lastSeq };
}
