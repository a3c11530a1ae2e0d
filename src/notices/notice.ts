/** SMS and WhatsApp notices: an event's values set into its registered template, within the operator's limits. */
import type { OpdEvent } from '../events.js';
import { invalid, OpdError } from '../errors.js';
import { DLT_VAR, placeholderCount, whatsappBody, type NoticeCatalogue, type NoticeKind, type NoticeTemplate, type NoticeVarName } from './catalogue.js';
import { isGsm7, smsSize, type SmsEncoding } from './encoding.js';
import { expectLanguage, type NoticeLanguage } from './languages.js';

/** The channel a notice goes by. */
export type NoticeChannel = 'sms' | 'whatsapp';

/**
 * The limits a hospital's SMS operator (and DLT registration) sets. They are configuration:
 * they vary by operator and change, so the hospital passes them in.
 */
export interface NoticeLimits {
  /** The registered brand every template must contain. */
  readonly brand: string;
  /** The most variables a template may have. */
  readonly maxVars: number;
  /** The most characters of one variable. */
  readonly maxVarLength: number;
  /** The most SMS segments a message may take. */
  readonly maxSegments: number;
}

/** A follow-up that has come due, for its notice (`kind` `follow-up-due`). */
export interface FollowUpDueNotice {
  /** Always `'followup:due'`. */
  readonly type: 'followup:due';
  /** The doctor to come back to. */
  readonly doctorId: string;
  /** The local date it is due, `YYYY-MM-DD`. */
  readonly due: string;
}

/** What a notice can be made from: an event of the scheduler (a follow-up come due among them: `followup:due`), or a follow-up due given by hand. */
export type NoticeSource = OpdEvent | FollowUpDueNotice;

/** Options of {@link notice}. */
export interface NoticeOptions {
  /** The language. */
  readonly language: NoticeLanguage;
  /** The channel. */
  readonly channel: NoticeChannel;
  /** The registered templates (from {@link noticeCatalogue}, or the hospital's own). */
  readonly catalogue: NoticeCatalogue;
  /** The operator's limits; when given, a notice beyond them is refused. */
  readonly limits?: NoticeLimits | undefined;
  /** The doctor's name as the notice gives it (events carry the doctor's id only). */
  readonly doctorName?: string | undefined;
  /** The room, when the event names none (a call names its own). */
  readonly room?: string | undefined;
  /** The time of the place (a booking's report-by time, a moved token's new time), when the event does not carry it. */
  readonly at?: Date | undefined;
  /**
   * The time zone of times and dates.
   *
   * @defaultValue `'UTC'`
   */
  readonly timeZone?: string | undefined;
}

/** A rendered notice: what to hand the SMS gateway or the WhatsApp API. */
export interface Notice {
  /** The registered template's key. */
  readonly templateKey: string;
  /** The values, in placeholder order: `{#var#}` by position for DLT, `{{n}}` is `vars[n − 1]` for WhatsApp. */
  readonly vars: readonly string[];
  /** The message as the patient reads it. */
  readonly text: string;
  /** The SMS encoding of the text. */
  readonly encoding: SmsEncoding;
  /** The SMS segments it takes (a WhatsApp message is one: `1`). */
  readonly segments: number;
}

/** What is wrong with a template, as {@link validateTemplates} reports it. */
export interface TemplateProblem {
  /** The template. */
  readonly templateKey: string;
  /** What is wrong: placeholders and variables disagree, too many variables, a variable longer than allowed, no brand, or more segments than allowed with every variable at its longest. */
  readonly problem: 'placeholders' | 'var-count' | 'var-length' | 'brand' | 'segments';
  /** The variable at fault, when one is. */
  readonly variable?: NoticeVarName | undefined;
  /** The limit passed, when one was. */
  readonly limit?: number | undefined;
  /** The value found. */
  readonly found?: number | undefined;
}

/** The answer of {@link validateTemplates}. */
export interface TemplateValidation {
  /** Whether every template keeps every limit. */
  readonly ok: boolean;
  /** Each problem found, template by template. */
  readonly problems: readonly TemplateProblem[];
}

/**
 * Checks a catalogue against an operator's limits: each template's placeholders match its
 * variables, it has at most `maxVars` of them, each at most `maxVarLength` characters, it
 * contains the brand, and with every variable at its registered length it takes at most
 * `maxSegments` segments (in the template's own encoding: a value never changes it, see {@link notice}).
 *
 * @example
 * ```ts
 * import { noticeCatalogue, validateTemplates } from 'opd-scheduler/notices';
 *
 * const report = validateTemplates(noticeCatalogue({ brand: 'CITYHOSP' }), { brand: 'CITYHOSP', maxVars: 5, maxVarLength: 30, maxSegments: 3 });
 * report.ok; // true
 * ```
 */
export function validateTemplates(catalogue: NoticeCatalogue, limits: NoticeLimits): TemplateValidation {
  const checked = expectLimits(limits);
  const problems: TemplateProblem[] = [];
  for (const template of catalogue) {
    const key = template.key;
    const count = placeholderCount(template.body);
    if (count !== template.vars.length) problems.push({ templateKey: key, problem: 'placeholders', found: count, limit: template.vars.length });
    if (template.vars.length > checked.maxVars) problems.push({ templateKey: key, problem: 'var-count', found: template.vars.length, limit: checked.maxVars });
    for (const v of template.vars) {
      if (v.maxLength > checked.maxVarLength)
        problems.push({ templateKey: key, problem: 'var-length', variable: v.name, found: v.maxLength, limit: checked.maxVarLength });
    }
    if (!template.body.includes(checked.brand)) problems.push({ templateKey: key, problem: 'brand' });
    const segments = worstSegments(template);
    if (segments > checked.maxSegments) problems.push({ templateKey: key, problem: 'segments', found: segments, limit: checked.maxSegments });
  }
  return Object.freeze({ ok: problems.length === 0, problems: Object.freeze(problems) });
}

/** The segments of a template with each variable at its registered length, in the template's encoding. */
function worstSegments(template: NoticeTemplate): number {
  const gsm = smsSize(template.body).encoding === 'GSM-7';
  // The widest character a value may bring: two septets (GSM-7 extension) or one UCS-2 unit.
  const filler = gsm ? '€' : 'क';
  return smsSize(
    fill(
      template.body,
      template.vars.map((v) => filler.repeat(v.maxLength)),
    ),
  ).segments;
}

/**
 * The SMS or WhatsApp notice of an event, in a language, from the catalogue: `booked` for
 * `token:booked` and `token:promoted`, `turn-near`, `called`, `bumped` for `token:cascaded` after
 * a bump, `offered`, `cancelled` for `token:cancelled` and `token:dropped`, and `follow-up-due`.
 * The values are refused, never cut, when they would break the registered template: a value
 * longer than its variable, one with a line break or braces, one a GSM-7 template cannot carry
 * (it would turn the message into UCS-2), or a message beyond the operator's segments.
 *
 * @returns the template key, the values in order, the text, its encoding and segments
 * @throws OpdError `TEMPLATE_MISMATCH` (`details.templateKey`, `details.variable`,
 *   `details.reason`) when a value would break the template; `VALIDATION_FAILED` for an event
 *   without a notice, a missing value or a bad option
 *
 * @example
 * ```ts
 * import { notice, noticeCatalogue } from 'opd-scheduler/notices';
 * import type { TokenCalledEvent } from 'opd-scheduler/events';
 *
 * declare const called: TokenCalledEvent; // label 'W-12', room 'Room 4'
 * const sms = notice(called, { language: 'hi', channel: 'sms', catalogue: noticeCatalogue({ brand: 'CITYHOSP' }) });
 * sms.encoding; // 'UCS-2'
 * ```
 */
export function notice(source: NoticeSource, options: NoticeOptions): Notice {
  const language = expectLanguage('language', (options as { language?: unknown } | undefined)?.language);
  const channel = options.channel;
  if (channel !== 'sms' && channel !== 'whatsapp') throw invalid('channel', "Expected `channel` to be 'sms' or 'whatsapp'");
  const limits = options.limits === undefined ? undefined : expectLimits(options.limits);
  const kind = kindOf(source);
  const template = options.catalogue.find((t) => t.kind === kind && t.language === language);
  if (template === undefined) throw invalid('catalogue', `Expected the catalogue to have a \`${kind}\` template in \`${language}\``, { kind, language });
  const values = valuesOf(source, options);
  const vars = template.vars.map((v, i) => {
    const value = values[v.name];
    if (value === undefined) throw invalid(optionOf(v.name), `Expected \`${optionOf(v.name)}\` for the \`${kind}\` notice`, { templateKey: template.key });
    const refuse = (reason: string, extra: Record<string, unknown> = {}): OpdError<'TEMPLATE_MISMATCH'> =>
      new OpdError('TEMPLATE_MISMATCH', `The value of \`${v.name}\` (variable ${i + 1}) would break template \`${template.key}\`: ${reason}`, {
        details: { field: v.name, templateKey: template.key, variable: v.name, reason, ...extra },
      });
    const length = [...value].length;
    const most = Math.min(v.maxLength, limits?.maxVarLength ?? Infinity);
    if (length === 0 || value.trim() === '') throw refuse('empty');
    if (length > most) throw refuse('too-long', { length, limit: most });
    if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}{}]/u.test(value) || value.includes('#')) throw refuse('characters');
    return value;
  });
  const registered = smsSize(template.body).encoding;
  if (registered === 'GSM-7') {
    const index = vars.findIndex((value) => [...value].some((char) => !isGsm7(char)));
    if (index >= 0) {
      const name = template.vars[index]?.name;
      throw new OpdError('TEMPLATE_MISMATCH', `The value of \`${name ?? ''}\` (variable ${index + 1}) would break template \`${template.key}\`: encoding`, {
        details: { field: name, templateKey: template.key, variable: name, reason: 'encoding' },
      });
    }
  }
  const text = fill(template.body, vars);
  const size = smsSize(text);
  if (channel === 'sms' && limits !== undefined && size.segments > limits.maxSegments) {
    throw new OpdError('TEMPLATE_MISMATCH', `The notice would take ${size.segments} segments of template \`${template.key}\`, over ${limits.maxSegments}`, {
      details: { field: 'segments', templateKey: template.key, reason: 'segments', length: size.segments, limit: limits.maxSegments },
    });
  }
  // WhatsApp fills `{{n}}` with vars[n − 1]: the same values, the same text.
  const rendered = channel === 'whatsapp' ? fillWhatsapp(whatsappBody(template.body), vars) : text;
  return Object.freeze({
    templateKey: template.key,
    vars: Object.freeze(vars),
    text: rendered,
    encoding: size.encoding,
    segments: channel === 'whatsapp' ? 1 : size.segments,
  });
}

function fill(body: string, values: readonly string[]): string {
  return body.split(DLT_VAR).reduce((out, part, i) => (i === 0 ? part : `${out}${values[i - 1] ?? ''}${part}`), '');
}

function fillWhatsapp(body: string, values: readonly string[]): string {
  return body.replace(/\{\{(\d+)\}\}/g, (_, n: string) => values[Number(n) - 1] ?? '');
}

function kindOf(source: NoticeSource): NoticeKind {
  switch (source.type) {
    case 'token:booked':
    case 'token:promoted':
      return 'booked';
    case 'token:turn-near':
      return 'turn-near';
    case 'token:called':
      return 'called';
    case 'token:cascaded':
      if (source.reason === 'bumped') return 'bumped';
      break;
    case 'token:offered':
      return 'offered';
    case 'token:cancelled':
    case 'token:dropped':
      return 'cancelled';
    case 'followup:due':
      return 'follow-up-due';
    default:
      break;
  }
  throw invalid('event.type', `No notice is sent for \`${source.type}\``);
}

function optionOf(name: NoticeVarName): string {
  return name === 'doctor' ? 'doctorName' : name === 'time' ? 'at' : name;
}

function valuesOf(source: NoticeSource, options: NoticeOptions): { readonly [K in NoticeVarName]?: string | undefined } {
  const timeZone = options.timeZone ?? 'UTC';
  const time = (at: Date | undefined): string | undefined => (at === undefined ? undefined : clock(at, timeZone));
  const values: { [K in NoticeVarName]?: string | undefined } = {};
  if (options.doctorName !== undefined) values.doctor = options.doctorName;
  if (options.room !== undefined) values.room = options.room;
  if (options.at !== undefined) values.time = time(options.at);
  if (source.type === 'followup:due') {
    // The engine's event (`dueDate`), or a notice made by hand (`due`).
    values.date = indianDate('due' in source ? source.due : source.dueDate);
    return values;
  }
  if ('label' in source) values.label = source.label;
  if ('day' in source) values.date = indianDate(source.day);
  if (source.type === 'token:called' && source.room !== null) values.room = source.room;
  if (source.type === 'token:turn-near') values.time = time(source.estimatedStart);
  if (source.type === 'token:offered') values.until = time(source.expiresAt);
  return values;
}

function clock(at: Date, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  } catch (error) {
    throw new OpdError('VALIDATION_FAILED', 'Expected `timeZone` to be an IANA time zone', { details: { field: 'timeZone' }, cause: error });
  }
}

function indianDate(day: string): string {
  const [y, m, d] = day.split('-');
  return `${d ?? ''}-${m ?? ''}-${y ?? ''}`;
}

function expectLimits(limits: NoticeLimits): NoticeLimits {
  const o = limits as unknown as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null) throw invalid('limits', 'Expected `limits` to be an object');
  if (typeof o['brand'] !== 'string' || o['brand'].trim() === '') throw invalid('limits.brand', 'Expected `limits.brand` to be the registered brand');
  for (const key of ['maxVars', 'maxVarLength', 'maxSegments'] as const) {
    const value = o[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
      throw invalid(`limits.${key}`, `Expected \`limits.${key}\` to be a positive integer, got \`${String(value)}\``);
  }
  return limits;
}
