/**
 * The API call log: every request of an authenticated merchant is recorded (method, path without
 * query string, route, status, correlation id, duration, time, and the order, session or other id
 * it concerns, creates included), refusals too; another merchant's calls, requests without valid
 * credentials and the operations routes are not; no body or credential is stored. Written every
 * ~200 ms (a timeline read in the same process writes first); a bounded buffer that counts what it
 * drops; each merchant's newest calls kept.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { ApiCallLog, bodyFingerprint, flushApiCalls } from '../../../src/modules/sandbox/api-calls.js';
import type { BufferedCall, LoggedRoute } from '../../../src/modules/sandbox/api-calls.js';
import { availableDialects } from '../../helpers/databases.js';
import { MERCHANT, OTHER_MERCHANT, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';

interface Row {
  merchant_id: string;
  method: string;
  path: string;
  route: string;
  status: number;
  correlation_id: string;
  duration_ms: number;
  created_at: number;
  order_id: string | null;
  session_id: string | null;
  resource_id: string | null;
  idempotency_key: string | null;
  body_hash: string | null;
  error_code: string | null;
  error_message: string | null;
}

const correlationOf = (res: TestResponse) => String(res.headers['klarna-correlation-id']);

for (const dialect of await availableDialects()) {
  describe(`API call log (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    async function rows(): Promise<Row[]> {
      const found = await t.db.kysely.selectFrom('api_calls').selectAll().orderBy('call_id').execute();
      return found.map((r) => ({ ...r, status: Number(r.status), created_at: Number(r.created_at), duration_ms: Number(r.duration_ms) }));
    }
    const byCorrelation = async (res: TestResponse): Promise<Row | undefined> => (await rows()).find((r) => r.correlation_id === correlationOf(res));
    const merchantId = async (username: string) =>
      (await t.db.kysely.selectFrom('merchants').select('merchant_id').where('username', '=', username).executeTakeFirstOrThrow()).merchant_id;

    it('records each call with its route, status, correlation id and the order it concerns, refusals and creates included', async () => {
      const createdAt = Date.now();
      const created = await t.post('/sandbox/v1/orders', orderBody());
      assert.equal(created.status, 201);
      const orderId: string = created.json().order_id;
      const capture = await t.post(`/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: 5000 }, { idempotencyKey: 'key-capture-1' });
      assert.equal(capture.status, 201);
      const read = await t.get(`/ordermanagement/v1/orders/${orderId}?fields=all&token=x`);
      const tooMuch = await t.post(`/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: 999_999 });
      assert.equal(tooMuch.status, 403);
      const invalid = await t.post(`/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: 'lots' });
      assert.ok(invalid.status >= 400 && invalid.status < 500, invalid.body);
      const unknown = await t.get('/ordermanagement/v1/orders/no-such-order');
      assert.equal(unknown.status, 404);
      // Not logged: no credentials, wrong credentials, the operations routes, another merchant's calls.
      const anonymous = await t.request({ url: `/ordermanagement/v1/orders/${orderId}`, auth: null });
      const wrong = await t.request({ url: `/ordermanagement/v1/orders/${orderId}`, auth: { username: MERCHANT.username, password: 'nope' } });
      const health = await t.request({ url: '/healthz', auth: null });
      const theirs = await t.createOrder({}, OTHER_MERCHANT);

      await flushApiCalls(t.db);
      const mine = await merchantId(MERCHANT.username);
      const sandboxCreate = await byCorrelation(created);
      const { call_id: _id, ...createRow } = sandboxCreate as Row & { call_id: unknown };
      assert.deepEqual(
        { ...createRow, duration_ms: 0, created_at: 0 },
        {
          merchant_id: mine,
          method: 'POST',
          path: '/sandbox/v1/orders',
          route: '/sandbox/v1/orders',
          status: 201,
          correlation_id: correlationOf(created),
          duration_ms: 0,
          created_at: 0,
          order_id: orderId,
          session_id: null,
          resource_id: null,
          idempotency_key: null,
          // The journal's fingerprint of the body (never the body): SHA-256 of the JSON as sent.
          body_hash: bodyFingerprint(JSON.stringify(orderBody())),
          error_code: null,
          error_message: null,
        },
      );
      assert.ok(sandboxCreate && sandboxCreate.created_at >= createdAt - 1000 && sandboxCreate.created_at <= Date.now(), 'server time of the request');
      assert.ok(sandboxCreate && sandboxCreate.duration_ms > 0);

      const captured = await byCorrelation(capture);
      assert.equal(captured?.route, '/ordermanagement/v1/orders/:order_id/captures');
      assert.equal(captured?.order_id, orderId);
      assert.equal(captured?.resource_id, capture.headers['capture-id'], 'the capture it created');
      const readRow = await byCorrelation(read);
      assert.equal(readRow?.path, `/ordermanagement/v1/orders/${orderId}`, 'the path without its query string');
      assert.equal(readRow?.status, 200);
      assert.equal(captured?.idempotency_key, 'key-capture-1');
      assert.equal(captured?.body_hash, bodyFingerprint('{"captured_amount":5000}'));
      assert.equal(captured?.error_code, null);
      const refused = await byCorrelation(tooMuch);
      assert.equal(refused?.status, 403);
      assert.equal(refused?.resource_id, null);
      // A refusal keeps its error code and first message, as answered.
      assert.equal(refused?.error_code, tooMuch.json<{ error_code: string }>().error_code);
      assert.equal(refused?.error_message, tooMuch.json<{ error_messages: string[] }>().error_messages[0]);
      assert.equal(refused?.body_hash, bodyFingerprint('{"captured_amount":999999}'));
      assert.equal(readRow?.body_hash, null, 'a read has no body fingerprint');
      assert.equal((await byCorrelation(invalid))?.status, invalid.status);
      assert.deepEqual([(await byCorrelation(unknown))?.status, (await byCorrelation(unknown))?.order_id], [404, 'no-such-order']);
      for (const res of [anonymous, wrong, health]) assert.equal(await byCorrelation(res), undefined, `${res.status} is not logged`);

      const all = await rows();
      assert.ok(all.every((r) => r.merchant_id === mine || r.order_id !== orderId), 'another merchant never has my order');
      assert.equal(all.filter((r) => r.order_id === theirs.order_id).length, 1);
      assert.equal(all.find((r) => r.order_id === theirs.order_id)?.merchant_id, await merchantId(OTHER_MERCHANT.username));
      // No body, no credential: nothing from the request body or the password is in any row.
      const text = JSON.stringify(all);
      assert.ok(!text.includes('ORDER-1') && !text.includes('T-shirt') && !text.includes(MERCHANT.password) && !text.includes('Basic '), text.slice(0, 300));
    });

    it('names the session of Payments calls, the session created included, and the order a Payments authorization placed', async () => {
      const session = await t.post('/payments/v1/sessions', orderBody());
      const sessionId: string = session.json().session_id;
      const read = await t.get(`/payments/v1/sessions/${sessionId}`);
      const authorized = await t.post(`/sandbox/v1/payments/sessions/${sessionId}/authorize`, {});
      const { merchant_reference1: _ref, ...purchase } = orderBody();
      const placed = await t.post(`/payments/v1/authorizations/${authorized.json().authorization_token}/order`, purchase);
      assert.equal(placed.status, 200, placed.body);
      await flushApiCalls(t.db);
      assert.equal((await byCorrelation(session))?.session_id, sessionId);
      assert.equal((await byCorrelation(read))?.session_id, sessionId);
      assert.equal((await byCorrelation(authorized))?.session_id, sessionId);
      const order = await byCorrelation(placed);
      assert.equal(order?.order_id, placed.json().order_id);
      assert.equal(order?.route, '/payments/v1/authorizations/:authorization_token/order');
    });

    it('is written (packed) within a few hundred milliseconds without anyone asking, and unpacked by a reader', async () => {
      const res = await t.get('/sandbox/v1/clock');
      const correlation = correlationOf(res);
      const packed = async () =>
        (await t.db.kysely.selectFrom('api_call_batches').select('rows_json').execute()).some((b) => (JSON.parse(b.rows_json) as unknown[][]).some((row) => row.includes(correlation)));
      for (let i = 0; i < 40 && !(await packed()); i++) await new Promise((resolve) => setTimeout(resolve, 25));
      assert.ok(await packed(), 'the call is in a packed batch, committed');
      assert.equal((await t.db.kysely.selectFrom('api_calls').select('call_id').where('correlation_id', '=', correlation).execute()).length, 0, 'not yet a row');
      await flushApiCalls(t.db);
      assert.equal((await byCorrelation(res))?.route, '/sandbox/v1/clock');
      assert.equal(await packed(), false, 'unpacked once');
    });

    it('a timeline read sees the calls just made in this process, before any timer ran', async () => {
      const created = await t.createOrder();
      const res = await t.get(`/sandbox/v1/timeline?order_id=${created.order_id}`);
      assert.equal(res.status, 200, res.body);
      const calls = res.json().entries.filter((e: { kind: string }) => e.kind === 'api_call');
      assert.deepEqual(
        calls.map((c: { method: string; route: string; status: number }) => `${c.method} ${c.route} ${c.status}`),
        ['POST /sandbox/v1/orders 201'],
      );
    });

    it('the buffer is bounded (the oldest dropped and counted) and each merchant keeps its newest calls', async () => {
      const log = new ApiCallLog(t.db, t.clock, pino({ level: 'silent' }), { maxBuffered: 3, maxPerMerchant: 2, pruneIntervalMs: 0 });
      const route: LoggedRoute = { route: '/x/:order_id', orderParam: 'order_id', sessionParam: null, otherParam: null, created: null, createdHeader: null, orderInBody: false };
      const merchant = 'prune-merchant';
      const call = (i: number): BufferedCall => ({
        spec: route,
        merchantId: merchant,
        method: 'GET',
        url: `/x/o-${i}?q=1`,
        status: 200,
        correlationId: `c-${i}`,
        durationMs: 1.5,
        wallAt: Date.now(),
        params: { order_id: `o-${i}` },
        bodyOrderId: null,
        created: null,
        idempotencyKey: null,
        body: undefined,
        refusal: null,
      });
      for (let i = 1; i <= 5; i++) log.record(call(i));
      assert.equal(log.dropped, 2);
      assert.equal(log.buffered, 3);
      const kept = async () =>
        (await t.db.kysely.selectFrom('api_calls').select(['correlation_id', 'path']).where('merchant_id', '=', merchant).orderBy('call_id').execute()).map((r) => r.correlation_id);
      // Written packed (one batch of 3, kept whole), unpacked by the reader.
      await log.flush();
      await flushApiCalls(t.db);
      assert.deepEqual(await kept(), ['c-3', 'c-4', 'c-5']);
      // The next write prunes: one call packed, so one unpacked row is left room for, the newest.
      log.record(call(6));
      await log.flush();
      await flushApiCalls(t.db);
      assert.deepEqual(await kept(), ['c-5', 'c-6']);
      // Batches beyond the limit go whole, without being unpacked.
      for (let i = 7; i <= 9; i++) {
        log.record(call(i));
        await log.flush();
      }
      await flushApiCalls(t.db);
      assert.deepEqual(await kept(), ['c-8', 'c-9']);
      assert.equal((await t.db.kysely.selectFrom('api_call_batches').select('batch_id').where('merchant_id', '=', merchant).execute()).length, 0, 'nothing left packed');
      await log.close();
    });
  });
}
