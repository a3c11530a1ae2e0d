/**
 * Server settings from environment variables and command-line flags (flags win), validated
 * once at startup.
 */
import { parseArgs } from 'node:util';
import {
  type BookingWindows,
  ChannelQuota,
  type DuplicateRulesOptions,
  type ChannelQuotaOptions,
  FairCallOrder,
  type FairCallOrderOptions,
  isOpdError,
  type NotifyOptions,
  type FollowUpsOptions,
  OpdScheduler,
  type OpdSchedulerOptions,
  presets,
  type Preset,
  ReturnAhead,
  type ReturnAheadOptions,
  type Routes,
  type ServicePoint,
  StagedOffers,
  type StagedOffersOptions,
} from 'opd-scheduler';
import { z } from 'zod';
import { apiKeysProblem, MIN_API_KEY_LENGTH, type ApiKey } from './auth.js';
import { BOARD_LANGUAGES, type BoardLanguage } from './board-messages.js';
import type { RateLimitOptions } from './rate-limit.js';
import { normalizeCategory } from './schemas.js';

/** A setting that prevents the server from starting; the message says which and why. */
export class StartupError extends Error {
  override readonly name = 'StartupError' as const;
}

/** Which preset of allocation rules to run. */
export const PRESET_NAMES = ['standard', 'cascade', 'waitlist', 'elastic'] as const;

/** The allocation rules of a preset name. */
export function presetOf(name: (typeof PRESET_NAMES)[number]): Preset {
  switch (name) {
    case 'standard':
      return presets.standard();
    case 'cascade':
      return presets.cascade();
    case 'waitlist':
      return presets.waitlist();
    case 'elastic':
      return presets.elastic();
  }
}

/** Where state lives. */
export type StorageConfig =
  | { readonly kind: 'memory' }
  | { readonly kind: 'pglite'; readonly dataDir: string; readonly schema: string | undefined }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string | undefined };

/** Every setting of the server. */
export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  /** The API keys and the actor each one makes calls as; none: development mode (loopback only, actor `anonymous`). */
  readonly apiKeys: readonly ApiKey[];
  /** The rate limit of booking, holding and confirming per key, or `undefined` for none. */
  readonly rateLimit: RateLimitOptions | undefined;
  /** Milliseconds between the server's own sweeps, or `undefined` for none. */
  readonly sweepEveryMs: number | undefined;
  /** Days patient data is kept after a token's day ends (the scheduler's `retention`), or `undefined` to keep it until erased. */
  readonly retentionDays: number | undefined;
  readonly timeZone: string;
  /** The facility the server books for (the scheduler's `facilityId`): several servers, one per hospital, may share one database. */
  readonly facilityId: string;
  readonly preset: (typeof PRESET_NAMES)[number];
  readonly storage: StorageConfig;
  readonly log: boolean;
  /** Browser origins allowed to call the API (CORS), `'*'` for any, or `undefined` for none. */
  readonly corsOrigins: readonly string[] | '*' | undefined;
  /** Room numbers by doctor id, for the waiting-room screens. */
  readonly rooms: Readonly<Record<string, string>>;
  /** Language of the waiting-room screens without `?lang=`. */
  readonly boardLanguage: BoardLanguage;
  /** Channel quota (the options of `ChannelQuota`), or `undefined` for none. */
  readonly quota: ChannelQuotaOptions | undefined;
  /** Booking windows per category and the actors exempt from them, or `undefined` for none. */
  readonly bookingWindows: BookingWindows | undefined;
  /** The duplicate rules (the scheduler's `duplicates` option), or `undefined` for the default (one live token per doctor-day). */
  readonly duplicates: DuplicateRulesOptions | undefined;
  /** Offers of freed places (the options of `StagedOffers`), or `undefined` to promote at once. */
  readonly offers: StagedOffersOptions | undefined;
  /** The order `callNext` calls patients in (the options of `FairCallOrder`), or `undefined` for queue order. */
  readonly callOrder: FairCallOrderOptions | undefined;
  /** Turn-near and ETA-changed notices (the scheduler's `notify` option), or `undefined` for none. */
  readonly notify: NotifyOptions | undefined;
  /** Free revisits after a charged visit (the scheduler's `followUps` option), or `undefined` for none. */
  readonly followUps: FollowUpsOptions | undefined;
  /** The facility's service points (the scheduler's `servicePoints` option), or `undefined` for none: every patient waits for the doctor. */
  readonly servicePoints: readonly ServicePoint[] | undefined;
  /** The named visit routes (the scheduler's `routes` option), or `undefined` for none. */
  readonly routes: Routes | undefined;
  /** Where a patient sent back to the doctor re-enters (the options of `ReturnAhead`), or `undefined` for its default. */
  readonly reentry: ReturnAheadOptions | undefined;
}

const Env = z.object({
  PORT: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a port number')
    .transform(Number)
    .pipe(z.number().int().max(65535, 'must be a port number'))
    .default(3000),
  HOST: z.string().default('127.0.0.1'),
  OPD_API_KEY: z.undefined('is no longer read: set OPD_API_KEYS=<name>:<key> instead (the name is the actor of the calls made with that key)').optional(),
  OPD_API_KEYS: z.string().max(20_000, 'must be at most 20000 characters').optional(),
  OPD_RATE_LIMIT: z
    .string()
    .regex(/^(off|\d{1,6}\/\d{1,5}[smh])$/, 'must be off or <calls>/<duration> such as 120/1m (s, m or h)')
    .default('120/1m'),
  OPD_SWEEP_EVERY: z
    .string()
    .regex(/^(off|\d{1,5}[smh])$/, 'must be off or a duration such as 30s, 1m or 1h')
    .default('1m'),
  OPD_RETENTION_DAYS: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a number of days such as 180')
    .transform(Number)
    .optional(),
  OPD_TIME_ZONE: z.string().default('UTC'),
  OPD_FACILITY_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, 'must be 1 to 100 letters, digits, _ . : or - (starting with a letter or digit), such as IN2710001234')
    .default('default'),
  OPD_PRESET: z.enum(PRESET_NAMES, `must be one of ${PRESET_NAMES.join(', ')}`).default('standard'),
  OPD_DATA_DIR: z.string().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  OPD_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
    .optional(),
  OPD_LOG: z.enum(['json', 'off'], 'must be json or off').default('json'),
  OPD_CORS_ORIGINS: z
    .string()
    .regex(/^(\*|https?:\/\/[^\s,/]+(,\s*https?:\/\/[^\s,/]+)*)$/, 'must be * or a comma-separated list of origins such as https://desk.example')
    .optional(),
  OPD_ROOMS: z
    .string()
    .regex(/^[^=,\s]+=[^=,]{1,20}(,\s*[^=,\s]+=[^=,]{1,20})*$/, 'must be comma-separated doctorId=room pairs such as sharma=12,mehta=7B')
    .optional(),
  OPD_BOARD_LANGUAGE: z.enum(BOARD_LANGUAGES, `must be one of ${BOARD_LANGUAGES.join(', ')}`).default('en'),
  OPD_QUOTA: z.string().max(4000, 'must be at most 4000 characters').optional(),
  OPD_BOOKING_WINDOWS: z.string().max(4000, 'must be at most 4000 characters').optional(),
  OPD_DUPLICATES: z.string().max(4000, 'must be at most 4000 characters').optional(),
  OPD_OFFERS: z.string().max(4000, 'must be at most 4000 characters').optional(),
  OPD_CALL_ORDER: z.string().max(4000, 'must be at most 4000 characters').optional(),
  OPD_NOTIFY: z.string().max(4000, 'must be at most 4000 characters').optional(),
  OPD_FOLLOW_UPS: z.string().max(4000, 'must be at most 4000 characters').optional(),
  OPD_SERVICE_POINTS: z.string().max(100_000, 'must be at most 100000 characters').optional(),
  OPD_ROUTES: z.string().max(20_000, 'must be at most 20000 characters').optional(),
  OPD_REENTRY: z.string().max(4000, 'must be at most 4000 characters').optional(),
});

/** `text` read as JSON, or a `StartupError` naming the variable with an example of its form. */
function parseJson(name: string, text: string, example: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new StartupError(`${name} must be JSON such as ${example}`);
  }
}

/** Runs `check`, which builds what the setting configures; its `OpdError` stops the server, naming the setting. */
function checkWith(name: string, check: () => unknown): void {
  try {
    check();
  } catch (error) {
    if (isOpdError(error)) throw new StartupError(`${name}: ${error.message}`);
    throw error;
  }
}

/**
 * Entries keyed by categories as bookings name them (case-insensitive, with the same aliases),
 * returned under each category's canonical name. A category given twice stops the server; with
 * `preset`, so does one that is not a category of the preset's priority policy.
 */
function byCategory<T>(name: string, entries: readonly (readonly [string, T])[], noun: string, preset?: (typeof PRESET_NAMES)[number]): Record<string, T> {
  const known = preset === undefined ? null : presetOf(preset).priority.categories;
  const named = new Map<string, { readonly key: string; readonly value: T }>();
  for (const [key, value] of entries) {
    const category = normalizeCategory(key);
    if (known !== null && !known.includes(category)) {
      throw new StartupError(
        `${name}.${key}: not a category of the ${preset} preset; use one of ${known.join(', ')} (case-insensitive, with the aliases bookings accept)`,
      );
    }
    const earlier = named.get(category);
    if (earlier !== undefined) throw new StartupError(`${name}.${key}: the same category as \`${earlier.key}\` (${category}); give each category one ${noun}`);
    named.set(category, { key, value });
  }
  return Object.fromEntries([...named].map(([category, { value }]) => [category, value]));
}

/**
 * Parses `OPD_DUPLICATES`: the scheduler's `duplicates` option as JSON. The categories of its
 * exceptions are read as bookings read them (case-insensitive, with the same aliases); the whole
 * option is checked by the scheduler against the preset's categories, so a bad rule stops the
 * server at startup, naming the field.
 */
function parseDuplicates(text: string | undefined, preset: (typeof PRESET_NAMES)[number]): DuplicateRulesOptions | undefined {
  if (text === undefined) return undefined;
  const options = parseJson('OPD_DUPLICATES', text, '{"scope":"department-day","maxActivePerPatient":3}');
  let duplicates = options as DuplicateRulesOptions;
  const exceptions = (options as { exceptions?: unknown } | null)?.exceptions;
  if (Array.isArray(exceptions)) {
    const canonical = (c: unknown): unknown => (typeof c === 'string' ? normalizeCategory(c) : c);
    duplicates = {
      ...duplicates,
      exceptions: exceptions.map((x: unknown) => {
        if (typeof x !== 'object' || x === null || !('category' in x)) return x;
        const category = (x as { category: unknown }).category;
        return { ...x, category: Array.isArray(category) ? category.map(canonical) : canonical(category) };
      }) as DuplicateRulesOptions['exceptions'],
    };
  }
  // The scheduler checks the option as it would at startup, against the preset's categories.
  checkWith('OPD_DUPLICATES', () => new OpdScheduler({ ...presetOf(preset), duplicates }).close());
  return duplicates;
}

/**
 * Parses `OPD_OFFERS`: the options of `StagedOffers` as JSON, checked by `StagedOffers` itself,
 * so that a bad bound stops the server at startup, naming the field.
 */
function parseOffers(text: string | undefined): StagedOffersOptions | undefined {
  if (text === undefined) return undefined;
  const options = parseJson('OPD_OFFERS', text, '{"windowMinutes":15,"groupSize":3,"quietHours":{"from":"21:00","to":"07:00"}}');
  checkWith('OPD_OFFERS', () => new StagedOffers(options as StagedOffersOptions));
  return options as StagedOffersOptions;
}

/**
 * Parses `OPD_CALL_ORDER`: the options of `FairCallOrder` as JSON, checked by `FairCallOrder`
 * itself, so that a bad rate or bound stops the server at startup, naming the field. The keys of
 * `rates` are categories as bookings name them — case-insensitive, with the same aliases — and
 * are returned in their canonical form; a key that is not a category of the preset's priority
 * policy is refused, as `OPD_QUOTA` refuses one (the scheduler would refuse it too).
 */
function parseCallOrder(text: string | undefined, preset: (typeof PRESET_NAMES)[number]): FairCallOrderOptions | undefined {
  if (text === undefined) return undefined;
  const options = parseJson('OPD_CALL_ORDER', text, '{"rates":{"PAID":4,"WALK_IN":1},"interleaveEvery":2,"maxWaitMinutes":120}');
  // First as written, so that a bad field is named by the key the operator wrote.
  checkWith('OPD_CALL_ORDER', () => new FairCallOrder(options as FairCallOrderOptions));
  const given = options as FairCallOrderOptions;
  if (given.rates === undefined) return given;
  // FairCallOrder has read `rates`: a plain object of numbers by 1- to 40-character keys.
  return { ...given, rates: byCategory('OPD_CALL_ORDER.rates', Object.entries(given.rates), 'rate', preset) };
}

/**
 * Parses `OPD_NOTIFY`: the scheduler's `notify` option as JSON, checked by the scheduler as it
 * would be at startup, so that a bad bound stops the server, naming the field.
 */
function parseNotify(text: string | undefined): NotifyOptions | undefined {
  if (text === undefined) return undefined;
  const options = parseJson('OPD_NOTIFY', text, '{"turnNear":{"positions":3,"minutes":15},"etaChangedMinutes":10}');
  checkWith('OPD_NOTIFY', () => new OpdScheduler({ notify: options as NotifyOptions }).close());
  return options as NotifyOptions;
}

/**
 * Parses `OPD_FOLLOW_UPS`: the scheduler's `followUps` option (free revisits) as JSON, checked by
 * the scheduler as it would be at startup, so that a bad value stops the server, naming the field.
 */
function parseFollowUps(text: string | undefined): FollowUpsOptions | undefined {
  if (text === undefined) return undefined;
  const options = parseJson('OPD_FOLLOW_UPS', text, '{"freeWithinDays":7,"freeVisits":1,"scope":"doctor"}');
  checkWith('OPD_FOLLOW_UPS', () => new OpdScheduler({ followUps: options as FollowUpsOptions }).close());
  return options as FollowUpsOptions;
}

/**
 * Parses `OPD_BOOKING_WINDOWS`: the scheduler's `bookingWindows` option as JSON. Category keys
 * are read as bookings read them (case-insensitive, with the same aliases) and returned in their
 * canonical form; the whole option is checked by the scheduler against the preset's categories,
 * so a bad bound or an unknown category stops the server at startup, naming the field.
 */
function parseBookingWindows(text: string | undefined, preset: (typeof PRESET_NAMES)[number]): BookingWindows | undefined {
  if (text === undefined) return undefined;
  const options = parseJson('OPD_BOOKING_WINDOWS', text, '{"ONLINE":{"maxDaysAhead":7,"cancelCutoffMinutes":120},"exemptActors":["desk"]}');
  let windows = options as BookingWindows;
  if (typeof options === 'object' && options !== null && !Array.isArray(options)) {
    // Categories as bookings name them (`online`, `Walk-in`), each once; `exemptActors` as given.
    const { exemptActors, ...named } = options as Record<string, unknown>;
    windows = {
      ...(exemptActors === undefined ? {} : { exemptActors }),
      ...byCategory('OPD_BOOKING_WINDOWS', Object.entries(named), 'window'),
    } as BookingWindows;
  }
  // The scheduler checks the option as it would at startup, against the preset's categories.
  checkWith('OPD_BOOKING_WINDOWS', () => new OpdScheduler({ ...presetOf(preset), bookingWindows: windows }).close());
  return windows;
}

/**
 * Parses `OPD_QUOTA`: ChannelQuota options as JSON, checked by building the quota once. Rule
 * keys are categories as bookings name them — case-insensitive, with the same aliases
 * (`online`, `walk-in`, `PAID_PRIORITY`) — and are returned in their canonical form. A key that
 * is not a category of the preset's priority policy is refused: `ChannelQuota` takes any name,
 * and a rule no booking can match would never apply.
 */
function parseQuota(text: string | undefined, preset: (typeof PRESET_NAMES)[number]): ChannelQuotaOptions | undefined {
  if (text === undefined) return undefined;
  const options = parseJson('OPD_QUOTA', text, '{"ONLINE":{"share":0.6},"WALK_IN":{"reserve":2,"releaseMinutesBefore":30}}');
  // First as written, so that a bad rule is named by the key the operator wrote.
  checkWith('OPD_QUOTA', () => new ChannelQuota(options as ChannelQuotaOptions));
  // ChannelQuota has read the object: a plain object of at most 40-character keys.
  return byCategory('OPD_QUOTA', Object.entries(options as Record<string, unknown>), 'rule', preset) as ChannelQuotaOptions;
}

/** The journey settings, as the scheduler takes them. */
interface Journeys {
  readonly servicePoints: readonly ServicePoint[] | undefined;
  readonly routes: Routes | undefined;
  readonly reentry: ReturnAheadOptions | undefined;
}

/**
 * Parses `OPD_SERVICE_POINTS`, `OPD_ROUTES` and `OPD_REENTRY`: the scheduler's `servicePoints`
 * and `routes` options and the options of `ReturnAhead`, as JSON. They are checked together by
 * the scheduler as it would check them at startup (a route names kinds of the service points),
 * so that a bad one stops the server, naming the variable and the field.
 */
function parseJourneys(pointsText: string | undefined, routesText: string | undefined, reentryText: string | undefined): Journeys {
  const servicePoints =
    pointsText === undefined
      ? undefined
      : (parseJson('OPD_SERVICE_POINTS', pointsText, '[{"id":"vitals","kind":"vitals","rooms":["Vitals 1"]},{"id":"lab","kind":"lab"}]') as ServicePoint[]);
  const routes = routesText === undefined ? undefined : (parseJson('OPD_ROUTES', routesText, '{"with-lab":["vitals","doctor","lab","doctor"]}') as Routes);
  const reentry = reentryText === undefined ? undefined : (parseJson('OPD_REENTRY', reentryText, '{"maxPassed":2}') as ReturnAheadOptions);
  if (reentry !== undefined) checkWith('OPD_REENTRY', () => new ReturnAhead(reentry));
  try {
    if (servicePoints !== undefined || routes !== undefined) new OpdScheduler({ servicePoints, routes }).close();
  } catch (error) {
    if (!isOpdError(error)) throw error;
    const field = typeof error.details['field'] === 'string' ? error.details['field'] : '';
    throw new StartupError(`${field.startsWith('routes') ? 'OPD_ROUTES' : 'OPD_SERVICE_POINTS'}: ${error.message}`);
  }
  return { servicePoints, routes, reentry };
}

/** `30s`, `5m`, `1h` in milliseconds. */
function durationMs(text: string): number {
  const unit = text.at(-1) === 'h' ? 3_600_000 : text.at(-1) === 'm' ? 60_000 : 1000;
  return Number(text.slice(0, -1)) * unit;
}

/** Longest sweep interval and rate-limit window: a day. */
const MAX_PERIOD_MS = 86_400_000;

function parseRateLimit(text: string): RateLimitOptions | undefined {
  if (text === 'off') return undefined;
  const [calls, window] = text.split('/') as [string, string];
  const options = { limit: Number(calls), windowMs: durationMs(window) };
  if (options.limit < 1 || options.windowMs < 1000 || options.windowMs > MAX_PERIOD_MS) {
    throw new StartupError('OPD_RATE_LIMIT must allow at least 1 call in a window of 1s to 24h');
  }
  return options;
}

function parseSweepEvery(text: string): number | undefined {
  if (text === 'off') return undefined;
  const ms = durationMs(text);
  if (ms < 1000 || ms > MAX_PERIOD_MS) throw new StartupError('OPD_SWEEP_EVERY must be between 1s and 24h');
  return ms;
}

/**
 * Parses `OPD_API_KEYS`: comma-separated `<name>:<key>` entries, each optionally followed by
 * `:narrow` (the key may sign as `<name>/<staff>` through `X-Actor`). Strict: any other shape,
 * a name given twice, a key shared by two names, or a short key stops the server, naming the
 * entry by its position or name and never quoting a key.
 */
export function parseApiKeys(text: string | undefined): ApiKey[] {
  if (text === undefined) return [];
  const keys = text.split(',').map((raw, i) => {
    const parts = raw.trim().split(':');
    const [actor, key, flag] = parts;
    if (
      parts.length < 2 ||
      parts.length > 3 ||
      actor === undefined ||
      key === undefined ||
      actor === '' ||
      key === '' ||
      (flag !== undefined && flag !== 'narrow')
    ) {
      throw new StartupError(`OPD_API_KEYS entry ${i + 1} must be <name>:<key> or <name>:<key>:narrow (entries separated by commas)`);
    }
    return { actor, key, narrow: flag === 'narrow' };
  });
  const problem = apiKeysProblem(keys);
  if (problem !== undefined) throw new StartupError(`OPD_API_KEYS: ${problem}`);
  return keys;
}

/** Reads the settings; empty variables count as unset. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): ServerConfig {
  const present = Object.fromEntries(Object.keys(Env.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]));
  const parsed = Env.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // Never echo the value: it may be a key or a password in a URL.
    throw new StartupError(`${String(issue.path[0])} ${issue.message}`);
  }
  const e = parsed.data;
  if (e.DATABASE_URL !== undefined && e.OPD_DATA_DIR !== undefined) {
    throw new StartupError('Set either DATABASE_URL (PostgreSQL) or OPD_DATA_DIR (PGlite), not both');
  }
  const storage: StorageConfig =
    e.DATABASE_URL !== undefined
      ? { kind: 'postgres', url: e.DATABASE_URL, schema: e.OPD_DB_SCHEMA }
      : e.OPD_DATA_DIR !== undefined
        ? { kind: 'pglite', dataDir: e.OPD_DATA_DIR, schema: e.OPD_DB_SCHEMA }
        : { kind: 'memory' };
  const journeys = parseJourneys(e.OPD_SERVICE_POINTS, e.OPD_ROUTES, e.OPD_REENTRY);
  return {
    port: e.PORT,
    host: e.HOST,
    apiKeys: parseApiKeys(e.OPD_API_KEYS),
    rateLimit: parseRateLimit(e.OPD_RATE_LIMIT),
    sweepEveryMs: parseSweepEvery(e.OPD_SWEEP_EVERY),
    retentionDays: e.OPD_RETENTION_DAYS,
    timeZone: e.OPD_TIME_ZONE,
    facilityId: e.OPD_FACILITY_ID,
    preset: e.OPD_PRESET,
    storage,
    log: e.OPD_LOG === 'json',
    corsOrigins: e.OPD_CORS_ORIGINS === undefined ? undefined : e.OPD_CORS_ORIGINS === '*' ? '*' : e.OPD_CORS_ORIGINS.split(',').map((o) => o.trim()),
    rooms: Object.fromEntries(
      (e.OPD_ROOMS ?? '')
        .split(',')
        .filter((pair) => pair.trim() !== '')
        .map((pair) => pair.split('=').map((part) => part.trim()) as [string, string]),
    ),
    boardLanguage: e.OPD_BOARD_LANGUAGE,
    quota: parseQuota(e.OPD_QUOTA, e.OPD_PRESET),
    bookingWindows: parseBookingWindows(e.OPD_BOOKING_WINDOWS, e.OPD_PRESET),
    duplicates: parseDuplicates(e.OPD_DUPLICATES, e.OPD_PRESET),
    offers: parseOffers(e.OPD_OFFERS),
    callOrder: parseCallOrder(e.OPD_CALL_ORDER, e.OPD_PRESET),
    notify: parseNotify(e.OPD_NOTIFY),
    followUps: parseFollowUps(e.OPD_FOLLOW_UPS),
    ...journeys,
  };
}

/**
 * The scheduler's options of the settings (every rule but the store and the clock): the preset,
 * then each optional rule that is set. The server and its tests build the scheduler from it.
 */
export function schedulerOptionsOf(config: ServerConfig): OpdSchedulerOptions {
  return {
    ...presetOf(config.preset),
    ...(config.quota === undefined ? {} : { quota: new ChannelQuota(config.quota) }),
    ...(config.bookingWindows === undefined ? {} : { bookingWindows: config.bookingWindows }),
    ...(config.duplicates === undefined ? {} : { duplicates: config.duplicates }),
    ...(config.offers === undefined ? {} : { offers: new StagedOffers(config.offers) }),
    ...(config.callOrder === undefined ? {} : { callOrder: new FairCallOrder(config.callOrder) }),
    ...(config.notify === undefined ? {} : { notify: config.notify }),
    ...(config.followUps === undefined ? {} : { followUps: config.followUps }),
    ...(config.servicePoints === undefined ? {} : { servicePoints: config.servicePoints }),
    ...(config.routes === undefined ? {} : { routes: config.routes }),
    ...(config.reentry === undefined ? {} : { reentry: new ReturnAhead(config.reentry) }),
    timeZone: config.timeZone,
    facilityId: config.facilityId,
    ...(config.retentionDays === undefined ? {} : { retention: { patientDataDays: config.retentionDays } }),
  };
}

/** Command-line flags and the variable each one sets. The API key has no flag: command lines are visible to every user of the machine. */
const FLAGS = {
  port: 'PORT',
  host: 'HOST',
  'time-zone': 'OPD_TIME_ZONE',
  facility: 'OPD_FACILITY_ID',
  preset: 'OPD_PRESET',
  'data-dir': 'OPD_DATA_DIR',
  'db-schema': 'OPD_DB_SCHEMA',
  log: 'OPD_LOG',
  'cors-origins': 'OPD_CORS_ORIGINS',
  rooms: 'OPD_ROOMS',
  'board-language': 'OPD_BOARD_LANGUAGE',
  quota: 'OPD_QUOTA',
  'booking-windows': 'OPD_BOOKING_WINDOWS',
  duplicates: 'OPD_DUPLICATES',
  offers: 'OPD_OFFERS',
  'call-order': 'OPD_CALL_ORDER',
  notify: 'OPD_NOTIFY',
  'follow-ups': 'OPD_FOLLOW_UPS',
  'service-points': 'OPD_SERVICE_POINTS',
  routes: 'OPD_ROUTES',
  reentry: 'OPD_REENTRY',
  'rate-limit': 'OPD_RATE_LIMIT',
  'sweep-every': 'OPD_SWEEP_EVERY',
  'retention-days': 'OPD_RETENTION_DAYS',
} as const;

/** `npm run serve -- --help`. */
export const SERVER_HELP = `The opd-scheduler HTTP API with waiting-room display boards.

Usage: npm run serve -- [flags]

  --port <n>              PORT (3000; 0 for any free port)
  --host <address>        HOST (127.0.0.1; any other address needs OPD_API_KEYS)
  --time-zone <zone>      OPD_TIME_ZONE (UTC), an IANA zone such as Asia/Kolkata
  --facility <id>         OPD_FACILITY_ID (default): the facility (hospital) this server books for
  --preset <name>         OPD_PRESET (standard): ${PRESET_NAMES.join(', ')}
  --data-dir <dir>        OPD_DATA_DIR: keep state in PGlite there (else DATABASE_URL, else memory)
  --db-schema <name>      OPD_DB_SCHEMA (public)
  --log <json|off>        OPD_LOG (json)
  --cors-origins <list>   OPD_CORS_ORIGINS: * or comma-separated origins allowed to call the API
  --rooms <list>          OPD_ROOMS: doctorId=room pairs for the waiting-room screens (sharma=12,mehta=7B)
  --board-language <l>    OPD_BOARD_LANGUAGE (en): ${BOARD_LANGUAGES.join(', ')}, the screens' language without ?lang=
  --quota <json>          OPD_QUOTA: channel quota, e.g. {"ONLINE":{"share":0.6},"WALK_IN":{"reserve":2,"releaseMinutesBefore":30}};
                          keys are categories of the preset, case-insensitive, with the aliases bookings accept
  --booking-windows <json> OPD_BOOKING_WINDOWS: booking windows, e.g. {"ONLINE":{"maxDaysAhead":7,
                          "opensAt":{"daysBefore":7,"at":"08:00"},"cancelCutoffMinutes":120},"WALK_IN":{"sameDayOnly":true},
                          "exemptActors":["desk"]}; exempt actors are the names of API keys
  --duplicates <json>     OPD_DUPLICATES: duplicate rules, e.g. {"scope":"department-day","maxActivePerPatient":3,
                          "exceptions":[{"category":"follow-up","afterCompletedSameDay":true}],"onDuplicate":"refuse"}
  --offers <json>         OPD_OFFERS: offer freed places to waiting patients who answer in time, e.g. {"windowMinutes":15,
                          "groupSize":3,"stopMinutesBeforeStart":30,"earlierSlots":true,"quietHours":{"from":"21:00","to":"07:00"}};
                          answers: POST /api/offers/{offerId}/accept or /decline; lapsed offers go at each sweep
  --call-order <json>     OPD_CALL_ORDER: the order call-next calls checked-in patients in (FairCallOrder), e.g.
                          {"rates":{"PAID":4,"FOLLOW_UP":3,"ONLINE":2,"WALK_IN":1},"interleaveEvery":2,"maxWaitMinutes":120};
                          rate keys are categories of the preset, case-insensitive; emergencies are always called first;
                          the boards show and announce patients in that order
  --notify <json>         OPD_NOTIFY: notices on /api/events, e.g. {"turnNear":{"positions":3,"minutes":15},
                          "etaChangedMinutes":10} (token:turn-near once per token, token:eta-changed when it matters)
  --follow-ups <json>     OPD_FOLLOW_UPS: free revisits after a charged visit, e.g. {"freeWithinDays":7,"freeVisits":1,
                          "scope":"doctor"}; complete with {"charged":true}, read with POST /api/patients/entitlement
  --service-points <json> OPD_SERVICE_POINTS: the facility's service points, e.g. [{"id":"reg","kind":"registration"},
                          {"id":"vitals","kind":"vitals","rooms":["Vitals 1","Vitals 2"]},{"id":"lab","kind":"lab","rooms":["Lab"]}];
                          called by POST /api/service-points/{id}/call, shown by the /service-points screens; a point of
                          kind doctor with a department pools that department's queue (POST /api/departments/{d}/call)
  --routes <json>         OPD_ROUTES: named visit routes of service-point kinds, e.g. {"with-lab":["registration","vitals",
                          "doctor","lab","doctor"]} ('doctor': the token's doctor); check in with {"route":"with-lab"}
  --reentry <json>        OPD_REENTRY: where a patient sent back to the doctor re-enters (ReturnAhead), e.g. {"maxPassed":2}
  --rate-limit <n/d>      OPD_RATE_LIMIT (120/1m): bookings, holds, confirmations, follow-ups and series per key (per address without keys)
                          in a window of d (s, m or h), or off; emergencies are never limited
  --sweep-every <d>       OPD_SWEEP_EVERY (1m): how often the server sweeps no-shows and expired holds (s, m or h), or off
  --retention-days <n>    OPD_RETENTION_DAYS: erase patient data this many days after a token's day ends (with each sweep)
  --help                  Show this help.

Set the API keys in the environment only: OPD_API_KEYS=desk-1:<key>,portal:<key> (each key at least
${MIN_API_KEY_LENGTH} printable characters, without , and :). The name of a key is the actor of its calls;
<name>:<key>:narrow lets X-Actor narrow it to <name>/<staff>. Without keys: development mode,
loopback only, every call made by anonymous, no patient data in answers.`;

/** What the command line asked for: settings (as the variables they set), or the help. */
export interface ServerArgs {
  readonly env: Readonly<Record<string, string>>;
  readonly help: boolean;
}

/**
 * Reads the command-line flags with `node:util` `parseArgs`.
 * @throws StartupError for an unknown flag, a missing value or a stray argument
 */
export function parseServerArgs(argv: readonly string[]): ServerArgs {
  const options = Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' as const }]));
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  } catch (error) {
    throw new StartupError(`${(error as Error).message.split('\n')[0]} (see --help)`);
  }
  const env: Record<string, string> = {};
  for (const [flag, variable] of Object.entries(FLAGS)) {
    const value = (parsed.values as Record<string, unknown>)[flag];
    if (typeof value === 'string') env[variable] = value;
  }
  return { env, help: parsed.values['help'] === true };
}
