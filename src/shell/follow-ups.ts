/**
 * The follow-up calls of a scheduler: the request read, its unit run; the due follow-ups listed
 * from the stores' due days; a due follow-up tried again by the sweep in a unit of its own.
 */
import { cancelFollowUpCommand, type FollowUpAsk, followUpCommand, viewOf } from '../core/commands/follow-up.js';
import { addDays, FOLLOW_UP_CATEGORY, followUpDetail, followUpIdOf, isFollowUp, visitOfFollowUp } from '../core/followups.js';
import { OpdError, invalid } from '../errors.js';
import { parseActor, requireCategory } from '../inputs.js';
import { type ClaimRecord, parseTokenId } from '../model/records.js';
import { parseDay } from '../time.js';
import type {
  CancelFollowUpOptions,
  DueFollowUpsFilter,
  Effect,
  EntitlementQuery,
  EntitlementSummary,
  EntitlementView,
  FollowUp,
  FollowUpRequest,
  FollowUpResult,
} from '../types.js';
import { entitlementsFor } from '../core/entitlements.js';
import { doctorNotFound } from '../core/command.js';
import { expectId, expectInteger, expectKey, expectObject, readInput } from '../validate.js';
import { patientOfToken, requireMultiDoctor } from './locks.js';
import type { Runner } from './run.js';

const REQUEST_KEYS: ReadonlySet<string> = new Set(['afterDays', 'on', 'windowDays', 'doctorId', 'department', 'actor', 'idempotencyKey']);
const FILTER_KEYS: ReadonlySet<string> = new Set(['date', 'department', 'doctorId']);
const CANCEL_KEYS: ReadonlySet<string> = new Set(['actor', 'reason']);

/** The most days either side of a follow-up's due date. */
export const MAX_FOLLOW_UP_WINDOW_DAYS = 30;

/** Reads a follow-up request. */
export function parseFollowUpRequest(value: unknown): FollowUpAsk & { readonly actor: string | null } {
  const r = expectObject('request', value, REQUEST_KEYS);
  if ((r['afterDays'] === undefined) === (r['on'] === undefined)) throw invalid('afterDays', 'Expected exactly one of `afterDays` and `on`');
  const afterDays = r['afterDays'] === undefined ? null : expectInteger('afterDays', r['afterDays'], 1, 366);
  const on = r['on'] === undefined ? null : parseDay('on', r['on']);
  const windowDays = r['windowDays'] === undefined ? 0 : expectInteger('windowDays', r['windowDays'], 0, MAX_FOLLOW_UP_WINDOW_DAYS);
  if (r['doctorId'] !== undefined && r['department'] !== undefined) throw invalid('department', 'Expected at most one of `doctorId` and `department`');
  const doctorId = r['doctorId'] === undefined ? null : expectId('doctorId', r['doctorId']);
  const department = r['department'] === undefined ? null : expectId('department', r['department']);
  const key = r['idempotencyKey'] === undefined ? null : expectKey('idempotencyKey', r['idempotencyKey'], 200);
  return { afterDays, on, windowDays, doctorId, department, key, actor: parseActor('actor', r['actor']) };
}

const ENTITLEMENT_KEYS: ReadonlySet<string> = new Set(['doctorId', 'department', 'at']);

/** The follow-ups of one scheduler. */
export class FollowUps {
  constructor(readonly runner: Runner) {}

  /** Books (or finds due) the follow-up of visit `fromTokenId`; see `OpdScheduler.bookFollowUp`. */
  async book(fromTokenId: string, request: FollowUpRequest, now: number): Promise<FollowUpResult> {
    const id = readInput('fromTokenId', () => expectKey('fromTokenId', fromTokenId, 300));
    const ask = readInput('request', () => parseFollowUpRequest(request));
    requireCategory(this.runner.config, FOLLOW_UP_CATEGORY, 'category');
    const visitDoctor = parseTokenId(id)?.doctorId;
    if (ask.department !== null || (ask.doctorId !== null && ask.doctorId !== visitDoctor)) requireMultiDoctor(this.runner.adapter.storage);
    const patientLoad = await patientOfToken(this.runner.adapter.storage, this.runner.config, id, now);
    // A follow-up booked before is answered as it stands: its token's doctor, read before the unit, is locked from the start.
    const bookedWith = await this.#bookedWith(id, ask.key);
    const locks =
      bookedWith !== undefined && bookedWith !== visitDoctor
        ? { doctorId: bookedWith, department: undefined }
        : { doctorId: ask.doctorId ?? undefined, department: ask.department ?? undefined };
    const result = await this.runner.run(
      'bookFollowUp',
      followUpCommand,
      { fromTokenId: id, request: ask, actor: ask.actor, patientLoad, locks },
      now,
      false,
      ask.actor,
    );
    return result!;
  }

  /**
   * The doctor of the token a follow-up of visit `fromTokenId` was booked with, when a request
   * (with idempotency key `key`) would be answered as that booking (it was booked, or cancelled
   * under the same key); `undefined` otherwise.
   */
  async #bookedWith(fromTokenId: string, key: string | null): Promise<string | undefined> {
    const claim = await this.#stored(fromTokenId);
    if (claim === undefined) return undefined;
    const detail = followUpDetail(claim);
    const answered = claim.state === 'CONVERTED' || (claim.state === 'RELEASED' && key !== null && detail.key === key);
    return answered && detail.tokenId !== null ? parseTokenId(detail.tokenId)?.doctorId : undefined;
  }

  /** The stored follow-up claim of visit `fromTokenId`, read outside a unit; `undefined` when it has none. */
  async #stored(fromTokenId: string): Promise<ClaimRecord | undefined> {
    const day = parseTokenId(fromTokenId)?.day;
    if (day === undefined) return undefined;
    const id = followUpIdOf(fromTokenId);
    return (await this.runner.adapter.storage.read({ tokenId: fromTokenId })).days.get(day)?.record.claims?.find((c) => c.id === id && isFollowUp(c));
  }

  /** Tries due follow-up `followUpId` again (the sweep's step): its effects, none when there is still no place. */
  async retry(followUpId: string, now: number, actor: string | null): Promise<readonly Effect[]> {
    const fromTokenId = visitOfFollowUp(followUpId);
    if (fromTokenId === undefined) return [];
    const storage = this.runner.adapter.storage;
    const patientLoad = await patientOfToken(storage, this.runner.config, fromTokenId, now);
    // Whom it is with, read before the unit: the unit locks them from the start.
    const claim = await this.#stored(fromTokenId);
    if (claim === undefined) return [];
    const { doctorId, department } = followUpDetail(claim);
    const locks = { doctorId: doctorId ?? undefined, department: department ?? undefined };
    const result = await this.runner.run('sweep', followUpCommand, { fromTokenId, request: null, actor, patientLoad, locks }, now, false, actor);
    // A retry's effects are every event of its unit, its `followup:booked` last.
    return result === null ? [] : result.effects;
  }

  /** Cancels due follow-up `followUpId`; see `OpdScheduler.cancelFollowUp`. */
  async cancel(followUpId: string, opts: CancelFollowUpOptions, now: number): Promise<FollowUp> {
    const id = readInput('followUpId', () => expectKey('followUpId', followUpId, 300));
    const { actor, reason } = readInput('opts', () => {
      const o = expectObject('opts', opts, CANCEL_KEYS);
      const who = parseActor('opts.actor', o['actor']);
      if (who === null) throw invalid('opts.actor', 'Expected `opts.actor`: a follow-up is cancelled only by an actor');
      return { actor: who, reason: o['reason'] === undefined ? null : expectKey('opts.reason', o['reason'], 200) };
    });
    const fromTokenId = visitOfFollowUp(id);
    if (fromTokenId === undefined)
      throw new OpdError('TOKEN_NOT_FOUND', `Follow-up \`${id}\` does not exist`, { details: { field: 'followUpId', followUpId: id, tokenId: id } });
    return this.runner.run('cancelFollowUp', cancelFollowUpCommand, { followUpId: id, fromTokenId, actor, reason }, now, false, actor);
  }

  /**
   * The free revisits patient `patientId` has left with a doctor or department on a day (the
   * option `followUps`), from the patient's tokens as stored.
   */
  async entitlementOf(patientId: string, query: EntitlementQuery, now: number): Promise<EntitlementSummary> {
    const rules = this.runner.config.followUps;
    const { id, doctorId, department, at } = readInput('query', () => {
      const q = expectObject('query', query, ENTITLEMENT_KEYS);
      if ((q['doctorId'] === undefined) === (q['department'] === undefined)) throw invalid('doctorId', 'Expected exactly one of `doctorId` and `department`');
      return {
        id: expectKey('patientId', patientId, 200),
        doctorId: q['doctorId'] === undefined ? null : expectId('doctorId', q['doctorId']),
        department: q['department'] === undefined ? null : expectId('department', q['department']),
        at: q['at'] === undefined ? this.runner.config.dayOf(now) : parseDay('at', q['at']),
      };
    });
    if (rules === undefined) throw invalid('followUps', 'Free revisits need the option `followUps`');
    const doctors = await this.runner.adapter.listDoctors();
    const departments = new Map(doctors.map((d) => [d.id, d.department ?? null]));
    const asked = doctors.filter((d) => (doctorId !== null ? d.id === doctorId : (d.department ?? null) === department));
    if (doctorId !== null && asked.length === 0) throw doctorNotFound(doctorId);
    if (asked.length === 0) return Object.freeze({ left: 0, entitlements: Object.freeze([]) });
    // The patient's tokens from the first day a charged visit covering `at` may be on (a read, no lock: a report).
    const read = await this.runner.adapter.storage.read({ doctorId: asked[0]!.id, patient: { id, fromDay: addDays(at, -rules.freeWithinDays) } });
    const tokens = (read.patientTokens ?? []).map(({ token }) => ({ token, department: departments.get(token.doctorId) ?? null }));
    const found = new Map<string, EntitlementView>();
    for (const doctor of asked) {
      for (const e of entitlementsFor(rules, tokens, doctor, at)) {
        found.set(
          e.from.id,
          Object.freeze({
            fromTokenId: e.from.id,
            doctorId: e.from.doctorId,
            department: e.department,
            openedOn: e.from.day,
            until: e.until,
            visits: rules.freeVisits,
            used: e.used,
            left: e.left,
          }),
        );
      }
    }
    const entitlements = [...found.values()].sort((a, b) =>
      a.openedOn !== b.openedOn ? (a.openedOn < b.openedOn ? -1 : 1) : a.fromTokenId < b.fromTokenId ? -1 : 1,
    );
    return Object.freeze({ left: entitlements.reduce((n, e) => n + e.left, 0), entitlements: Object.freeze(entitlements) });
  }

  /**
   * The follow-ups due and not booked (every one the sweep still tries, and those whose window
   * passed without a place), read from the store's due days: a due follow-up keeps its visit's day due.
   */
  async due(filter: DueFollowUpsFilter | undefined, now: number): Promise<FollowUp[]> {
    const { date, department, doctorId } = readInput('filter', () => {
      const f = filter === undefined ? {} : expectObject('filter', filter, FILTER_KEYS);
      return {
        date: f['date'] === undefined ? null : parseDay('filter.date', f['date']),
        department: f['department'] === undefined ? null : expectId('filter.department', f['department']),
        doctorId: f['doctorId'] === undefined ? null : expectId('filter.doctorId', f['doctorId']),
      };
    });
    const storage = this.runner.adapter.storage;
    const days = await storage.findDueDays(Number.MIN_SAFE_INTEGER, now);
    const found: FollowUp[] = [];
    for (const { doctorId: visitDoctor, day } of days) {
      const snapshot = await storage.read({ doctorId: visitDoctor, days: [day] });
      for (const claim of snapshot.days.get(day)?.record.claims ?? []) {
        if (!isFollowUp(claim) || claim.state !== 'ACTIVE') continue;
        const d = followUpDetail(claim);
        if (date !== null && d.due !== date) continue;
        if (department !== null && d.department !== department) continue;
        if (doctorId !== null && (d.doctorId ?? '') !== doctorId) continue;
        found.push(viewOf({ doctorId: visitDoctor }, claim));
      }
    }
    return found.sort((a, b) => (a.dueDate !== b.dueDate ? (a.dueDate < b.dueDate ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
