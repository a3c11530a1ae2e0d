/** The inputs of `explainText` and `fairness`, read once: every bad input is a `VALIDATION_FAILED`. */
import { invalid } from '../errors.js';
import { parseOptions } from '../input-fields.js';
import { describe, parseDay } from '../time.js';
import { expectId, readInput } from '../validate.js';
import type { ExplainLang, ExplainTextOptions, FairnessFilter } from './types.js';

const TEXT_KEYS: ReadonlySet<string> = new Set(['lang']);
const FAIRNESS_KEYS: ReadonlySet<string> = new Set(['doctorId', 'date']);
/** The languages of the sentences. */
export const EXPLAIN_LANGS: readonly ExplainLang[] = ['en', 'hi'];

/** The language of `explainText` (default `en`). */
export function readTextOptions(opts: ExplainTextOptions | undefined): ExplainLang {
  return readInput('opts', () => {
    const lang = parseOptions('opts', opts, TEXT_KEYS)['lang'];
    if (lang === undefined) return 'en';
    if (typeof lang !== 'string' || !(EXPLAIN_LANGS as readonly string[]).includes(lang))
      throw invalid('opts.lang', `Expected \`opts.lang\` to be 'en' or 'hi', got ${describe(lang)}`);
    return lang as ExplainLang;
  });
}

/** The doctor (or every doctor) and the date of `fairness`. */
export function readFairnessFilter(filter: FairnessFilter): { doctorId: string | undefined; date: string } {
  return readInput('filter', () => {
    if (filter === undefined || filter === null) throw invalid('filter', 'Expected `filter` to be an object with a `date`');
    const f = parseOptions('filter', filter, FAIRNESS_KEYS);
    if (f['date'] === undefined) throw invalid('filter.date', 'Expected `filter.date` to be a date, YYYY-MM-DD');
    return {
      doctorId: f['doctorId'] === undefined ? undefined : expectId('filter.doctorId', f['doctorId']),
      date: parseDay('filter.date', f['date']),
    };
  });
}
