/**
 * Every notice of the catalogue, for random values up to the longest the engine produces (doctor
 * names of 200 characters, rooms of 50, labels of an 8-character prefix and a 7-digit number),
 * in any script, under random operator limits: rendered within every limit (each value within its
 * variable, the message within its segments, a GSM-7 template still GSM-7), or refused with
 * `TEMPLATE_MISMATCH`, whose message and details never carry the value. And every label, spoken,
 * has no zero word unless its number is 0.
 */
import fc from 'fast-check';
import { isOpdError } from 'opd-scheduler';
import { LabelSpeller, NOTICE_KINDS, notice, noticeCatalogue, smsSize, type NoticeLimits } from 'opd-scheduler/notices';
import { describe, expect, it } from 'vitest';
import { sourceOf } from '../unit/notices/sources.js';
import { fcOptions, timeoutFor } from './support.js';

const catalogue = noticeCatalogue({ brand: 'CITYHOSP' });
const RUNS = 2000;

/** Text as hospitals type it: Latin, Devanagari, digits, punctuation, now and then a control character or an emoji. */
const text = (max: number): fc.Arbitrary<string> =>
  fc
    .array(
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz .-'.split('')) },
        { weight: 3, arbitrary: fc.constantFrom(...'डॉराशमावेकटसुब्रह्मण्यकमरानंबर'.split('')) },
        { weight: 1, arbitrary: fc.constantFrom('0', '7', '€', '{', '}', '#', '\n', '\t', 'é', '😀', '\u200b') },
      ),
      { minLength: 1, maxLength: max },
    )
    .map((chars) => chars.join(''));

const label = fc
  .tuple(fc.option(fc.stringMatching(/^[A-Z0-9]{1,8}$/), { nil: undefined }), fc.integer({ min: 1, max: 9_999_999 }))
  .map(([prefix, n]) => (prefix === undefined ? String(n) : `${prefix}-${n}`));

const limits: fc.Arbitrary<NoticeLimits> = fc.record({
  brand: fc.constant('CITYHOSP'),
  maxVars: fc.integer({ min: 1, max: 8 }),
  maxVarLength: fc.integer({ min: 5, max: 40 }),
  maxSegments: fc.integer({ min: 1, max: 4 }),
});

describe('notices within their limits', () => {
  it('render every catalogue notice within its limits, or refuse it with TEMPLATE_MISMATCH', { timeout: timeoutFor(RUNS, 5) }, () => {
    const outcomes = { total: 0, refused: 0 };
    fc.assert(
      fc.property(
        fc.constantFrom(...NOTICE_KINDS),
        fc.constantFrom('en' as const, 'hi' as const),
        fc.constantFrom('sms' as const, 'whatsapp' as const),
        label,
        text(200),
        text(50),
        fc.option(limits, { nil: undefined }),
        (kind, language, channel, tokenLabel, doctorName, room, operator) => {
          const template = catalogue.find((t) => t.kind === kind && t.language === language)!;
          let rendered;
          outcomes.total++;
          try {
            rendered = notice(sourceOf(kind, tokenLabel, room), {
              language,
              channel,
              catalogue,
              limits: operator,
              doctorName,
              room,
              at: new Date('2026-01-30T09:30:00Z'),
            });
          } catch (error) {
            expect(isOpdError(error, 'TEMPLATE_MISMATCH'), String(error)).toBe(true);
            outcomes.refused++;
            const said = `${(error as Error).message} ${JSON.stringify((error as { details: unknown }).details)}`;
            for (const value of [doctorName, room]) if (value.length > 3) expect(said).not.toContain(value);
            return;
          }
          expect(rendered.vars).toHaveLength(template.vars.length);
          for (const [i, v] of template.vars.entries()) {
            const value = rendered.vars[i]!;
            expect([...value].length).toBeLessThanOrEqual(Math.min(v.maxLength, operator?.maxVarLength ?? Infinity));
            expect(value).not.toMatch(/[\n\t{}#]/);
          }
          const size = smsSize(rendered.text);
          expect(rendered.encoding).toBe(size.encoding);
          if (smsSize(template.body).encoding === 'GSM-7') expect(rendered.encoding).toBe('GSM-7');
          if (channel === 'sms') {
            expect(rendered.segments).toBe(size.segments);
            if (operator !== undefined) expect(rendered.segments).toBeLessThanOrEqual(operator.maxSegments);
          }
        },
      ),
      fcOptions(RUNS),
    );
    // Both ends are reached: notices rendered and notices refused.
    console.info(`notices: ${outcomes.total - outcomes.refused} rendered, ${outcomes.refused} refused`);
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(outcomes.total - outcomes.refused).toBeGreaterThan(0);
  });

  it('render the longest label the engine makes, and refuse its longest doctor names and rooms', () => {
    const longest = { label: 'ABCDEFGH-9999999', doctor: 'D'.repeat(200), room: 'R'.repeat(50) };
    for (const kind of NOTICE_KINDS) {
      for (const language of ['en', 'hi'] as const) {
        const ok = notice(sourceOf(kind, longest.label, 'Room 4'), {
          language,
          channel: 'sms',
          catalogue,
          doctorName: 'Dr A Rao',
          room: 'Room 4',
          at: new Date('2026-01-30T09:30:00Z'),
          limits: { brand: 'CITYHOSP', maxVars: 5, maxVarLength: 30, maxSegments: 3 },
        });
        expect(ok.segments).toBeLessThanOrEqual(3);
        const template = catalogue.find((t) => t.kind === kind && t.language === language)!;
        if (!template.vars.some((v) => v.name === 'doctor' || v.name === 'room')) continue;
        expect(() =>
          notice(sourceOf(kind, longest.label, longest.room), {
            language,
            channel: 'sms',
            catalogue,
            doctorName: longest.doctor,
            room: longest.room,
            at: new Date(),
          }),
        ).toThrow(expect.objectContaining({ code: 'TEMPLATE_MISMATCH' }));
      }
    }
  });
});

describe('labels spoken', () => {
  const speller = new LabelSpeller();
  it('say no zero word unless the number is 0', { timeout: timeoutFor(RUNS, 5) }, () => {
    fc.assert(
      fc.property(
        fc.option(fc.stringMatching(/^[A-Za-z]{1,8}$/), { nil: undefined }),
        fc.nat({ max: 6 }),
        fc.integer({ min: 0, max: 9_999_999 }),
        fc.constantFrom('en' as const, 'hi' as const),
        (prefix, zeros, n, language) => {
          const digits = `${'0'.repeat(zeros)}${n}`.slice(-7);
          const spoken = speller
            .spell(prefix === undefined ? digits : `${prefix}-${digits}`, language)
            .map((piece) => piece.text)
            .join(' ');
          const zero = language === 'en' ? /\bzero\b/ : /शून्य/;
          expect(zero.test(spoken)).toBe(Number(digits) === 0);
          expect(spoken).not.toMatch(/\d/);
        },
      ),
      fcOptions(RUNS),
    );
  });
});
