/**
 * Klarna-Idempotency-Key on Order Management writes (§0.4): a retry with the same key runs once and
 * gets the first answer, whatever its body; keys belong to one merchant and last 24 hours.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, buildTestApp } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';

const orderPath = (orderId: string) => `/ordermanagement/v1/orders/${orderId}`;
const capturesPath = (orderId: string) => `${orderPath(orderId)}/captures`;
const HOUR_SECONDS = 3600;

for (const dialect of await availableDialects()) {
  describe(`idempotency keys (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    const capture = (orderId: string, body: Record<string, unknown>, idempotencyKey?: string, auth?: { username: string; password: string }) =>
      t.post(capturesPath(orderId), body, { ...(idempotencyKey !== undefined && { idempotencyKey }), ...(auth && { auth }) });

    async function captureRows(orderId: string) {
      return t.db.kysely.selectFrom('captures').select(['capture_id', 'captured_amount']).where('order_id', '=', orderId).execute();
    }

    function assertSameAnswer(first: TestResponse, retry: TestResponse): void {
      assert.equal(retry.status, first.status, retry.body);
      assert.equal(retry.headers.location, first.headers.location);
      assert.equal(retry.headers['capture-id'], first.headers['capture-id']);
      assert.equal(retry.body, first.body);
    }

    it('a retry with the same key replays the first 201 and creates only one capture, even with a different body', async () => {
      const order = await t.createOrder();
      const key = randomUUID();
      const first = await capture(order.order_id, { captured_amount: 1000 }, key);
      assert.equal(first.status, 201, first.body);
      assert.ok(first.headers['capture-id']);

      const retry = await capture(order.order_id, { captured_amount: 1000 }, key);
      assertSameAnswer(first, retry);
      const different = await capture(order.order_id, { captured_amount: 7000, description: 'another body' }, key);
      assertSameAnswer(first, different);

      const rows = await captureRows(order.order_id);
      assert.equal(rows.length, 1);
      const read = await t.getOrder(order.order_id);
      assert.equal(read.captured_amount, 1000);
      assert.equal(read.captures.length, 1);
      assert.equal(read.captures[0].capture_id, first.headers['capture-id']);
      assert.equal(read.captures[0].description, undefined);
    });

    it('two captures with different keys, or with no key, are two captures', async () => {
      const order = await t.createOrder();
      const a = await capture(order.order_id, { captured_amount: 1000 }, randomUUID());
      const b = await capture(order.order_id, { captured_amount: 1000 }, randomUUID());
      assert.equal(a.status, 201);
      assert.equal(b.status, 201);
      assert.notEqual(a.headers['capture-id'], b.headers['capture-id']);

      const c = await capture(order.order_id, { captured_amount: 1000 });
      const d = await capture(order.order_id, { captured_amount: 1000 });
      assert.equal(c.status, 201);
      assert.equal(d.status, 201);
      assert.notEqual(c.headers['capture-id'], d.headers['capture-id']);

      assert.equal((await captureRows(order.order_id)).length, 4);
      assert.equal((await t.getOrder(order.order_id)).captured_amount, 4000);
    });

    it('a refund retried with the same key is refunded once', async () => {
      const order = await t.createOrder();
      assert.equal((await capture(order.order_id, { captured_amount: 10000 })).status, 201);
      const key = randomUUID();
      const first = await t.post(`${orderPath(order.order_id)}/refunds`, { refunded_amount: 2000 }, { idempotencyKey: key });
      assert.equal(first.status, 201, first.body);
      const retry = await t.post(`${orderPath(order.order_id)}/refunds`, { refunded_amount: 2000 }, { idempotencyKey: key });
      assert.equal(retry.status, 201);
      assert.equal(retry.headers['refund-id'], first.headers['refund-id']);
      assert.equal(retry.headers.location, first.headers.location);
      const read = await t.getOrder(order.order_id);
      assert.equal(read.refunded_amount, 2000);
      assert.equal(read.refunds.length, 1);
    });

    it("keys are scoped per merchant: merchant B using merchant A's key gets its own capture", async () => {
      const orderA = await t.createOrder();
      const orderB = await t.createOrder({}, OTHER_MERCHANT);
      const key = randomUUID();
      const a = await capture(orderA.order_id, { captured_amount: 1000 }, key);
      assert.equal(a.status, 201, a.body);

      const b = await capture(orderB.order_id, { captured_amount: 2000 }, key, OTHER_MERCHANT);
      assert.equal(b.status, 201, b.body);
      assert.notEqual(b.headers['capture-id'], a.headers['capture-id']);
      assert.ok(String(b.headers.location).includes(orderB.order_id), 'B is not answered with A\'s capture');

      assert.equal((await captureRows(orderA.order_id)).length, 1);
      const rowsB = await captureRows(orderB.order_id);
      assert.equal(rowsB.length, 1);
      assert.equal(rowsB[0]?.capture_id, b.headers['capture-id']);
      assert.equal(Number(rowsB[0]?.captured_amount), 2000);

      // Each merchant's retry replays its own answer.
      assertSameAnswer(a, await capture(orderA.order_id, { captured_amount: 1000 }, key));
      assertSameAnswer(b, await capture(orderB.order_id, { captured_amount: 2000 }, key, OTHER_MERCHANT));
    });

    it('a refusal (403) is replayed for the same key, and the retry changes nothing', async () => {
      const order = await t.createOrder();
      const key = randomUUID();
      const first = await capture(order.order_id, { captured_amount: 999999 }, key);
      assert.equal(first.status, 403, first.body);
      assert.equal(first.json().error_code, 'CAPTURE_NOT_ALLOWED');

      // The retry would succeed on its own, but it gets the first answer.
      const retry = await capture(order.order_id, { captured_amount: 1000 }, key);
      assert.equal(retry.status, 403, retry.body);
      assert.equal(retry.json().error_code, 'CAPTURE_NOT_ALLOWED');
      assert.deepEqual(retry.json().error_messages, first.json().error_messages);
      assert.equal(retry.json().correlation_id, retry.headers['klarna-correlation-id']);
      assert.notEqual(retry.json().correlation_id, first.json().correlation_id, 'a replay carries its own correlation id');

      assert.equal((await captureRows(order.order_id)).length, 0);
      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'AUTHORIZED');
      assert.equal(read.captured_amount, 0);

      // A new key is evaluated afresh.
      assert.equal((await capture(order.order_id, { captured_amount: 1000 }, randomUUID())).status, 201);
    });

    it('with idempotency_replays_errors off, a retry after a refusal is executed', async () => {
      const off = await t.patch('/sandbox/v1/settings', { idempotency_replays_errors: false });
      assert.equal(off.status, 200, off.body);
      try {
        const order = await t.createOrder();
        const key = randomUUID();
        assert.equal((await capture(order.order_id, { captured_amount: 999999 }, key)).status, 403);
        const retry = await capture(order.order_id, { captured_amount: 1000 }, key);
        assert.equal(retry.status, 201, retry.body);
        // Successes are still replayed.
        assertSameAnswer(retry, await capture(order.order_id, { captured_amount: 1000 }, key));
        assert.equal((await captureRows(order.order_id)).length, 1);
      } finally {
        const on = await t.patch('/sandbox/v1/settings', { idempotency_replays_errors: true });
        assert.equal(on.status, 200, on.body);
      }
    });

    it('10 concurrent requests with the same key create exactly one capture and all get the same Capture-Id', async () => {
      const order = await t.createOrder();
      const key = randomUUID();
      const responses = await Promise.all(Array.from({ length: 10 }, () => capture(order.order_id, { captured_amount: 1000 }, key)));
      for (const res of responses) assert.equal(res.status, 201, res.body);
      const ids = new Set(responses.map((r) => r.headers['capture-id']));
      assert.equal(ids.size, 1, `one Capture-Id, got ${[...ids].join(', ')}`);
      const locations = new Set(responses.map((r) => r.headers.location));
      assert.equal(locations.size, 1);

      const rows = await captureRows(order.order_id);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.capture_id, responses[0]?.headers['capture-id']);
      const read = await t.getOrder(order.order_id);
      assert.equal(read.captured_amount, 1000);
      assert.equal(read.status, 'PART_CAPTURED');
    });

    it('a key of up to 255 characters is accepted; a longer one gets 400 BAD_REQUEST and changes nothing', async () => {
      const order = await t.createOrder();
      const tooLong = await capture(order.order_id, { captured_amount: 1000 }, 'k'.repeat(256));
      assert.equal(tooLong.status, 400, tooLong.body);
      assert.equal(tooLong.json().error_code, 'BAD_REQUEST');
      assert.ok(
        tooLong.json().error_messages.some((m: string) => m.includes('Klarna-Idempotency-Key')),
        tooLong.body,
      );
      assert.equal((await captureRows(order.order_id)).length, 0);
      assert.equal((await t.getOrder(order.order_id)).status, 'AUTHORIZED');

      const longest = 'k'.repeat(255);
      const first = await capture(order.order_id, { captured_amount: 1000 }, longest);
      assert.equal(first.status, 201, first.body);
      assertSameAnswer(first, await capture(order.order_id, { captured_amount: 1000 }, longest));
      assert.equal((await captureRows(order.order_id)).length, 1);
    });
  });

  // Its own database: moving the clock ages every key in it.
  describe(`idempotency window (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('a key is replayed for 24 hours; after 25 hours the same key acts again', async () => {
      const order = await t.createOrder();
      const key = randomUUID();
      const send = () => t.post(capturesPath(order.order_id), { captured_amount: 1000 }, { idempotencyKey: key });
      const first = await send();
      assert.equal(first.status, 201, first.body);

      await t.advanceClock(23 * HOUR_SECONDS);
      const within = await send();
      assert.equal(within.status, 201);
      assert.equal(within.headers['capture-id'], first.headers['capture-id']);
      assert.equal((await t.getOrder(order.order_id)).captures.length, 1);

      await t.advanceClock(2 * HOUR_SECONDS);
      const later = await send();
      assert.equal(later.status, 201, later.body);
      assert.notEqual(later.headers['capture-id'], first.headers['capture-id']);
      const read = await t.getOrder(order.order_id);
      assert.equal(read.captures.length, 2);
      assert.equal(read.captured_amount, 2000);

      // The key's new window replays the new answer.
      const again = await send();
      assert.equal(again.headers['capture-id'], later.headers['capture-id']);
      assert.equal((await t.getOrder(order.order_id)).captures.length, 2);
    });
  });
}
