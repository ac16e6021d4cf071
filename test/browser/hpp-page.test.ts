/**
 * The Hosted Payment Page in a real browser, offline: a shop server on 127.0.0.1 that creates a
 * Payments session and an HPP session for it server-side (with its logo, background and landing
 * URLs), receives the status callbacks, and shows its success and failure pages; klarna-local as a
 * real process; headless Chromium as the consumer, who opens `session_url` and presses the page's
 * buttons (plain form posts, no script). Chromium enforces the page's CSP, form-action included on
 * the redirect to the shop, so a missing origin would fail the landing.
 *
 * The screenshots of the open page (desktop, and a 390 px wide phone) go to a temporary folder;
 * with SAVE_SCREENSHOTS=1 they replace docs/images/hpp-page.png and hpp-page-phone.png (README).
 *
 * Needs Debian's Chromium at /usr/bin/chromium (.ci/run installs it). Without it the tests are
 * skipped with the reason printed, except under CI=true where they fail: CI must run them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { merchantClient, readBody, requireChromium, sendHtml, serveShop, skipWithoutChromium, startBrowserRig } from '../helpers/browser.js';
import type { BrowserRig } from '../helpers/browser.js';
import type { ServerProcess } from '../helpers/process.js';
import { PROJECT_ROOT } from '../helpers/process.js';

const skip = skipWithoutChromium;

const LINES = [
  { type: 'physical', reference: 'TEE-ORG', name: 'Organic T-shirt', quantity: 2, unit_price: 24900, tax_rate: 2500, total_amount: 49800, total_tax_amount: 9960 },
  { type: 'physical', reference: 'SOCK-3', name: 'Wool socks, 3-pack', quantity: 1, unit_price: 14900, tax_rate: 2500, total_amount: 14900, total_tax_amount: 2980 },
  { type: 'shipping_fee', reference: 'POSTNORD', name: 'Home delivery', quantity: 1, unit_price: 4900, tax_rate: 2500, total_amount: 4900, total_tax_amount: 980 },
];

/** The shop's own images, served from its origin: the page's CSP must name exactly that origin for them. */
const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="176" height="40" viewBox="0 0 176 40">' +
  '<circle cx="20" cy="20" r="18" fill="#1f4d3a"/><path d="M11 21l6 6 12-14" stroke="#fff" stroke-width="4" fill="none" stroke-linecap="round"/>' +
  '<text x="46" y="27" font-family="DejaVu Sans, sans-serif" font-size="19" font-weight="700" fill="#1f4d3a">Nordic Tees</text></svg>';
const background = (width: number) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${Math.round(width * 0.66)}" viewBox="0 0 300 200" preserveAspectRatio="xMidYMid slice">` +
  '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#cfe8dc"/><stop offset="1" stop-color="#f7d6e0"/></linearGradient></defs>' +
  '<rect width="300" height="200" fill="url(#g)"/><circle cx="250" cy="40" r="70" fill="#ffffff" opacity=".35"/><circle cx="40" cy="180" r="90" fill="#1f4d3a" opacity=".08"/></svg>';

interface StatusCallback {
  event_id: string;
  session: { session_id: string; status: string; order_id?: string };
}

interface Shop {
  url: string;
  callbacks: StatusCallback[];
  /** The hosted page of each HPP session the shop created, by session id (its failure page links back there). */
  pages: Map<string, string>;
  /** Resolves once `count` status callbacks have arrived. */
  waitForCallbacks(count: number): Promise<StatusCallback[]>;
  close(): Promise<void>;
}

const shopPage = (title: string, body: string) =>
  `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${title}</title>\n</head>\n<body>\n<h1>${title}</h1>\n${body}\n</body>\n</html>\n`;

async function startShop(): Promise<Shop> {
  const callbacks: StatusCallback[] = [];
  const pages = new Map<string, string>();
  const server = await serveShop(async (request, response, url) => {
    const route = `${request.method ?? ''} ${url.pathname}`;
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    if (route === 'POST /status') {
      callbacks.push(JSON.parse(await readBody(request)) as StatusCallback);
      return send(200, 'application/json', '{}');
    }
    if (route === 'GET /success') return sendHtml(response, 200, shopPage('Thank you', '<p>Your order is on its way.</p>'));
    if (route === 'GET /failure') {
      const again = pages.get(url.searchParams.get('sid') ?? '') ?? '/';
      return sendHtml(response, 200, shopPage('Payment declined', `<p><a id="try-again" href="${again}">Try again</a></p>`));
    }
    if (route === 'GET /logo.svg') return send(200, 'image/svg+xml', LOGO_SVG);
    if (route === 'GET /background-640.svg') return send(200, 'image/svg+xml', background(640));
    if (route === 'GET /background-1600.svg') return send(200, 'image/svg+xml', background(1600));
  });
  return {
    ...server,
    callbacks,
    pages,
    async waitForCallbacks(count) {
      const deadline = Date.now() + 10_000;
      while (callbacks.length < count) {
        if (Date.now() > deadline) throw new Error(`${count} status callbacks expected, got ${JSON.stringify(callbacks.map((c) => c.session.status))}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return callbacks;
    },
  };
}

interface Created {
  session_id: string;
  session_url: string;
  redirect_url: string;
}

describe('Hosted Payment Page in a real browser (Chromium)', { timeout: 60_000 }, () => {
  let rig: BrowserRig | null = null;
  let klarnaLocal: ServerProcess;
  let shop: Shop;
  let browser: Browser;

  before(async () => {
    rig = await startBrowserRig('klarna-local-hpp-');
    if (!rig) return; // skipped, or failed by each test under CI
    ({ klarnaLocal, browser } = rig);
    shop = await startShop();
  });

  after(async () => {
    await shop?.close();
    await rig?.close();
  });

  const call = async (method: string, urlPath: string, body?: unknown) => {
    const res = await merchantClient(klarnaLocal.url)(method, urlPath, body);
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  /** What the shop's server does: a Payments session, then the HPP session for it. */
  async function createHostedPayment(merchantUrls: Record<string, string>): Promise<Created> {
    const session = await call('POST', '/payments/v1/sessions', {
      purchase_country: 'SE',
      purchase_currency: 'SEK',
      locale: 'sv-SE',
      order_amount: 69600,
      order_tax_amount: 13920,
      order_lines: LINES,
      billing_address: { given_name: 'Testperson-se', family_name: 'Approved', email: 'customer@email.se', country: 'SE' },
    });
    assert.equal(session.status, 200, JSON.stringify(session.json));
    const created = await call('POST', '/hpp/v1/sessions', {
      payment_session_url: `${klarnaLocal.url}/payments/v1/sessions/${String(session.json.session_id)}`,
      merchant_urls: merchantUrls,
      options: {
        place_order_mode: 'CAPTURE_ORDER',
        page_title: 'Nordic Tees: complete your purchase',
        logo_url: `${shop.url}/logo.svg`,
        background_images: [
          { url: `${shop.url}/background-640.svg`, width: 640 },
          { url: `${shop.url}/background-1600.svg`, width: 1600 },
        ],
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const hosted = created.json as unknown as Created;
    shop.pages.set(hosted.session_id, hosted.redirect_url);
    return hosted;
  }

  async function hppStatus(sessionId: string): Promise<{ status: string; order_id?: string }> {
    const res = await call('GET', `/hpp/v1/sessions/${sessionId}`);
    assert.equal(res.status, 200);
    return res.json as { status: string; order_id?: string };
  }

  /** A page that records every problem: console errors and warnings (CSP refusals among them), page errors, requests off the machine. */
  async function watchedPage(viewport = { width: 1280, height: 900 }, deviceScaleFactor = 1): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport, deviceScaleFactor });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (request) => {
      if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(request.url())) problems.push(`request off the machine: ${request.url()}`);
    });
    return { page, problems };
  }

  /** Where the screenshots go: docs/images with SAVE_SCREENSHOTS=1, else a temporary folder. */
  const screenshotDir = process.env.SAVE_SCREENSHOTS === '1' ? path.join(PROJECT_ROOT, 'docs', 'images') : fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-hpp-shots-'));

  it('CAPTURE_ORDER: the consumer opens session_url, approves with the prefilled e-mail and lands on the shop\'s success URL with {{session_id}} and {{order_id}} filled; the order is CAPTURED', { skip }, async () => {
    requireChromium();
    const created = await createHostedPayment({ success: `${shop.url}/success?sid={{session_id}}&order_id={{order_id}}`, status_update: `${shop.url}/status` });
    const { page, problems } = await watchedPage();
    await page.goto(created.session_url);
    assert.equal(page.url(), created.redirect_url, 'session_url sends a browser on to the page');
    await page.locator('#hpp-approve-button').waitFor({ state: 'visible' });

    assert.equal(await page.title(), 'Nordic Tees: complete your purchase');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.deepEqual(await page.locator('#hpp-lines th').allInnerTexts(), ['Organic T-shirt × 2', 'Wool socks, 3-pack × 1', 'Home delivery × 1']);
    assert.match(await page.locator('#hpp-total').innerText(), /^696,00\skr$/);
    assert.equal(await page.locator('#hpp-email').inputValue(), 'customer@email.se');
    assert.equal(await page.getByLabel('E-mail').count(), 1, 'the e-mail field has a real label');
    assert.equal(await page.getByLabel('Pay with Klarna').isChecked(), true);
    // The shop's logo and background loaded under the page's CSP (naturalWidth 0 would mean refused).
    assert.ok((await page.locator('#hpp-logo').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)) > 0, 'the logo loaded');
    assert.match(await page.locator('#hpp-backdrop').evaluate((img) => (img as unknown as { currentSrc: string }).currentSrc), /background-1600\.svg$/, 'a wide screen takes the wide background from the srcset');
    assert.equal(await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth'), true, 'no horizontal scrolling');
    await page.screenshot({ path: path.join(screenshotDir, 'hpp-page.png') });

    await page.locator('#hpp-approve-button').click();
    await page.waitForURL(/\/success\?/);
    const landed = new URL(page.url());
    assert.equal(landed.origin + landed.pathname, `${shop.url}/success`);
    assert.equal(landed.searchParams.get('sid'), created.session_id);
    const orderId = landed.searchParams.get('order_id');
    assert.ok(orderId && /^[0-9a-f-]{36}$/.test(orderId), `an order id: ${page.url()}`);
    assert.equal(await page.locator('h1').innerText(), 'Thank you');

    const session = await hppStatus(created.session_id);
    assert.equal(session.status, 'COMPLETED');
    assert.equal(session.order_id, orderId);
    const order = await call('GET', `/ordermanagement/v1/orders/${orderId}`);
    assert.equal(order.status, 200, JSON.stringify(order.json));
    assert.equal(order.json.status, 'CAPTURED');
    assert.equal(order.json.captured_amount, 69600);
    assert.equal(order.json.order_amount, 69600);
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('the open page on a 390 px wide phone: one column, nothing wider than the screen, the background for a phone, keyboard focus visible', { skip }, async () => {
    requireChromium();
    const created = await createHostedPayment({ success: `${shop.url}/success` });
    const { page, problems } = await watchedPage({ width: 390, height: 844 }, 2);
    await page.goto(created.redirect_url);
    await page.locator('#hpp-approve-button').waitFor({ state: 'visible' });
    assert.equal(await page.evaluate<number>('document.documentElement.scrollWidth'), 390, 'no horizontal scrolling');
    // The server's pick for a phone is the src; at 2 device pixels a CSS pixel the browser may take a wider one from the srcset.
    assert.equal(await page.locator('#hpp-backdrop').getAttribute('src'), `${shop.url}/background-640.svg`);
    assert.ok((await page.locator('#hpp-backdrop').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)) > 0, 'the background loaded');
    const [approve, decline, cancel] = await Promise.all(['#hpp-approve-button', '#hpp-decline-button', '#hpp-cancel-button'].map((id) => page.locator(id).boundingBox()));
    assert.ok(approve && decline && cancel);
    assert.ok(approve.width > 300 && approve.height >= 48, `a wide, tall Approve button: ${JSON.stringify(approve)}`);
    assert.ok(decline.height >= 44 && cancel.x + cancel.width <= 390, 'the other three fit in a row');
    await page.screenshot({ path: path.join(screenshotDir, 'hpp-page-phone.png'), fullPage: true });

    // Keyboard: from the e-mail field, Tab reaches Approve and then Decline, each with a visible outline.
    await page.locator('#hpp-email').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate<string>('document.activeElement.id'), 'hpp-approve-button');
    assert.equal(await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle'), 'solid', 'focus is visible');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate<string>('document.activeElement.id'), 'hpp-decline-button');
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('decline (to the shop\'s failure page), try again, approve: the shop got IN_PROGRESS, FAILED, IN_PROGRESS, COMPLETED in that order', { skip }, async () => {
    requireChromium();
    const created = await createHostedPayment({
      success: `${shop.url}/success?sid={{session_id}}&order_id={{order_id}}`,
      failure: `${shop.url}/failure?sid={{session_id}}`,
      status_update: `${shop.url}/status`,
    });
    shop.callbacks.length = 0;
    const { page, problems } = await watchedPage();
    const statuses = () => shop.callbacks.map((c) => c.session.status);

    // Each step waits for its callback, so the order the shop saw is the order of the steps.
    await page.goto(created.session_url);
    await page.locator('#hpp-decline-button').waitFor({ state: 'visible' });
    await shop.waitForCallbacks(1);

    // Declined with the keyboard: the button focused, Enter.
    await page.locator('#hpp-decline-button').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/failure\?/);
    assert.equal(new URL(page.url()).searchParams.get('sid'), created.session_id);
    await shop.waitForCallbacks(2);
    assert.equal((await hppStatus(created.session_id)).status, 'FAILED');

    await page.locator('#try-again').click();
    await page.waitForURL(created.redirect_url);
    assert.equal(await page.locator('#hpp-notice').innerText(), 'The payment was declined. You can try again, with another e-mail or payment method.');
    await shop.waitForCallbacks(3);

    await page.locator('#hpp-approve-button').click();
    await page.waitForURL(/\/success\?/);
    assert.equal(new URL(page.url()).searchParams.get('sid'), created.session_id);
    const callbacks = await shop.waitForCallbacks(4);
    assert.deepEqual(statuses(), ['IN_PROGRESS', 'FAILED', 'IN_PROGRESS', 'COMPLETED']);
    assert.ok(callbacks.every((c) => c.session.session_id === created.session_id));
    assert.equal(new Set(callbacks.map((c) => c.event_id)).size, 4, 'each event once');
    assert.equal(callbacks[3]?.session.order_id, new URL(page.url()).searchParams.get('order_id'));
    assert.equal((await hppStatus(created.session_id)).status, 'COMPLETED');
    assert.deepEqual(problems, []);
    await page.context().close();
  });
});
