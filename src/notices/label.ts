/** The label speller: a token label ("W-012") as the language speaks it. */
import { invalid } from '../errors.js';
import { LETTER_NAMES, NOTICE_LANGUAGES, type NoticeLanguage } from './languages.js';
import { BuiltInSpeller, type NumberSpeller } from './speller.js';

/** One spoken piece of a label or room: a letter of its prefix, or its number in words. */
export interface SpokenPiece {
  /** What is said. */
  readonly text: string;
  /**
   * The recorded clip a hall can play instead of speech: `<language>/letter/<A>`,
   * `<language>/number/<n>`, or `<language>/text/<text>` for a word spoken as written.
   */
  readonly clipId: string;
}

/** Options of {@link LabelSpeller}. */
export interface LabelSpellerOptions {
  /**
   * The numbers in words.
   *
   * @defaultValue `new BuiltInSpeller()`
   */
  readonly speller?: NumberSpeller | undefined;
  /**
   * How a prefix (a whole prefix such as `'E'` or `'OPD'`, or one letter) is spoken, by language,
   * over {@link LETTER_NAMES}: `{ hi: { E: 'इमरजेंसी' } }` says "इमरजेंसी बारह" for "E-12".
   *
   * @defaultValue each letter by its name in the language
   */
  readonly prefixes?: Readonly<Partial<Record<NoticeLanguage, Readonly<Record<string, string>>>>> | undefined;
}

// A prefix of letters and digits needs its separator ("A1-5"); one of letters only may go without ("P12").
const LABEL = /^(?:([A-Za-z0-9]{1,8})[- ]|([A-Za-z]{1,8}))?(\d{1,7})$/;

/**
 * Spells token labels (and room numbers) as a language speaks them: the prefix letter by letter
 * (or as configured), then the number in words with its leading zeros dropped, so that "007" is
 * "seven" and never "zero zero seven"; a zero is spoken only for the number 0 itself.
 *
 * @example
 * ```ts
 * import { LabelSpeller } from 'opd-scheduler/notices';
 *
 * const labels = new LabelSpeller({ prefixes: { hi: { E: 'इमरजेंसी' } } });
 * labels.spell('W-012', 'hi').map((piece) => piece.text); // ['डब्ल्यू', 'बारह']
 * labels.spell('E-3', 'hi').map((piece) => piece.text); // ['इमरजेंसी', 'तीन']
 * ```
 */
export class LabelSpeller {
  readonly #speller: NumberSpeller;
  readonly #prefixes: Readonly<Record<NoticeLanguage, ReadonlyMap<string, string>>>;

  constructor(options: LabelSpellerOptions = {}) {
    this.#speller = options.speller ?? new BuiltInSpeller();
    const given = options.prefixes ?? {};
    const prefixes = {} as Record<NoticeLanguage, ReadonlyMap<string, string>>;
    for (const language of NOTICE_LANGUAGES) {
      const own = given[language] ?? {};
      for (const [key, words] of Object.entries(own)) {
        if (typeof words !== 'string' || words.trim() === '')
          throw invalid(`prefixes.${language}.${key}`, `Expected \`prefixes.${language}.${key}\` to be words, got \`${typeof words}\``);
      }
      prefixes[language] = new Map(Object.entries({ ...LETTER_NAMES[language], ...own }));
    }
    this.#prefixes = Object.freeze(prefixes);
  }

  /** Whether a text reads as a label (an optional prefix of letters or digits, then a number). */
  static isLabel(text: string): boolean {
    return LABEL.test(text.trim());
  }

  /**
   * The spoken pieces of a label.
   *
   * @param label - a token label (`'7'`, `'E-1'`, `'W-012'`)
   * @param language - the language to speak it in
   * @returns the prefix's pieces, then the number's
   * @throws OpdError `VALIDATION_FAILED` when the text is not a label
   */
  spell(label: string, language: NoticeLanguage): SpokenPiece[] {
    const match = LABEL.exec(label.trim());
    if (match === null) throw invalid('label', 'Expected `label` to be a token label: up to 8 letters or digits, an optional `-`, then up to 7 digits');
    const [, separated, joined, digits = '0'] = match;
    const prefix = separated ?? joined;
    return [...(prefix === undefined ? [] : this.#prefix(prefix, language)), this.number(Number(digits), language)];
  }

  /** A number in words, as one piece. */
  number(value: number, language: NoticeLanguage): SpokenPiece {
    const text = this.#speller.spell({ value, language });
    if (typeof text !== 'string' || text.trim() === '') {
      throw invalid('speller', `Expected the number speller \`${this.#speller.name}\` to return words`, { strategy: this.#speller.name });
    }
    return { text, clipId: `${language}/number/${value}` };
  }

  #prefix(prefix: string, language: NoticeLanguage): SpokenPiece[] {
    const names = this.#prefixes[language];
    const whole = names.get(prefix) ?? names.get(prefix.toUpperCase());
    if (whole !== undefined) return [{ text: whole, clipId: `${language}/letter/${prefix.toUpperCase()}` }];
    // Letter by letter; a digit in a prefix is a number of its own ("A1": "A one").
    return [...prefix.toUpperCase()].map((char) =>
      /\d/.test(char) ? this.number(Number(char), language) : { text: names.get(char) ?? char, clipId: `${language}/letter/${char}` },
    );
  }
}
