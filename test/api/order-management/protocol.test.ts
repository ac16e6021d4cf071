/**
 * HTTP protocol behaviour of Order Management (§0.2, §0.3, §1.8, §12): authentication, correlation
 * ids, the error envelope, what clients send that must be tolerated, and the request-level
 * refusals (400, 405, 413, 415, 422, 404), none of which may change anything.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { MERCHANT, PUBLIC_URL, basicAuth, buildTestApp } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';
import { assertEdgeUnauthorized } from '../../helpers/assertions.js';

const orderPath = (orderId: string) => `/ordermanagement/v1/orders/${orderId}`;
const capturesPath = (orderId: string) => `${orderPath(orderId)}/captures`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** An order line of total 1, for bodies with many lines. */
const unitLine = (i: number) => ({ type: 'physical', reference: `SKU-${i}`, name: `Item ${i}`, quantity: 1, unit_price: 1, total_amount: 1 });

function assertEnvelope(res: RawResponse | TestResponse, status: number, errorCode: string): void {
  assert.equal(res.status, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json();
  assert.deepEqual(Object.keys(body).sort(), ['correlation_id', 'error_code', 'error_messages']);
  assert.equal(body.error_code, errorCode, res.body);
  assert.ok(Array.isArray(body.error_messages) && body.error_messages.length > 0, res.body);
  assert.ok(
    body.error_messages.every((m: unknown) => typeof m === 'string'),
    res.body,
  );
  assert.equal(body.correlation_id, res.headers['klarna-correlation-id']);
}

for (const dialect of await availableDialects()) {
  describe(`protocol (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    /**
     * A request straight to the app, for what the harness does not send (odd headers, wrong methods,
     * unknown paths). Checks the correlation id on every answer itself.
     */
    async function raw(opts: {
      method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
      url: string;
      headers?: Record<string, string>;
      payload?: string | Buffer | Readable;
      auth?: { username: string; password: string } | null;
    }): Promise<RawResponse> {
      const auth = opts.auth === undefined ? MERCHANT : opts.auth;
      const headers: Record<string, string> = { ...(auth && { authorization: basicAuth(auth) }), ...opts.headers };
      const res = await t.app.inject({ method: opts.method ?? 'GET', url: opts.url, headers, ...(opts.payload !== undefined && { payload: opts.payload }) });
      const response: RawResponse = { status: res.statusCode, headers: res.headers, body: res.body, json: () => JSON.parse(res.body) };
      assert.match(String(res.headers['klarna-correlation-id']), UUID, `${opts.method ?? 'GET'} ${opts.url.slice(0, 80)}: Klarna-Correlation-Id`);
      if (res.statusCode >= 400 && res.statusCode !== 401) assert.equal(response.json().correlation_id, res.headers['klarna-correlation-id']);
      return response;
    }

    /** Everything a refused request could have touched. */
    async function snapshot(orderId: string) {
      const order = await t.getOrder(orderId);
      const captures = await t.db.kysely.selectFrom('captures').select('capture_id').where('order_id', '=', orderId).execute();
      const events = (await t.get(`/sandbox/v1/events?order_id=${orderId}`)).json().events;
      return { order, captures: captures.length, events };
    }

    describe('authentication', () => {
      it('a request without credentials gets 401 as Klarna\'s edge answers it: WWW-Authenticate: Basic, an HTML page, no error object', async () => {
        const order = await t.createOrder();
        const res = await t.request({ url: orderPath(order.order_id), auth: null });
        assertEdgeUnauthorized(res, 'no credentials');
        assert.equal(res.body.includes(order.order_id), false, 'a 401 reveals nothing about the order');
      });

      it('a wrong password or an unknown user gets 401 with WWW-Authenticate: Basic', async () => {
        const order = await t.createOrder();
        for (const auth of [
          { username: MERCHANT.username, password: 'wrong' },
          { username: 'nobody', password: MERCHANT.password },
        ]) {
          const res = await t.request({ url: orderPath(order.order_id), auth });
          assertEdgeUnauthorized(res, `${auth.username}:${auth.password}`);
        }
        for (const authorization of ['Bearer abc', 'Basic', 'Basic !!!not-base64!!!', `Basic ${Buffer.from('no-colon').toString('base64')}`]) {
          const res = await raw({ url: orderPath(order.order_id), auth: null, headers: { authorization } });
          assertEdgeUnauthorized(res, authorization);
        }
      });

      it('a write with wrong credentials gets 401 and changes nothing', async () => {
        const order = await t.createOrder();
        const before = await snapshot(order.order_id);
        const res = await t.post(capturesPath(order.order_id), { captured_amount: 1000 }, { auth: { username: MERCHANT.username, password: 'wrong' } });
        assertEdgeUnauthorized(res, 'wrong password');
        assert.deepEqual(await snapshot(order.order_id), before);
      });

      it('"Basic" followed by two spaces is accepted, as is a lower-case scheme', async () => {
        const order = await t.createOrder();
        const token = basicAuth(MERCHANT).slice('Basic '.length);
        for (const authorization of [`Basic  ${token}`, `basic ${token}`]) {
          const res = await raw({ url: orderPath(order.order_id), auth: null, headers: { authorization } });
          assert.equal(res.status, 200, `${authorization.slice(0, 8)}: ${res.body}`);
          assert.equal(res.json().order_id, order.order_id);
        }
      });
    });

    describe('correlation id and envelope', () => {
      it('every response, success or error, carries its own Klarna-Correlation-Id, equal to correlation_id in error bodies', async () => {
        const order = await t.createOrder();
        const id = order.order_id;
        const responses = [
          await raw({ url: orderPath(id) }), // 200
          await raw({ method: 'POST', url: capturesPath(id), headers: { 'content-type': 'application/json' }, payload: '{"captured_amount":100}' }), // 201
          await raw({ method: 'POST', url: `${orderPath(id)}/acknowledge` }), // 204
          await raw({ method: 'POST', url: capturesPath(id), headers: { 'content-type': 'application/json' }, payload: '{"captured_amount":' }), // 400
          await raw({ url: orderPath(id), auth: null }), // 401
          await raw({ method: 'POST', url: capturesPath(id), headers: { 'content-type': 'application/json' }, payload: '{"captured_amount":99999999}' }), // 403
          await raw({ url: orderPath('00000000-0000-4000-8000-000000000000') }), // 404
          await raw({ method: 'DELETE', url: orderPath(id) }), // 405
          await raw({ method: 'POST', url: capturesPath(id), headers: { 'content-type': 'application/xml' }, payload: '<capture/>' }), // 415
          await raw({ method: 'POST', url: capturesPath(id), headers: { 'content-type': 'application/json' }, payload: '{"captured_amount":-1}' }), // 422
        ];
        assert.deepEqual(
          responses.map((r) => r.status),
          [200, 201, 204, 400, 401, 403, 404, 405, 415, 422],
        );
        const ids = responses.map((r) => r.headers['klarna-correlation-id']);
        assert.equal(new Set(ids).size, ids.length, 'each response has its own correlation id');
        // The 401 is the edge's HTML page: the header is its only correlation id.
        for (const res of responses.filter((r) => r.status >= 400 && r.status !== 401)) {
          assert.equal(res.json().correlation_id, res.headers['klarna-correlation-id']);
        }
      });

      it('201 and 204 answers have no body and no content type', async () => {
        const order = await t.createOrder();
        for (const res of [
          await raw({ method: 'POST', url: capturesPath(order.order_id), headers: { 'content-type': 'application/json' }, payload: '{"captured_amount":100}' }),
          await raw({ method: 'POST', url: `${orderPath(order.order_id)}/acknowledge` }),
        ]) {
          assert.ok(res.status === 201 || res.status === 204, res.body);
          assert.equal(res.body, '');
          assert.equal(res.headers['content-type'], undefined);
        }
      });
    });

    describe('what clients send that must be tolerated', () => {
      it('a GET carrying a framed {} body (Content-Length) with Content-Type application/json gets 200 (unframed stray bodies: test/wire)', async () => {
        const order = await t.createOrder();
        const res = await t.request({ url: orderPath(order.order_id), payload: '{}', headers: { 'content-type': 'application/json' } });
        assert.equal(res.status, 200, res.body);
        assert.equal(res.json().order_id, order.order_id);
        const list = await t.request({ url: capturesPath(order.order_id), payload: '{}', headers: { 'content-type': 'application/json' } });
        assert.equal(list.status, 200, list.body);
        assert.deepEqual(list.json(), []);
      });

      it('an empty POST body sent with Content-Type application/json or form encoding acknowledges the order (204)', async () => {
        for (const contentType of ['application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded']) {
          const order = await t.createOrder();
          const res = await t.request({ method: 'POST', url: `${orderPath(order.order_id)}/acknowledge`, payload: '', headers: { 'content-type': contentType } });
          assert.equal(res.status, 204, `${contentType}: ${res.body}`);
          const row = await t.db.kysely.selectFrom('orders').select('acknowledged_at').where('order_id', '=', order.order_id).executeTakeFirstOrThrow();
          assert.notEqual(row.acknowledged_at, null, `${contentType}: the order is acknowledged`);
        }
      });

      it('any Host header works, and Location is still built from the public URL', async () => {
        const order = await t.createOrder();
        for (const host of ['api.playground.klarna.com', 'api.kustom.co', 'localhost:1234', '10.0.0.7']) {
          const read = await raw({ url: orderPath(order.order_id), headers: { host, accept: '*/*' } });
          assert.equal(read.status, 200, `${host}: ${read.body}`);
          const res = await raw({ method: 'POST', url: capturesPath(order.order_id), headers: { host, 'content-type': 'application/json' }, payload: '{"captured_amount":100}' });
          assert.equal(res.status, 201, `${host}: ${res.body}`);
          assert.ok(String(res.headers.location).startsWith(`${PUBLIC_URL}/ordermanagement/v1/orders/`), String(res.headers.location));
        }
      });

      it("Klarna's own content type application/json;charset=utf-8 and a chunked body are accepted", async () => {
        const order = await t.createOrder();
        const res = await raw({
          method: 'POST',
          url: capturesPath(order.order_id),
          headers: { 'content-type': 'application/json;charset=utf-8' },
          payload: Readable.from([Buffer.from('{"captured_'), Buffer.from('amount":'), Buffer.from('250}')]),
        });
        assert.equal(res.status, 201, res.body);
        assert.equal((await t.getOrder(order.order_id)).captured_amount, 250);
      });
    });

    describe('request-level refusals change nothing', () => {
      it('malformed JSON gets 400 BAD_REQUEST', async () => {
        const order = await t.createOrder();
        const before = await snapshot(order.order_id);
        for (const payload of ['{"captured_amount":', '{captured_amount: 100}', "{'captured_amount': 100}"]) {
          const res = await t.request({ method: 'POST', url: capturesPath(order.order_id), payload, headers: { 'content-type': 'application/json' } });
          assertEnvelope(res, 400, 'BAD_REQUEST');
        }
        assert.deepEqual(await snapshot(order.order_id), before);
      });

      it('invalid UTF-8 inside a JSON string gets 400 BAD_REQUEST instead of being stored as U+FFFD', async () => {
        const order = await t.createOrder();
        const before = await snapshot(order.order_id);
        const url = `${orderPath(order.order_id)}/merchant-references`;
        for (const broken of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
          const payload = Buffer.concat([Buffer.from('{"merchant_reference1":"ref-'), Buffer.from(broken), Buffer.from('"}')]);
          const res = await raw({ method: 'PATCH', url, payload, headers: { 'content-type': 'application/json' } });
          assertEnvelope(res, 400, 'BAD_REQUEST');
          assert.match(res.json().error_messages[0], /UTF-8/);
        }
        assert.deepEqual(await snapshot(order.order_id), before);
        // Multi-byte characters split across chunks are whole once the body is in.
        const valid = Buffer.from('{"merchant_reference1":"Göteborg-€"}');
        const res = await raw({ method: 'PATCH', url, payload: Readable.from([valid.subarray(0, 26), valid.subarray(26, 35), valid.subarray(35)]), headers: { 'content-type': 'application/json' } });
        assert.equal(res.status, 204, res.body);
        assert.equal((await t.getOrder(order.order_id)).merchant_reference1, 'Göteborg-€');
      });

      it('a field of the wrong type gets 422 UNPROCESSABLE_ENTITY naming the field', async () => {
        const order = await t.createOrder();
        assert.equal((await t.post(capturesPath(order.order_id), { captured_amount: 5000 })).status, 201);
        const before = await snapshot(order.order_id);
        const cases: [string, Record<string, unknown>, string][] = [
          [capturesPath(order.order_id), { captured_amount: '100' }, 'captured_amount'],
          [capturesPath(order.order_id), { captured_amount: 10.5 }, 'captured_amount'],
          [capturesPath(order.order_id), { captured_amount: 100, description: 42 }, 'description'],
          [capturesPath(order.order_id), { captured_amount: 1, order_lines: [{ ...unitLine(0), quantity: '1' }] }, 'order_lines[0].quantity'],
          [capturesPath(order.order_id), { captured_amount: 1, shipping_info: [{ shipping_method: 'Teleport' }] }, 'shipping_info[0].shipping_method'],
          [capturesPath(order.order_id), {}, 'captured_amount'],
          [`${orderPath(order.order_id)}/refunds`, { refunded_amount: true }, 'refunded_amount'],
          [`${orderPath(order.order_id)}/refunds`, { refunded_amount: 100, order_lines: 'none' }, 'order_lines'],
        ];
        for (const [url, body, field] of cases) {
          const res = await t.post(url, body);
          assertEnvelope(res, 422, 'UNPROCESSABLE_ENTITY');
          assert.ok(
            res.json().error_messages.some((m: string) => m.includes(field)),
            `${JSON.stringify(body)} names ${field}: ${res.body}`,
          );
        }
        for (const payload of ['null', '[]', '"capture"', '42']) {
          const res = await t.request({ method: 'POST', url: capturesPath(order.order_id), payload, headers: { 'content-type': 'application/json' } });
          assertEnvelope(res, 422, 'UNPROCESSABLE_ENTITY');
        }
        assert.deepEqual(await snapshot(order.order_id), before);
      });

      it('field sizes over the limit get 422 with Klarna\'s "The size of the … value must be between" message', async () => {
        const order = await t.createOrder();
        const before = await snapshot(order.order_id);
        const company = await t.post(capturesPath(order.order_id), { captured_amount: 100, shipping_info: [{ shipping_company: 'x'.repeat(101) }] });
        assertEnvelope(company, 422, 'UNPROCESSABLE_ENTITY');
        assert.ok(company.json().error_messages.includes('The size of the shipping_info/shipping_company value must be between 0 and 100'), company.body);
        const description = await t.post(capturesPath(order.order_id), { captured_amount: 100, description: 'x'.repeat(256) });
        assertEnvelope(description, 422, 'UNPROCESSABLE_ENTITY');
        assert.ok(
          description.json().error_messages.some((m: string) => m.includes('description')),
          description.body,
        );
        assert.deepEqual(await snapshot(order.order_id), before);
      });

      it('negative amounts and amounts over 200000000 get 422 UNPROCESSABLE_ENTITY', async () => {
        const order = await t.createOrder();
        assert.equal((await t.post(capturesPath(order.order_id), { captured_amount: 5000 })).status, 201);
        const before = await snapshot(order.order_id);
        const cases: [string, Record<string, unknown>, string][] = [
          [capturesPath(order.order_id), { captured_amount: -1 }, 'captured_amount'],
          [capturesPath(order.order_id), { captured_amount: 200_000_001 }, 'captured_amount'],
          [capturesPath(order.order_id), { captured_amount: Number.MAX_SAFE_INTEGER }, 'captured_amount'],
          [capturesPath(order.order_id), { captured_amount: 1, order_lines: [{ ...unitLine(0), unit_price: 200_000_001, total_amount: 200_000_001 }] }, 'order_lines[0]'],
          [`${orderPath(order.order_id)}/refunds`, { refunded_amount: -100 }, 'refunded_amount'],
          [`${orderPath(order.order_id)}/refunds`, { refunded_amount: 200_000_001 }, 'refunded_amount'],
        ];
        for (const [url, body, field] of cases) {
          const res = await t.post(url, body);
          assertEnvelope(res, 422, 'UNPROCESSABLE_ENTITY');
          assert.ok(
            res.json().error_messages.some((m: string) => m.includes(field)),
            `${JSON.stringify(body).slice(0, 100)} names ${field}: ${res.body}`,
          );
        }
        assert.deepEqual(await snapshot(order.order_id), before);

        // 200000000 itself is a valid amount; this order simply has not authorized that much.
        const max = await t.post(capturesPath(order.order_id), { captured_amount: 200_000_000 });
        assertEnvelope(max, 403, 'CAPTURE_NOT_ALLOWED');
      });

      it('1001 order lines get 422 UNPROCESSABLE_ENTITY; 1000 are accepted', async () => {
        const order = await t.createOrder();
        const before = await snapshot(order.order_id);
        const tooMany = await t.post(capturesPath(order.order_id), { captured_amount: 1001, order_lines: Array.from({ length: 1001 }, (_, i) => unitLine(i)) });
        assertEnvelope(tooMany, 422, 'UNPROCESSABLE_ENTITY');
        assert.ok(
          tooMany.json().error_messages.some((m: string) => m.includes('order_lines')),
          tooMany.body,
        );
        assert.deepEqual(await snapshot(order.order_id), before);

        const ok = await t.post(capturesPath(order.order_id), { captured_amount: 1000, order_lines: Array.from({ length: 1000 }, (_, i) => unitLine(i)) });
        assert.equal(ok.status, 201, ok.body.slice(0, 500));
        const read = await t.get(`${capturesPath(order.order_id)}/${String(ok.headers['capture-id'])}`);
        assert.equal(read.json().order_lines.length, 1000);
      });

      it('a body over 5 MiB gets 413 REQUEST_TOO_LARGE', async () => {
        const order = await t.createOrder();
        const before = await snapshot(order.order_id);
        const payload = JSON.stringify({ captured_amount: 100, description: 'x', padding: 'x'.repeat(5 * 1024 * 1024) });
        const res = await t.request({ method: 'POST', url: capturesPath(order.order_id), payload, headers: { 'content-type': 'application/json' } });
        assertEnvelope(res, 413, 'REQUEST_TOO_LARGE');
        assert.deepEqual(await snapshot(order.order_id), before);
      });

      it('a body with a non-JSON content type gets 415 UNSUPPORTED_MEDIA_TYPE', async () => {
        const order = await t.createOrder();
        const before = await snapshot(order.order_id);
        for (const [contentType, payload] of [
          ['application/xml', '<capture><captured_amount>100</captured_amount></capture>'],
          ['application/x-www-form-urlencoded', 'captured_amount=100'],
          ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="captured_amount"\r\n\r\n100\r\n--x--'],
        ] as const) {
          const res = await t.request({ method: 'POST', url: capturesPath(order.order_id), payload, headers: { 'content-type': contentType } });
          assertEnvelope(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
        }
        assert.deepEqual(await snapshot(order.order_id), before);
      });

      it('a wrong method on a known path gets 405 METHOD_NOT_ALLOWED', async () => {
        const order = await t.createOrder();
        const id = order.order_id;
        assert.equal((await t.post(capturesPath(id), { captured_amount: 100 })).status, 201);
        const before = await snapshot(id);
        const cases: ['DELETE' | 'PUT' | 'GET' | 'PATCH' | 'POST', string][] = [
          ['DELETE', orderPath(id)],
          ['PUT', orderPath(id)],
          ['POST', orderPath(id)],
          ['PUT', capturesPath(id)],
          ['DELETE', capturesPath(id)],
          ['GET', `${orderPath(id)}/refunds`], // there is no list-refunds endpoint
          ['GET', `${orderPath(id)}/cancel`],
          ['POST', `${orderPath(id)}/authorization`],
        ];
        for (const [method, url] of cases) {
          const res = await raw({ method, url, headers: { 'content-type': 'application/json' }, payload: '{}' });
          assertEnvelope(res, 405, 'METHOD_NOT_ALLOWED');
        }
        assert.deepEqual(await snapshot(id), before);
      });

      it('an unknown path gets 404 NOT_FOUND in the error envelope', async () => {
        for (const url of ['/ordermanagement/v1/orderz', '/ordermanagement/v2/orders/abc', '/ordermanagement/v1/orders/abc/captures/def/nothing', '/']) {
          const res = await raw({ url });
          assertEnvelope(res, 404, 'NOT_FOUND');
        }
      });

      it('a non-UUID or 1000-character order id gets 404 NO_SUCH_ORDER, like any unknown id', async () => {
        for (const id of ['not-a-uuid', '12345', 'a%20b', "x'%20OR%20'1'%3D'1", 'a'.repeat(1000)]) {
          const read = await t.get(orderPath(id));
          assertEnvelope(read, 404, 'NO_SUCH_ORDER');
          const write = await t.post(capturesPath(id), { captured_amount: 100 });
          assertEnvelope(write, 404, 'NO_SUCH_ORDER');
          const list = await t.get(capturesPath(id));
          assertEnvelope(list, 404, 'NO_SUCH_ORDER');
        }
        const stored = await t.db.kysely.selectFrom('captures').select('order_id').execute();
        assert.equal(stored.filter((c) => !UUID.test(c.order_id)).length, 0, 'no capture was stored for a malformed id');
      });

      it('an undecodable or over-long path still gets the error envelope with a correlation id', async () => {
        for (const url of [orderPath('%zz'), orderPath('%E0%A4%A'), orderPath('a'.repeat(5000)), `${capturesPath('b'.repeat(2000))}`]) {
          const res = await raw({ url });
          assertEnvelope(res, 400, 'BAD_REQUEST');
        }
      });
    });
  });
}
