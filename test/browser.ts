/**
 * Debian's headless Chromium for the browser tests (docs site, display boards, the simulation
 * report), which run in `npm run test:long`. Without /usr/bin/chromium they are skipped with a
 * message, except under CI=true, where they fail: CI installs it (.ci/run).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { LONG } from './intensity.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Where the tests save their screenshots (gitignored). */
export const SCREENSHOTS = join(process.cwd(), 'artifacts', 'screenshots');

/**
 * Whether the browser tests run: in `npm run test:long` (`test/intensity.ts`; a contributor's
 * `npm test` leaves them out), when Chromium is there or CI requires it.
 */
export function browserTestsRun(what: string): boolean {
  if (!LONG) return false;
  const present = existsSync(CHROMIUM);
  const required = process.env['CI'] === 'true';
  if (!present && !required)
    console.warn(`[${what}] ${CHROMIUM} is missing: browser tests skipped (apt-get install chromium to run them; in CI they fail instead).`);
  return present || required;
}

/** A Chromium browser context with its own profile; `close()` removes the profile. */
export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(options: { width?: number; height?: number; locale?: string } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing; CI must install Debian's chromium (see .ci/run)`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'opd-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    timezoneId: 'UTC',
    locale: options.locale ?? 'en-GB',
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
