import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';

for (const dialect of await availableDialects()) {
  describe(`order lifecycle (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('a captured and refunded order reads back with derived totals', async () => {
      const order = await t.createOrder();
      const id = order.order_id;
      const capture = await t.post(`/ordermanagement/v1/orders/${id}/captures`, { captured_amount: 10000 });
      assert.equal(capture.status, 201);
      assert.match(String(capture.headers.location), new RegExp(`^http://klarna-local.test:8080/ordermanagement/v1/orders/${id}/captures/`));
      const refund = await t.post(`/ordermanagement/v1/orders/${id}/refunds`, { refunded_amount: 2500 });
      assert.equal(refund.status, 201);
      const read = await t.getOrder(id);
      assert.equal(read.status, 'PART_CAPTURED');
      assert.equal(read.captured_amount, 10000);
      assert.equal(read.refunded_amount, 2500);
      assert.equal(read.remaining_authorized_amount, 2500);
    });
  });
}
