/**
 * Shared set-up of the browser tests: Debian's Chromium driven by playwright-core, and klarna-local
 * as a real process on a temporary SQLite file. Without Chromium the tests are skipped with the
 * reason printed, except under CI=true, where each fails with it: CI must run them.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

export interface ShopServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The shop's own HTTP server on 127.0.0.1. `handle` answers each request; a request it leaves
 * unanswered gets 404 (204 for /favicon.ico), and what it throws becomes a 500 with the error.
 */
export async function serveShop(handle: (request: http.IncomingMessage, response: http.ServerResponse, url: URL) => Promise<unknown>): Promise<ShopServer> {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://shop');
    handle(request, response, url)
      .then(() => {
        if (response.headersSent) return;
        response.writeHead(url.pathname === '/favicon.ico' ? 204 : 404);
        response.end();
      })
      .catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500);
        response.end(String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The shop's server-side calls to klarna-local as SHOP_MERCHANT, JSON in and out. */
export function merchantClient(klarnaLocal: string) {
  return (method: string, urlPath: string, body?: unknown) =>
    fetch(`${klarnaLocal}${urlPath}`, {
      method,
      headers: { authorization: SHOP_AUTH, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
}

export function sendHtml(response: http.ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  response.end(body);
}

export async function readBody(request: http.IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  return body;
}
