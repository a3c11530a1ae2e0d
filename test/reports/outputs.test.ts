/**
 * What a report becomes: the HMIS return (golden), the DHIS2 upload body (held to the shape DHIS2
 * publishes), the FHIR MeasureReport (valid against the FHIR R4 schema), CSV (RFC 4180), and
 * never a byte of patient data.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { OpdScheduler } from 'opd-scheduler';
import { hmisCsv, hmisReturn, opdReport, reportCsv, toCsv, toDhis2DataValueSet, toMeasureReport, type HmisRow, type OpdReport } from 'opd-scheduler/reports';
import { describe, expect, it } from 'vitest';
import { validateResource } from '../fhir-schema.js';
import { fcOptions } from '../property/support.js';
import { TestClock } from '../helpers.js';
import { ist } from './month.js';

const DAY = '2026-03-02';

/**
 * One day of a district hospital, by hand: two allopathic doctors (one a specialist), two AYUSH
 * doctors (one a specialist), a teleconsultation desk and the casualty department, each seeing
 * a known number of patients; two patients referred out, one by day and one at night.
 */
async function hospitalDay(): Promise<OpdReport> {
  const clock = new TestClock(ist(DAY, '07:00'));
  const opd = new OpdScheduler({ clock: clock.now, timeZone: 'Asia/Kolkata' });
  const doctors = [
    { id: 'gp', name: 'Dr GP', department: 'medicine', seen: 5 },
    { id: 'ortho', name: 'Dr Bone', department: 'ortho', specialist: true, seen: 3 },
    { id: 'vaidya', name: 'Dr Vaidya', department: 'ayush', system: 'ayush' as const, seen: 4 },
    { id: 'unani', name: 'Dr Hakim', department: 'ayush', system: 'ayush' as const, specialist: true, seen: 2 },
    { id: 'tele', name: 'Dr Remote', department: 'esanjeevani', seen: 6 },
    { id: 'cas', name: 'Dr Casualty', department: 'casualty', seen: 3 },
  ];
  let n = 0;
  for (const { seen, ...d } of doctors) {
    await opd.addDoctor(d);
    await opd.addSlots(d.id, [{ id: `${d.id}-9`, start: ist(DAY, '09:00'), end: ist(DAY, '13:00'), capacity: 20 }]);
    for (let i = 0; i < seen + 1; i++) {
      const category = d.id === 'cas' ? 'EMERGENCY' : i % 2 === 0 ? 'WALK_IN' : 'ONLINE';
      const { token } = await opd.book({ doctorId: d.id, category, patient: { id: `p${++n}`, name: `Patient ${n}` }, actor: 'desk' });
      // Everyone is seen but the last of each doctor, who is referred out from ortho and the GP.
      if (i < seen) {
        clock.set(ist(DAY, '09:30'));
        await opd.checkIn(token.id);
        await opd.startConsultation(token.id);
        await opd.complete(token.id);
      } else if (d.id === 'gp') {
        clock.set(ist(DAY, '10:15'));
        await opd.cancel(token.id, { reason: 'referred-out' });
      } else if (d.id === 'ortho') {
        clock.set(ist(DAY, '08:30'));
        await opd.cancel(token.id, { reason: 'changed plans' });
      }
      clock.set(ist(DAY, '08:00'));
    }
  }
  // A referral in the night: a patient of the next day, referred at 21:00.
  clock.set(ist(DAY, '20:00'));
  await opd.addSlots('gp', [{ id: 'gp-next', start: ist('2026-03-03', '09:00'), end: ist('2026-03-03', '13:00'), capacity: 20 }]);
  const { token } = await opd.book({ doctorId: 'gp', category: 'ONLINE', patient: { id: 'late', name: 'Late' }, slotId: 'gp-next' });
  clock.set(ist(DAY, '21:00'));
  await opd.cancel(token.id, { reason: 'referred-out' });
  return opdReport(opd, { from: DAY, to: '2026-03-03' });
}

const MAPPING = { telemedicine: { departments: ['esanjeevani'] }, emergency: { departments: ['casualty'] }, referralsOut: { cancelReasons: ['referred-out'] } };

describe('hmisReturn', () => {
  it('fills the OPD items of the HMIS format from a day of a district hospital (golden)', async () => {
    const rows = hmisReturn(await hospitalDay(), { mapping: MAPPING });
    expect(rows).toEqual([
      { item: '14.2.1', label: 'Allopathic- Outpatient attendance', value: 8 },
      { item: '14.2.1.a', label: 'Of which, specialist allopathic OPD services', value: 3 },
      { item: '14.2.2', label: 'AYUSH- Outpatient attendance', value: 6 },
      { item: '14.2.2.b', label: 'Of which, specialist AYUSH OPD services', value: 2 },
      { item: '14.3.10', label: 'Telemedicine consultations', value: 6 },
      { item: '14.5.1', label: 'Patients registered at the emergency department', value: 4 },
      { item: '14.3.5.a', label: 'Referrals out (day)', value: 1 },
      { item: '14.3.5.b', label: 'Referrals out (night)', value: 1 },
    ]);
    expect(hmisCsv(rows)).toBe(
      'item,label,value\r\n14.2.1,Allopathic- Outpatient attendance,8\r\n14.2.1.a,"Of which, specialist allopathic OPD services",3\r\n14.2.2,AYUSH- Outpatient attendance,6\r\n' +
        '14.2.2.b,"Of which, specialist AYUSH OPD services",2\r\n14.3.10,Telemedicine consultations,6\r\n14.5.1,Patients registered at the emergency department,4\r\n' +
        '14.3.5.a,Referrals out (day),1\r\n14.3.5.b,Referrals out (night),1\r\n',
    );
  });

  it('counts by the default mapping: emergencies by category, no telemedicine, no referrals; a night shift of its own', async () => {
    const report = await hospitalDay();
    const rows = Object.fromEntries(hmisReturn(report).map((r) => [r.item, r.value]));
    // Without a telemedicine or emergency department, their doctors count as allopathic OPDs.
    expect(rows).toMatchObject({ '14.2.1': 17, '14.3.10': 0, '14.5.1': 4, '14.3.5.a': 0, '14.3.5.b': 0 });
    const night = Object.fromEntries(hmisReturn(report, { mapping: { ...MAPPING, dayHours: { from: 10, to: 22 } } }).map((r) => [r.item, r.value]));
    expect(night).toMatchObject({ '14.3.5.a': 2, '14.3.5.b': 0 });
  });

  it('refuses a bad mapping with VALIDATION_FAILED naming the field', async () => {
    const report = await hospitalDay();
    expect(() => hmisReturn(report, { mapping: { dayHours: { from: 20, to: 8 } } })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: expect.objectContaining({ field: 'mapping.dayHours.to' }) }));
    expect(() => hmisReturn(report, { mapping: { telemedicine: { categories: 'TELE' as never } } })).toThrow(expect.objectContaining({ details: expect.objectContaining({ field: 'mapping.telemedicine.categories' }) }));
    expect(() => hmisReturn(report, { mapping: { wards: [] } as never })).toThrow(expect.objectContaining({ details: expect.objectContaining({ field: 'mapping.wards' }) }));
  });
});

describe('toDhis2DataValueSet', () => {
  const published = JSON.parse(readFileSync(new URL('../fixtures/dhis2/data-value-sets.json', import.meta.url), 'utf8')) as { format: Record<string, unknown>; example: Record<string, unknown> };

  /** Every field of `value` is one the published format has, of the same JSON type, recursively. */
  function sameShape(value: unknown, format: unknown, path: string): void {
    if (Array.isArray(format)) {
      expect(Array.isArray(value), path).toBe(true);
      for (const [i, item] of (value as unknown[]).entries()) sameShape(item, format[0], `${path}[${i}]`);
      return;
    }
    if (typeof format === 'object' && format !== null) {
      expect(typeof value === 'object' && value !== null && !Array.isArray(value), path).toBe(true);
      for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
        expect(Object.keys(format), `${path}.${key}`).toContain(key);
        sameShape(inner, (format as Record<string, unknown>)[key], `${path}.${key}`);
      }
      return;
    }
    expect(typeof value, path).toBe(typeof format);
  }

  it('rebuilds the example DHIS2 publishes, field for field, from an HMIS return', () => {
    const rows: HmisRow[] = [
      { item: '14.2.1', label: 'Allopathic- Outpatient attendance', value: 1 },
      { item: '14.2.2', label: 'AYUSH- Outpatient attendance', value: 2 },
      { item: '14.3.10', label: 'Telemedicine consultations', value: 3 },
      { item: '14.5.1', label: 'Patients registered at the emergency department', value: 9 },
    ];
    const body = toDhis2DataValueSet(rows, {
      dataSet: 'pBOMPrpg1QX',
      orgUnit: 'DiszpKrYNg8',
      period: '201401',
      completeDate: '2014-02-03',
      dataElements: { '14.2.1': 'f7n9E0hX8qk', '14.2.2': 'Ix2HsbDMLea', '14.3.10': 'eY5ehpbEsB7' },
    });
    // The same text, key order included: what DHIS2 reads is what it published.
    expect(JSON.stringify(body, null, 2)).toBe(JSON.stringify(published.example, null, 2));
    sameShape(body, published.format, 'body');
  });

  it('has the published format with every optional field: category and attribute option combinations', async () => {
    const rows = hmisReturn(await hospitalDay(), { mapping: MAPPING });
    const body = toDhis2DataValueSet(rows, {
      dataSet: 'ds1',
      orgUnit: 'ou1',
      period: '202603',
      completeDate: '2026-04-02',
      attributeOptionCombo: 'aoc1',
      dataElements: { '14.2.1': { dataElement: 'de1', categoryOptionCombo: 'coc1' }, '14.3.5.b': 'de8' },
    });
    sameShape(body, published.format, 'body');
    expect(Object.keys(body)).toEqual(Object.keys(published.format));
    expect(body.dataValues).toEqual([
      { dataElement: 'de1', categoryOptionCombo: 'coc1', value: '8' },
      { dataElement: 'de8', value: '1' },
    ]);
  });

  it('refuses a missing or malformed id or period, naming the field', () => {
    const ok = { dataSet: 'ds1', orgUnit: 'ou1', period: '202603', dataElements: {} };
    for (const [patch, field] of [
      [{ dataSet: '' }, 'dataSet'],
      [{ orgUnit: 'two words' }, 'orgUnit'],
      [{ period: 'March' }, 'period'],
      [{ completeDate: '2 April' }, 'completeDate'],
      [{ dataElements: { '14.2.1': { id: 'x' } } }, 'dataElements.14.2.1.id'],
      [{ dataElements: { '14.2.1': 7 } }, 'dataElements.14.2.1'],
    ] as const) {
      expect(() => toDhis2DataValueSet([{ item: '14.2.1', label: 'x', value: 1 }], { ...ok, ...patch } as never), field).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: expect.objectContaining({ field }) }));
    }
  });
});

describe('toMeasureReport', () => {
  it('is a valid FHIR R4 summary MeasureReport, stratified by department and category, with the report\'s counts', async () => {
    const report = await hospitalDay();
    const resource = toMeasureReport(report, { measure: 'https://hospital.example/fhir/Measure/opd', reporter: 'Organization/district-hospital' });
    expect(validateResource(resource), JSON.stringify(validateResource.errors)).toBe(true);
    expect(resource).toMatchObject({ resourceType: 'MeasureReport', status: 'complete', type: 'summary', period: { start: DAY, end: '2026-03-03' } });
    const attended = resource.group.find((g) => g.code.coding?.[0]?.code === 'attended')!;
    expect(attended.population[0]!.count).toBe(report.total.attended);
    const byDepartment = attended.stratifier!.find((s) => s.code[0]!.coding?.[0]?.code === 'department')!;
    expect(Object.fromEntries(byDepartment.stratum.map((s) => [s.value.text, s.population[0]!.count]))).toEqual(Object.fromEntries(report.tables.department!.map((r) => [r.key, r.attended])));
    expect(attended.stratifier!.map((s) => s.code[0]!.coding?.[0]?.code)).toEqual(['department', 'category']);
    expect(() => toMeasureReport(report, { measure: '' })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});

describe('CSV', () => {
  it('writes RFC 4180: CRLF after every line, quotes around commas, quotes and line breaks, quotes doubled, empty for null', () => {
    expect(toCsv(['a', 'b,c'], [['x"y', null], ['line\nbreak', 1.5], [true, '']])).toBe('a,"b,c"\r\n"x""y",\r\n"line\nbreak",1.5\r\ntrue,\r\n');
  });

  it('writes every table of a report with one line per row and the same columns', async () => {
    const report = await hospitalDay();
    for (const table of ['total', ...report.by] as const) {
      const lines = reportCsv(report, table).split('\r\n');
      expect(lines.at(-1)).toBe('');
      const rows = table === 'total' ? [report.total] : report.tables[table]!;
      expect(lines).toHaveLength(rows.length + 2);
      expect(lines[0]!.startsWith('key,requested,booked,attended,noShow,')).toBe(true);
      for (const [i, row] of rows.entries()) expect(lines[i + 1]!.split(',').slice(0, 4)).toEqual([row.key, String(row.requested), String(row.booked), String(row.attended)]);
    }
    const only = await opdReport(new OpdScheduler(), { from: DAY, to: DAY, by: 'hour' });
    expect(() => reportCsv(only, 'doctor')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: expect.objectContaining({ field: 'table' }) }));
  });
});

describe('patient data', () => {
  it('never reaches a report, its return, its CSV or its MeasureReport', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ id: fc.stringMatching(/^[A-Za-z0-9]{6,12}$/), name: fc.string({ minLength: 8, maxLength: 20 }) }), { minLength: 1, maxLength: 6 }), fc.boolean(), async (patients, lookback) => {
        const clock = new TestClock(ist(DAY, '07:00'));
        const opd = new OpdScheduler({ clock: clock.now, timeZone: 'Asia/Kolkata', allowDuplicateBookings: true });
        await opd.addDoctor({ id: 'd1', name: 'Dr One', department: 'medicine' });
        await opd.addSlots('d1', [{ start: ist(DAY, '09:00'), end: ist(DAY, '12:00'), capacity: 10 }]);
        for (const [i, p] of patients.entries()) {
          const { token } = await opd.book({ doctorId: 'd1', category: i % 2 === 0 ? 'WALK_IN' : 'ONLINE', patient: { id: `pt-${p.id}`, name: `name:${p.name}` } });
          if (i % 3 === 0) await opd.cancel(token.id, { reason: 'changed plans' });
          else {
            clock.set(ist(DAY, '09:10'));
            await opd.checkIn(token.id);
            await opd.startConsultation(token.id);
            await opd.complete(token.id);
          }
        }
        const report = await opdReport(opd, { from: DAY, to: DAY, ...(lookback ? { lookbackDays: 30 } : {}) });
        const text = [
          JSON.stringify(report),
          JSON.stringify(toMeasureReport(report, { measure: 'urn:m' })),
          hmisCsv(hmisReturn(report)),
          ...['total' as const, ...report.by].map((t) => reportCsv(report, t)),
        ].join('\n');
        for (const p of patients) {
          expect(text).not.toContain(`pt-${p.id}`);
          expect(text).not.toContain(`name:${p.name}`);
        }
      }),
      fcOptions(15),
    );
  });
});
