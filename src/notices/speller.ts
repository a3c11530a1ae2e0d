/** Numbers in words: the pluggable speller of the announcements, and the built-in one for English and Hindi. */
import { invalid } from '../errors.js';
import type { NoticeLanguage } from './languages.js';

/**
 * Spells a whole number as a language speaks it. One small interface so that a hospital can
 * plug in another library (for example `to-words`) or its own recorded wording; the default is
 * {@link BuiltInSpeller}.
 *
 * @example
 * ```ts
 * import type { NumberSpeller } from 'opd-scheduler/notices';
 *
 * const digits: NumberSpeller = { name: 'digits', spell: ({ value }) => String(value) };
 * ```
 */
export interface NumberSpeller {
  /** A name for errors and logs. */
  readonly name: string;
  /**
   * The number in words.
   *
   * @param context - the number (a whole number from 0) and the language
   * @returns the words, never empty
   */
  spell(context: SpellContext): string;
}

/** What {@link NumberSpeller.spell} is asked. */
export interface SpellContext {
  /** A whole number, at least 0. */
  readonly value: number;
  /** The language to speak it in. */
  readonly language: NoticeLanguage;
}

const EN_SMALL = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
] as const;
const EN_TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'] as const;

// Hindi names every number below a hundred with its own word.
const HI_SMALL = [
  'शून्य',
  'एक',
  'दो',
  'तीन',
  'चार',
  'पांच',
  'छह',
  'सात',
  'आठ',
  'नौ',
  'दस',
  'ग्यारह',
  'बारह',
  'तेरह',
  'चौदह',
  'पंद्रह',
  'सोलह',
  'सत्रह',
  'अठारह',
  'उन्नीस',
  'बीस',
  'इक्कीस',
  'बाईस',
  'तेईस',
  'चौबीस',
  'पच्चीस',
  'छब्बीस',
  'सत्ताईस',
  'अट्ठाईस',
  'उनतीस',
  'तीस',
  'इकतीस',
  'बत्तीस',
  'तैंतीस',
  'चौंतीस',
  'पैंतीस',
  'छत्तीस',
  'सैंतीस',
  'अड़तीस',
  'उनतालीस',
  'चालीस',
  'इकतालीस',
  'बयालीस',
  'तैंतालीस',
  'चौंतालीस',
  'पैंतालीस',
  'छियालीस',
  'सैंतालीस',
  'अड़तालीस',
  'उनचास',
  'पचास',
  'इक्यावन',
  'बावन',
  'तिरेपन',
  'चौवन',
  'पचपन',
  'छप्पन',
  'सत्तावन',
  'अट्ठावन',
  'उनसठ',
  'साठ',
  'इकसठ',
  'बासठ',
  'तिरसठ',
  'चौंसठ',
  'पैंसठ',
  'छियासठ',
  'सड़सठ',
  'अड़सठ',
  'उनहत्तर',
  'सत्तर',
  'इकहत्तर',
  'बहत्तर',
  'तिहत्तर',
  'चौहत्तर',
  'पचहत्तर',
  'छिहत्तर',
  'सतहत्तर',
  'अठहत्तर',
  'उनासी',
  'अस्सी',
  'इक्यासी',
  'बयासी',
  'तिरासी',
  'चौरासी',
  'पचासी',
  'छियासी',
  'सतासी',
  'अठासी',
  'नवासी',
  'नब्बे',
  'इक्यानबे',
  'बानवे',
  'तिरानवे',
  'चौरानवे',
  'पचानवे',
  'छियानवे',
  'सत्तानवे',
  'अट्ठानवे',
  'निन्यानवे',
] as const;

/** The largest number the built-in speller spells (token numbers and minutes stay far below it). */
export const MAX_SPELLED = 9_999_999;

/**
 * The built-in speller: English (Indian grouping: thousand, lakh) and Hindi (हज़ार, लाख), whole
 * numbers from 0 to {@link MAX_SPELLED}. Zero is spoken only for the number 0 itself.
 */
export class BuiltInSpeller implements NumberSpeller {
  readonly name = 'built-in';

  spell({ value, language }: SpellContext): string {
    if (!Number.isSafeInteger(value) || value < 0 || value > MAX_SPELLED) {
      throw invalid('value', `Expected \`value\` to be a whole number from 0 to ${MAX_SPELLED}, got \`${String(value)}\``);
    }
    if (value === 0) return language === 'hi' ? HI_SMALL[0] : EN_SMALL[0];
    return language === 'hi' ? hindi(value) : english(value);
  }
}

function english(n: number): string {
  const words: string[] = [];
  const lakhs = Math.floor(n / 100_000);
  const thousands = Math.floor((n % 100_000) / 1000);
  const hundreds = Math.floor((n % 1000) / 100);
  const rest = n % 100;
  if (lakhs > 0) words.push(englishBelow100(lakhs), 'lakh');
  if (thousands > 0) words.push(englishBelow100(thousands), 'thousand');
  if (hundreds > 0) words.push(englishBelow100(hundreds), 'hundred');
  if (rest > 0) words.push(englishBelow100(rest));
  return words.join(' ');
}

function englishBelow100(n: number): string {
  if (n < 20) return EN_SMALL[n] ?? '';
  const tens = EN_TENS[Math.floor(n / 10)] ?? '';
  return n % 10 === 0 ? tens : `${tens}-${EN_SMALL[n % 10] ?? ''}`;
}

function hindi(n: number): string {
  const words: string[] = [];
  const lakhs = Math.floor(n / 100_000);
  const thousands = Math.floor((n % 100_000) / 1000);
  const hundreds = Math.floor((n % 1000) / 100);
  const rest = n % 100;
  if (lakhs > 0) words.push(HI_SMALL[lakhs] ?? '', 'लाख');
  if (thousands > 0) words.push(HI_SMALL[thousands] ?? '', 'हज़ार');
  if (hundreds > 0) words.push(HI_SMALL[hundreds] ?? '', 'सौ');
  if (rest > 0) words.push(HI_SMALL[rest] ?? '');
  return words.join(' ');
}
