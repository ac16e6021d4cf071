/**
 * GET /customer-token/v1/tokens/{customerToken} (§4), the sandbox routes that make and change tokens,
 * and authentication on every Customer Token route.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertEdgeUnauthorized, assertError, assertSandboxUnauthorized } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { MERCHANT, OTHER_MERCHANT, PUBLIC_URL, buildTestApp } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';
import { SANDBOX_TOKENS, SE_BILLING, createToken, orderCount, setSandboxStatus, tokenBody, tokenOrderBody, tokenPath, tokenStatus } from './tokens.js';

const UNKNOWN_TOKEN = '00000000-0000-4000-8000-000000000000';

for (const dialect of await availableDialects()) {
  describe(`customer token read (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('a sandbox token answers 201 with token_id, its Location, and reads back ACTIVE with its payment method', async () => {
      const res = await t.post(SANDBOX_TOKENS, tokenBody());
      assert.equal(res.status, 201, res.body);
      const created = res.json();
      assert.match(created.token_id, /^[0-9a-f-]{36}$/);
      assert.equal(res.headers.location, `${PUBLIC_URL}/customer-token/v1/tokens/${created.token_id}`);
      assert.equal(created.status, 'ACTIVE');
      assert.equal(created.payment_method_type, 'INVOICE');
      assert.equal(created.email, 'customer@email.se', 'the e-mail comes from the billing address when not given on its own');
      assert.deepEqual(created.billing_address, SE_BILLING);

      const read = await t.get(tokenPath(created.token_id));
      assert.equal(read.status, 200, read.body);
      assert.match(String(read.headers['content-type']), /^application\/json/);
      assert.deepEqual(read.json(), { status: 'ACTIVE', payment_method_type: 'INVOICE' }, 'an invoice token has no card or account details');
    });

    it('a card token reads back its masked card, valid for three years; a direct-debit token its masked account', async () => {
      const card = await createToken(t, { payment_method_type: 'CARD' });
      const cardRead = (await t.get(tokenPath(card.token_id))).json();
      assert.equal(cardRead.payment_method_type, 'CARD');
      assert.equal(cardRead.card.brand, 'VISA');
      assert.match(cardRead.card.masked_number, /^\*+1111$/);
      const [, month, year] = /^(\d{2})\/(\d{4})$/.exec(cardRead.card.expiry_date) ?? [];
      const now = new Date();
      assert.equal(Number(year), now.getUTCFullYear() + 3, cardRead.card.expiry_date);
      assert.equal(Number(month), now.getUTCMonth() + 1);
      assert.equal(cardRead.direct_debit, undefined);

      const debit = await createToken(t, { payment_method_type: 'DIRECT_DEBIT' });
      const debitRead = (await t.get(tokenPath(debit.token_id))).json();
      assert.equal(debitRead.payment_method_type, 'DIRECT_DEBIT');
      assert.match(debitRead.direct_debit.masked_number, /^\*+\d{4}$/);
      assert.equal(debitRead.card, undefined);
    });

    it("another merchant's token answers exactly like an unknown one: 404 NOT_FOUND \"Invalid customer-token ID\"", async () => {
      const theirs = await createToken(t, {}, OTHER_MERCHANT);
      const unknown = assertError(await t.get(tokenPath(UNKNOWN_TOKEN)), 404, 'NOT_FOUND');
      const foreign = assertError(await t.get(tokenPath(theirs.token_id)), 404, 'NOT_FOUND');
      assert.deepEqual(unknown, ['Invalid customer-token ID']);
      assert.deepEqual(foreign, unknown);
      // The owner still reads it.
      assert.equal((await t.get(tokenPath(theirs.token_id), OTHER_MERCHANT)).status, 200);
      // The sandbox view is scoped the same way.
      assertError(await t.get(`${SANDBOX_TOKENS}/${theirs.token_id}`), 404, 'NOT_FOUND');
    });

    it('without credentials, or with a wrong password, every Customer Token route answers 401 with a Basic challenge and changes nothing', async () => {
      const token = await createToken(t);
      const ordersBefore = await orderCount(t);
      const wrong = { username: MERCHANT.username, password: 'wrong' };
      for (const auth of [null, wrong]) {
        const attempts = [
          await t.get(tokenPath(token.token_id), auth),
          await t.post(tokenPath(token.token_id, '/order'), tokenOrderBody(), { auth }),
          await t.patch(tokenPath(token.token_id, '/status'), { status: 'CANCELLED' }, { auth }),
          await t.post(SANDBOX_TOKENS, tokenBody(), { auth }),
        ];
        const [read, order, status, sandbox] = attempts as [TestResponse, TestResponse, TestResponse, TestResponse];
        for (const res of [read, order, status]) assertEdgeUnauthorized(res, `${auth ? 'wrong password' : 'no credentials'}`);
        assertSandboxUnauthorized(sandbox, 'sandbox');
      }
      assert.equal(await tokenStatus(t, token.token_id), 'ACTIVE');
      assert.equal(await orderCount(t), ordersBefore);
    });

    it("the sandbox refuses a token outside Klarna's markets with 400 BAD_VALUE naming the fields, and stores nothing", async () => {
      const count = async () => Number((await t.db.kysely.selectFrom('customer_tokens').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const before = await count();
      const cases: [Record<string, unknown>, string][] = [
        [{ purchase_currency: 'EUR' }, 'Bad value: purchase_currency, purchase_country'],
        [{ purchase_country: 'XX', billing_address: { country: 'XX' } }, 'Bad value: purchase_country'],
        [{ locale: 'swedish!' }, 'Bad value: locale'],
        [{ billing_address: { ...SE_BILLING, country: 'NO' } }, 'Bad value: billing_address.country'],
      ];
      for (const [overrides, message] of cases) {
        const messages = assertError(await t.post(SANDBOX_TOKENS, tokenBody(overrides)), 400, 'BAD_VALUE');
        assert.ok(messages.includes(message), `${JSON.stringify(overrides)}: ${messages.join(' | ')}`);
      }
      const schema = assertError(await t.post(SANDBOX_TOKENS, tokenBody({ payment_method_type: 'BITCOIN' })), 400, 'BAD_VALUE');
      assert.ok(schema.some((m) => m.includes('payment_method_type')), schema.join(' | '));
      const missing = assertError(await t.post(SANDBOX_TOKENS, { purchase_country: 'SE' }), 400, 'BAD_VALUE');
      assert.ok(missing.includes('purchase_currency is required'), missing.join(' | '));
      assert.equal(await count(), before);
    });

    it('the sandbox suspends and reinstates a token; a cancelled token stays cancelled', async () => {
      const token = await createToken(t);
      await setSandboxStatus(t, token.token_id, 'SUSPENDED');
      assert.equal(await tokenStatus(t, token.token_id), 'SUSPENDED');
      await setSandboxStatus(t, token.token_id, 'ACTIVE');
      assert.equal(await tokenStatus(t, token.token_id), 'ACTIVE');

      await setSandboxStatus(t, token.token_id, 'CANCELLED');
      for (const status of ['ACTIVE', 'SUSPENDED']) {
        assertError(await t.post(`${SANDBOX_TOKENS}/${token.token_id}/status`, { status }), 403, 'TOKEN_CANCELLED');
      }
      assert.equal(await tokenStatus(t, token.token_id), 'CANCELLED');

      assertError(await t.post(`${SANDBOX_TOKENS}/${token.token_id}/status`, { status: 'PAUSED' }), 400, 'BAD_VALUE');
      assertError(await t.post(`${SANDBOX_TOKENS}/${UNKNOWN_TOKEN}/status`, { status: 'SUSPENDED' }), 404, 'NOT_FOUND');
      const theirs = await createToken(t, {}, OTHER_MERCHANT);
      assertError(await t.post(`${SANDBOX_TOKENS}/${theirs.token_id}/status`, { status: 'SUSPENDED' }), 404, 'NOT_FOUND');
      assert.equal((await t.get(tokenPath(theirs.token_id), OTHER_MERCHANT)).json().status, 'ACTIVE');
    });
  });
}
