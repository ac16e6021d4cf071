import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, buildTestApp } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';
import { om, UNKNOWN_ID } from '../../helpers/assertions.js';

interface EventView {
  type: string;
  order_id: string;
  payload: Record<string, unknown>;
}

function assertError(res: TestResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.body);
  assert.equal(res.json().error_code, code, res.body);
}

async function capture(t: TestApp, orderId: string, amount = 5000): Promise<string> {
  const res = await t.post(om(orderId, '/captures'), { captured_amount: amount });
  assert.equal(res.status, 201, res.body);
  return String(res.headers['capture-id']);
}

async function sendOuts(t: TestApp, orderId: string): Promise<EventView[]> {
  const res = await t.get(`/sandbox/v1/events?order_id=${orderId}`);
  assert.equal(res.status, 200, res.body);
  return res.json<{ events: EventView[] }>().events.filter((e) => e.type === 'capture.send_out');
}

const sendOut = (t: TestApp, orderId: string, captureId: string) => t.post(om(orderId, `/captures/${captureId}/trigger-send-out`));

for (const dialect of await availableDialects()) {
  describe(`trigger send-out (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('triggering a send-out answers 204 with no body and records capture.send_out for that capture', async () => {
      const order = await t.createOrder();
      const captureId = await capture(t, order.order_id);
      assert.deepEqual(await sendOuts(t, order.order_id), []);

      const res = await sendOut(t, order.order_id, captureId);
      assert.equal(res.status, 204, res.body);
      assert.equal(res.body, '');
      assert.equal(res.headers['content-type'], undefined);

      const events = await sendOuts(t, order.order_id);
      assert.equal(events.length, 1);
      assert.equal(events[0]?.order_id, order.order_id);
      assert.equal(events[0]?.payload.capture_id, captureId);
      assert.equal(events[0]?.payload.klarna_reference, `${order.klarna_reference}-1`);
      assert.equal(events[0]?.payload.recipient, 'customer@email.se');
    });

    it('each trigger sends again: two calls record two send-outs, for the capture named each time', async () => {
      const order = await t.createOrder();
      const first = await capture(t, order.order_id);
      const second = await capture(t, order.order_id);
      assert.equal((await sendOut(t, order.order_id, second)).status, 204);
      assert.equal((await sendOut(t, order.order_id, first)).status, 204);

      const events = await sendOuts(t, order.order_id);
      assert.deepEqual(
        events.map((e) => e.payload.capture_id),
        [second, first],
      );
    });

    it('a send-out on an order without captures gets 403 NOT_ALLOWED and sends nothing', async () => {
      const order = await t.createOrder();
      assertError(await sendOut(t, order.order_id, UNKNOWN_ID), 403, 'NOT_ALLOWED');
      assert.deepEqual(await sendOuts(t, order.order_id), []);
    });

    it('a send-out for an unknown capture gets 404 NO_SUCH_CAPTURE and sends nothing', async () => {
      const order = await t.createOrder();
      await capture(t, order.order_id);
      assertError(await sendOut(t, order.order_id, UNKNOWN_ID), 404, 'NO_SUCH_CAPTURE');
      assert.deepEqual(await sendOuts(t, order.order_id), []);
    });

    it('a send-out for an unknown order gets 404 NO_SUCH_ORDER', async () => {
      assertError(await sendOut(t, UNKNOWN_ID, UNKNOWN_ID), 404, 'NO_SUCH_ORDER');
    });

    it("another merchant cannot trigger a send-out for the order's capture (404)", async () => {
      const order = await t.createOrder();
      const captureId = await capture(t, order.order_id);
      const res = await t.post(om(order.order_id, `/captures/${captureId}/trigger-send-out`), undefined, { auth: OTHER_MERCHANT });
      assertError(res, 404, 'NO_SUCH_ORDER');
      assert.deepEqual(await sendOuts(t, order.order_id), []);
    });
  });
}
