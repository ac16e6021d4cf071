import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';
import { assertNoContent, om } from '../../helpers/assertions.js';

const DAY_SECONDS = 24 * 3600;

function assertError(res: TestResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.body);
  assert.equal(res.json().error_code, code, res.body);
}

async function capture(t: TestApp, orderId: string, amount: number): Promise<void> {
  const res = await t.post(om(orderId, '/captures'), { captured_amount: amount });
  assert.equal(res.status, 201, res.body);
}

const release = (t: TestApp, orderId: string) => t.post(om(orderId, '/release-remaining-authorization'));

for (const dialect of await availableDialects()) {
  describe(`release remaining authorization (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('releasing a part-captured order makes it CAPTURED with nothing remaining and order_amount = captured_amount', async () => {
      const order = await t.createOrder();
      await capture(t, order.order_id, 5000);
      assertNoContent(await release(t, order.order_id));

      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'CAPTURED');
      assert.equal(read.remaining_authorized_amount, 0);
      assert.equal(read.order_amount, 5000);
      assert.equal(read.captured_amount, 5000);
      assert.equal(read.original_order_amount, 12500);
    });

    it('after a release no further capture is possible (403 CAPTURE_NOT_ALLOWED)', async () => {
      const order = await t.createOrder();
      await capture(t, order.order_id, 5000);
      assertNoContent(await release(t, order.order_id));
      assertError(await t.post(om(order.order_id, '/captures'), { captured_amount: 1000 }), 403, 'CAPTURE_NOT_ALLOWED');
      assert.equal((await t.getOrder(order.order_id)).captured_amount, 5000);
    });

    it('an authorized order without captures refuses release with 403 NOT_ALLOWED', async () => {
      const order = await t.createOrder();
      assertError(await release(t, order.order_id), 403, 'NOT_ALLOWED');
      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'AUTHORIZED');
      assert.equal(read.order_amount, 12500);
      assert.equal(read.remaining_authorized_amount, 12500);
    });

    it('a fully captured order refuses release with 403 NOT_ALLOWED', async () => {
      const order = await t.createOrder();
      await capture(t, order.order_id, 12500);
      assertError(await release(t, order.order_id), 403, 'NOT_ALLOWED');
      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'CAPTURED');
      assert.equal(read.order_amount, 12500);
    });

    it('a released order refuses a second release with 403 NOT_ALLOWED', async () => {
      const order = await t.createOrder();
      await capture(t, order.order_id, 5000);
      assertNoContent(await release(t, order.order_id));
      assertError(await release(t, order.order_id), 403, 'NOT_ALLOWED');
      assert.equal((await t.getOrder(order.order_id)).order_amount, 5000);
    });

    it('a cancelled order refuses release with 403 NOT_ALLOWED', async () => {
      const order = await t.createOrder();
      assertNoContent(await t.post(om(order.order_id, '/cancel')));
      assertError(await release(t, order.order_id), 403, 'NOT_ALLOWED');
      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'CANCELLED');
      assert.equal(read.order_amount, 12500);
    });

    it('an expired part-captured order refuses release with 403 NOT_ALLOWED', async () => {
      const order = await t.createOrder();
      await capture(t, order.order_id, 5000);
      await t.advanceClock(29 * DAY_SECONDS);
      assertError(await release(t, order.order_id), 403, 'NOT_ALLOWED');
      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'EXPIRED');
      assert.equal(read.order_amount, 12500);
      assert.equal(read.captured_amount, 5000);
    });

    it('releasing on an unknown order gets 404 NO_SUCH_ORDER', async () => {
      assertError(await release(t, '00000000-0000-4000-8000-000000000000'), 404, 'NO_SUCH_ORDER');
    });
  });

  describe(`release remaining authorization with release_remaining_status CLOSED (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
      const res = await t.patch('/sandbox/v1/settings', { release_remaining_status: 'CLOSED' });
      assert.equal(res.status, 200, res.body);
    });
    after(async () => t.close());

    it('releasing a part-captured order makes it CLOSED with nothing remaining and order_amount = captured_amount', async () => {
      const order = await t.createOrder();
      await capture(t, order.order_id, 7000);
      assertNoContent(await release(t, order.order_id));

      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'CLOSED');
      assert.equal(read.remaining_authorized_amount, 0);
      assert.equal(read.order_amount, 7000);
      assert.equal(read.captured_amount, 7000);
      assert.equal(read.original_order_amount, 12500);
    });
  });
}
