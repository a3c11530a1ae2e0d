/** The languages of the announcements and notices, and the words they share. */
import { invalid } from '../errors.js';

/** The languages with built-in wording: English and Hindi. */
export const NOTICE_LANGUAGES = ['en', 'hi'] as const;

/** A language with built-in wording. */
export type NoticeLanguage = (typeof NOTICE_LANGUAGES)[number];

/** Validates a language option. */
export function expectLanguage(field: string, value: unknown): NoticeLanguage {
  if (value === 'en' || value === 'hi') return value;
  throw invalid(field, `Expected \`${field}\` to be one of 'en', 'hi', got \`${typeof value === 'string' ? value : typeof value}\``);
}

/**
 * How each Latin letter of a label's prefix is spoken, by language. Hindi speaks the English
 * letter names in Devanagari, so that a Hindi voice reads "W-12" without switching to English.
 */
export const LETTER_NAMES: Readonly<Record<NoticeLanguage, Readonly<Record<string, string>>>> = Object.freeze({
  en: Object.freeze(Object.fromEntries([...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((letter) => [letter, letter]))),
  hi: Object.freeze({
    A: 'ए',
    B: 'बी',
    C: 'सी',
    D: 'डी',
    E: 'ई',
    F: 'एफ',
    G: 'जी',
    H: 'एच',
    I: 'आई',
    J: 'जे',
    K: 'के',
    L: 'एल',
    M: 'एम',
    N: 'एन',
    O: 'ओ',
    P: 'पी',
    Q: 'क्यू',
    R: 'आर',
    S: 'एस',
    T: 'टी',
    U: 'यू',
    V: 'वी',
    W: 'डब्ल्यू',
    X: 'एक्स',
    Y: 'वाई',
    Z: 'ज़ेड',
  }),
});
