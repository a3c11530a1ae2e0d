/**
 * The docs site (`npm run docs`): built with the project's TypeDoc configuration (warnings are
 * errors), opened in Chromium, its main pages screenshot into artifacts/screenshots, and every
 * internal link of every page followed: no page missing, no anchor missing. The build belongs to
 * `npm run test:long` (`test/intensity.ts`); `npm test` checks the link checker itself.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENSHOTS, browserTestsRun, launchChromium, type Browser } from '../browser.js';
import { LONG } from '../intensity.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> };

/** The import paths a user writes, from package.json (the site must name its modules so). */
const importPaths = Object.keys(pkg.exports)
  .filter((subpath) => subpath !== './package.json')
  .map((subpath) => (subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`));

/** The guides, in the order the navigation lists them, before the API reference. */
const GUIDES = ['Getting started', 'Allocation rules', 'Policies', 'Storage', 'Command line', 'Telemetry (OpenTelemetry)', 'Testing', 'Architecture'];

/** The site, built once for this file with the project's configuration (a warning fails the build). */
let building: Promise<string> | undefined;
function builtSite(): Promise<string> {
  building ??= (async () => {
    const out = mkdtempSync(join(tmpdir(), 'opd-docs-site-'));
    await promisify(execFile)(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--out', out], { cwd: root });
    return out;
  })();
  return building;
}

afterAll(async () => {
  if (building !== undefined) rmSync(await building, { recursive: true, force: true });
});

/** The part of lunr (the search library of TypeDoc's site, loaded from TypeDoc's own dependencies) that a search uses. */
interface Lunr {
  Index: { load(serialized: unknown): { search(query: string): { ref: string }[] } };
}

/**
 * Searches the built site as its search box does: the index TypeDoc wrote (assets/search.js,
 * deflated JSON in base64) loaded into lunr. The pages found, best first.
 */
function search(out: string, query: string): string[] {
  const script = readFileSync(join(out, 'assets/search.js'), 'utf8');
  const encoded = /^window\.searchData = "([^"]+)";$/.exec(script.trim())?.[1];
  if (encoded === undefined) throw new Error('assets/search.js does not hold the search data');
  const data = JSON.parse(inflateSync(Buffer.from(encoded, 'base64')).toString('utf8')) as { rows: { url: string }[]; index: unknown };
  const lunr = createRequire(createRequire(import.meta.url).resolve('typedoc'))('lunr') as Lunr;
  return lunr.Index.load(data.index)
    .search(query)
    .map((result) => data.rows[Number(result.ref)]!.url);
}

// The site's build takes about half a minute: `npm run test:long` builds it, `npm test` checks the link
// checker alone.
describe.runIf(LONG)('the docs site search', () => {
  it('finds the guides by words of their text, not only by their titles', async () => {
    const out = await builtSite();
    // Words only the guides' text holds (no title, no API comment).
    expect(search(out, 'jitter')).toContain('documents/Storage.html');
    expect(search(out, 'Kolkata')).toContain('documents/Getting_started.html');
    expect(search(out, 'AgingPriority')[0]).toMatch(/AgingPriority\.html$/);
  });
});

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.md': 'text/plain',
};

/** Serves a folder over HTTP on loopback, as a static host would. */
async function serve(folder: string): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    try {
      const body = readFileSync(join(folder, path.endsWith('/') ? `${path}index.html` : path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, base: `http://127.0.0.1:${address.port}/` };
}

describe.skipIf(!LONG || !browserTestsRun('docs site'))('the docs site in Chromium', () => {
  let out: string;
  let site: { server: Server; base: string };
  let browser: Browser;

  beforeAll(async () => {
    // The project's own configuration (typedoc.config.mjs): a warning fails the build.
    out = await builtSite();
    site = await serve(out);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    site?.server.close();
  });

  /** Opens a page of the site once its navigation (built by script) is drawn. */
  async function open(path: string): Promise<Page> {
    const page = await browser.context.newPage();
    const answer = await page.goto(site.base + path);
    expect(answer?.status(), path).toBe(200);
    await page.locator('#tsd-nav-container a').first().waitFor({ state: 'attached' });
    return page;
  }

  it('lists the guides, then every entry point named by its import path', async () => {
    const page = await open('index.html');
    const nav = (await page.locator('#tsd-nav-container a').allTextContents()).map((text) => text.trim());
    const guides = GUIDES.map((guide) => nav.indexOf(guide));
    expect(
      guides.every((at) => at >= 0),
      `navigation: ${nav.join(' | ')}`,
    ).toBe(true);
    expect(guides).toEqual([...guides].sort((a, b) => a - b));
    expect(importPaths.length).toBeGreaterThanOrEqual(3);
    for (const path of importPaths) expect(nav.indexOf(path), path).toBeGreaterThan(Math.max(...guides));
    expect(nav).not.toContain('index');
    await page.screenshot({ path: join(SCREENSHOTS, 'docs-home.png'), fullPage: false });
    await page.close();
  });

  it('shows the emitter methods of OpdScheduler as its own members, typed by OpdEvents', async () => {
    const page = await open('classes/opd-scheduler.OpdScheduler.html');
    for (const method of ['on', 'once', 'off']) {
      const member = page.locator(`section:has(> h3#${method})`);
      await expect.poll(() => member.isVisible(), { timeout: 30_000 }).toBe(true);
      const signature = await member.locator('.tsd-signature').first().innerText();
      expect(signature, method).toContain('OpdEvents');
    }
    expect(await page.locator('.tsd-is-external').count()).toBe(0);
    await page.locator('h3#on').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'docs-opd-scheduler-on.png') });
    await page.close();
  });

  it('renders the guides with their code and their links into the API', async () => {
    const page = await open('documents/Getting_started.html');
    expect(await page.locator('h1').first().innerText()).toBe('Getting started');
    expect(await page.locator('pre code').count()).toBeGreaterThanOrEqual(5);
    await expect.poll(() => page.locator('.tsd-panel a[href*="classes/opd-scheduler.OpdScheduler.html"]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'docs-getting-started.png'), fullPage: false });
    await page.close();
    for (const [path, name] of [
      ['modules/opd-scheduler.html', 'docs-module.png'],
      ['documents/Allocation_rules.html', 'docs-rules.png'],
    ] as const) {
      const other = await open(path);
      await other.screenshot({ path: join(SCREENSHOTS, name), fullPage: false });
      await other.close();
    }
  });

  it('has no broken link and no missing anchor on any page', async () => {
    // The navigation, which a script draws from the same data on every page, as Chromium shows
    // it on the home page; then every page's links and anchors, as served.
    const page = await open('index.html');
    const navigation = (await page.evaluate(`Array.from(document.querySelectorAll('#tsd-nav-container a[href]'), (a) => a.href)`)) as string[];
    await page.close();
    expect(navigation.length).toBeGreaterThan(50);
    const found = await crawl(site.base, navigation);
    expect(found.pages).toBeGreaterThan(50);
    expect(found.absent).toEqual([]);
    expect(found.missing).toEqual([]);
  });
});

describe('the link check', () => {
  it('finds a missing page and a missing anchor', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'opd-links-'));
    writeFileSync(
      join(folder, 'index.html'),
      '<a href="a.html#here">ok</a> <a href="a.html#gone">anchor</a> <a href="b.html">page</a> <a href="https://example.org/">out</a>',
    );
    writeFileSync(join(folder, 'a.html'), '<h2 id="here">Here</h2><a href="index.html">back</a>');
    const local = await serve(folder);
    try {
      const found = await crawl(local.base, []);
      expect(found.pages).toBe(2);
      expect(found.absent).toEqual([`${local.base}b.html`]);
      expect(found.missing).toEqual(['index.html → a.html#gone']);
    } finally {
      local.server.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

/**
 * Follows every link under `base` from its index page and from `extra` links: the pages served
 * (`.html`), the URLs that answered no page, and the links to an anchor their page lacks.
 */
async function crawl(base: string, extra: readonly string[]): Promise<{ pages: number; absent: string[]; missing: string[] }> {
  const ids = new Map<string, Set<string>>(); // page URL → its ids and names
  const links: { from: string; to: string }[] = extra.map((to) => ({ from: `${base}index.html (navigation)`, to }));
  const absent: string[] = [];
  const queue = [base + 'index.html', ...extra.map((to) => to.split('#')[0]!)];
  while (queue.length > 0) {
    const url = queue.shift()!;
    if (ids.has(url)) continue;
    ids.set(url, new Set());
    const answer = await fetch(url);
    if (!answer.ok) {
      absent.push(url);
      continue;
    }
    if (!url.endsWith('.html')) continue;
    const html = await answer.text();
    ids.set(url, new Set([...html.matchAll(/\s(?:id|name)="([^"]+)"/g)].map((m) => m[1]!)));
    for (const [, href] of html.matchAll(/<a\s[^>]*?href="([^"]*)"/g)) {
      const to = new URL(href!.replaceAll('&amp;', '&'), url).href;
      if (!to.startsWith(base)) continue;
      links.push({ from: url, to });
      const target = to.split('#')[0]!;
      if (!ids.has(target)) queue.push(target);
    }
  }
  const missing = links
    .filter(({ to }) => to.includes('#') && !to.endsWith('#'))
    .filter(({ to }) => {
      const [target, anchor] = to.split('#') as [string, string];
      return !absent.includes(target) && !ids.get(target)?.has(decodeURIComponent(anchor));
    })
    .map(({ from, to }) => `${from.slice(base.length)} → ${to.slice(base.length)}`);
  return { pages: [...ids.keys()].filter((url) => url.endsWith('.html') && !absent.includes(url)).length, absent, missing: [...new Set(missing)] };
}
