/**
 * Klarna-Idempotency-Key on token orders (§0.4): a retry with the same key is executed once and
 * gets the first answer, whatever its body, also when the duplicates arrive at the same time.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertError } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';
import { createToken, orderCount, setSandboxStatus, tokenOrderBody, tokenPath } from './tokens.js';

for (const dialect of await availableDialects()) {
  describe(`customer token order idempotency (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    const placeOrder = (tokenId: string, body: Record<string, unknown>, idempotencyKey?: string): Promise<TestResponse> =>
      t.post(tokenPath(tokenId, '/order'), body, { ...(idempotencyKey !== undefined && { idempotencyKey }) });

    it('the same key twice answers the same order, once; a different body with that key replays too', async () => {
      const token = await createToken(t);
      const key = randomUUID();
      const before = await orderCount(t);
      const first = await placeOrder(token.token_id, tokenOrderBody(), key);
      assert.equal(first.status, 200, first.body);

      const retry = await placeOrder(token.token_id, tokenOrderBody(), key);
      assert.equal(retry.status, 200, retry.body);
      assert.equal(retry.json().order_id, first.json().order_id);
      assert.deepEqual(retry.json(), first.json());

      const different = await placeOrder(token.token_id, tokenOrderBody({ auto_capture: true, merchant_reference1: 'other' }), key);
      assert.deepEqual(different.json(), first.json());

      assert.equal(await orderCount(t), before + 1);
      const order = await t.getOrder(first.json().order_id);
      assert.equal(order.status, 'AUTHORIZED', 'the replayed auto_capture body did not run');
      assert.equal(order.merchant_reference1, 'SUB-2026-11');
    });

    it('different keys, or no key, are different orders', async () => {
      const token = await createToken(t);
      const before = await orderCount(t);
      const ids = new Set<string>();
      for (const key of [randomUUID(), randomUUID(), undefined, undefined]) {
        const res = await placeOrder(token.token_id, tokenOrderBody(), key);
        assert.equal(res.status, 200, res.body);
        ids.add(res.json().order_id);
      }
      assert.equal(ids.size, 4);
      assert.equal(await orderCount(t), before + 4);
    });

    it('10 concurrent requests with the same key create exactly one order and all get its order_id', async () => {
      const token = await createToken(t);
      const key = randomUUID();
      const before = await orderCount(t);
      const responses = await Promise.all(Array.from({ length: 10 }, () => placeOrder(token.token_id, tokenOrderBody({ auto_capture: true }), key)));
      for (const res of responses) assert.equal(res.status, 200, res.body);
      const ids = new Set(responses.map((r) => r.json().order_id));
      assert.equal(ids.size, 1, `one order_id, got ${[...ids].join(', ')}`);
      assert.equal(await orderCount(t), before + 1);
      const [orderId] = [...ids] as [string];
      const order = await t.getOrder(orderId);
      assert.equal(order.status, 'CAPTURED');
      assert.equal(order.captures.length, 1, 'captured once');
    });

    it('a refusal is replayed for its key even after the token is reinstated; a new key is judged afresh', async () => {
      const token = await createToken(t);
      await setSandboxStatus(t, token.token_id, 'SUSPENDED');
      const key = randomUUID();
      assertError(await placeOrder(token.token_id, tokenOrderBody(), key), 403, 'TOKEN_SUSPENDED');

      await setSandboxStatus(t, token.token_id, 'ACTIVE');
      const before = await orderCount(t);
      assertError(await placeOrder(token.token_id, tokenOrderBody(), key), 403, 'TOKEN_SUSPENDED');
      assert.equal(await orderCount(t), before);

      assert.equal((await placeOrder(token.token_id, tokenOrderBody(), randomUUID())).status, 200);
      assert.equal(await orderCount(t), before + 1);
    });
  });
}
