import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { assertNoContent, om } from '../../helpers/assertions.js';

async function events(t: TestApp, orderId: string): Promise<{ type: string; order_id: string }[]> {
  const res = await t.get(`/sandbox/v1/events?order_id=${orderId}`);
  assert.equal(res.status, 200, res.body);
  return res.json<{ events: { type: string; order_id: string }[] }>().events;
}

for (const dialect of await availableDialects()) {
  describe(`acknowledge order (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('acknowledging an order answers 204 with no body and no content type, and records order.acknowledged', async () => {
      const order = await t.createOrder();
      assertNoContent(await t.post(om(order.order_id, '/acknowledge')));

      const acknowledged = (await events(t, order.order_id)).filter((e) => e.type === 'order.acknowledged');
      assert.equal(acknowledged.length, 1);
      assert.equal(acknowledged[0]?.order_id, order.order_id);
      const row = await t.db.kysely.selectFrom('orders').select('acknowledged_at').where('order_id', '=', order.order_id).executeTakeFirstOrThrow();
      assert.notEqual(row.acknowledged_at, null);
    });

    it('acknowledging again is also 204 and the order.acknowledged event is recorded only once', async () => {
      const order = await t.createOrder();
      assertNoContent(await t.post(om(order.order_id, '/acknowledge')));
      const first = await t.db.kysely.selectFrom('orders').select('acknowledged_at').where('order_id', '=', order.order_id).executeTakeFirstOrThrow();
      assertNoContent(await t.post(om(order.order_id, '/acknowledge')));
      assertNoContent(await t.post(om(order.order_id, '/acknowledge')));

      const acknowledged = (await events(t, order.order_id)).filter((e) => e.type === 'order.acknowledged');
      assert.equal(acknowledged.length, 1);
      const last = await t.db.kysely.selectFrom('orders').select('acknowledged_at').where('order_id', '=', order.order_id).executeTakeFirstOrThrow();
      assert.equal(Number(last.acknowledged_at), Number(first.acknowledged_at), 'the first acknowledgement time is kept');
    });

    it('acknowledging leaves the order itself unchanged', async () => {
      const order = await t.createOrder();
      assertNoContent(await t.post(om(order.order_id, '/acknowledge')));
      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'AUTHORIZED');
      assert.equal(read.order_amount, 12500);
      assert.equal(read.remaining_authorized_amount, 12500);
    });

    it('acknowledging an unknown order gets 404 NO_SUCH_ORDER', async () => {
      const res = await t.post(om('00000000-0000-4000-8000-000000000000', '/acknowledge'));
      assert.equal(res.status, 404, res.body);
      assert.equal(res.json().error_code, 'NO_SUCH_ORDER');
    });
  });
}
