// Debian's chromium, headless, driven by playwright-core: no browser is downloaded (never
// `npx playwright install`), nothing is fetched from the network, and every run starts from a
// fresh profile. Shared by the console tests and bench/console_bench.mjs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

// A browser context with a fresh profile; close() also removes the profile.
export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'ragdb-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: DESKTOP,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Collects console errors and uncaught exceptions of a page.
export function watchErrors(page) {
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return errors;
}

// Goes to a console route (#/...) and waits until the page says it is ready.
export async function gotoRoute(page, base, hash) {
  const before = await page.evaluate(() => document.body && document.body.dataset.ready)
    .catch(() => undefined);
  if (!page.url().startsWith(`${base}/console`)) {
    await page.goto(`${base}/console#${hash}`);
  } else {
    await page.evaluate((h) => {
      // The same address again: no hashchange of its own, so ask for the page once more.
      if (location.hash === `#${h}`) window.dispatchEvent(new HashChangeEvent('hashchange'));
      else location.hash = h;
    }, hash);
  }
  await page.waitForFunction((b) => document.body.dataset.ready &&
                                    document.body.dataset.ready !== b, before);
}
