/**
 * Secrets stay out of the logs. A real server process at LOG_LEVEL=trace (the most it ever writes)
 * on a SQLite file runs a full purchase of every kind: a Payments session authorized in the sandbox,
 * its callback listed and redelivered, its order captured and refunded and its timeline read; a Checkout order completed through the sandbox, its push
 * delivered; a customer-token order; the payout of it all with its reports and a dispute; the shopper pages' token-authenticated reads; requests with
 * wrong credentials; a card number in line names and merchant data; the Merchant Card Service's key,
 * promise, settlements, their reads by id and by order under `KeyId`, a card used and cancel requests;
 * and the dashboard: a refused and a real sign-in with the form, the orders list, an order page, a
 * refund with the CSRF token, sign-out, and the signed-out cookie tried again.
 * Everything the process wrote is then searched: no password, no Authorization header or Basic
 * credentials, no card number, no shopper token, no virtual card's number, code or data, nor any AES
 * key that wrapped them, no dashboard session cookie or CSRF token; and every request's correlation id is there.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { orderBody } from '../helpers/harness.js';
import { startFakeMerchant } from '../helpers/merchant-server.js';
import type { FakeMerchant } from '../helpers/merchant-server.js';
import { startServerProcess } from '../helpers/process.js';
import type { ServerProcess } from '../helpers/process.js';
import { checkoutBody, pageTokenOf, sandboxTokenBody } from '../helpers/resources.js';
import { decryptCard, keyPair } from '../api/merchant-card/api-helpers.js';
import type { IssuedCard } from '../api/merchant-card/api-helpers.js';

// Distinctive, so finding one anywhere in the output cannot be a coincidence.
const SHOP = { username: 'shop_logs', password: 'Pw-shop-9f41c27b' };
const OTHER = { username: 'other_logs', password: 'Pw-other-5d83e6a0' };
const PAN = '4111111111111111';
/** A wrong password typed into the dashboard's sign-in form. */
const WRONG_PASSWORD = 'Pw-typo-7c20e94d';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A 13–19 digit run that passes the Luhn check: what a card number looks like. */
function cardNumbersIn(text: string): string[] {
  const luhn = (digits: string) =>
    [...digits].reverse().reduce((sum, ch, i) => {
      const d = Number(ch) * (i % 2 === 1 ? 2 : 1);
      return sum + (d > 9 ? d - 9 : d);
    }, 0) %
      10 ===
    0;
  // Not the fraction of a number (response times) and not part of a longer run of digits.
  return [...text.matchAll(/(?<![\d.])\d{13,19}(?![\d.])/g)].map((m) => m[0]).filter((run) => luhn(run) && !/^1[6-9]\d{11}$/.test(run));
}

describe('secrets in logs', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-secrets-'));
  let server: ServerProcess;
  let merchant: FakeMerchant;
  const correlationIds: string[] = [];
  const authorizations = new Set<string>();
  const shopperTokens: string[] = [];
  /** The dashboard's session cookie values and CSRF tokens handed out. */
  const dashboardSecrets: string[] = [];

  /** One request to the server process; remembers the credentials sent and the correlation id answered. */
  async function send(method: string, url: string, body?: unknown, authorization: string | null = basic(SHOP.username, SHOP.password), extraHeaders: Record<string, string> = {}) {
    const headers: Record<string, string> = { ...extraHeaders };
    if (authorization !== null) {
      headers.authorization = authorization;
      authorizations.add(authorization);
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${url}`, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
    const text = await res.text();
    const correlationId = res.headers.get('klarna-correlation-id');
    assert.ok(correlationId, `${method} ${url}: a correlation id`);
    correlationIds.push(correlationId);
    return { status: res.status, text, json: () => JSON.parse(text) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  /** One dashboard request, as a browser makes it (a form, the session cookie, redirects not followed); remembers the correlation id. */
  async function page(method: 'GET' | 'POST', url: string, cookie: string | null, fields?: Record<string, string>) {
    const headers: Record<string, string> = { accept: 'text/html' };
    if (cookie !== null) headers.cookie = cookie;
    if (fields) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(`${server.url}${url}`, { method, headers, redirect: 'manual', ...(fields && { body: new URLSearchParams(fields).toString() }) });
    const text = await res.text();
    const correlationId = res.headers.get('klarna-correlation-id');
    assert.ok(correlationId, `${method} ${url}: a correlation id`);
    correlationIds.push(correlationId);
    return { status: res.status, text, location: res.headers.get('location'), setCookie: res.headers.get('set-cookie') };
  }

  before(async () => {
    merchant = await startFakeMerchant();
    server = await startServerProcess([], {
      env: {
        DATABASE_URL: `sqlite:${path.join(root, 'db.sqlite')}`,
        KLARNA_LOCAL_MERCHANTS: `${SHOP.username}:${SHOP.password},${OTHER.username}:${OTHER.password}`,
        LOG_LEVEL: 'trace',
        CALLBACK_POLL_MS: '20',
      },
    });
  });
  after(async () => {
    await server?.stop();
    await merchant?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a full run at trace level logs every request by its correlation id and no password, credentials, card number or shopper token', async () => {
    const lines = [
      { type: 'physical', reference: 'SKU-1', name: `Gift card ${PAN}`, quantity: 2, unit_price: 5000, tax_rate: 2500, total_amount: 10000, total_tax_amount: 2000, merchant_data: `{"pan":"${PAN}"}` },
      { type: 'shipping_fee', reference: 'SHIP', name: 'Shipping', quantity: 1, unit_price: 2500, tax_rate: 2500, total_amount: 2500, total_tax_amount: 500 },
    ];
    const { merchant_reference1: _ref, ...purchase } = orderBody({ order_lines: lines, merchant_data: `card ${PAN}` });

    // Payments: session, the shopper's authorization (and its callback), the order, a capture, a refund.
    merchant.answer({ status: 500 });
    const session = await send('POST', '/payments/v1/sessions', { ...purchase, merchant_urls: { authorization: `${merchant.url}/authorization` } });
    assert.equal(session.status, 200, session.text);
    const clientToken = String(session.json().client_token);
    shopperTokens.push(clientToken);
    assert.equal((await send('GET', `/kp/widget/api/session?client_token=${encodeURIComponent(clientToken)}`, undefined, null)).status, 200);
    const authorized = await send('POST', `/sandbox/v1/payments/sessions/${session.json().session_id}/authorize`, {});
    assert.equal(authorized.status, 200, authorized.text);
    const placed = await send('POST', `/payments/v1/authorizations/${authorized.json().authorization_token}/order`, purchase);
    assert.equal(placed.status, 200, placed.text);
    const orderPath = `/ordermanagement/v1/orders/${placed.json().order_id}`;
    assert.equal((await send('POST', `${orderPath}/captures`, { captured_amount: 12500, description: `card ${PAN}`, order_lines: lines })).status, 201);
    assert.equal((await send('POST', `${orderPath}/refunds`, { refunded_amount: 2500, description: `card ${PAN}` })).status, 201);
    assert.equal((await send('GET', orderPath)).status, 200);
    await merchant.waitFor(1, (r) => r.url === '/authorization');
    // The callback inspector, a redelivery of that callback (409 while its first attempt is still being recorded), the timeline.
    const listed = await send('GET', `/sandbox/v1/callbacks?session_id=${session.json().session_id}`);
    assert.equal(listed.status, 200, listed.text);
    let redelivered = await send('POST', `/sandbox/v1/callbacks/${listed.json().callbacks[0].callback_id}/redeliver`);
    for (let i = 0; i < 50 && redelivered.status === 409; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      redelivered = await send('POST', `/sandbox/v1/callbacks/${listed.json().callbacks[0].callback_id}/redeliver`);
    }
    assert.equal(redelivered.status, 200, redelivered.text);
    assert.equal((await send('GET', `/sandbox/v1/timeline?order_id=${placed.json().order_id}`)).status, 200);

    // Checkout: created, read by the shopper's page with its token, completed in the sandbox, pushed.
    merchant.answer({ status: 200 });
    const urls = { terms: `${merchant.url}/terms`, checkout: `${merchant.url}/checkout`, confirmation: `${merchant.url}/confirmation`, push: `${merchant.url}/push?id={checkout.order.id}` };
    const checkout = await send('POST', '/checkout/v3/orders', checkoutBody({ merchant_urls: urls, merchant_data: PAN, order_lines: [{ ...lines[0], merchant_data: PAN }, { ...lines[1], type: 'physical' }] }));
    assert.equal(checkout.status, 201, checkout.text);
    const pageToken = pageTokenOf(String(checkout.json().html_snippet));
    shopperTokens.push(pageToken);
    assert.equal((await send('GET', `/checkout/v3/page/api/order?token=${encodeURIComponent(pageToken)}`, undefined, null)).status, 200);
    const shopper = {
      email: 'customer@email.se',
      billing_address: { given_name: 'Testperson-se', family_name: 'Approved', street_address: 'Stårgatan 1', postal_code: '12345', city: 'Ankeborg', country: 'SE', phone: '+46765260000' },
    };
    const completed = await send('POST', `/sandbox/v1/checkout/orders/${checkout.json().order_id}/complete`, shopper);
    assert.equal(completed.status, 200, completed.text);
    assert.equal(completed.json().status, 'checkout_complete', completed.text);
    // The push is due two minutes after completion on the sandbox clock.
    assert.equal((await send('POST', '/sandbox/v1/clock/advance', { seconds: 150 })).status, 200);
    await merchant.waitFor(1, (r) => r.url.startsWith('/push'));

    // A hosted payment page: created, its page opened and approved through its page code, its link
    // distributed; the page code and the distribution token open the consumer's page.
    const hostedSession = await send('POST', '/payments/v1/sessions', purchase);
    assert.equal(hostedSession.status, 200, hostedSession.text);
    const hpp = await send('POST', '/hpp/v1/sessions', {
      payment_session_url: `${server.url}/payments/v1/sessions/${hostedSession.json().session_id}`,
      merchant_urls: { status_update: `${merchant.url}/hpp-status?hpp={{session_id}}` },
    });
    assert.equal(hpp.status, 201, hpp.text);
    const pagePath = new URL(String(hpp.json().redirect_url)).pathname;
    const pageCode = pagePath.split('/').pop() as string;
    const distributionToken = String(hpp.json().distribution_module.token);
    shopperTokens.push(pageCode, distributionToken);
    assert.equal((await send('GET', pagePath, undefined, null)).status, 200);
    assert.equal((await send('GET', `${pagePath}/qr`, undefined, null)).status, 200);
    assert.equal((await send('GET', `/hpp/distribution/${distributionToken}`, undefined, null)).status, 200);
    assert.equal((await send('POST', `/hpp/v1/sessions/${hpp.json().session_id}/distribution`, { method: 'email', contact_information: { email: 'customer@email.se' } })).status, 201);
    assert.equal((await send('POST', `/sandbox/v1/hpp/sessions/${hpp.json().session_id}/approve`, { email: 'customer@email.se' })).status, 200);

    // A customer token and an order on it.
    const token = await send('POST', '/sandbox/v1/customer-tokens', sandboxTokenBody());
    assert.equal(token.status, 201, token.text);
    const tokenOrder = await send('POST', `/customer-token/v1/tokens/${token.json().token_id}/order`, {
      purchase_currency: 'SEK',
      order_amount: 12500,
      order_tax_amount: 2500,
      order_lines: [{ ...lines[0], merchant_data: PAN }, lines[1]],
      merchant_data: `card ${PAN}`,
    });
    assert.equal(tokenOrder.status, 200, tokenOrder.text);

    // Settlements: the payouts of all this, a payout's transactions and reports, and a dispute.
    const run = await send('POST', '/sandbox/v1/settlements/payouts/run', { immediately: true });
    assert.equal(run.status, 200, run.text);
    const payoutReference = String(run.json().payouts[0].payment_reference);
    for (const read of [
      `/settlements/v1/payouts/${payoutReference}`,
      `/settlements/v1/transactions?payment_reference=${payoutReference}`,
      `/settlements/v1/reports/payout-with-transactions?payment_reference=${payoutReference}`,
      `/settlements/v1/reports/payout?payment_reference=${payoutReference}`,
      '/settlements/v1/payouts/summary?start_date=2000-01-01&end_date=2100-01-01',
    ]) {
      assert.equal((await send('GET', read)).status, 200, read);
    }
    const captured = await send('GET', orderPath);
    const dispute = await send('POST', '/sandbox/v1/settlements/disputes', { order_id: placed.json().order_id, capture_id: captured.json().captures[0].capture_id });
    assert.equal(dispute.status, 201, dispute.text);
    assert.equal((await send('POST', `/sandbox/v1/settlements/disputes/${dispute.json().dispute_id}/lose`, {})).status, 200);

    // Merchant Card Service: a key enrolled, two orders settled with virtual cards (one through a
    // promise), each settlement read by its id and by its order under KeyId, a card used, and cancel
    // requests decided at once (no wait): one rejected (the card in use), one cancelled and refunded.
    const pair = keyPair();
    const key = await send('POST', '/sandbox/v1/merchant-card/keys', pair.jwk);
    assert.equal(key.status, 201, key.text);
    const keyId = String(key.json().key_id);
    assert.equal((await send('PATCH', '/sandbox/v1/settings', { merchant_card_cancel_minutes: 0 })).status, 200);
    const issued: IssuedCard[] = [];
    const settledOrders: string[] = [];
    for (const promised of [true, false]) {
      const cardOrder = await send('POST', '/sandbox/v1/orders', orderBody());
      assert.equal(cardOrder.status, 201, cardOrder.text);
      const orderId = String(cardOrder.json().order_id);
      let promiseId: string | undefined;
      if (promised) {
        const cards = [
          { amount: 6000, currency: 'SEK', reference: 'seller-1' },
          { amount: 4000, currency: 'SEK', reference: 'seller-2', fund_amount: 3500 },
        ];
        const made = await send('POST', '/merchantcard/v3/promises', { order_id: orderId, cards });
        assert.equal(made.status, 201, made.text);
        promiseId = String(made.json().promise_id);
        assert.equal((await send('GET', `/merchantcard/v3/promises/${promiseId}`)).status, 200);
      }
      const settled = await send('POST', '/merchantcard/v3/settlements', { order_id: orderId, key_id: keyId, ...(promiseId && { promise_id: promiseId }) });
      assert.equal(settled.status, 201, settled.text);
      issued.push(...(settled.json().cards as IssuedCard[]));
      for (const read of [`/merchantcard/v3/settlements/${settled.json().settlement_id}`, `/merchantcard/v3/settlements/order/${orderId}`]) {
        const again = await send('GET', read, undefined, undefined, { KeyId: keyId });
        assert.equal(again.status, 200, again.text);
        issued.push(...(again.json().cards as IssuedCard[]));
      }
      if (promised) assert.equal((await send('POST', `/sandbox/v1/merchant-card/cards/${settled.json().cards[1].card_id}/use`)).status, 200);
      assert.equal((await send('POST', `/merchantcard/v3/orders/${orderId}/cancel-request`)).status, 202);
      const decided = await send('GET', `/merchantcard/v3/orders/${orderId}/cancel-request`);
      assert.equal(decided.json().status, promised ? 'REJECTED' : 'CANCELLED', decided.text);
      settledOrders.push(orderId);
    }
    const cancelled = await send('GET', `/ordermanagement/v1/orders/${settledOrders[1]}`);
    assert.equal(cancelled.json().refunded_amount, 12500, cancelled.text);
    // What only the merchant's private key reveals: each card's data, and each AES key that encrypted it.
    const cardSecrets = issued.map((card) => decryptCard(card, pair));
    assert.equal(new Set(cardSecrets.map((c) => c.pan)).size, 3, 'three cards, each read three times');
    const aesKeys = issued.map((card) => Buffer.from(pair.forgeKey.decrypt(Buffer.from(card.aes_key, 'base64').toString('binary'), 'RSAES-PKCS1-V1_5'), 'binary'));

    // Wrong credentials of every kind, and a refused body holding the card number.
    for (const authorization of [
      basic(SHOP.username, 'wrong-password'),
      basic(SHOP.username, OTHER.password),
      basic('nobody', SHOP.password),
      `Basic ${Buffer.from(SHOP.password).toString('base64')}`,
      `Bearer ${SHOP.password}`,
    ]) {
      assert.equal((await send('GET', orderPath, undefined, authorization)).status, 401);
    }
    assert.equal((await send('GET', orderPath, undefined, null)).status, 401);
    assert.equal((await send('POST', `${orderPath}/captures`, { captured_amount: PAN })).status, 422);
    assert.equal((await send('GET', orderPath, undefined, basic(OTHER.username, OTHER.password))).status, 404);

    // The dashboard: a wrong password, then a sign-in with the form, the orders list, the order's
    // page, a refund with the CSRF token, sign-out, and the signed-out cookie once more.
    assert.equal((await page('POST', '/dashboard/sign-in', null, { username: SHOP.username, password: WRONG_PASSWORD })).status, 401);
    const signIn = await page('POST', '/dashboard/sign-in', null, { username: SHOP.username, password: SHOP.password, next: '/dashboard/orders' });
    assert.equal(signIn.status, 303, signIn.text);
    const sessionValue = /klarna_local_dashboard=([^;]+)/.exec(signIn.setCookie ?? '')?.[1];
    assert.ok(sessionValue, 'the sign-in sets the session cookie');
    const cookie = `klarna_local_dashboard=${sessionValue}`;
    const orders = await page('GET', '/dashboard/orders', cookie);
    assert.equal(orders.status, 200, orders.text);
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(orders.text)?.[1];
    assert.ok(csrf, 'the pages carry the CSRF token');
    dashboardSecrets.push(sessionValue, csrf);
    assert.ok(orders.text.includes(String(placed.json().order_id)), 'the list shows the order');
    const orderPage = `/dashboard/orders/${placed.json().order_id}`;
    assert.equal((await page('GET', orderPage, cookie)).status, 200);
    const refunded = await page('POST', `${orderPage}/actions/refund`, cookie, { csrf_token: csrf, amount: '1.00' });
    assert.equal(refunded.status, 303, refunded.text);
    assert.equal((await page('GET', refunded.location ?? orderPage, cookie)).status, 200);
    assert.equal((await page('POST', `${orderPage}/actions/refund`, cookie, { amount: '1.00' })).status, 403, 'no refund without the token');
    const signedOut = await page('POST', '/dashboard/sign-out', cookie, { csrf_token: csrf });
    assert.equal(signedOut.status, 303, signedOut.text);
    const after = await page('GET', '/dashboard/orders', cookie);
    assert.equal(after.status, 303, 'the cookie no longer signs in');
    assert.equal((await send('GET', orderPath)).json().refunded_amount, 2600, 'the refund was made');

    const code = await server.stop();
    assert.equal(code, 0);
    const output = server.output();

    for (const password of [SHOP.password, OTHER.password]) assert.equal(output.includes(password), false, `a password in the logs:\n${output}`);
    for (const header of authorizations) {
      assert.equal(output.includes(header.split(' ')[1] as string), false, `an Authorization header in the logs: ${header}`);
    }
    assert.doesNotMatch(output, /Basic [A-Za-z0-9+/=]{4,}/, 'no Basic credentials');
    assert.equal(output.includes(PAN), false, 'the card number is not in the logs');
    assert.deepEqual(cardNumbersIn(output), [], 'nothing shaped like a card number');
    for (const shopperToken of shopperTokens) assert.equal(output.includes(shopperToken), false, 'a shopper token in the logs');
    assert.equal(output.includes(WRONG_PASSWORD), false, 'a password typed into the sign-in form is in the logs');
    assert.equal(dashboardSecrets.length, 2);
    for (const secret of dashboardSecrets) assert.equal(output.includes(secret), false, `a dashboard session cookie or CSRF token in the logs: ${secret}`);
    for (const card of cardSecrets) {
      assert.equal(output.includes(card.pan), false, 'a virtual card\'s number in the logs');
      // A code is three digits, as found in any status code or pid: searched as the JSON string it is.
      assert.equal(output.includes(`"${card.cvv}"`), false, `a virtual card's code ("${card.cvv}") in the logs`);
      assert.equal(output.includes(JSON.stringify(card)), false, 'a virtual card\'s data in the logs');
    }
    assert.doesNotMatch(output, /cvv|expiry_date|"pan"/i, 'no card data field in the logs');
    for (const aesKey of aesKeys) {
      for (const encoded of [aesKey.toString('hex'), aesKey.toString('base64'), aesKey.toString('base64url')]) {
        assert.equal(output.toLowerCase().includes(encoded.toLowerCase()), false, `an unwrapped AES key (${encoded}) in the logs`);
      }
    }

    // Every request is in the logs under its correlation id, and every line a request wrote carries one.
    const entries = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const logged = new Set(entries.map((e) => e.correlation_id).filter((id) => typeof id === 'string'));
    const missing = correlationIds.filter((id) => !logged.has(id));
    assert.deepEqual(missing, [], `requests without a log line:\n${output}`);
    for (const entry of entries.filter((e) => e.req !== undefined || e.res !== undefined)) assert.equal(typeof entry.correlation_id, 'string', JSON.stringify(entry));
    assert.ok(entries.some((e) => e.msg === 'merchant callback attempt failed'), 'the failed authorization callback is logged');
  });
});
