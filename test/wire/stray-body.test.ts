/**
 * Bytes a real client puts on the wire that no route sees, replayed on a bare socket (§12):
 *
 *  - `@crystallize/node-klarna` writes `{}` after every request's headers, GETs included, and Node's
 *    client frames nothing for it (no Content-Length, no chunking). The GET must get its own whole
 *    answer, with `Connection: close`, and the connection must end after it, so the stray bytes are
 *    never read as a next request and a keep-alive agent never reuses a poisoned connection.
 *  - Whatever Node's HTTP parser refuses (a malformed request line, oversized headers, bad framing,
 *    no Host) gets Klarna's envelope with a correlation id and `Connection: close`, a warning in the
 *    log with that id, and a count in /metrics.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../helpers/databases.js';
import { MERCHANT, basicAuth, buildTestApp } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';
import { checkoutBody } from '../helpers/resources.js';
import { exchange, requestBytes } from '../helpers/raw-http.js';
import type { Exchange, RawResponse } from '../helpers/raw-http.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const AUTH = basicAuth(MERCHANT);

/** The request head `@crystallize/node-klarna` writes for a GET, byte for byte (lower-case names, Node's Host and Connection). */
const crystallizeGet = (path: string, connection: 'keep-alive' | 'close') =>
  requestBytes('GET', path, ['content-type: application/json', `authorization: ${AUTH}`, 'Host: api.playground.klarna.com', `Connection: ${connection}`]);

function header(response: RawResponse, name: string): string | undefined {
  return response.headerLines.find(([n]) => n === name)?.[1];
}

/** One whole answer, then the connection ends: nothing else on the wire. */
function assertOneAnswerThenClosed(ex: Exchange, what: string): RawResponse {
  assert.equal(ex.responses.length, 1, `${what}: exactly one response (got ${ex.responses.length}): ${ex.raw.toString('latin1').slice(0, 600)}`);
  assert.equal(ex.rest.length, 0, `${what}: no bytes after the response: ${ex.rest.toString('latin1')}`);
  assert.ok(ex.ended, `${what}: the server ends the connection after the answer`);
  const response = ex.responses[0] as RawResponse;
  assert.equal(header(response, 'Connection'), 'close', `${what}: Connection: close`);
  assert.match(String(header(response, 'Klarna-Correlation-Id')), UUID, `${what}: Klarna-Correlation-Id`);
  return response;
}

/** Klarna's envelope with the header's correlation id. */
function assertEnvelope(response: RawResponse, status: number, errorCode: string, what: string): string {
  assert.equal(response.status, status, `${what}: ${response.text}`);
  assert.equal(header(response, 'Content-Type'), 'application/json; charset=utf-8', what);
  const body = response.json<{ error_code: string; error_messages: string[]; correlation_id: string }>();
  assert.deepEqual(Object.keys(body).sort(), ['correlation_id', 'error_code', 'error_messages'], what);
  assert.equal(body.error_code, errorCode, what);
  assert.ok(body.error_messages.length > 0, what);
  assert.equal(body.correlation_id, header(response, 'Klarna-Correlation-Id'), `${what}: body and header carry one correlation id`);
  return body.correlation_id;
}

for (const dialect of await availableDialects()) {
  describe(`a GET followed by a stray body, on the wire (${dialect})`, () => {
    let t: TestApp;
    let port: number;
    let orderId: string;
    let checkoutId: string;

    before(async () => {
      t = await buildTestApp({ dialect });
      port = await t.listen();
      orderId = (await t.createOrder()).order_id;
      const checkout = await t.post('/checkout/v3/orders', checkoutBody());
      assert.equal(checkout.status, 201, checkout.body);
      checkoutId = checkout.json().order_id;
    });
    after(async () => t.close());

    const reads = () => [
      { what: 'Checkout read', path: `/checkout/v3/orders/${checkoutId}`, id: checkoutId },
      { what: 'Order Management getOrder', path: `/ordermanagement/v1/orders/${orderId}`, id: orderId },
    ];

    it('`{}` in the same write as the headers: the GET gets its whole 200, with Connection: close, then the connection ends', async () => {
      for (const { what, path, id } of reads()) {
        for (const connection of ['keep-alive', 'close'] as const) {
          const ex = await exchange(port, [crystallizeGet(path, connection) + '{}']);
          const response = assertOneAnswerThenClosed(ex, `${what}, Connection: ${connection}`);
          assert.equal(response.status, 200, `${what}: ${response.text.slice(0, 300)}`);
          assert.equal(response.json().order_id, id);
          assert.equal(Number(header(response, 'Content-Length')), response.body.length);
        }
      }
      // Without a Content-Type nothing announces a body: the stray bytes themselves close the connection
      // after the answer still in flight.
      const bare = requestBytes('GET', `/ordermanagement/v1/orders/${orderId}`, [`authorization: ${AUTH}`, 'Host: api.playground.klarna.com', 'Connection: keep-alive']);
      const response = assertOneAnswerThenClosed(await exchange(port, [bare + '{}']), 'no Content-Type');
      assert.equal(response.json().order_id, orderId);
    });

    it('`{}` in a second write 100 ms later: the same whole answer and the same close, never a parse error in its place', async () => {
      for (const { what, path, id } of reads()) {
        for (const connection of ['keep-alive', 'close'] as const) {
          const ex = await exchange(port, [crystallizeGet(path, connection), { waitMs: 100 }, '{}']);
          const response = assertOneAnswerThenClosed(ex, `${what}, Connection: ${connection}, {} 100 ms later`);
          assert.equal(response.status, 200, response.text.slice(0, 300));
          assert.equal(response.json().order_id, id);
        }
      }
    });

    it('a stray body after a GET of an unknown order gets that GET\'s real answer (Checkout: 404 without a body; OM: NO_SUCH_ORDER)', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      const checkout = assertOneAnswerThenClosed(await exchange(port, [crystallizeGet(`/checkout/v3/orders/${unknown}`, 'keep-alive') + '{}']), 'Checkout unknown');
      assert.equal(checkout.status, 404);
      assert.equal(checkout.body.length, 0);
      assert.equal(header(checkout, 'Content-Type'), undefined);
      const om = assertOneAnswerThenClosed(await exchange(port, [crystallizeGet(`/ordermanagement/v1/orders/${unknown}`, 'keep-alive') + '{}']), 'OM unknown');
      assertEnvelope(om, 404, 'NO_SUCH_ORDER', 'OM unknown');
    });

    it('a keep-alive http.Agent that sends such a GET and then POSTs: every request succeeds (no ECONNRESET)', async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const send = (method: string, path: string, body: string | undefined, headers: Record<string, string>) =>
        new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
          const request = http.request({ host: '127.0.0.1', port, method, path, agent, headers: { authorization: AUTH, ...headers } }, (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), connection: response.headers.connection }));
          });
          request.on('error', reject);
          // Node writes a GET's body with no framing at all, as the client in question does.
          request.end(body);
        });
      try {
        for (let round = 0; round < 3; round++) {
          const read = await send('GET', `/checkout/v3/orders/${checkoutId}`, '{}', { 'content-type': 'application/json' });
          assert.equal(read.status, 200, read.body);
          assert.equal(read.connection, 'close');
          assert.equal(JSON.parse(read.body).order_id, checkoutId);
          const update = await send('POST', `/checkout/v3/orders/${checkoutId}`, JSON.stringify({ merchant_reference2: `round-${round}` }), { 'content-type': 'application/json' });
          assert.equal(update.status, 200, update.body);
          assert.equal(JSON.parse(update.body).merchant_reference2, `round-${round}`);
          const getOrder = await send('GET', `/ordermanagement/v1/orders/${orderId}`, '{}', { 'content-type': 'application/json' });
          assert.equal(getOrder.status, 200, getOrder.body);
          const acknowledge = await send('POST', `/ordermanagement/v1/orders/${orderId}/acknowledge`, '{}', { 'content-type': 'application/json' });
          assert.equal(acknowledge.status, 204, acknowledge.body);
        }
      } finally {
        agent.destroy();
      }
      const row = await t.db.kysely.selectFrom('orders').select('acknowledged_at').where('order_id', '=', orderId).executeTakeFirstOrThrow();
      assert.notEqual(row.acknowledged_at, null, 'the acknowledge took effect');
    });

    it('requests with body framing keep their connection: pipelined GETs are all answered on one kept-alive connection', async () => {
      const get = requestBytes('GET', `/ordermanagement/v1/orders/${orderId}`, ['Host: localhost', `Authorization: ${AUTH}`, 'Accept: */*']);
      const ex = await exchange(port, [get + get + get], { responses: 3 });
      assert.equal(ex.responses.length, 3);
      for (const response of ex.responses) {
        assert.equal(response.status, 200);
        assert.equal(header(response, 'Connection'), 'keep-alive');
      }
      assert.equal(ex.ended, false, 'the connection stays open');
    });
  });

  describe(`requests the HTTP parser refuses (${dialect})`, () => {
    let t: TestApp;
    let port: number;

    before(async () => {
      t = await buildTestApp({ dialect, captureLogs: 'warn' });
      port = await t.listen();
    });
    after(async () => t.close());

    const cases: { what: string; bytes: string; status: number; errorCode: string }[] = [
      { what: 'a malformed request line', bytes: 'GARBAGE /ordermanagement/v1/orders HTTP/1.1\r\nHost: localhost\r\n\r\n', status: 400, errorCode: 'BAD_REQUEST' },
      { what: 'an unknown HTTP version', bytes: 'GET /healthz HTTP/7.3\r\nHost: localhost\r\n\r\n', status: 400, errorCode: 'BAD_REQUEST' },
      { what: 'a header line without a colon', bytes: 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nthis is not a header\r\n\r\n', status: 400, errorCode: 'BAD_REQUEST' },
      { what: 'oversized headers', bytes: `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431, errorCode: 'REQUEST_HEADER_FIELDS_TOO_LARGE' },
      {
        what: 'Content-Length together with Transfer-Encoding',
        bytes: `POST /sandbox/v1/orders HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${AUTH}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
        status: 400,
        errorCode: 'BAD_REQUEST',
      },
      { what: 'a Content-Length that is not a number', bytes: `POST /sandbox/v1/orders HTTP/1.1\r\nHost: localhost\r\nContent-Length: two\r\n\r\n{}`, status: 400, errorCode: 'BAD_REQUEST' },
      {
        what: 'a chunk size that is not hexadecimal',
        bytes: `POST /sandbox/v1/orders HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${AUTH}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
        status: 400,
        errorCode: 'BAD_REQUEST',
      },
    ];

    it('each gets Klarna\'s envelope with a correlation id and Connection: close, then the connection ends', async () => {
      for (const { what, bytes, status, errorCode } of cases) {
        const ex = await exchange(port, [bytes]);
        const response = assertOneAnswerThenClosed(ex, what);
        assertEnvelope(response, status, errorCode, what);
        assert.ok(!response.text.includes('"statusCode"'), `${what}: not Fastify's own answer`);
      }
    });

    it('each is logged as a warning carrying the answer\'s correlation id, and counted in /metrics', async () => {
      const metric = async (status: number) => {
        const text = (await t.request({ url: '/metrics', auth: null })).body;
        const line = text.split('\n').find((l) => l.startsWith('klarna_local_http_requests_total{') && l.includes('route="(unparsed)"') && l.includes(`status="${status}"`));
        return line ? Number(line.split(' ').pop()) : 0;
      };
      const before400 = await metric(400);
      const before431 = await metric(431);
      const ids: string[] = [];
      for (const { what, bytes, status, errorCode } of cases) ids.push(assertEnvelope(assertOneAnswerThenClosed(await exchange(port, [bytes]), what), status, errorCode, what));
      const refusals = t.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'request refused by the HTTP parser');
      for (const [i, id] of ids.entries()) {
        const entry = refusals.find((e) => e.correlation_id === id);
        assert.ok(entry, `${cases[i]?.what}: a log line with correlation_id ${id}`);
        assert.equal(entry.level, 40, 'logged at warn');
        assert.equal(entry.status, cases[i]?.status);
        assert.match(String(entry.code), /^HPE_/);
      }
      assert.equal((await metric(400)) - before400, cases.filter((c) => c.status === 400).length);
      assert.equal((await metric(431)) - before431, 1);
      // A request cut off by bad framing is not an unexpected error of the server.
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(t.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50), []);
    });

    it('an HTTP/1.1 request without Host gets the envelope (400) and Connection: close instead of Node\'s bare 400', async () => {
      const ex = await exchange(port, ['GET /ordermanagement/v1/orders/x HTTP/1.1\r\nAccept: */*\r\n\r\n']);
      const response = assertOneAnswerThenClosed(ex, 'no Host');
      assertEnvelope(response, 400, 'BAD_REQUEST', 'no Host');
      assert.match(response.json().error_messages[0], /Host/);
    });

    it('nothing the parser refused reached the database: the refused bodies created no order', async () => {
      const orders = await t.db.kysely.selectFrom('orders').select('order_id').execute();
      assert.equal(orders.length, 0);
    });
  });
}
