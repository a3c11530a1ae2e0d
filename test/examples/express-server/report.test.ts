import { opdReport, reportHtml } from 'opd-scheduler/reports';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, KEY, book, doctorWithSlots, expectDocumented, expectError, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ apiKey: KEY });
});
afterEach(async () => {
  await h.close();
});

describe("the OPD's numbers over HTTP", () => {
  it('serves the report as JSON and as a page, behind the key, the same as opdReport gives', async () => {
    await doctorWithSlots(h, 'd1', [9, 10], 3);
    const seen = tokenOf(await book(h, 'd1', 'WALK_IN', { slotId: 'd1-09' }));
    await book(h, 'd1', 'ONLINE', { slotId: 'd1-10' });
    for (const step of ['check-in', 'start', 'complete']) expect((await h.call('POST', `/api/tokens/${seen.id}/${step}`, { body: {} })).status, step).toBe(200);

    const answer = await h.call('GET', `/api/report?from=${DAY}&to=${DAY}&by=doctor,category`);
    expect(answer.status).toBe(200);
    const body = expectDocumented(h, 'opdReport', answer);
    const expected = await opdReport(h.opd, { from: DAY, to: DAY, by: ['doctor', 'category'] });
    expect(body).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(expected.total).toMatchObject({ requested: 2, attended: 1 });

    const page = await h.call('GET', `/api/report.html?from=${DAY}&to=${DAY}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toBe(reportHtml(await opdReport(h.opd, { from: DAY, to: DAY })));

    expect((await h.call('GET', `/api/report?from=${DAY}&to=${DAY}`, { key: null })).status).toBe(401);
    expect((await h.call('GET', `/api/report.html?from=${DAY}&to=${DAY}`, { key: null })).status).toBe(401);
    expectError(await h.call('GET', `/api/report?from=${DAY}`), 400, 'VALIDATION_FAILED');
    expect(expectError(await h.call('GET', `/api/report?from=${DAY}&to=${DAY}&by=ward`), 400, 'VALIDATION_FAILED').details['field']).toBe('by');
  });
});
