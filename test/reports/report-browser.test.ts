/**
 * The report's HTML page in headless Chromium: every chart is drawn, each bar with the figure of
 * the report's JSON, and nothing is fetched. Runs with the browser tests (`npm run test:long`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OpdScheduler, presets } from 'opd-scheduler';
import { hmisReturn, opdReport, REPORT_CHARTS, reportHtml, type OpdReport } from 'opd-scheduler/reports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsRun, launchChromium, SCREENSHOTS, type Browser } from '../browser.js';
import { TestClock } from '../helpers.js';
import { addDoctors, dayPlus, FIRST_DAY, ist, simulateMonth, ZONE } from './month.js';

interface Drawn {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  readonly bars: { key: string; series: string; value: string; width: number; label: string }[];
}

/** Runs in the page (plain JavaScript: the project's types know no DOM). */
const MEASURE = `(() => [...document.querySelectorAll('svg.chart')].map((svg) => {
  const r = svg.getBoundingClientRect();
  return {
    id: svg.id,
    width: r.width,
    height: r.height,
    bars: [...svg.querySelectorAll('g.bar')].map((g) => ({
      key: g.dataset.key, series: g.dataset.series, value: g.dataset.value,
      width: g.querySelector('rect').getBoundingClientRect().width,
      label: g.querySelector('text').textContent,
    })),
  };
}))()`;

describe.skipIf(!browserTestsRun('OPD report'))('the OPD report page in Chromium', () => {
  let browser: Browser;
  let report: OpdReport;

  beforeAll(async () => {
    browser = await launchChromium({ width: 1280, height: 900 });
    const clock = new TestClock(ist(dayPlus(FIRST_DAY, -1), '09:00'));
    const opd = new OpdScheduler({ ...presets.standard(), clock: clock.now, timeZone: ZONE });
    await addDoctors(opd);
    await simulateMonth(opd, clock, 7);
    report = await opdReport(opd, { from: FIRST_DAY, to: dayPlus(FIRST_DAY, 6) });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('draws every chart, each bar with the number of the JSON, and fetches nothing', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const file = join(SCREENSHOTS, 'opd-report.html');
    writeFileSync(file, reportHtml(report, { title: 'A week of the OPD', hmis: hmisReturn(report) }));
    const page = await browser.context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const drawn = (await page.evaluate(MEASURE)) as Drawn[];
    await page.screenshot({ path: join(SCREENSHOTS, 'opd-report.png'), fullPage: true });
    const text = (await page.evaluate('document.body.innerText')) as string;
    await page.close();

    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(drawn.map((c) => c.id)).toEqual(REPORT_CHARTS.map((c) => c.id));
    for (const spec of REPORT_CHARTS) {
      const chart = drawn.find((c) => c.id === spec.id)!;
      expect(chart.width, spec.id).toBeGreaterThan(300);
      expect(chart.height, spec.id).toBeGreaterThan(30);
      const rows = report.tables[spec.dimension]!;
      expect(rows.length, spec.id).toBeGreaterThan(0);
      // One bar per row and series, carrying the figure of the JSON and showing it.
      const want = rows.flatMap((row) => spec.series.map((s) => ({ key: row.key, series: s.name, value: s.value(row) })));
      expect(chart.bars.map((b) => [b.key, b.series, b.value === '' ? null : Number(b.value)]), spec.id).toEqual(want.map((w) => [w.key, w.series, w.value]));
      for (const [i, bar] of chart.bars.entries()) {
        const value = want[i]!.value;
        expect(bar.label, `${spec.id} ${bar.key}`).toBe(value === null ? '–' : Number.isInteger(value) ? String(value) : value.toFixed(2));
        // A longer bar for a larger figure.
        for (const other of chart.bars) if ((Number(other.value) || 0) > (Number(bar.value) || 0)) expect(other.width, `${spec.id} ${other.key} > ${bar.key}`).toBeGreaterThan(bar.width);
      }
    }
    expect(text).toContain('14.2.1');
    expect(text).toContain(String(report.total.attended));
  });
});
