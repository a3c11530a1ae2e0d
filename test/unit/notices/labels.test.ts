/**
 * Golden tests of the label speller: 100 labels in English and Hindi, compared with the units
 * committed in test/fixtures/notices/labels.golden.json (rewrite it with UPDATE_GOLDEN=1 after a
 * deliberate change of wording, and read the diff). No digit run is ever read as zeros, and the
 * built-in speller says what `to-words` says.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isOpdError } from 'opd-scheduler';
import { BuiltInSpeller, LabelSpeller, NOTICE_LANGUAGES, type NumberSpeller } from 'opd-scheduler/notices';
import { ToWords } from 'to-words';
import { describe, expect, it } from 'vitest';
import { LABELS, numberOf } from './labels.js';

const GOLDEN = fileURLToPath(new URL('../../fixtures/notices/labels.golden.json', import.meta.url));
const ZERO = { en: /\bzero\b/i, hi: /शून्य/ } as const;

describe('label speller', () => {
  const labels = new LabelSpeller();
  const spelled = Object.fromEntries(
    LABELS.map((label) => [label, Object.fromEntries(NOTICE_LANGUAGES.map((language) => [language, labels.spell(label, language)]))]),
  );

  it('spells 100 labels in English and Hindi as the golden file says', () => {
    if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(GOLDEN)) writeFileSync(GOLDEN, `${JSON.stringify(spelled, null, 1)}\n`);
    expect(spelled).toEqual(JSON.parse(readFileSync(GOLDEN, 'utf8')));
  });

  it('never reads a digit run as zeros: leading zeros are dropped, a zero is said only for the number 0', () => {
    for (const label of LABELS) {
      for (const language of NOTICE_LANGUAGES) {
        const pieces = spelled[label]![language]!;
        const words = pieces.map((piece) => piece.text).join(' ');
        expect(words, `${label} in ${language}`).not.toMatch(ZERO[language]);
        expect(words, `${label} in ${language}`).not.toMatch(/\d/);
        // The number is one piece, its clip the number itself: "007" is clip 7.
        expect(pieces.at(-1)!.clipId).toBe(`${language}/number/${numberOf(label)}`);
      }
    }
    expect(labels.spell('0', 'en').map((piece) => piece.text)).toEqual(['zero']);
    expect(labels.spell('000', 'hi').map((piece) => piece.text)).toEqual(['शून्य']);
  });

  it('speaks prefix letters by their names in the language, and as the hospital configures them', () => {
    expect(labels.spell('W-012', 'en').map((piece) => piece.text)).toEqual(['W', 'twelve']);
    expect(labels.spell('W-012', 'hi').map((piece) => piece.text)).toEqual(['डब्ल्यू', 'बारह']);
    expect(labels.spell('A1-5', 'hi').map((piece) => piece.text)).toEqual(['ए', 'एक', 'पांच']);
    const own = new LabelSpeller({ prefixes: { hi: { E: 'इमरजेंसी', OPD: 'ओपीडी' }, en: { E: 'Emergency' } } });
    expect(own.spell('E-3', 'hi').map((piece) => piece.text)).toEqual(['इमरजेंसी', 'तीन']);
    expect(own.spell('E-3', 'en').map((piece) => piece.text)).toEqual(['Emergency', 'three']);
    expect(own.spell('OPD-12', 'hi').map((piece) => piece.text)).toEqual(['ओपीडी', 'बारह']);
    expect(own.spell('W-12', 'hi').map((piece) => piece.text)).toEqual(['डब्ल्यू', 'बारह']);
  });

  it('refuses what is not a label, and a speller that answers nothing', () => {
    for (const bad of ['', 'W-', '12-W', 'W--12', 'ABCDEFGHI-1', 'W-12345678', 'टोकन 7']) {
      expect(() => labels.spell(bad, 'en'), bad).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
    const silent: NumberSpeller = { name: 'silent', spell: () => '' };
    const error = (() => {
      try {
        new LabelSpeller({ speller: silent }).spell('7', 'en');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isOpdError(error, 'VALIDATION_FAILED') && error.details.field).toBe('speller');
  });

  it('takes any number speller: to-words behind the interface', () => {
    const toWords = { en: new ToWords({ localeCode: 'en-IN' }), hi: new ToWords({ localeCode: 'hi-IN' }) };
    const speller: NumberSpeller = { name: 'to-words', spell: ({ value, language }) => toWords[language].convert(value) };
    expect(new LabelSpeller({ speller }).spell('W-045', 'hi').map((piece) => piece.text)).toEqual(['डब्ल्यू', 'पैंतालीस']);
    expect(new LabelSpeller({ speller }).spell('W-045', 'en').map((piece) => piece.text)).toEqual(['W', 'Forty Five']);
  });
});

describe('built-in number speller', () => {
  const speller = new BuiltInSpeller();

  it('says in English what to-words says, for every number to two lakh', () => {
    const reference = new ToWords({ localeCode: 'en-IN' });
    for (let n = 0; n <= 200_000; n++) {
      if (speller.spell({ value: n, language: 'en' }).replace(/-/g, ' ') !== reference.convert(n).toLowerCase()) {
        expect(speller.spell({ value: n, language: 'en' }), String(n)).toBe(reference.convert(n).toLowerCase());
      }
    }
  });

  it('says in Hindi what to-words says, but for two spellings of its own', () => {
    const reference = new ToWords({ localeCode: 'hi-IN' });
    // Differences on purpose: 51 is written इक्यावन (to-words: इक्याबन), and a hundred is एक सौ
    // (to-words says a bare सौ for a hundred with nothing after it: 100, 1100).
    const ours = (words: string): string => words.replace(/इक्याबन/g, 'इक्यावन').replace(/(^|हज़ार |लाख )सौ/, '$1एक सौ');
    for (let n = 0; n <= 200_000; n++) {
      const said = speller.spell({ value: n, language: 'hi' });
      if (said !== ours(reference.convert(n))) expect(said, String(n)).toBe(ours(reference.convert(n)));
    }
  });

  it('spells known numbers', () => {
    const en = (value: number): string => speller.spell({ value, language: 'en' });
    const hi = (value: number): string => speller.spell({ value, language: 'hi' });
    expect([en(7), en(12), en(40), en(45), en(105), en(1000), en(100_000), en(9_999_999)]).toEqual([
      'seven',
      'twelve',
      'forty',
      'forty-five',
      'one hundred five',
      'one thousand',
      'one lakh',
      'ninety-nine lakh ninety-nine thousand nine hundred ninety-nine',
    ]);
    expect([hi(7), hi(12), hi(45), hi(100), hi(105), hi(1005), hi(250_000)]).toEqual([
      'सात',
      'बारह',
      'पैंतालीस',
      'एक सौ',
      'एक सौ पांच',
      'एक हज़ार पांच',
      'दो लाख पचास हज़ार',
    ]);
    for (const bad of [-1, 1.5, Number.NaN, 10_000_000]) expect(() => en(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
