/**
 * PATCH /customer-token/v1/tokens/{customerToken}/status (§4): the merchant cancels a token, for
 * good; 202 with no body; only CANCELLED is accepted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, buildTestApp } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';
import { SANDBOX_TOKENS, createToken, orderCount, setSandboxStatus, tokenOrderBody, tokenPath, tokenStatus } from './tokens.js';

const UNKNOWN_TOKEN = '00000000-0000-4000-8000-000000000000';

function assertAccepted(res: TestResponse): void {
  assert.equal(res.status, 202, res.body);
  assert.equal(res.body, '');
  assert.equal(res.headers['content-type'], undefined, 'a 202 carries no content type');
}

for (const dialect of await availableDialects()) {
  describe(`customer token status update (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    const cancel = (tokenId: string, body: unknown = { status: 'CANCELLED' }, auth?: { username: string; password: string }) =>
      t.patch(tokenPath(tokenId, '/status'), body, { ...(auth && { auth }) });

    it('CANCELLED answers 202 with no body; the token reads CANCELLED and its orders are refused with 403 TOKEN_CANCELLED', async () => {
      const token = await createToken(t);
      assert.equal((await t.post(tokenPath(token.token_id, '/order'), tokenOrderBody())).status, 200, 'usable before');

      assertAccepted(await cancel(token.token_id));
      assert.equal(await tokenStatus(t, token.token_id), 'CANCELLED');

      const before = await orderCount(t);
      assertError(await t.post(tokenPath(token.token_id, '/order'), tokenOrderBody()), 403, 'TOKEN_CANCELLED');
      assert.equal(await orderCount(t), before);

      const events = (await t.get('/sandbox/v1/events')).json().events as { type: string; payload: Record<string, unknown> }[];
      const change = events.find((e) => e.type === 'customer_token.status_changed' && e.payload.token_id === token.token_id);
      assert.deepEqual(change?.payload, { token_id: token.token_id, from: 'ACTIVE', to: 'CANCELLED', by: 'merchant' });
    });

    it('cancelling a cancelled token answers 202 again and it stays cancelled; nothing brings it back', async () => {
      const token = await createToken(t);
      assertAccepted(await cancel(token.token_id));
      assertAccepted(await cancel(token.token_id));
      assert.equal(await tokenStatus(t, token.token_id), 'CANCELLED');
      assertError(await t.post(`${SANDBOX_TOKENS}/${token.token_id}/status`, { status: 'ACTIVE' }), 403, 'TOKEN_CANCELLED');
      assert.equal(await tokenStatus(t, token.token_id), 'CANCELLED');
    });

    it('a suspended token can be cancelled', async () => {
      const token = await createToken(t);
      await setSandboxStatus(t, token.token_id, 'SUSPENDED');
      assertAccepted(await cancel(token.token_id));
      assert.equal(await tokenStatus(t, token.token_id), 'CANCELLED');
      assertError(await t.post(tokenPath(token.token_id, '/order'), tokenOrderBody()), 403, 'TOKEN_CANCELLED');
    });

    it('any other value, or a bad body, is 400 BAD_VALUE (BAD_REQUEST for a body that is not an object) and the token stays ACTIVE', async () => {
      const token = await createToken(t);
      const cases: [unknown, string][] = [
        [{ status: 'ACTIVE' }, 'status'],
        [{ status: 'SUSPENDED' }, 'status'],
        [{ status: 'cancelled' }, 'status'],
        [{ status: 1 }, 'status'],
        [{}, 'status is required'],
      ];
      for (const [body, fragment] of cases) {
        const messages = assertError(await cancel(token.token_id, body), 400, 'BAD_VALUE');
        assert.ok(messages.some((m) => m.includes(fragment)), `${JSON.stringify(body)}: ${messages.join(' | ')}`);
      }
      // JSON that is not an object is a malformed request, not a bad field.
      assertError(await cancel(token.token_id, []), 400, 'BAD_REQUEST', /JSON object/);
      const empty = await t.request({ method: 'PATCH', url: tokenPath(token.token_id, '/status') });
      assertError(empty, 400, 'BAD_VALUE');
      assert.equal(await tokenStatus(t, token.token_id), 'ACTIVE');
    });

    it("an unknown token, or another merchant's, is 404 NOT_FOUND \"Invalid token ID\" and the other token is untouched", async () => {
      const unknown = assertError(await cancel(UNKNOWN_TOKEN), 404, 'NOT_FOUND');
      assert.deepEqual(unknown, ['Invalid token ID']);
      const theirs = await createToken(t, {}, OTHER_MERCHANT);
      assert.deepEqual(assertError(await cancel(theirs.token_id), 404, 'NOT_FOUND'), unknown);
      assert.equal((await t.get(tokenPath(theirs.token_id), OTHER_MERCHANT)).json().status, 'ACTIVE');
      // Its owner can cancel it.
      assertAccepted(await cancel(theirs.token_id, { status: 'CANCELLED' }, OTHER_MERCHANT));
    });

    it('token orders racing a cancellation either succeed and exist, or are refused with 403 TOKEN_CANCELLED', async () => {
      const token = await createToken(t);
      const before = await orderCount(t);
      const orders = Array.from({ length: 6 }, () => t.post(tokenPath(token.token_id, '/order'), tokenOrderBody()));
      const [cancelled, ...placed] = await Promise.all([cancel(token.token_id), ...orders]);
      assertAccepted(cancelled as TestResponse);
      const accepted = placed.filter((r) => r.status === 200);
      for (const res of placed.filter((r) => r.status !== 200)) assertError(res, 403, 'TOKEN_CANCELLED');
      assert.equal(await orderCount(t), before + accepted.length);
      assertError(await t.post(tokenPath(token.token_id, '/order'), tokenOrderBody()), 403, 'TOKEN_CANCELLED');
    });
  });
}
