/** The catalogue of SMS and WhatsApp notices, in English and Hindi, as registered templates. */
import { invalid } from '../errors.js';
import type { NoticeLanguage } from './languages.js';

/** What a notice tells the patient. */
export const NOTICE_KINDS = ['booked', 'turn-near', 'called', 'bumped', 'offered', 'cancelled', 'follow-up-due'] as const;

/** What a notice tells the patient. */
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** The values a template can carry. */
export type NoticeVarName = 'label' | 'doctor' | 'room' | 'date' | 'time' | 'until';

/** One variable of a registered template, in the order of its placeholders. */
export interface TemplateVar {
  /** Which value fills it. */
  readonly name: NoticeVarName;
  /** The most characters registered for it. */
  readonly maxLength: number;
}

/**
 * One registered template. `body` is the text as registered on India's DLT platform: fixed
 * words (the brand among them) and one `{#var#}` per variable, in the order of `vars`. The
 * WhatsApp form of the same template numbers its placeholders `{{1}}`, `{{2}}`, ….
 */
export interface NoticeTemplate {
  /** The template's key (its registered id, for the gateway). */
  readonly key: string;
  /** What it tells. */
  readonly kind: NoticeKind;
  /** Its language. */
  readonly language: NoticeLanguage;
  /** The registered text, with `{#var#}` placeholders. */
  readonly body: string;
  /** Its variables, in placeholder order. */
  readonly vars: readonly TemplateVar[];
}

/** A catalogue: the templates a hospital registered, one per kind and language. */
export type NoticeCatalogue = readonly NoticeTemplate[];

/** Options of {@link noticeCatalogue}. */
export interface NoticeCatalogueOptions {
  /** The brand (the hospital's registered name) every message starts with. */
  readonly brand: string;
  /**
   * A prefix of the template keys.
   *
   * @defaultValue `'opd'`
   */
  readonly keyPrefix?: string | undefined;
}

/** The placeholder of a DLT template. */
export const DLT_VAR = '{#var#}';

const LABEL = { name: 'label', maxLength: 16 } as const;
const DOCTOR = { name: 'doctor', maxLength: 30 } as const;
const ROOM = { name: 'room', maxLength: 30 } as const;
const DATE = { name: 'date', maxLength: 10 } as const;
const TIME = { name: 'time', maxLength: 5 } as const;
const UNTIL = { name: 'until', maxLength: 5 } as const;
const V = DLT_VAR;

const TEXTS: Readonly<Record<NoticeKind, { readonly vars: readonly TemplateVar[]; readonly en: string; readonly hi: string }>> = {
  booked: {
    vars: [LABEL, DOCTOR, DATE, TIME],
    en: `Token ${V} booked with ${V} on ${V}. Please report by ${V}.`,
    hi: `टोकन ${V} ${V} के साथ ${V} को बुक हुआ। कृपया ${V} तक पहुँचें।`,
  },
  'turn-near': {
    vars: [LABEL, TIME, ROOM],
    en: `Token ${V}: your turn is near, about ${V}. Please wait near ${V}.`,
    hi: `टोकन ${V}: आपकी बारी लगभग ${V} पर है। कृपया ${V} के पास रहें।`,
  },
  called: {
    vars: [LABEL, ROOM],
    en: `Token ${V}: please go to ${V} now.`,
    hi: `टोकन ${V}: कृपया अभी ${V} में जाएँ।`,
  },
  bumped: {
    vars: [LABEL, TIME],
    en: `Token ${V}: an emergency took your place. Your new time is ${V}.`,
    hi: `टोकन ${V}: आपातकालीन मरीज़ के कारण आपका नया समय ${V} है।`,
  },
  offered: {
    vars: [LABEL, TIME, UNTIL],
    en: `Token ${V}: an earlier place at ${V} is free. Reply by ${V} to take it.`,
    hi: `टोकन ${V}: ${V} पर पहले का समय खाली है। लेने के लिए ${V} तक जवाब दें।`,
  },
  cancelled: {
    vars: [LABEL, DOCTOR, DATE],
    en: `Token ${V} with ${V} on ${V} is cancelled by the hospital. Please book again.`,
    hi: `टोकन ${V}, ${V} के साथ ${V} को, अस्पताल ने रद्द किया। कृपया फिर से बुक करें।`,
  },
  'follow-up-due': {
    vars: [DOCTOR, DATE],
    en: `Your follow-up with ${V} is due on ${V}. Please book a visit.`,
    hi: `${V} के साथ आपका फॉलो-अप ${V} को है। कृपया समय बुक करें।`,
  },
};

/**
 * The built-in catalogue: every kind in English and Hindi, each starting with the brand, as
 * templates to register on DLT (and with WhatsApp). A hospital registering other wording passes
 * its own catalogue instead; {@link validateTemplates} checks either against its operator's limits.
 *
 * @throws OpdError `VALIDATION_FAILED` for an empty brand or one with a placeholder
 */
export function noticeCatalogue(options: NoticeCatalogueOptions): NoticeCatalogue {
  const brand = (options as { brand?: unknown } | undefined)?.brand;
  if (typeof brand !== 'string' || brand.trim() === '' || brand.includes('{') || brand.includes('}'))
    throw invalid('brand', 'Expected `brand` to be the registered name, without braces');
  const prefix = options.keyPrefix ?? 'opd';
  const templates: NoticeTemplate[] = [];
  for (const kind of Object.keys(TEXTS) as NoticeKind[]) {
    const { vars, en, hi } = TEXTS[kind];
    // The Hindi template keeps the given brand as written: a registered brand is one string.
    templates.push(
      { key: `${prefix}.${kind}.en`, kind, language: 'en', body: `${brand}: ${en}`, vars },
      { key: `${prefix}.${kind}.hi`, kind, language: 'hi', body: `${brand}: ${hi}`, vars },
    );
  }
  return Object.freeze(templates.map((template) => Object.freeze(template)));
}

/** The number of `{#var#}` placeholders of a body. */
export function placeholderCount(body: string): number {
  return body.split(DLT_VAR).length - 1;
}

/** The WhatsApp form of a registered body: its `{#var#}` placeholders numbered `{{1}}`, `{{2}}`, …. */
export function whatsappBody(body: string): string {
  let n = 0;
  return body.split(DLT_VAR).reduce((out, part, i) => (i === 0 ? part : `${out}{{${++n}}}${part}`), '');
}
