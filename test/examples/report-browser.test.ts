/**
 * Opens the simulation's HTML report in headless Chromium (Debian's `chromium` package) and
 * checks that the charts rendered. Screenshots are saved in `artifacts/`.
 *
 * Skipped with a message when /usr/bin/chromium is absent, except under CI=true, where a
 * missing browser is a failure (`.ci/run` installs it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsRun, launchChromium, type Browser } from '../browser.js';
import { parseFlags } from '../../examples/day-simulation/cli.js';
import { simulate, type Outcome } from '../../examples/day-simulation/run.js';

const ROOT = join(import.meta.dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'artifacts');

interface Box {
  readonly width: number;
  readonly height: number;
}

interface Rendered {
  readonly errors: readonly string[];
  readonly requests: readonly string[];
  readonly charts: readonly Box[];
  readonly timelines: readonly Box[];
  readonly markers: ReadonlyArray<Box & { kind: string }>;
  readonly boxes: readonly Box[];
  readonly heatmaps: readonly Box[];
  readonly cards: number;
  readonly text: string;
}

/** Runs in the page (plain JavaScript: the project's types know no DOM). */
const MEASURE = `(() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return { width: r.width, height: r.height }; };
  const all = (selector) => [...document.querySelectorAll(selector)];
  return {
    charts: all('svg.chart').map(box),
    timelines: all('svg.timeline').map(box),
    markers: all('g.marker').map((el) => ({ ...box(el), kind: el.classList[1] ?? '' })),
    boxes: all('g.box').map(box),
    heatmaps: all('svg.heatmap').map(box),
    cards: document.querySelectorAll('.card, .preset').length,
    text: document.body.innerText,
  };
})()`;

describe.skipIf(!browserTestsRun('simulation report'))('the simulation report in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium({ width: 1280, height: 900 });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** Writes the report, opens it, measures what rendered and saves a full-page screenshot. */
  async function render(name: string, outcome: Outcome): Promise<Rendered> {
    const file = join(ARTIFACTS, `${name}.html`);
    writeFileSync(file, outcome.html!);
    const page = await browser.context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const measured = (await page.evaluate(MEASURE)) as Omit<Rendered, 'errors' | 'requests'>;
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    await page.close();
    return { errors, requests, ...measured };
  }

  const visible = (b: Box): boolean => b.width > 0 && b.height > 0;

  it('draws one day: timelines per doctor with markers, wait box plots and utilisation, with no errors and no network', async () => {
    const outcome = await simulate({ ...parseFlags([]), report: 'day.html' });
    const summary = outcome.summaries[0]!;
    const r = await render('day-simulation', outcome);
    expect(r.errors).toEqual([]);
    expect(r.requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'))).toEqual([]);
    // Outcome bars, 3 timelines, 2 box plots, utilisation.
    expect(r.charts.length).toBeGreaterThanOrEqual(7);
    for (const chart of r.charts) expect(chart.width).toBeGreaterThan(100);
    expect(r.charts.every(visible)).toBe(true);
    expect(r.timelines).toHaveLength(summary.doctors.length);
    for (const t of r.timelines) expect(t.height).toBeGreaterThan(150);
    const expected = summary.result.markers.filter((m) => m.kind !== 'closed');
    expect(r.markers).toHaveLength(expected.length);
    expect(r.markers.every(visible)).toBe(true);
    for (const kind of ['bump', 'cascade', 'promotion', 'elastic'])
      expect(
        r.markers.some((m) => m.kind === kind),
        kind,
      ).toBe(true);
    expect(r.boxes.length).toBeGreaterThan(8);
    expect(r.boxes.every(visible)).toBe(true);
    expect(r.cards).toBe(16); // with "Day closed", "Scan & Share", "UHI" and "Whole visit"
    expect(r.text).toContain('Where the time goes');
    expect(r.text).toContain(`${summary.result.rails.shares}\nScan & Share`);
    expect(r.text).toContain(`${summary.result.rails.uhiInits}\nUHI`);
    expect(r.text).toContain('What happened to every request');
    expect(r.text).toContain(`${summary.result.stats.bumps}\nBumps`);
    expect(r.text).toContain(`${summary.result.holds.made}\nHolds`);
  });

  it('draws the presets side by side under --compare, with the closed slots of a doctor who leaves', async () => {
    const outcome = await simulate({ ...parseFlags(['--compare', '--scenario', 'doctor-leave']), report: 'compare.html' });
    const r = await render('day-simulation-compare', outcome);
    expect(r.errors).toEqual([]);
    expect(r.requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'))).toEqual([]);
    expect(r.cards).toBe(4);
    // 3 doctors × 4 presets, side by side.
    expect(r.timelines).toHaveLength(12);
    expect(r.timelines.every(visible)).toBe(true);
    expect(r.charts.every(visible)).toBe(true);
    expect(r.markers.some((m) => m.kind === 'drop')).toBe(true);
    expect(r.text).toContain('Doctors leaving early');
    expect(r.text).toMatch(/10:20\s+Dr\. Reddy\s+11:00–13:00 \(2 slots\)/);
  });

  it('draws a large hospital as a heat map of every slot plus the busiest doctors', async () => {
    const outcome = await simulate({ ...parseFlags(['--scenario', 'hospital', '--doctors', '30']), report: 'hospital.html' });
    const r = await render('day-simulation-hospital', outcome);
    expect(r.errors).toEqual([]);
    expect(r.timelines).toHaveLength(12);
    expect(r.charts.every(visible)).toBe(true);
    expect(r.heatmaps).toHaveLength(1);
    // One row per doctor and per department.
    expect(r.heatmaps[0]!.height).toBeGreaterThan(30 * 12);
  });
});
