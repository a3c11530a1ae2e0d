import { doctorNotFound, heldToken, patientPart, type Command, commit, unchanged, unitChanges } from '../command.js';
import type { PatientLoad } from '../../model/snapshot.js';
import { tokenView } from '../call-order.js';
import { createToken, settleClaims } from '../claims.js';
import * as ev from '../events.js';
import { OpdError } from '../../errors.js';
import { inFacility, tokenIdOf, type LeaseRecord, type TokenRecord } from '../../model/records.js';
import type { BookingResult, Patient } from '../../types.js';
import type { Lease } from '../../desk/types.js';
import { endLease, grantLease, spendLeasedPlace } from '../leases.js';
import { elasticPlaces, laterFreeSlot, settleBeforePlacing } from '../placement.js';
import { type DayWork, Workspace } from '../workspace.js';

/** A lease to grant on a doctor-day. */
export interface LeaseCapacityInput {
  readonly doctorId: string;
  readonly day: string;
  readonly deskId: string;
  readonly places: number;
  readonly categories: readonly string[] | null;
  readonly ttlMinutes: number;
}

/** The public view of a lease of a loaded day. */
export function toLease(work: DayWork, lease: LeaseRecord): Lease {
  const slots = lease.slots.map((s) => {
    const slot = work.slot(work.indexOf(s.slotId));
    return Object.freeze({ slotId: s.slotId, start: new Date(slot.start), end: new Date(slot.end), places: s.places, used: s.used });
  });
  return Object.freeze({
    id: lease.id,
    deskId: lease.deskId,
    doctorId: work.record.doctorId,
    date: work.day,
    status: lease.status,
    categories: lease.categories,
    slots: Object.freeze(slots),
    prefix: lease.prefix,
    grantedAt: new Date(lease.grantedAt),
    endsAt: new Date(lease.endsAt),
  });
}

/**
 * Grants a desk a lease on free places of a doctor-day ({@link grantLease}): the day's claims are
 * settled first (ended holds and leases give their places back), as before any placement.
 */
export const leaseCapacity: Command<LeaseCapacityInput, Lease> = {
  load: ({ doctorId, day }) => ({ doctorId, days: [day] }),
  decide(config, snapshot, input, now) {
    const ws = new Workspace(config, snapshot, now);
    if (ws.doctor === undefined) throw doctorNotFound(input.doctorId);
    const work = ws.day(input.day);
    settleBeforePlacing(ws, work);
    const lease = grantLease(ws, work, input);
    return commit(ws, toLease(work, lease));
  },
};

/** A lease to give back: its desk's unused places return to the day. */
export interface ReturnLeaseInput {
  readonly doctorId: string;
  readonly day: string;
  readonly leaseId: string;
}

/** Gives a lease back ({@link endLease}); a lease that has already ended is returned as it stands. */
export const returnLease: Command<ReturnLeaseInput, Lease> = {
  load: ({ doctorId, day }) => ({ doctorId, days: [day] }),
  decide(config, snapshot, { doctorId, day, leaseId }, now) {
    const ws = new Workspace(config, snapshot, now);
    if (ws.doctor === undefined) throw doctorNotFound(doctorId);
    const work = ws.day(day);
    const lease = work.record.leases?.find((l) => l.id === leaseId);
    if (lease === undefined) throw new OpdError('VALIDATION_FAILED', `Lease \`${leaseId}\` does not exist`, { details: { field: 'leaseId', leaseId } });
    if (lease.status !== 'ACTIVE') return unchanged(toLease(work, lease));
    settleBeforePlacing(ws, work);
    endLease(ws, work, leaseId, 'RETURNED');
    return commit(ws, toLease(work, work.record.leases!.find((l) => l.id === leaseId)!));
  },
};

/** One booking a desk made inside its lease, to enter centrally (`OpdScheduler.reconcile`). */
export interface RedeemInput {
  readonly doctorId: string;
  readonly day: string;
  readonly leaseId: string;
  readonly idempotencyKey: string;
  readonly category: string;
  readonly slotId: string;
  readonly label: string;
  readonly patient: Patient;
  /** When the desk booked it (ms). */
  readonly at: number;
  /** The patient's tokens to read, when the duplicate rules reach beyond the doctor-day. */
  readonly patientLoad: PatientLoad | undefined;
}

/** What entering a desk's booking did. */
export interface RedeemResult extends BookingResult {
  /** Whether the place came from the lease (`false`: the lease had ended or was spent there, and the token was honoured beyond it). */
  readonly fromLease: boolean;
  /** The patient's other live token of the day when there was one (the duplicate rule the desk could not see): reported, never revoked. */
  readonly duplicateOf: string | null;
}

/** A desk's booking entered (`result`), or not entered because the patient holds `duplicateOf` under the duplicate rules. */
export type RedeemOutcome = { readonly entered: true; readonly result: RedeemResult } | { readonly entered: false; readonly duplicateOf: string };

/**
 * Enters a token a desk issued inside its lease, under the desk's label and idempotency key (a
 * repeat replays the first result). The place is taken from the lease's claim
 * ({@link spendLeasedPlace}), never from the day's free places; a token whose lease has ended or
 * is spent in its slot is honoured all the same, never refused (the desk has already given it to a
 * patient) and never over capacity plus elastic: in its slot while it has room (an elastic place
 * if its category may hold one), else in the next slot with a free place, else on the waitlist.
 */
export const redeemLeasedPlace: Command<RedeemInput, RedeemOutcome> = {
  load: ({ doctorId, day, idempotencyKey, patientLoad }) => ({ doctorId, idempotencyKey, days: [day], ...patientPart(patientLoad) }),
  decide(config, snapshot, input, now) {
    const fingerprint = JSON.stringify({ redeem: input.leaseId, slotId: input.slotId, label: input.label });
    if (snapshot.idempotency !== undefined) {
      if (snapshot.idempotency.fingerprint !== fingerprint) {
        throw new OpdError('IDEMPOTENCY_CONFLICT', 'The idempotency key was already used for a different request', { details: { field: 'idempotencyKey', doctorId: input.doctorId } });
      }
      return unchanged({ entered: true, result: Object.freeze({ ...(snapshot.idempotency.result as RedeemResult), replayed: true }) });
    }
    const ws = new Workspace(config, snapshot, now);
    const doctor = ws.doctor;
    if (doctor === undefined) throw doctorNotFound(input.doctorId);
    const work = ws.day(input.day);
    // A log names its lease: one the day never granted enters nothing (else its tokens would be honoured beyond a lease that never was).
    if (work.record.leases?.some((l) => l.id === input.leaseId) !== true) {
      throw new OpdError('VALIDATION_FAILED', `Lease \`${input.leaseId}\` does not exist`, { details: { field: 'leaseId', leaseId: input.leaseId } });
    }
    const i = work.indexOf(input.slotId);
    if (i < 0) throw new OpdError('SLOT_NOT_FOUND', `Slot \`${input.slotId}\` is not a slot of the lease's day`, { details: { field: 'slotId', slotId: input.slotId, doctorId: input.doctorId } });
    // The duplicate rules the desk could not see (another desk, the central desk, another doctor of
    // the department): the desk's token is not entered — the patient keeps the token they hold,
    // nothing changes, and the report names both for staff.
    const held = heldToken(config, now, [work], input.patient.id, undefined, { doctor, day: input.day, category: input.category, patientTokens: snapshot.patientTokens });
    if (held !== undefined) return unchanged({ entered: false, duplicateOf: held.token.id });
    const duplicateOf = null;
    const fromLease = spendLeasedPlace(work, input.leaseId, input.slotId);
    // Ended leases give back their unused places only now, so an expired lease's token is counted against what is left.
    settleClaims(ws, work);
    const rank = ws.rankOf({ category: input.category, patient: input.patient, requestedAt: input.at, day: input.day, notBefore: null }, 0);
    // A token beyond its lease keeps its slot while the slot has room (free, or an elastic place
    // the capacity strategy grants its category); else it goes where any token that lost its place
    // goes: the next slot with a free place, else the day's waitlist. Never over capacity plus elastic.
    const occupancy = work.occupancy(i);
    const target = fromLease || occupancy < work.slot(i).capacity + elasticPlaces(ws, work.slot(i), { category: input.category, rank }, occupancy) ? i : laterFreeSlot(ws, work, i, { category: input.category, rank });
    const elastic = target === i && !fromLease && occupancy >= work.slot(i).capacity;
    const tokenNumber = work.nextTokenNumber();
    const token = inFacility<TokenRecord>(
      {
        id: tokenIdOf(doctor.id, input.day, tokenNumber),
        doctorId: doctor.id,
        day: input.day,
        slotId: target >= 0 ? work.slot(target).id : null,
        waitingForSlotId: null,
        category: input.category,
        rank,
        status: target >= 0 ? 'BOOKED' : 'WAITLISTED',
        tokenNumber,
        patient: input.patient,
        requestedAt: input.at,
        bumpCount: 0,
        placedAt: now,
        notBefore: null,
        idempotencyKey: input.idempotencyKey,
        cancelReason: null,
        updatedAt: now,
        holdExpiresAt: null,
        label: input.label,
        callIndex: null,
        toldEta: null,
        turnNearSent: false,
      },
      ws.facilityId,
    );
    createToken(ws, work, token);
    if (target >= 0) ws.own(ev.booked(ws, token, work.slot(target).id, elastic));
    else ws.own(ev.waitlisted(ws, token, null, null, 'full', { fullSlotId: input.slotId, quota: null }));
    const result: RedeemResult = Object.freeze({ token: tokenView(ws, work, ws.latest(token.id) ?? token), outcome: target >= 0 ? 'BOOKED' : 'WAITLISTED', overflow: elastic, effects: ws.effects(), fromLease, duplicateOf });
    ws.idempotency = { doctorId: doctor.id, key: input.idempotencyKey, fingerprint, result };
    return { kind: 'commit', changes: unitChanges(ws), result: { entered: true, result } };
  },
};
