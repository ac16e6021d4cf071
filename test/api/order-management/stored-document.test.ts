/**
 * The stored order document (order.repository.ts): a capture or refund writes the order's columns,
 * not its document, and GET still answers exactly the order its rows make (status and amounts come
 * from the columns); a change past the head (references, addresses) rewrites it; rows that hold the
 * whole answer, as rows of older schemas and their snapshots do, read the same.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { loadOrder } from '../../../src/modules/order-management/order.repository.js';
import { presentOrder, presentOrderCore } from '../../../src/modules/order-management/schemas.js';

const orderPath = (orderId: string) => `/ordermanagement/v1/orders/${orderId}`;

for (const dialect of await availableDialects()) {
  describe(`stored order document (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    const storedDocument = async (orderId: string) => (await t.db.read.get<{ document: string }>('select document from orders where order_id = ?', [orderId]))?.document;

    /** What GET must answer: the order as its rows make it. */
    const fromRows = async (orderId: string) => {
      const order = await loadOrder(t.db, t.db.read, await t.merchantId(), orderId);
      assert.ok(order);
      return JSON.parse(JSON.stringify(presentOrder(order, await t.now())));
    };

    it('captures and refunds leave the stored document as it is, and GET answers what the rows say', async () => {
      const order = await t.createOrder();
      const before = await storedDocument(order.order_id);
      assert.ok(before);
      assert.equal((await t.post(`${orderPath(order.order_id)}/captures`, { captured_amount: 1000 })).status, 201);
      assert.equal((await t.post(`${orderPath(order.order_id)}/captures`, { captured_amount: 2000 })).status, 201);
      assert.equal((await t.post(`${orderPath(order.order_id)}/refunds`, { refunded_amount: 500 })).status, 201);
      assert.equal(await storedDocument(order.order_id), before, 'the stored document was rewritten');

      const res = await t.get(orderPath(order.order_id));
      assert.equal(res.status, 200);
      const read = res.json();
      assert.equal(read.status, 'PART_CAPTURED');
      assert.equal(read.captured_amount, 3000);
      assert.equal(read.refunded_amount, 500);
      assert.equal(read.remaining_authorized_amount, order.order_amount - 3000);
      assert.deepEqual(read, await fromRows(order.order_id));
    });

    it('a change past the head (merchant references) rewrites the stored document', async () => {
      const order = await t.createOrder();
      const before = await storedDocument(order.order_id);
      const res = await t.patch(`${orderPath(order.order_id)}/merchant-references`, { merchant_reference1: 'NEW-REF-1' });
      assert.equal(res.status, 204, res.body);
      assert.notEqual(await storedDocument(order.order_id), before);
      const read = await t.get(orderPath(order.order_id));
      assert.equal(read.json().merchant_reference1, 'NEW-REF-1');
      assert.deepEqual(read.json(), await fromRows(order.order_id));
    });

    it('a row that stores the whole answer (older schemas, their snapshots) reads the same', async () => {
      const order = await t.createOrder();
      assert.equal((await t.post(`${orderPath(order.order_id)}/captures`, { captured_amount: 700 })).status, 201);
      const expected = (await t.get(orderPath(order.order_id))).body;
      const aggregate = await loadOrder(t.db, t.db.read, await t.merchantId(), order.order_id);
      assert.ok(aggregate);
      const whole = JSON.stringify(presentOrderCore(aggregate, aggregate.created_at));
      await t.db.transaction((sql) => sql.run('update orders set document = ? where order_id = ?', [whole, order.order_id]));
      const read = await t.get(orderPath(order.order_id));
      assert.equal(read.status, 200);
      assert.equal(read.body, expected);
    });
  });
}
