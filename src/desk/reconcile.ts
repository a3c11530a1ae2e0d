/**
 * Entering a desk's log centrally (`OpdScheduler.reconcile`): the log checked whole against its
 * lease, then each command once, in order — a booking by the one booking road with the lease as
 * its claim ({@link redeemLeasedPlace}), a cancel or check-in as the scheduler's own transition —
 * and what staff must resolve reported, never revoked.
 */
import type { Command } from '../core/command.js';
import type { CoreConfig } from '../core/config.js';
import type { BookCommand, ClaimedResult } from '../core/commands/book.js';
import { redeemLeasedPlace, returnLease } from '../core/commands/lease.js';
import { isOpdError, isStoreFailure, OpdError } from '../errors.js';
import { patientLoad } from '../core/command.js';
import { requireCategory } from '../inputs.js';
import type { LeaseRecord } from '../model/records.js';
import type { Token } from '../types.js';
import { canonicalJson } from '../validate.js';
import { type CheckedDeskBooking, parseDeskLog } from './log-input.js';
import type { Lease, ReconciledCommand, ReconcileIssue, ReconcileReport } from './types.js';

/** What reconciling needs of the scheduler it runs in. */
export interface ReconcileHost {
  /** The rules the scheduler runs with. */
  readonly config: CoreConfig;
  /** The scheduler's clock (epoch ms). */
  now(): number;
  /** Runs `command` as one unit of work of the scheduler (`method` names it in telemetry). */
  run<I, R>(command: Command<I, R>, input: I, now: number): Promise<R>;
  /** The lease as stored, `undefined` when the doctor-day never granted it. @throws OpdError `DOCTOR_NOT_FOUND` */
  lease(doctorId: string, day: string, leaseId: string): Promise<LeaseRecord | undefined>;
  /** A token as it stands. */
  token(tokenId: string): Promise<Token>;
  /** Cancels a token (`reason: 'desk'`), its place going back to lease `lease` when one is named. */
  cancel(tokenId: string, lease: string | null): Promise<unknown>;
  /** Checks a token in. */
  checkIn(tokenId: string): Promise<unknown>;
}

/** The most keys a booking whose key another booking holds is tried under (`key#2`, `key#3`, …). */
const MAX_REUSED_KEY = 64;

/** A desk's booking as the central store holds it. */
interface Entered {
  readonly id: string;
  readonly label: string;
  readonly fromLease: boolean;
}

/**
 * Reconciles the log of a desk working inside lease `leaseId` of a doctor-day (see
 * `OpdScheduler.reconcile`).
 * @throws OpdError `VALIDATION_FAILED` for an unknown lease or a log a desk could not have written
 *   (nothing is entered), `DOCTOR_NOT_FOUND`, `STORAGE_FAILURE`
 */
export async function reconcileDesk(
  host: ReconcileHost,
  ref: { readonly doctorId: string; readonly day: string; readonly leaseId: string },
  log: unknown,
): Promise<ReconcileReport> {
  const { doctorId, day, leaseId } = ref;
  const lease = await host.lease(doctorId, day, leaseId);
  if (lease === undefined) throw new OpdError('VALIDATION_FAILED', `Lease \`${leaseId}\` does not exist`, { details: { field: 'leaseId', leaseId } });
  const commands = parseDeskLog(log, lease);
  commands.forEach((c, i) => {
    if (c.kind === 'book') requireCategory(host.config, c.category, `log[${i}].category`);
  });
  const applied: ReconciledCommand[] = [];
  const already: ReconciledCommand[] = [];
  const issues: ReconcileIssue[] = [];
  const central = new Map<string, Entered>();
  const issue = (
    reason: ReconcileIssue['reason'],
    idempotencyKey: string,
    tokenId: string | null,
    otherTokenId: string | null,
    code: string | null = null,
  ): void => {
    issues.push({ reason, idempotencyKey, tokenId, otherTokenId, code });
  };
  for (const c of commands) {
    if (c.kind === 'book') {
      const outcome = await enter(host, ref, c);
      if (outcome.kind === 'duplicate') {
        issue('same-patient', c.idempotencyKey, null, outcome.otherTokenId);
        continue;
      }
      const { result, reusedBy } = outcome;
      const token = result.token;
      central.set(c.idempotencyKey, { id: token.id, label: token.label, fromLease: result.fromLease });
      (result.replayed === true ? already : applied).push({ kind: 'book', idempotencyKey: c.idempotencyKey, tokenId: token.id, label: token.label });
      if (reusedBy !== null) issue('key-reused', c.idempotencyKey, token.id, reusedBy);
      if (token.label !== c.label) issue('label-taken', c.idempotencyKey, token.id, null);
      if (token.cancelReason === 'day-closed' || token.cancelReason === 'carried') issue('day-closed', c.idempotencyKey, token.id, null);
      else if (displacedByClosing(result, token.id)) issue('slot-closed', c.idempotencyKey, token.id, null);
      else if (!result.fromLease) issue('beyond-lease', c.idempotencyKey, token.id, null);
      continue;
    }
    const token = central.get(c.booking);
    const entry: ReconciledCommand = { kind: c.kind, idempotencyKey: c.idempotencyKey, tokenId: token?.id ?? null, label: token?.label ?? null };
    if (token === undefined) {
      issue('not-applied', c.idempotencyKey, null, null, 'TOKEN_NOT_FOUND');
      continue;
    }
    const done = c.kind === 'cancel' ? 'CANCELLED' : 'CHECKED_IN';
    if ((await host.token(token.id)).status === done) {
      already.push(entry);
      continue;
    }
    try {
      // A place the desk freed was the desk's to book again: it goes back to the lease, not to the day.
      if (c.kind === 'cancel') await host.cancel(token.id, token.fromLease ? leaseId : null);
      else await host.checkIn(token.id);
      applied.push(entry);
    } catch (error) {
      // The store failing is not a refusal: the call fails, and a retry of the reconcile applies what did not commit.
      if (!isOpdError(error) || isStoreFailure(error)) throw error;
      issue('not-applied', c.idempotencyKey, token.id, null, error.code);
    }
  }
  const returned: Lease = await host.run(returnLease, { doctorId, day, leaseId }, host.now());
  return Object.freeze({ leaseId, applied: Object.freeze(applied), alreadyApplied: Object.freeze(already), toResolve: Object.freeze(issues), lease: returned });
}

/** What entering one desk booking did. */
type Outcome =
  | { readonly kind: 'entered'; readonly result: ClaimedResult; readonly reusedBy: string | null }
  | { readonly kind: 'duplicate'; readonly otherTokenId: string | null };

/**
 * Enters one desk booking by the booking road. A key another booking holds already (the lease
 * opened on two devices, each keying its own bookings alike) does not answer with that booking:
 * the desk's patient has a paper token too, so it is entered under the first free key of
 * `key#2`, `key#3`, … — the same one each time the log is reconciled — and reported.
 */
async function enter(
  host: ReconcileHost,
  ref: { readonly doctorId: string; readonly day: string; readonly leaseId: string },
  c: CheckedDeskBooking,
): Promise<Outcome> {
  let reusedBy: string | null = null;
  for (let n = 1; n <= MAX_REUSED_KEY; n++) {
    const now = host.now();
    const key = n === 1 ? c.idempotencyKey : `${c.idempotencyKey}#${n}`;
    const command: BookCommand = {
      doctorId: ref.doctorId,
      category: c.category,
      patient: c.patient,
      slotId: c.slotId,
      date: ref.day,
      after: undefined,
      idempotencyKey: key,
      fingerprint: canonicalJson({ redeem: ref.leaseId, slotId: c.slotId, label: c.label, category: c.category, patient: c.patient }),
      actor: null,
      holdMinutes: null,
      patientLoad: patientLoad(host.config, c.patient.id, now),
      claim: { leaseId: ref.leaseId, label: c.label, at: c.atMs },
    };
    try {
      return { kind: 'entered', result: await host.run(redeemLeasedPlace, command, now), reusedBy };
    } catch (error) {
      if (isOpdError(error, 'DUPLICATE_BOOKING')) {
        const other = error.details['tokenId'];
        return { kind: 'duplicate', otherTokenId: typeof other === 'string' ? other : null };
      }
      if (!isOpdError(error, 'IDEMPOTENCY_CONFLICT')) throw error;
      const other = error.details['tokenId'];
      reusedBy ??= typeof other === 'string' ? other : null;
    }
  }
  throw new OpdError('IDEMPOTENCY_CONFLICT', `The desk's key was used by ${MAX_REUSED_KEY} other bookings`, {
    details: { field: 'idempotencyKey', doctorId: ref.doctorId },
  });
}

/** Whether the desk's token was displaced because its slot had closed (its own booking followed by its fate). */
function displacedByClosing(result: ClaimedResult, tokenId: string): boolean {
  return result.effects.some(
    (e) =>
      'tokenId' in e &&
      e.tokenId === tokenId &&
      (e.type === 'token:cascaded' || e.type === 'token:waitlisted' || e.type === 'token:dropped') &&
      'reason' in e &&
      e.reason === 'slot-closed',
  );
}
