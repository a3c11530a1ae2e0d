/** The arguments of the conformance suite: what a factory returns, the options, and their check. */
import type { StorageAdapter } from '../index.js';
import type { ClaimKind } from '../core/claim-kinds.js';
import { invalid } from '../errors.js';
import { policyOptions } from '../policies/priority.js';
import { describe as describeValue } from '../time.js';
import { expectInteger, expectOptionalBoolean, expectText, readObject } from '../validate.js';

/** What a conformance factory returns: a fresh, empty store, and how to dispose of it. */
export interface ConformanceSubject {
  /** A fresh, empty store. The suite closes it (possibly twice: `close` must be idempotent). */
  readonly storage: StorageAdapter;
  /** Called after each test, after the storage was closed (drop the schema, end the pool, …). */
  readonly cleanup?: (() => Promise<void>) | undefined;
  /**
   * Opens another handle on the same store, as another process would (needed by the `shared`
   * and `subscribe` capabilities). The suite closes it before `cleanup`.
   */
  readonly share?: (() => Promise<StorageAdapter>) | undefined;
}

/**
 * What an adapter supports beyond the core contract. The suite runs the tests of each declared
 * capability, and names the ones it leaves out.
 */
export interface AdapterCapabilities {
  /** Its own `tail()` (stored events after a `seq`, then live ones, without polling `history`). */
  readonly tail?: boolean | undefined;
  /**
   * Several handles on one store (several processes): units through different handles are still
   * serialized per doctor, and each sees what the others committed. Needs
   * {@link ConformanceSubject.share}.
   */
  readonly shared?: boolean | undefined;
  /** `subscribe()`: events committed through another handle reach this one's scheduler. Needs `shared`. */
  readonly subscribe?: boolean | undefined;
  /**
   * Units over several doctors (`StorageAdapter.multiDoctor`): every doctor named locked in one
   * order, read, and written together; concurrent units over the same doctors named in opposite
   * orders never deadlock nor lose an update; a later load never adds a doctor.
   */
  readonly multiDoctor?: boolean | undefined;
  /**
   * A patient's tokens across doctors (`StorageAdapter.patientTokens`): a unit naming a patient
   * takes the patient's lock before any doctor's and reads the patient's tokens of every doctor;
   * the duplicate rules of a department's or the facility's day, and the cap on live tokens,
   * hold under concurrency. Needs `multiDoctor`.
   */
  readonly patientTokens?: boolean | undefined;
  /**
   * Patient data (`StorageAdapter.patientErasure` and `findPatientTokens`): a patient's tokens
   * found, their patient data erased in every token and stored idempotency result (a replay
   * answers the tombstone), with concurrent units of the same doctors; purges by day.
   */
  readonly patientData?: boolean | undefined;
  /**
   * Facilities (`StorageAdapter.forFacility`): schedulers of two facilities over one store, with
   * the same doctor ids, share nothing — every read, `history()`, `tail()` and the events another
   * handle delivers hold one facility's records and events only, another facility's ids answer
   * `*_NOT_FOUND`, and concurrent bookings in both fill and number each facility's places apart.
   */
  readonly facilities?: boolean | undefined;
}

/** The capabilities of {@link AdapterCapabilities}, each a part of the suite of the same name. */
const CAPABILITIES = ['multiDoctor', 'patientTokens', 'tail', 'shared', 'subscribe', 'patientData', 'facilities'] as const;

/**
 * The parts of the conformance suite, in the order they run, each one file of `opd-scheduler/testing`:
 *
 * - `scriptedDay`: a scripted day under every preset gives the same results as on `MemoryStorage`;
 * - `serialization`: concurrent bookings for the last places, doctors independent of each other;
 * - `idempotency`: concurrent idempotent replays, keys of failed calls, the duplicate guard;
 * - `history`: history in `seq` order, paged after any `seq`;
 * - `directory`: `listDoctors` order, `allocateId` uniqueness;
 * - `doctors`: a doctor updated and retired is stored, its events read back as emitted, updates
 *   serialized, no booking kept past a retirement that races it;
 * - `scheduleWindow`: schedule windows with a limit, holds' earliest end, booking past full slots;
 * - `dueDays`: `findDueDays` for sweeps and the waitlist, `scanDays` filters;
 * - `units`: atomic rollback, change sets that do not fit, load-then-decide under one lock;
 * - `reads`: what `read` returns, snapshots that later units never change;
 * - `text`: NUL characters and unpaired surrogates refused alike in every string input;
 * - `schedulerTail`: the scheduler's `tail()` over the adapter, ended by `break` and by `close`;
 * - `explain`: a doctor-day's events (`dayHistory`) as the history holds them, and `explain`,
 *   `explainText` and `fairness` read from them;
 * - `claims`: every kind of claim is one record its store keeps as it is (the store reads no
 *   kind): a hold, a place held for an offer, a lease, a kind no table names and the kinds
 *   {@link ConformanceOptions.claimKinds} adds — each created, counted taken by the store's schedule,
 *   found due by `findDueDays` exactly at its due time, converted, and ended once;
 * - `closeDay`: `findDueDays` for days a closing may be due on, and a day closed (tokens expired
 *   and carried, a carried token's link and due time kept) as on `MemoryStorage`;
 * - the capabilities of {@link AdapterCapabilities}: `multiDoctor`, `patientTokens`, `tail`, `shared`, `subscribe`,
 *   `patientData`, `facilities`;
 * - `close`: `close` is idempotent and refuses work afterwards.
 */
export const CONFORMANCE_PARTS = [
  'scriptedDay',
  'serialization',
  'idempotency',
  'history',
  'directory',
  'doctors',
  'scheduleWindow',
  'dueDays',
  'units',
  'reads',
  'text',
  'schedulerTail',
  'explain',
  'offers',
  'claims',
  'closeDay',
  ...CAPABILITIES,
  'close',
] as const;

/** A part of the conformance suite, by the name {@link ConformanceOptions.leaveOut} takes (see {@link CONFORMANCE_PARTS}). */
export type ConformancePart = (typeof CONFORMANCE_PARTS)[number];

/** Options of {@link describeStorageConformance}. */
export interface ConformanceOptions {
  /**
   * Skip the whole suite, for this reason (for example, no database server configured). The
   * reason is printed and shown in the suite's name.
   */
  readonly skip?: string | undefined;
  /**
   * How many calls run at once in the concurrency tests.
   * @defaultValue 50
   */
  readonly concurrency?: number | undefined;
  /**
   * Milliseconds each test may take.
   * @defaultValue 30000
   */
  readonly timeout?: number | undefined;
  /**
   * What the adapter supports beyond the core contract (see {@link AdapterCapabilities}).
   * @defaultValue none
   */
  readonly capabilities?: AdapterCapabilities | undefined;
  /**
   * Parts of the suite left out, each with the reason, which is shown in the part's name (its
   * tests are listed as skipped). A capability not declared in `capabilities` is left out
   * without one being given; a declared capability cannot be left out.
   *
   * @example
   * ```ts
   * import type { ConformanceOptions } from 'opd-scheduler/testing';
   *
   * const options: ConformanceOptions = { leaveOut: { tail: 'the store keeps no log to read from', dueDays: 'sweeps run elsewhere' } };
   * ```
   * @defaultValue none
   */
  readonly leaveOut?: Readonly<Partial<Record<ConformancePart, string | undefined>>> | undefined;
  /**
   * Kinds of claim the `claims` part exercises besides the built-in ones (each an entry of a kind
   * table: what the claims of a new kind do): a store keeps claims of any kind alike, so a new kind
   * needs no change of the store.
   * @defaultValue none
   */
  readonly claimKinds?: readonly ClaimKind[] | undefined;
}

const OPTION_KEYS: readonly string[] = ['skip', 'concurrency', 'timeout', 'capabilities', 'leaveOut', 'claimKinds'];
/** The parts that are capabilities, by name. */
export const CAPABILITY_PARTS: ReadonlySet<string> = new Set(CAPABILITIES);
const PART_KEYS: ReadonlySet<string> = new Set(CONFORMANCE_PARTS);
/** The longest timeout a timer takes (2³¹ − 1 ms, about 24.8 days). */
const MAX_TIMEOUT = 2_147_483_647;

/** The arguments of {@link describeStorageConformance}, checked, with the defaults applied. */
export interface CheckedConformance {
  readonly skip: string | undefined;
  readonly concurrency: number;
  readonly timeout: number;
  /** Why each part left out is left out (declared capabilities and parts not named run). */
  readonly leftOut: ReadonlyMap<ConformancePart, string>;
  /** The kinds of claim the `claims` part exercises besides the built-in ones. */
  readonly claimKinds: readonly ClaimKind[];
}

/**
 * Checks the arguments of {@link describeStorageConformance}, reading each option once.
 * @throws OpdError `VALIDATION_FAILED` naming the argument or option at fault
 */
export function conformanceOptions(name: unknown, factory: unknown, options: unknown): CheckedConformance {
  expectText('name', name);
  if (typeof factory !== 'function') throw invalid('factory', `Expected \`factory\` to be a function returning a store, got ${describeValue(factory)}`);
  const o = policyOptions('describeStorageConformance', options, OPTION_KEYS);
  const skip = o['skip'];
  if (skip !== undefined && typeof skip !== 'string') throw invalid('skip', `Expected \`skip\` to be a reason (a string), got ${describeValue(skip)}`);
  const concurrency = o['concurrency'] === undefined ? 50 : expectInteger('concurrency', o['concurrency'], 1, 10_000);
  const timeout = o['timeout'] === undefined ? 30_000 : expectInteger('timeout', o['timeout'], 1, MAX_TIMEOUT);
  const c = o['capabilities'] === undefined ? {} : readObject('capabilities', o['capabilities'], CAPABILITY_PARTS);
  const declared = new Set<string>(CAPABILITIES.filter((capability) => expectOptionalBoolean(`capabilities.${capability}`, c[capability]) === true));
  const l = o['leaveOut'] === undefined ? {} : readObject('leaveOut', o['leaveOut'], PART_KEYS);
  const leftOut = new Map<ConformancePart, string>();
  for (const part of CONFORMANCE_PARTS) {
    const field = `leaveOut.${part}`;
    if (l[part] !== undefined) {
      const reason = expectText(field, l[part]);
      if (declared.has(part)) throw invalid(field, `Expected \`${field}\` to name a part the adapter does not declare, but \`capabilities.${part}\` is true`);
      leftOut.set(part, reason);
    } else if (CAPABILITY_PARTS.has(part) && !declared.has(part)) leftOut.set(part, `\`capabilities.${part}\` not declared`);
  }
  const kinds = o['claimKinds'];
  if (
    kinds !== undefined &&
    (!Array.isArray(kinds) ||
      kinds.some((k) => typeof k !== 'object' || k === null || typeof (k as ClaimKind).name !== 'string' || typeof (k as ClaimKind).due !== 'function'))
  ) {
    throw invalid('claimKinds', 'Expected `claimKinds` to be a list of claim kinds (each with a `name` and its rules)');
  }
  return { skip, concurrency, timeout, leftOut, claimKinds: (kinds as readonly ClaimKind[] | undefined) ?? [] };
}
