/**
 * The request shapes of real Klarna clients, replayed byte for byte on a bare socket, and what those
 * clients read back (behaviour reference §12). No client library is involved: a library would tidy up
 * exactly the framing and header case these tests are about.
 *
 *  - Klarna's PHP SDK (kco_rest_php 4.x, Guzzle over curl): Title-Case request headers, a `User-Agent`
 *    naming the SDK, `Content-Type: application/json` on every write (also on an empty acknowledge and
 *    on a DELETE without a body), bodies framed by `Content-Length`, `Expect: 100-continue` on bodies
 *    over a megabyte. It reads `Content-Type` and `Location` back by exact name, expects a 401 without
 *    `error_code`, and a Checkout 404 whose body is not an error object.
 *  - A Node client on `https.request` (`@crystallize/node-klarna`): lower-case names,
 *    `Connection: keep-alive`, chunked POST bodies (its unframed GET body: stray-body.test.ts).
 *  - An HTTP client that authenticates only after the challenge (.NET's default): the first request
 *    has no `Authorization`, the retry on the same connection has it.
 *  - curl: `Accept: *\/*`, `-d ''` sends a form content type with an empty body, any `Host`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../helpers/databases.js';
import { MERCHANT, PUBLIC_URL, basicAuth, buildTestApp, orderBody } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';
import { checkoutBody, sandboxTokenBody } from '../helpers/resources.js';
import { exchange, requestBytes } from '../helpers/raw-http.js';
import type { RawResponse } from '../helpers/raw-http.js';

const AUTH = basicAuth(MERCHANT);
const TOKEN = AUTH.slice('Basic '.length);
const PHP_AGENT = 'User-Agent: Library/Klarna.kco_rest_php_4.2.3 (Guzzle/7.9.2; curl/8.5.0) OS/Linux_6.1 Language/PHP_8.3.6';

/** A header's value by its exact name, as a client that does not fold case reads it (undefined when only another case exists). */
const exact = (response: RawResponse, name: string): string | undefined => response.headerLines.find(([n]) => n === name)?.[1];

/** The PHP SDK's request: Title-Case names, its User-Agent, JSON framed by Content-Length. */
function php(method: string, path: string, body?: string, extra: string[] = []): string {
  const lines = ['Host: api.playground.klarna.com', `Authorization: ${AUTH}`, PHP_AGENT, ...extra];
  if (body !== undefined) lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  return requestBytes(method, path, lines, body ?? '');
}

async function one(port: number, bytes: string | (string | { waitMs: number })[]): Promise<RawResponse> {
  const ex = await exchange(port, Array.isArray(bytes) ? bytes : [bytes], { responses: 1, graceMs: 5 });
  assert.equal(ex.responses.length, 1, ex.raw.toString('latin1').slice(0, 500));
  return ex.responses[0] as RawResponse;
}

/** What the PHP SDK checks on a JSON answer: the status, and `Content-Type` by exact name matching application/json. */
function assertPhpJson(response: RawResponse, status: number, what: string): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(response.status, status, `${what}: ${response.text.slice(0, 300)}`);
  assert.match(String(exact(response, 'Content-Type')), /^application\/json/, `${what}: Content-Type by its exact name`);
  return response.json();
}

/** An answer without a body: no Content-Type line at all, nothing after the head. */
function assertEmpty(response: RawResponse, status: number, what: string): void {
  assert.equal(response.status, status, `${what}: ${response.text.slice(0, 300)}`);
  assert.equal(response.body.length, 0, what);
  assert.equal(response.headerLines.some(([name]) => name.toLowerCase() === 'content-type'), false, `${what}: no content type`);
}

for (const dialect of await availableDialects()) {
  describe(`real clients' request shapes, on the wire (${dialect})`, () => {
    let t: TestApp;
    let port: number;

    before(async () => {
      t = await buildTestApp({ dialect });
      port = await t.listen();
    });
    after(async () => t.close());

    describe("Klarna's PHP SDK (Guzzle)", () => {
      it('Order Management: read, capture (201 with Location by exact name, followed), refund, empty acknowledge, release', async () => {
        const order = await t.createOrder();
        const path = `/ordermanagement/v1/orders/${order.order_id}`;
        assert.equal(assertPhpJson(await one(port, php('GET', path)), 200, 'getOrder').order_id, order.order_id);

        const capture = await one(port, php('POST', `${path}/captures`, JSON.stringify({ captured_amount: 5000, description: 'First parcel' })));
        assertEmpty(capture, 201, 'capture');
        const location = exact(capture, 'Location');
        assert.ok(location?.startsWith(`${PUBLIC_URL}${path}/captures/`), `Location by exact name: ${location}`);
        assert.equal(location, `${PUBLIC_URL}${path}/captures/${exact(capture, 'Capture-Id')}`);
        const captured = assertPhpJson(await one(port, php('GET', new URL(location).pathname)), 200, 'fetch the Location');
        assert.equal(captured.captured_amount, 5000);

        const refund = await one(port, php('POST', `${path}/refunds`, JSON.stringify({ refunded_amount: 1000 })));
        assertEmpty(refund, 201, 'refund');
        assert.equal(exact(refund, 'Location'), `${PUBLIC_URL}${path}/refunds/${exact(refund, 'Refund-Id')}`);

        // An empty write: Content-Type: application/json and Content-Length: 0.
        assertEmpty(await one(port, php('POST', `${path}/acknowledge`, '')), 204, 'acknowledge');
        assertEmpty(await one(port, php('POST', `${path}/release-remaining-authorization`, '')), 204, 'release');
        const read = assertPhpJson(await one(port, php('GET', path)), 200, 'read after');
        assert.equal(read.status, 'CAPTURED');
        assert.equal(read.refunded_amount, 1000);
      });

      it('Checkout: create (201 with the order and Location), read, update, abort; an unknown order is 404 without an error object', async () => {
        const created = await one(port, php('POST', '/checkout/v3/orders', JSON.stringify(checkoutBody())));
        const order = assertPhpJson(created, 201, 'create');
        assert.equal(exact(created, 'Location'), `${PUBLIC_URL}/checkout/v3/orders/${order.order_id}`);
        const path = new URL(exact(created, 'Location') as string).pathname;
        assert.equal(assertPhpJson(await one(port, php('GET', path)), 200, 'read').status, 'checkout_incomplete');
        assert.equal(assertPhpJson(await one(port, php('POST', path, JSON.stringify({ merchant_reference1: 'PHP-1' }))), 200, 'update').merchant_reference1, 'PHP-1');
        assert.equal(assertPhpJson(await one(port, php('POST', `${path}/abort`, '')), 200, 'abort').order_id, order.order_id);

        const missing = await one(port, php('GET', '/checkout/v3/orders/00000000-0000-4000-8000-000000000000'));
        assertEmpty(missing, 404, 'unknown order');
        assert.match(String(exact(missing, 'Klarna-Correlation-Id')), /^[0-9a-f-]{36}$/);
        // JSON that is not an order: 400 BAD_REQUEST in the envelope.
        const wrong = assertPhpJson(await one(port, php('POST', '/checkout/v3/orders', '["wrong order data"]')), 400, 'not an object');
        assert.equal(wrong.error_code, 'BAD_REQUEST');
      });

      it('Payments: session (200), read; DELETE of an authorization with Content-Type and no body, framed or not (204)', async () => {
        const session = assertPhpJson(await one(port, php('POST', '/payments/v1/sessions', JSON.stringify(orderBody()))), 200, 'create session');
        assert.equal(assertPhpJson(await one(port, php('GET', `/payments/v1/sessions/${session.session_id}`)), 200, 'read').status, 'incomplete');
        assertEmpty(await one(port, php('POST', `/payments/v1/sessions/${session.session_id}`, JSON.stringify({ merchant_reference2: 'PHP' }))), 204, 'update');
        for (const framing of [['Content-Length: 0'], []]) {
          const token = (await t.post(`/sandbox/v1/payments/sessions/${session.session_id}/authorize`, {})).json().authorization_token as string;
          const removed = await one(port, php('DELETE', `/payments/v1/authorizations/${token}`, undefined, ['Content-Type: application/json', ...framing]));
          assertEmpty(removed, 204, `DELETE ${framing.join('') || 'unframed'}`);
          const again = await one(port, php('DELETE', `/payments/v1/authorizations/${token}`, undefined, ['Content-Type: application/json', 'Content-Length: 0']));
          assert.equal(assertPhpJson(again, 404, 'a deleted token').error_code, 'NOT_FOUND');
        }
      });

      it('Customer Token: read (200) and cancel (202 without a body)', async () => {
        const token = (await t.post('/sandbox/v1/customer-tokens', sandboxTokenBody())).json().token_id as string;
        assert.equal(assertPhpJson(await one(port, php('GET', `/customer-token/v1/tokens/${token}`)), 200, 'read').status, 'ACTIVE');
        assertEmpty(await one(port, php('PATCH', `/customer-token/v1/tokens/${token}/status`, '{"status":"CANCELLED"}')), 202, 'cancel');
      });

      it('wrong credentials: 401 with WWW-Authenticate and an HTML page, no error_code (what the SDK tells apart)', async () => {
        const order = await t.createOrder();
        const bytes = requestBytes('GET', `/ordermanagement/v1/orders/${order.order_id}`, ['Host: api.playground.klarna.com', `Authorization: Basic ${Buffer.from('merchant_a:wrong').toString('base64')}`, PHP_AGENT]);
        const response = await one(port, bytes);
        assert.equal(response.status, 401);
        assert.match(String(exact(response, 'WWW-Authenticate')), /^Basic realm="[^"]+"$/);
        assert.match(String(exact(response, 'Content-Type')), /^text\/html/);
        assert.equal(response.text.includes('error_code'), false);
        assert.match(String(exact(response, 'Klarna-Correlation-Id')), /^[0-9a-f-]{36}$/);
      });

      it('a body over a megabyte sent after Expect: 100-continue (curl\'s way) is read and answered', async () => {
        const url = (kind: string, i: number) => `https://shop.example/${kind}/${i}/${'p'.repeat(900)}`;
        const lines = Array.from({ length: 1000 }, (_, i) => ({
          type: 'physical',
          reference: `SKU-${i}`,
          name: `Item ${i}`,
          quantity: 1,
          unit_price: 100,
          tax_rate: 2500,
          total_amount: 100,
          total_tax_amount: 20,
          product_url: url('product', i),
          image_url: url('image', i),
        }));
        const body = JSON.stringify({ ...checkoutBody(), order_amount: 100_000, order_tax_amount: 20_000, order_lines: lines });
        assert.ok(Buffer.byteLength(body) > 1024 * 1024, 'over a megabyte');
        const head = requestBytes('POST', '/checkout/v3/orders', ['Host: api.playground.klarna.com', `Authorization: ${AUTH}`, PHP_AGENT, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, 'Expect: 100-continue']);
        const ex = await exchange(port, [head, { waitMs: 50 }, body], { responses: 2 });
        assert.equal(ex.responses[0]?.status, 100, 'the server invites the body');
        assert.equal(ex.responses[1]?.status, 201, ex.responses[1]?.text.slice(0, 300));
        assert.equal(ex.responses[1]?.json().order_lines.length, 1000);
      });
    });

    describe('a Node client on https.request', () => {
      it('lower-case names and a chunked POST body, split mid-token across chunks and writes: the capture is taken whole', async () => {
        const order = await t.createOrder();
        const head = requestBytes('POST', `/ordermanagement/v1/orders/${order.order_id}/captures`, [
          'content-type: application/json',
          `authorization: ${AUTH}`,
          'Host: api.playground.klarna.com',
          'Connection: keep-alive',
          'Transfer-Encoding: chunked',
        ]);
        const json = '{"captured_amount":2500,"description":"Chunked"}';
        const chunk = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
        const ex = await exchange(port, [head + chunk(json.slice(0, 9)), { waitMs: 20 }, chunk(json.slice(9, 20)), { waitMs: 20 }, chunk(json.slice(20)) + '0\r\n\r\n'], { responses: 1 });
        const response = ex.responses[0] as RawResponse;
        assertEmpty(response, 201, 'chunked capture');
        assert.equal(exact(response, 'Connection'), 'keep-alive', 'a framed request keeps its connection');
        assert.equal((await t.getOrder(order.order_id)).captured_amount, 2500);
      });
    });

    describe('a client that authenticates only after the challenge', () => {
      it('the first request gets 401 with WWW-Authenticate on a kept connection; the retry on it with credentials is served', async () => {
        const order = await t.createOrder();
        const path = `/ordermanagement/v1/orders/${order.order_id}`;
        const first = requestBytes('GET', path, ['Host: localhost:3000', 'Accept: application/json']);
        const second = requestBytes('GET', path, ['Host: localhost:3000', 'Accept: application/json', `Authorization: ${AUTH}`]);
        const ex = await exchange(port, [first, { waitMs: 100 }, second], { responses: 2 });
        assert.equal(ex.responses.length, 2, ex.raw.toString('latin1').slice(0, 500));
        const [challenge, served] = ex.responses as [RawResponse, RawResponse];
        assert.equal(challenge.status, 401);
        assert.match(String(exact(challenge, 'WWW-Authenticate')), /^Basic realm="[^"]+"$/);
        assert.equal(exact(challenge, 'Connection'), 'keep-alive');
        assert.equal(served.status, 200);
        assert.equal(served.json().order_id, order.order_id);
      });
    });

    describe('what every client may send', () => {
      it('"Basic" followed by two spaces, or in lower case, is accepted', async () => {
        const order = await t.createOrder();
        for (const authorization of [`Basic  ${TOKEN}`, `basic ${TOKEN}`, `BASIC ${TOKEN}`]) {
          const response = await one(port, requestBytes('GET', `/ordermanagement/v1/orders/${order.order_id}`, ['Host: localhost', `Authorization: ${authorization}`]));
          assert.equal(response.status, 200, `${authorization.slice(0, 7)}: ${response.text.slice(0, 200)}`);
        }
      });

      it('empty POSTs with a JSON or a form content type, framed by Content-Length: 0 or not framed at all, acknowledge the order', async () => {
        for (const type of ['application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded']) {
          for (const framing of [['Content-Length: 0'], []]) {
            const order = await t.createOrder();
            const response = await one(port, requestBytes('POST', `/ordermanagement/v1/orders/${order.order_id}/acknowledge`, ['Host: localhost', `Authorization: ${AUTH}`, `Content-Type: ${type}`, ...framing]));
            assertEmpty(response, 204, `${type} ${framing.join('') || 'unframed'}`);
            const row = await t.db.kysely.selectFrom('orders').select('acknowledged_at').where('order_id', '=', order.order_id).executeTakeFirstOrThrow();
            assert.notEqual(row.acknowledged_at, null, `${type}: acknowledged`);
          }
        }
      });

      it('any Host (Klarna\'s, Kustom\'s, an IP, IPv6, a port, empty) and Accept: */* are served; Location still comes from the public URL', async () => {
        const order = await t.createOrder();
        for (const host of ['api.playground.klarna.com', 'api-na.klarna.com:443', 'api.kustom.co', '10.0.0.7:8080', '[::1]:3000', 'localhost', '']) {
          const read = await one(port, requestBytes('GET', `/ordermanagement/v1/orders/${order.order_id}`, [`Host: ${host}`, 'Accept: */*', `Authorization: ${AUTH}`]));
          assert.equal(read.status, 200, `Host ${host}: ${read.text.slice(0, 200)}`);
          const capture = await one(port, requestBytes('POST', `/ordermanagement/v1/orders/${order.order_id}/captures`, [`Host: ${host}`, 'Accept: */*', `Authorization: ${AUTH}`, 'Content-Type: application/json', 'Content-Length: 21'], '{"captured_amount":1}'));
          assertEmpty(capture, 201, `Host ${host}`);
          assert.ok(exact(capture, 'Location')?.startsWith(`${PUBLIC_URL}/`), String(exact(capture, 'Location')));
        }
      });

      it('curl -d \'\' (a form content type, no body) on a write that takes none, and curl -X POST with no content type at all', async () => {
        const order = await t.createOrder();
        const form = await one(port, requestBytes('POST', `/ordermanagement/v1/orders/${order.order_id}/extend-authorization-time`, ['Host: 127.0.0.1:3000', 'User-Agent: curl/8.5.0', 'Accept: */*', `Authorization: ${AUTH}`, 'Content-Length: 0', 'Content-Type: application/x-www-form-urlencoded']));
        assertEmpty(form, 204, 'curl -d \'\'');
        const bare = await one(port, requestBytes('POST', `/ordermanagement/v1/orders/${order.order_id}/acknowledge`, ['Host: 127.0.0.1:3000', 'User-Agent: curl/8.5.0', 'Accept: */*', `Authorization: ${AUTH}`]));
        assertEmpty(bare, 204, 'curl -X POST');
      });
    });
  });
}
