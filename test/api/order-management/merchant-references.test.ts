import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { assertError, assertNoContent, om } from '../../helpers/assertions.js';

for (const dialect of await availableDialects()) {
  describe(`update merchant references (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    const createWithReferences = () => t.createOrder({ merchant_reference1: 'ORDER-1', merchant_reference2: 'CART-9' });

    it('a present key overwrites its reference and an absent key keeps its value', async () => {
      const order = await createWithReferences();
      assertNoContent(await t.patch(om(order.order_id, '/merchant-references'), { merchant_reference1: 'ORDER-1-B' }));

      const read = await t.getOrder(order.order_id);
      assert.equal(read.merchant_reference1, 'ORDER-1-B');
      assert.equal(read.merchant_reference2, 'CART-9');
    });

    it('both references can be overwritten in one call', async () => {
      const order = await createWithReferences();
      assertNoContent(await t.patch(om(order.order_id, '/merchant-references'), { merchant_reference1: 'A', merchant_reference2: 'B' }));

      const read = await t.getOrder(order.order_id);
      assert.equal(read.merchant_reference1, 'A');
      assert.equal(read.merchant_reference2, 'B');
    });

    it('an empty body changes nothing', async () => {
      const order = await createWithReferences();
      assertNoContent(await t.patch(om(order.order_id, '/merchant-references'), {}));

      const read = await t.getOrder(order.order_id);
      assert.equal(read.merchant_reference1, 'ORDER-1');
      assert.equal(read.merchant_reference2, 'CART-9');
    });

    it('"" clears a reference: the field is absent from the read', async () => {
      const order = await createWithReferences();
      assertNoContent(await t.patch(om(order.order_id, '/merchant-references'), { merchant_reference2: '' }));

      const read = await t.getOrder(order.order_id);
      assert.equal(read.merchant_reference1, 'ORDER-1');
      assert.equal('merchant_reference2' in read, false);
    });

    it('a reference can be set on an order that had none', async () => {
      const order = await t.createOrder({ merchant_reference1: undefined });
      assert.equal('merchant_reference1' in (await t.getOrder(order.order_id)), false);
      assertNoContent(await t.patch(om(order.order_id, '/merchant-references'), { merchant_reference1: 'LATE-REF' }));
      assert.equal((await t.getOrder(order.order_id)).merchant_reference1, 'LATE-REF');
    });

    it('a cancelled order refuses new references with 403 NOT_ALLOWED and keeps the old ones', async () => {
      const order = await createWithReferences();
      assertNoContent(await t.post(om(order.order_id, '/cancel')));
      assertError(await t.patch(om(order.order_id, '/merchant-references'), { merchant_reference1: 'NEW' }), 403, 'NOT_ALLOWED');

      const read = await t.getOrder(order.order_id);
      assert.equal(read.merchant_reference1, 'ORDER-1');
      assert.equal(read.merchant_reference2, 'CART-9');
    });

    it('a fully captured order still accepts new references', async () => {
      const order = await createWithReferences();
      assert.equal((await t.post(om(order.order_id, '/captures'), { captured_amount: 12500 })).status, 201);
      assertNoContent(await t.patch(om(order.order_id, '/merchant-references'), { merchant_reference1: 'INVOICED-1' }));
      assert.equal((await t.getOrder(order.order_id)).merchant_reference1, 'INVOICED-1');
    });

    it('a reference longer than 255 characters gets 422 UNPROCESSABLE_ENTITY and changes nothing', async () => {
      const order = await createWithReferences();
      const res = await t.patch(om(order.order_id, '/merchant-references'), { merchant_reference1: 'NEW', merchant_reference2: 'x'.repeat(256) });
      const messages = assertError(res, 422, 'UNPROCESSABLE_ENTITY');
      assert.ok(messages.includes('The size of the merchant_reference2 value must be between 0 and 255'), messages.join(' | '));

      const read = await t.getOrder(order.order_id);
      assert.equal(read.merchant_reference1, 'ORDER-1');
      assert.equal(read.merchant_reference2, 'CART-9');
    });

    it('a reference of exactly 255 characters is accepted', async () => {
      const order = await createWithReferences();
      assertNoContent(await t.patch(om(order.order_id, '/merchant-references'), { merchant_reference1: 'r'.repeat(255) }));
      assert.equal((await t.getOrder(order.order_id)).merchant_reference1, 'r'.repeat(255));
    });

    it('a reference that is not a string gets 422 UNPROCESSABLE_ENTITY', async () => {
      const order = await createWithReferences();
      assertError(await t.patch(om(order.order_id, '/merchant-references'), { merchant_reference1: 42 }), 422, 'UNPROCESSABLE_ENTITY');
      assert.equal((await t.getOrder(order.order_id)).merchant_reference1, 'ORDER-1');
    });

    it('updating the references of an unknown order gets 404 NO_SUCH_ORDER', async () => {
      const res = await t.patch(om('00000000-0000-4000-8000-000000000000', '/merchant-references'), { merchant_reference1: 'X' });
      assertError(res, 404, 'NO_SUCH_ORDER');
    });
  });
}
