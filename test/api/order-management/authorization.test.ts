import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { assertError, assertNoContent, om } from '../../helpers/assertions.js';

const DAY_SECONDS = 24 * 3600;

async function capture(t: TestApp, orderId: string, amount: number): Promise<void> {
  const res = await t.post(om(orderId, '/captures'), { captured_amount: amount });
  assert.equal(res.status, 201, res.body);
}

const line = (name: string, quantity: number, unitPrice: number) => ({
  type: 'physical',
  reference: `SKU-${name}`,
  name,
  quantity,
  unit_price: unitPrice,
  tax_rate: 2500,
  total_amount: quantity * unitPrice,
  total_tax_amount: (quantity * unitPrice) / 5,
});

const ORIGINAL_LINES = orderBody().order_lines;

for (const dialect of await availableDialects()) {
  describe(`update authorization (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('decreasing the authorization answers 204 with no body; order_amount and remaining follow, original_order_amount stays', async () => {
      const order = await t.createOrder();
      assertNoContent(await t.patch(om(order.order_id, '/authorization'), { order_amount: 10000, description: 'Item out of stock' }));

      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'AUTHORIZED');
      assert.equal(read.order_amount, 10000);
      assert.equal(read.remaining_authorized_amount, 10000);
      assert.equal(read.original_order_amount, 12500);
    });

    it('increasing the authorization of a default (INVOICE) order is accepted and raises the remaining amount', async () => {
      const order = await t.createOrder();
      assert.equal(order.initial_payment_method.type, 'INVOICE');
      assertNoContent(await t.patch(om(order.order_id, '/authorization'), { order_amount: 15000 }));

      const read = await t.getOrder(order.order_id);
      assert.equal(read.order_amount, 15000);
      assert.equal(read.remaining_authorized_amount, 15000);
      assert.equal(read.original_order_amount, 12500);
    });

    for (const type of ['INVOICE', 'INVOICE_BUSINESS', 'ACCOUNT', 'DIRECT_DEBIT', 'FIXED_AMOUNT', 'DEFERRED_INTEREST']) {
      it(`an increase is allowed for payment method ${type}`, async () => {
        const order = await t.createOrder({ initial_payment_method: { type } });
        assertNoContent(await t.patch(om(order.order_id, '/authorization'), { order_amount: 13000 }));
        assert.equal((await t.getOrder(order.order_id)).order_amount, 13000);
      });
    }

    for (const type of ['CARD', 'PAY_BY_CARD', 'PAY_LATER_IN_PARTS', 'SWISH', 'FIXED_SUM_CREDIT']) {
      it(`an increase for payment method ${type} gets 403 NOT_ALLOWED and changes nothing, while a decrease is accepted`, async () => {
        const order = await t.createOrder({ initial_payment_method: { type } });
        assertError(await t.patch(om(order.order_id, '/authorization'), { order_amount: 12501 }), 403, 'NOT_ALLOWED');
        const unchanged = await t.getOrder(order.order_id);
        assert.equal(unchanged.order_amount, 12500);
        assert.equal(unchanged.remaining_authorized_amount, 12500);

        assertNoContent(await t.patch(om(order.order_id, '/authorization'), { order_amount: 12000 }));
        assert.equal((await t.getOrder(order.order_id)).order_amount, 12000);
      });
    }

    it('reducing below the captured amount gets 403 NOT_ALLOWED naming both amounts, and changes nothing', async () => {
      const order = await t.createOrder();
      await capture(t, order.order_id, 5000);
      const messages = assertError(await t.patch(om(order.order_id, '/authorization'), { order_amount: 4000 }), 403, 'NOT_ALLOWED');
      assert.ok(
        messages.some((m) => m.startsWith('Resulting authorization amount 4000 cannot be less than the captured amount 5000')),
        messages.join(' | '),
      );

      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'PART_CAPTURED');
      assert.equal(read.order_amount, 12500);
      assert.equal(read.remaining_authorized_amount, 7500);
    });

    it('reducing a part-captured order to exactly the captured amount makes it CAPTURED with nothing remaining', async () => {
      const order = await t.createOrder();
      await capture(t, order.order_id, 5000);
      assertNoContent(await t.patch(om(order.order_id, '/authorization'), { order_amount: 5000 }));

      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'CAPTURED');
      assert.equal(read.order_amount, 5000);
      assert.equal(read.captured_amount, 5000);
      assert.equal(read.remaining_authorized_amount, 0);
      assert.equal(read.original_order_amount, 12500);
    });

    it('a part-captured order reduced above the captured amount stays PART_CAPTURED', async () => {
      const order = await t.createOrder();
      await capture(t, order.order_id, 5000);
      assertNoContent(await t.patch(om(order.order_id, '/authorization'), { order_amount: 8000 }));

      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'PART_CAPTURED');
      assert.equal(read.remaining_authorized_amount, 3000);
    });

    it('sent order_lines replace the order lines', async () => {
      const order = await t.createOrder();
      const lines = [line('Hoodie', 1, 6000), line('Cap', 2, 1000)];
      assertNoContent(await t.patch(om(order.order_id, '/authorization'), { order_amount: 8000, order_lines: lines }));

      const read = await t.getOrder(order.order_id);
      assert.equal(read.order_amount, 8000);
      assert.deepEqual(read.order_lines, lines);
    });

    it('without order_lines the order keeps its lines', async () => {
      const order = await t.createOrder();
      assertNoContent(await t.patch(om(order.order_id, '/authorization'), { order_amount: 11000 }));

      const read = await t.getOrder(order.order_id);
      assert.equal(read.order_amount, 11000);
      assert.deepEqual(read.order_lines, ORIGINAL_LINES);
    });

    it('order_lines that do not sum to order_amount get 422 and change nothing', async () => {
      const order = await t.createOrder();
      const res = await t.patch(om(order.order_id, '/authorization'), { order_amount: 9000, order_lines: [line('Hoodie', 1, 6000), line('Cap', 2, 1000)] });
      assert.equal(res.status, 422, res.body);

      const read = await t.getOrder(order.order_id);
      assert.equal(read.order_amount, 12500);
      assert.deepEqual(read.order_lines, ORIGINAL_LINES);
    });

    it('a line whose total_amount is not quantity × unit_price gets 422 naming the line', async () => {
      const order = await t.createOrder();
      const broken = { ...line('Hoodie', 2, 3000), total_amount: 5000, total_tax_amount: 1000 };
      const res = await t.patch(om(order.order_id, '/authorization'), { order_amount: 5000, order_lines: [broken] });
      const messages = assertError(res, 422, 'UNPROCESSABLE_ENTITY');
      assert.ok(messages.includes('Bad value: order_lines[0].total_amount'), messages.join(' | '));
      assert.equal((await t.getOrder(order.order_id)).order_amount, 12500);
    });

    it('an authorization of 0 is refused with 403 NOT_ALLOWED and changes nothing', async () => {
      const order = await t.createOrder();
      assertError(await t.patch(om(order.order_id, '/authorization'), { order_amount: 0 }), 403, 'NOT_ALLOWED');
      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'AUTHORIZED');
      assert.equal(read.order_amount, 12500);
    });

    it('a body without order_amount gets 422', async () => {
      const order = await t.createOrder();
      assert.equal((await t.patch(om(order.order_id, '/authorization'), { description: 'no amount' })).status, 422);
      assert.equal((await t.getOrder(order.order_id)).order_amount, 12500);
    });

    it('a fully captured order refuses an authorization update with 403 NOT_ALLOWED', async () => {
      const order = await t.createOrder();
      await capture(t, order.order_id, 12500);
      // 13000 is above the captured amount, so only the status can be the reason.
      assertError(await t.patch(om(order.order_id, '/authorization'), { order_amount: 13000 }), 403, 'NOT_ALLOWED');
      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'CAPTURED');
      assert.equal(read.order_amount, 12500);
    });

    it('a cancelled order refuses an authorization update with 403 NOT_ALLOWED', async () => {
      const order = await t.createOrder();
      assertNoContent(await t.post(om(order.order_id, '/cancel')));
      assertError(await t.patch(om(order.order_id, '/authorization'), { order_amount: 10000 }), 403, 'NOT_ALLOWED');
      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'CANCELLED');
      assert.equal(read.order_amount, 12500);
    });

    it('an expired order refuses an authorization update with 403 NOT_ALLOWED', async () => {
      const order = await t.createOrder();
      await t.advanceClock(29 * DAY_SECONDS);
      assertError(await t.patch(om(order.order_id, '/authorization'), { order_amount: 10000 }), 403, 'NOT_ALLOWED');
      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'EXPIRED');
      assert.equal(read.order_amount, 12500);
    });

    it('updating the authorization of an unknown order gets 404 NO_SUCH_ORDER', async () => {
      const res = await t.patch(om('00000000-0000-4000-8000-000000000000', '/authorization'), { order_amount: 100 });
      assertError(res, 404, 'NO_SUCH_ORDER');
    });
  });
}
