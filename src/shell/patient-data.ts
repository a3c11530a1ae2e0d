/**
 * A patient's data: what the store holds about them (export), its erasure on request, and its
 * erasure once the retention period is over (purge). Each token is erased in a unit of its own
 * (`eraseToken`), so that a call over many doctors and days locks one doctor at a time.
 */
import { eraseToken, liveTokensOfOpenDays, patientHasLiveTokens } from '../core/commands/erase-patient.js';
import type { CoreConfig } from '../core/config.js';
import { OpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import { isErasedPatient } from '../model/patient.js';
import type { TokenRecord } from '../model/records.js';
import type { PatientTokenQuery, StorageAdapter } from '../storage/adapter.js';
import { isTokenRecord } from '../storage/shapes.js';
import type { PatientErasure, PatientExport, Token } from '../types.js';
import type { CheckedAdapter } from './answers.js';
import type { Reads } from './reads.js';
import type { Runner } from './run.js';

/** Tokens a purge reads and erases at a time. */
const PURGE_BATCH = 200;
/** Events read at a time while an export looks for a patient's. */
const HISTORY_PAGE = 1000;

/** The patient-data calls of one scheduler. */
export class PatientData {
  constructor(
    readonly runner: Runner,
    readonly adapter: CheckedAdapter,
    readonly reads: Reads,
    readonly config: CoreConfig,
  ) {}

  /** Every token of the patient with its patient data, and the stored events about them. */
  async export(patientId: string, clock: () => number): Promise<PatientExport> {
    const records = await this.#find({ patientId });
    const tokens: Token[] = [];
    for (const record of records) tokens.push(await this.reads.token(record.id, clock));
    const ids = new Set(records.map((t) => t.id));
    const events: OpdEvent[] = [];
    if (ids.size > 0) {
      for (let after = 0; ;) {
        const page = await this.adapter.history(after, HISTORY_PAGE);
        for (const event of page) if (concerns(event, ids)) events.push(event);
        if (page.length < HISTORY_PAGE) break;
        after = page[page.length - 1]!.seq;
      }
    }
    return Object.freeze({ tokens: Object.freeze(tokens), events: Object.freeze(events) });
  }

  /**
   * Erases the patient data of every token of the patient, refused (before anything is erased)
   * while the patient holds a live token of a day not yet over.
   */
  async erase(patientId: string, reason: string | null, actor: string | null, now: number): Promise<PatientErasure> {
    const tokens = await this.#find({ patientId });
    const live = liveTokensOfOpenDays(tokens, this.config.dayOf(now));
    if (live.length > 0) throw patientHasLiveTokens(live);
    return this.#eraseAll(tokens, { patientId, before: null, reason, by: 'request' }, actor, now, []);
  }

  /**
   * Erases the patient data of every token whose day ended more than `days` days (the option
   * `retention.patientDataDays`) before `at`.
   * @throws OpdError `VALIDATION_FAILED` without the `retention` option (`days` `null`)
   */
  purge(at: number, days: number | null, actor: string | null, now: number): Promise<PatientErasure> {
    if (days === null) throw new OpdError('VALIDATION_FAILED', 'Expected the `retention` option for `purge`', { details: { field: 'retention' } });
    return this.#purgeBefore(this.config.dayOf(at - days * 24 * 60 * 60 * 1000), actor, now);
  }

  /** Erases the patient data of every token of a day before `before` (a local date). */
  async #purgeBefore(before: string, actor: string | null, now: number): Promise<PatientErasure> {
    const tokenIds: string[] = [];
    const effects: OpdEvent[] = [];
    for (;;) {
      const batch = await this.#find({ dayBefore: before, limit: PURGE_BATCH });
      const erased = (await this.#eraseAll(batch, { patientId: null, before, reason: null, by: 'retention' }, actor, now, effects)).tokenIds;
      tokenIds.push(...erased);
      // A batch that erased nothing (every token already erased meanwhile) ends the purge.
      if (batch.length < PURGE_BATCH || erased.length === 0) break;
    }
    return Object.freeze({ tokenIds: Object.freeze(tokenIds), effects: Object.freeze(effects) });
  }

  async #eraseAll(
    tokens: readonly TokenRecord[],
    how: { patientId: string | null; before: string | null; reason: string | null; by: 'request' | 'retention' },
    actor: string | null,
    now: number,
    effects: OpdEvent[],
  ): Promise<PatientErasure> {
    const tokenIds: string[] = [];
    const start = effects.length;
    for (const token of tokens) {
      if (isErasedPatient(token.patient)) continue;
      const input = { tokenId: token.id, idempotencyKey: token.idempotencyKey, ...how };
      const event = await this.runner.run(how.by === 'request' ? 'erasePatient' : 'purge', eraseToken, input, now, false, actor);
      if (event !== null) {
        tokenIds.push(token.id);
        effects.push(event);
      }
    }
    return Object.freeze({ tokenIds: Object.freeze(tokenIds), effects: Object.freeze(effects.slice(start)) });
  }

  /** The adapter's `findPatientTokens`, refused on an adapter that does not erase patient data, its answer checked. */
  async #find(query: PatientTokenQuery): Promise<TokenRecord[]> {
    const storage: StorageAdapter = this.adapter.storage;
    if (storage.patientErasure !== true || typeof storage.findPatientTokens !== 'function') {
      throw new OpdError('STORAGE_FAILURE', `The storage adapter \`${storage.name}\` does not erase patient data (no \`patientErasure\`)`, {
        details: { adapter: storage.name },
      });
    }
    const found: unknown = await storage.findPatientTokens(query);
    if (!Array.isArray(found) || !found.every(isTokenRecord))
      throw this.adapter.malformed('`findPatientTokens` resolved with something other than an array of tokens');
    return found;
  }
}

/** Whether an event is about one of the tokens (its own token, or the one that bumped or was moved from). */
function concerns(event: OpdEvent, ids: ReadonlySet<string>): boolean {
  const e = event as unknown as Readonly<Record<string, unknown>>;
  for (const field of ['tokenId', 'byTokenId', 'fromTokenId']) {
    const id = e[field];
    if (typeof id === 'string' && ids.has(id)) return true;
  }
  return false;
}
