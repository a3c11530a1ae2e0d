/** SMS and WhatsApp notices from the catalogue: encodings, segments, the operator's limits, refusals. */
import { isOpdError } from 'opd-scheduler';
import { NOTICE_KINDS, notice, noticeCatalogue, smsSize, validateTemplates, whatsappBody, type NoticeLimits, type NoticeTemplate } from 'opd-scheduler/notices';
import { describe, expect, it } from 'vitest';
import { sourceOf } from './sources.js';

const catalogue = noticeCatalogue({ brand: 'CITYHOSP' });
const limits: NoticeLimits = { brand: 'CITYHOSP', maxVars: 5, maxVarLength: 30, maxSegments: 3 };
const context = { doctorName: 'Dr A Rao', room: 'Room 4', at: new Date('2026-01-30T09:30:00Z'), timeZone: 'Asia/Kolkata' };

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

describe('smsSize', () => {
  it('counts GSM-7 septets (extension characters twice) and UCS-2 units, and their segments', () => {
    expect(smsSize('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSize('a'.repeat(161))).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    expect(smsSize('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSize('a'.repeat(306)).segments).toBe(2);
    expect(smsSize('a'.repeat(307)).segments).toBe(3);
    expect(smsSize(`${'a'.repeat(69)}क`)).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(smsSize(`${'a'.repeat(70)}क`)).toEqual({ encoding: 'UCS-2', units: 71, segments: 2 });
    expect(smsSize('क'.repeat(134)).segments).toBe(2);
    expect(smsSize('क'.repeat(135)).segments).toBe(3);
  });
});

describe('the catalogue', () => {
  it('has every kind in English and Hindi, with the brand, and keeps the limits', () => {
    expect(catalogue).toHaveLength(NOTICE_KINDS.length * 2);
    for (const kind of NOTICE_KINDS)
      for (const language of ['en', 'hi'] as const) expect(catalogue.some((t) => t.kind === kind && t.language === language)).toBe(true);
    expect(validateTemplates(catalogue, limits)).toEqual({ ok: true, problems: [] });
    for (const template of catalogue) expect(smsSize(template.body).encoding).toBe(template.language === 'en' ? 'GSM-7' : 'UCS-2');
  });

  it('reports each broken limit by template', () => {
    const bad: NoticeTemplate[] = [
      {
        key: 'no-brand',
        kind: 'called',
        language: 'en',
        body: 'Token {#var#}: go to {#var#}.',
        vars: [
          { name: 'label', maxLength: 16 },
          { name: 'room', maxLength: 30 },
        ],
      },
      {
        key: 'placeholders',
        kind: 'called',
        language: 'en',
        body: 'CITYHOSP: Token {#var#}.',
        vars: [
          { name: 'label', maxLength: 16 },
          { name: 'room', maxLength: 30 },
        ],
      },
      { key: 'long', kind: 'called', language: 'hi', body: `CITYHOSP: ${'टोकन '.repeat(20)}{#var#}`, vars: [{ name: 'room', maxLength: 40 }] },
    ];
    expect(validateTemplates(bad, { ...limits, maxVars: 1 }).problems).toEqual([
      { templateKey: 'no-brand', problem: 'var-count', found: 2, limit: 1 },
      { templateKey: 'no-brand', problem: 'brand' },
      { templateKey: 'placeholders', problem: 'placeholders', found: 1, limit: 2 },
      { templateKey: 'placeholders', problem: 'var-count', found: 2, limit: 1 },
      { templateKey: 'long', problem: 'var-length', variable: 'room', found: 40, limit: 30 },
    ]);
    // 110 UCS-2 units of fixed text and 40 of the room at its longest: 150 units, three segments.
    expect(validateTemplates(bad, { ...limits, maxVars: 1, maxSegments: 1 }).problems).toContainEqual({
      templateKey: 'long',
      problem: 'segments',
      found: 3,
      limit: 1,
    });
    expect(() => validateTemplates(catalogue, { ...limits, maxSegments: 0 })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('numbers the placeholders for WhatsApp', () => {
    expect(whatsappBody('X: {#var#} and {#var#}.')).toBe('X: {{1}} and {{2}}.');
  });
});

describe('notice', () => {
  it('renders each kind in English (GSM-7) and Hindi (UCS-2), with the values in placeholder order', () => {
    const called = notice(sourceOf('called', 'W-12'), { language: 'en', channel: 'sms', catalogue, limits });
    expect(called).toEqual({
      templateKey: 'opd.called.en',
      vars: ['W-12', '4'],
      text: 'CITYHOSP: Token W-12: please go to 4 now.',
      encoding: 'GSM-7',
      segments: 1,
    });
    const booked = notice(sourceOf('booked', 'W-12'), { language: 'hi', channel: 'sms', catalogue, limits, ...context });
    expect(booked.vars).toEqual(['W-12', 'Dr A Rao', '30-01-2026', '15:00']);
    expect(booked.text).toBe('CITYHOSP: टोकन W-12 Dr A Rao के साथ 30-01-2026 को बुक हुआ। कृपया 15:00 तक पहुँचें।');
    expect(booked.encoding).toBe('UCS-2');
    expect(booked.segments).toBe(2);
    const offered = notice(sourceOf('offered', 'E-3'), { language: 'en', channel: 'sms', catalogue, limits, ...context });
    expect(offered.text).toBe('CITYHOSP: Token E-3: an earlier place at 15:00 is free. Reply by 13:45 to take it.');
    for (const kind of NOTICE_KINDS) {
      for (const language of ['en', 'hi'] as const) {
        const rendered = notice(sourceOf(kind, 'W-12'), { language, channel: 'sms', catalogue, limits, ...context });
        expect(rendered.templateKey).toBe(`opd.${kind}.${language}`);
        expect(rendered.text).not.toContain('{#var#}');
        expect(rendered.segments).toBeLessThanOrEqual(limits.maxSegments);
      }
    }
  });

  it('gives WhatsApp the same values by position', () => {
    const sms = notice(sourceOf('turn-near', 'W-12'), { language: 'hi', channel: 'sms', catalogue, ...context });
    const whatsapp = notice(sourceOf('turn-near', 'W-12'), { language: 'hi', channel: 'whatsapp', catalogue, ...context });
    expect(whatsapp.vars).toEqual(sms.vars);
    expect(whatsapp.text).toBe(sms.text);
    expect(whatsapp.segments).toBe(1);
  });

  it('refuses, never cuts, a value that would break the registered template', () => {
    const long = refusal(() =>
      notice(sourceOf('booked', 'W-12'), { language: 'en', channel: 'sms', catalogue, ...context, doctorName: 'Dr Venkata Subramanian Raghavendran' }),
    );
    expect(isOpdError(long, 'TEMPLATE_MISMATCH') && long.details).toEqual({
      field: 'doctor',
      templateKey: 'opd.booked.en',
      variable: 'doctor',
      reason: 'too-long',
      length: 35,
      limit: 30,
    });
    expect((long as Error).message).not.toContain('Venkata');
    const devanagari = refusal(() => notice(sourceOf('booked', 'W-12'), { language: 'en', channel: 'sms', catalogue, ...context, doctorName: 'डॉ. राव' }));
    expect(isOpdError(devanagari, 'TEMPLATE_MISMATCH') && devanagari.details.reason).toBe('encoding');
    const lineBreak = refusal(() => notice(sourceOf('called', 'W-12', 'Room\n4'), { language: 'en', channel: 'sms', catalogue }));
    expect(isOpdError(lineBreak, 'TEMPLATE_MISMATCH') && lineBreak.details.reason).toBe('characters');
    const tight = refusal(() =>
      notice(sourceOf('booked', 'W-12'), { language: 'hi', channel: 'sms', catalogue, ...context, limits: { ...limits, maxSegments: 1 } }),
    );
    expect(isOpdError(tight, 'TEMPLATE_MISMATCH') && tight.details).toMatchObject({ reason: 'segments', length: 2, limit: 1 });
    const operator = refusal(() =>
      notice(sourceOf('called', 'W-12', 'Outpatient Block B Room 14'), { language: 'en', channel: 'sms', catalogue, limits: { ...limits, maxVarLength: 20 } }),
    );
    expect(isOpdError(operator, 'TEMPLATE_MISMATCH') && operator.details).toMatchObject({ reason: 'too-long', limit: 20 });
  });

  it('asks for what the event does not carry, and refuses events without a notice', () => {
    const missing = refusal(() => notice(sourceOf('booked', 'W-12'), { language: 'en', channel: 'sms', catalogue }));
    expect(isOpdError(missing, 'VALIDATION_FAILED') && missing.details.field).toBe('doctorName');
    const none = refusal(() =>
      notice({ ...(sourceOf('called', 'W-1') as object), type: 'token:checked-in' } as never, { language: 'en', channel: 'sms', catalogue }),
    );
    expect(isOpdError(none, 'VALIDATION_FAILED') && none.details.field).toBe('event.type');
    expect(() => notice(sourceOf('called', 'W-1'), { language: 'en', channel: 'fax' as 'sms', catalogue })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
    expect(() => notice(sourceOf('called', 'W-1'), { language: 'en', channel: 'sms', catalogue: [] })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
    expect(() => noticeCatalogue({ brand: '' })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
