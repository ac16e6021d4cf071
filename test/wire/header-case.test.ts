/**
 * Header names in the case Klarna's API answers with (`Content-Type`, `Location`,
 * `Klarna-Correlation-Id`, `Capture-Id`, `WWW-Authenticate`, `X-Ratelimit-Limit`, …), read off the raw
 * header lines: Klarna's PHP SDK looks `Content-Type` and `Location` up by exact name, so a lower-case
 * name breaks it after a correct answer. Every route of the app is walked (the route table the fuzz
 * test checks against the app's own; the dashboard's with a signed-in session and its CSRF token in
 * the forms), plus unknown routes, 405s, 401s, 429s, and `serve --processes 2`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects, createTestDatabase } from '../helpers/databases.js';
import { MERCHANT, basicAuth, buildTestApp, orderBody } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';
import { startServerProcess } from '../helpers/process.js';
import { exchange, nonCanonicalNames, requestBytes } from '../helpers/raw-http.js';
import type { RawResponse } from '../helpers/raw-http.js';
import { checkoutBody, createResources } from '../helpers/resources.js';
import { ROUTES, idsOf, realParams, registeredRoutes, urlOf } from '../helpers/routes.js';
import type { Ids } from '../helpers/routes.js';
import { form, signedIn } from '../api/dashboard/helpers.js';

const AUTH = basicAuth(MERCHANT);

const names = (response: RawResponse) => response.headerLines.map(([name]) => name);

/** One request on a connection of its own; the single response. */
async function send(port: number, method: string, path: string, options: { auth?: string | null; body?: string; contentType?: string; headers?: string[] } = {}): Promise<RawResponse> {
  const lines = ['Host: api.playground.klarna.com', 'Accept: */*', 'Connection: close', ...(options.headers ?? [])];
  const auth = options.auth === undefined ? AUTH : options.auth;
  if (auth) lines.push(`Authorization: ${auth}`);
  if (options.body !== undefined) lines.push(`Content-Type: ${options.contentType ?? 'application/json'}`, `Content-Length: ${Buffer.byteLength(options.body)}`);
  const ex = await exchange(port, [requestBytes(method, path, lines, options.body ?? '')]);
  assert.equal(ex.responses.length, 1, `${method} ${path}: one response: ${ex.raw.toString('latin1').slice(0, 300)}`);
  return ex.responses[0] as RawResponse;
}

/** Every name canonical, the correlation id under its exact name, and Content-Type exactly so whenever there is a body. */
function assertCanonical(response: RawResponse, what: string): void {
  assert.deepEqual(nonCanonicalNames(response), [], `${what}: ${JSON.stringify(names(response))}`);
  assert.ok(names(response).includes('Klarna-Correlation-Id'), `${what}: Klarna-Correlation-Id in ${JSON.stringify(names(response))}`);
  if (response.body.length > 0) assert.ok(names(response).includes('Content-Type'), `${what}: Content-Type in ${JSON.stringify(names(response))}`);
}

for (const dialect of await availableDialects()) {
  describe(`header names in Klarna's case, on the wire (${dialect})`, () => {
    let t: TestApp;
    let port: number;
    let ids: Ids;

    before(async () => {
      t = await buildTestApp({ dialect });
      port = await t.listen();
      ids = idsOf(await createResources(t, MERCHANT));
    });
    after(async () => t.close());

    it('every route of the app answers with canonical header names (successes and refusals alike)', async () => {
      assert.deepEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort(), registeredRoutes(t.app), 'the route table is the app\'s own');
      const statuses = new Set<number>();
      const browser = await signedIn(t);
      for (const spec of ROUTES) {
        const query = spec.query ? `?${new URLSearchParams(Object.fromEntries(Object.entries(spec.query).map(([k, v]) => [k, v(ids)]))).toString()}` : '';
        const path = urlOf(spec, realParams(spec, ids), query);
        let body = spec.body ? JSON.stringify(spec.body(ids)) : undefined;
        const headers = Object.entries(spec.headers?.(ids) ?? {}).map(([name, value]) => `${name}: ${value}`);
        let contentType: string | undefined;
        if (spec.auth === 'dashboard') {
          // Signed in, with the session's CSRF token in every form. The endless event stream is
          // walked without a session (its 401); the stream itself is read in api/dashboard/live.test.ts.
          if (!spec.stream) headers.push(`Cookie: ${browser.cookie ?? ''}`);
          if (spec.method === 'POST') {
            body = form({ ...(!spec.open && { csrf_token: browser.csrf ?? '' }), ...spec.form?.(ids) });
            contentType = 'application/x-www-form-urlencoded';
          }
        }
        const response = await send(port, spec.method, path, { auth: spec.auth === 'merchant' ? AUTH : null, body, contentType, headers });
        assertCanonical(response, `${spec.method} ${spec.path} → ${response.status}`);
        if (spec.auth === 'dashboard' && !spec.open && !spec.stream && spec.path !== '/dashboard/sign-out') {
          // (A 403 may be Klarna's refusal of the action, shown on the page: not the form's.)
          const refused = (response.headers.location ?? '').startsWith('/dashboard/sign-in') || /<title>This form has expired/.test(response.text);
          assert.equal(refused, false, `${spec.path} → ${response.status}: the session and its token hold`);
        }
        statuses.add(response.status);
      }
      // The walk met answers of every shape: 200, 201, 204, 202 and refusals.
      for (const status of [200, 201, 202, 204]) assert.ok(statuses.has(status), `a ${status} among ${[...statuses].join(', ')}`);
      // The walk ends with the routes that replace and delete the merchant's whole state (a snapshot
      // import, a reset): the tests after it get resources anew.
      ids = idsOf(await createResources(t, MERCHANT));
    });

    it('201s carry Location, Capture-Id and Refund-Id under those exact names; 204s no Content-Type', async () => {
      const order = await t.createOrder();
      const capture = await send(port, 'POST', `/ordermanagement/v1/orders/${order.order_id}/captures`, { body: '{"captured_amount":5000}' });
      assert.equal(capture.status, 201);
      assertCanonical(capture, 'capture');
      for (const name of ['Location', 'Capture-Id']) assert.ok(names(capture).includes(name), `${name} in ${JSON.stringify(names(capture))}`);
      const refund = await send(port, 'POST', `/ordermanagement/v1/orders/${order.order_id}/refunds`, { body: '{"refunded_amount":1000}' });
      assert.equal(refund.status, 201);
      for (const name of ['Location', 'Refund-Id']) assert.ok(names(refund).includes(name), `${name} in ${JSON.stringify(names(refund))}`);
      const acknowledge = await send(port, 'POST', `/ordermanagement/v1/orders/${order.order_id}/acknowledge`);
      assert.equal(acknowledge.status, 204);
      assertCanonical(acknowledge, 'acknowledge');
      assert.equal(names(acknowledge).includes('Content-Type'), false);
      const checkout = await send(port, 'POST', '/checkout/v3/orders', { body: JSON.stringify(checkoutBody()) });
      assert.equal(checkout.status, 201);
      assert.ok(names(checkout).includes('Location') && names(checkout).includes('Content-Type'), JSON.stringify(names(checkout)));
    });

    it('unknown routes, wrong methods, missing credentials, malformed JSON and the shopper pages answer with canonical names', async () => {
      const cases: [string, string, { auth?: string | null; body?: string }, number][] = [
        ['GET', '/ordermanagement/v1/nothing', {}, 404],
        ['DELETE', `/ordermanagement/v1/orders/${ids.order_id}`, {}, 405],
        ['GET', `/ordermanagement/v1/orders/${ids.order_id}`, { auth: null }, 401],
        ['GET', `/checkout/v3/orders/${ids.checkout_order_id}`, { auth: 'Basic d3Jvbmc6d3Jvbmc=' }, 401],
        ['GET', '/sandbox/v1/settings', { auth: null }, 401],
        ['POST', `/ordermanagement/v1/orders/${ids.order_id}/captures`, { body: '{"captured_amount":' }, 400],
        ['GET', `/checkout/v3/page/checkout?token=${encodeURIComponent(ids.page_token)}`, { auth: null }, 200],
        ['GET', '/kp/lib/v1/api.js', { auth: null }, 200],
        ['GET', '/metrics', { auth: null }, 200],
      ];
      for (const [method, path, options, status] of cases) {
        const response = await send(port, method, path, options);
        assert.equal(response.status, status, `${method} ${path}: ${response.text.slice(0, 200)}`);
        assertCanonical(response, `${method} ${path} → ${status}`);
        if (status === 401) assert.ok(names(response).includes('WWW-Authenticate'), JSON.stringify(names(response)));
      }
      const page = await send(port, 'GET', `/checkout/v3/page/checkout?token=${encodeURIComponent(ids.page_token)}`, { auth: null });
      assert.ok(names(page).includes('Content-Security-Policy'), JSON.stringify(names(page)));
    });
  });
}

describe('header names with the rate limit on (429s)', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ dialect: 'sqlite', config: { rateLimit: 'playground' } });
  });
  after(async () => t.close());

  it('X-Ratelimit-Limit, X-Ratelimit-Remaining, X-Ratelimit-Reset and Retry-After, exactly so', async () => {
    const port = await t.listen();
    const body = JSON.stringify(orderBody());
    const answers: RawResponse[] = [];
    for (let i = 0; i < 6; i++) answers.push(await send(port, 'POST', '/payments/v1/sessions', { body }));
    const allowed = answers[0] as RawResponse;
    const refused = answers[5] as RawResponse;
    assert.equal(allowed.status, 200);
    assert.equal(refused.status, 429, refused.text);
    for (const response of [allowed, refused]) {
      assertCanonical(response, String(response.status));
      for (const name of ['X-Ratelimit-Limit', 'X-Ratelimit-Remaining', 'X-Ratelimit-Reset']) assert.ok(names(response).includes(name), `${name} in ${JSON.stringify(names(response))}`);
    }
    assert.ok(names(refused).includes('Retry-After'), JSON.stringify(names(refused)));
  });
});

describe('header names under serve --processes 2', () => {
  it('every worker answers with canonical names', async () => {
    const database = await createTestDatabase('sqlite');
    const server = await startServerProcess(['--processes', '2', '--database-url', database.url], { env: { KLARNA_LOCAL_MERCHANTS: `${MERCHANT.username}:${MERCHANT.password}` } });
    try {
      const port = Number(new URL(server.url).port);
      const created = await send(port, 'POST', '/sandbox/v1/orders', { body: JSON.stringify(orderBody()) });
      assert.equal(created.status, 201, created.text);
      assertCanonical(created, 'sandbox order');
      assert.ok(names(created).includes('Location'));
      const orderId = created.json().order_id as string;
      // Each request on a new connection, so both workers answer some of them.
      for (let i = 0; i < 6; i++) {
        for (const [method, path, options] of [
          ['GET', `/ordermanagement/v1/orders/${orderId}`, {}],
          ['GET', `/ordermanagement/v1/orders/${orderId}`, { auth: null }],
          ['GET', '/nothing/here', {}],
          ['GET', '/metrics', { auth: null }],
        ] as const) {
          const response = await send(port, method, path, options);
          assertCanonical(response, `${method} ${path} → ${response.status}`);
        }
      }
    } finally {
      assert.equal(await server.stop(), 0);
      await database.drop();
    }
  });
});
