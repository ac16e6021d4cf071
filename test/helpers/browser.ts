/**
 * Shared set-up of the browser tests: Debian's Chromium driven by playwright-core, and klarna-local
 * as a real process on a temporary SQLite file. Without Chromium the tests are skipped with the
 * reason printed, except under CI=true, where each fails with it: CI must run them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { startServerProcess } from './process.js';
import type { ServerProcess } from './process.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SHOP_MERCHANT = { username: 'shop', password: 'shop-secret' };
export const SHOP_AUTH = `Basic ${Buffer.from(`${SHOP_MERCHANT.username}:${SHOP_MERCHANT.password}`).toString('base64')}`;

const chromiumMissing = !fs.existsSync(CHROMIUM);

/** The `skip` option of each browser test: a reason when Chromium is absent outside CI, else false. */
export const skipWithoutChromium: string | false = chromiumMissing && process.env.CI !== 'true' ? `Chromium not found at ${CHROMIUM} (apt-get install chromium)` : false;
if (skipWithoutChromium) console.log(`# Browser tests SKIPPED: ${skipWithoutChromium}`);

/** Under CI a missing Chromium fails every test, each with the reason. */
export function requireChromium(): void {
  if (chromiumMissing) throw new Error(`Chromium is required under CI=true but ${CHROMIUM} does not exist (.ci/run installs it)`);
}

export interface BrowserRig {
  klarnaLocal: ServerProcess;
  browser: Browser;
  close(): Promise<void>;
}

/** Starts klarna-local (merchant SHOP_MERCHANT) and Chromium side by side; null when Chromium is missing. */
export async function startBrowserRig(prefix: string): Promise<BrowserRig | null> {
  if (chromiumMissing) return null;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const [klarnaLocal, browser] = await Promise.all([
    startServerProcess([], {
      env: { DATABASE_URL: `sqlite:${path.join(workDir, 'db.sqlite')}`, KLARNA_LOCAL_MERCHANTS: `${SHOP_MERCHANT.username}:${SHOP_MERCHANT.password}`, LOG_LEVEL: 'warn' },
    }),
    chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
    }),
  ]);
  return {
    klarnaLocal,
    browser,
    async close() {
      await browser.close();
      await klarnaLocal.stop();
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}
