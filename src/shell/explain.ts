/**
 * The reads that explain the queue: a token's reason chain and its sentence, and the fairness
 * ledger of a day. Each reads the token's (or the day's) records and the doctor-day's stored
 * events through the adapter's `dayHistory`, then asks the pure functions of `src/explain`.
 */
import { doctorNotFound, tokenNotFound } from '../core/command.js';
import type { CoreConfig } from '../core/config.js';
import { explanationOf, placingStep } from '../explain/chain.js';
import { FairnessLedger, StageLedger, type StageNames } from '../explain/fairness.js';
import { comesBackSentences, sentence, situationOf } from '../explain/messages.js';
import type { ExplainComesBack, ExplainLang, Explanation, FairnessReport } from '../explain/types.js';
import { addDays, followUpDetail, isFollowUp, visitOfFollowUp } from '../core/followups.js';
import { parseTokenId, type SlotRecord, type TokenRecord } from '../model/records.js';
import { parseSeriesId } from './series.js';
import { DOCTOR_KIND } from '../options/journeys.js';
import { isDayDump, isTokenRecord } from '../storage/shapes.js';
import type { CheckedAdapter } from './answers.js';

/** Local `HH:MM` (24 hours) of an instant in a time zone. */
function clockOf(timeZone: string): (ms: number) => string {
  const format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return (ms) => format.format(ms);
}

/** The explaining reads of one scheduler's store. */
export class Explainer {
  readonly #clock: (ms: number) => string;

  constructor(
    readonly adapter: CheckedAdapter,
    readonly config: CoreConfig,
    timeZone: string,
  ) {
    this.#clock = clockOf(timeZone);
  }

  /** @throws OpdError `TOKEN_NOT_FOUND`, `STORAGE_FAILURE` */
  async explain(tokenId: string): Promise<Explanation> {
    return (await this.#explained(tokenId)).explanation;
  }

  /** @throws OpdError `TOKEN_NOT_FOUND`, `STORAGE_FAILURE` */
  async text(tokenId: string, lang: ExplainLang): Promise<string> {
    const { explanation, slots } = await this.#explained(tokenId);
    const { situation, from, full, room } = situationOf(explanation, placingStep(explanation));
    const timeOf = (slotId: string | null): string | null => {
      const slot = slotId === null ? undefined : slots.find((s) => s.id === slotId);
      return slot === undefined ? null : this.#clock(slot.start);
    };
    const told = sentence(situation, lang, { label: explanation.label, time: timeOf(explanation.slotId), from: timeOf(from), full: timeOf(full), room });
    return [told, ...comesBackSentences(situation, explanation.comesBack, lang)].join(' ');
  }

  /** @throws OpdError `DOCTOR_NOT_FOUND`, `STORAGE_FAILURE` */
  async fairness(doctorId: string | undefined, date: string): Promise<FairnessReport> {
    if (doctorId !== undefined && !(await this.adapter.listDoctors()).some((d) => d.id === doctorId)) throw doctorNotFound(doctorId, 'filter.doctorId');
    const ledger = new FairnessLedger(this.config.dayStart);
    const stages = new StageLedger(this.#stageNames());
    const days = this.adapter.scanDays({ doctorId, day: date });
    const dumps = [];
    try {
      for await (const day of days) {
        if (!isDayDump(day)) throw this.adapter.malformed('`scanDays` handed out something other than a stored day (a record, its slots and its tokens)');
        dumps.push(day);
      }
    } catch (error) {
      throw this.adapter.failure('failed while reading its days', error);
    }
    for (const day of dumps) {
      const events = await this.adapter.dayHistory(day.record.doctorId, day.record.day);
      ledger.add(day.tokens, day.slots, events);
      stages.add(day.tokens, events);
    }
    return { doctorId: doctorId ?? null, date, categories: ledger.result(), ...stages.result() };
  }

  /** The stage names of this scheduler's journeys: a route's first stage, a service point's kind. */
  #stageNames(): StageNames {
    const journeys = this.config.journeys;
    return {
      first: (token) => (token.journey?.route === undefined ? undefined : journeys?.routes.get(token.journey.route)?.[0]) ?? DOCTOR_KIND,
      kind: (id) => journeys?.points.get(id)?.kind ?? id,
    };
  }

  async #explained(tokenId: string): Promise<{ explanation: Explanation; slots: readonly SlotRecord[] }> {
    const snapshot = await this.adapter.storage.read({ tokenId });
    const token = snapshot.tokens.get(tokenId);
    if (token === undefined) throw tokenNotFound(tokenId, 'tokenId');
    if (!isTokenRecord(token)) throw this.adapter.unreadable();
    const day = snapshot.days.get(token.day);
    this.adapter.checkRead(snapshot, day);
    const slots = day?.slots.map((s) => s.slot) ?? [];
    const events = await this.adapter.dayHistory(token.doctorId, token.day);
    return { explanation: explanationOf(token, slots, events, await this.#comesBack(token)), slots };
  }

  /**
   * What brought the token's patient back, from the records that know it: the follow-up's claim
   * on its visit's day (its window), the scheduler's `followUps` rules (the entitlement's size and
   * last day, as `entitlementOf` reads them), the series' id (its count).
   */
  async #comesBack(token: TokenRecord): Promise<ExplainComesBack | undefined> {
    const revisit = token.revisit;
    if (revisit === undefined) return undefined;
    const followUp = revisit.followUp === undefined ? undefined : await this.#followUp(revisit.followUp);
    const used = revisit.entitlement;
    const rules = this.config.followUps;
    const charged = used === undefined ? undefined : parseTokenId(used.from);
    const entitlement =
      used === undefined
        ? undefined
        : {
            fromTokenId: used.from,
            visit: used.visit,
            visits: rules?.freeVisits ?? null,
            until: rules === undefined || charged === undefined ? null : addDays(charged.day, rules.freeWithinDays),
          };
    const series =
      revisit.seriesId === undefined
        ? undefined
        : { seriesId: revisit.seriesId, occurrence: revisit.occurrence ?? 0, count: parseSeriesId(revisit.seriesId)?.count ?? null };
    if (followUp === undefined && entitlement === undefined && series === undefined) return undefined;
    return Object.freeze({
      ...(followUp === undefined ? {} : { followUp }),
      ...(entitlement === undefined ? {} : { entitlement }),
      ...(series === undefined ? {} : { series }),
    });
  }

  /** A follow-up as its claim on its visit's day keeps it, or `undefined` when the store no longer has it (the visit erased). */
  async #followUp(followUpId: string): Promise<ExplainComesBack['followUp']> {
    const visitId = visitOfFollowUp(followUpId);
    const visit = visitId === undefined ? undefined : parseTokenId(visitId);
    if (visitId === undefined || visit === undefined) return undefined;
    const snapshot = await this.adapter.storage.read({ tokenId: visitId });
    const day = snapshot.days.get(visit.day);
    this.adapter.checkRead(snapshot, day);
    const claim = day?.record.claims?.find((c) => c.id === followUpId && isFollowUp(c));
    if (claim === undefined) return undefined;
    const detail = followUpDetail(claim);
    const windowDays = Math.round((Date.parse(`${detail.last}T00:00:00Z`) - Date.parse(`${detail.due}T00:00:00Z`)) / 86_400_000);
    return { followUpId, fromTokenId: visitId, dueDate: detail.due, windowDays, from: detail.first, to: detail.last };
  }
}
