/**
 * One locale rule for every API that takes one (§0.5): a language-country locale such as sv-SE or
 * en-GB; a language alone or a word is 400 BAD_VALUE naming `locale`, and nothing is stored. The
 * sandbox's own order route is covered in sandbox.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError } from '../helpers/assertions.js';
import { availableDialects } from '../helpers/databases.js';
import { assertUnchanged, fingerprint } from '../helpers/fingerprint.js';
import { buildTestApp, orderBody } from '../helpers/harness.js';
import type { TestApp, TestResponse } from '../helpers/harness.js';
import { checkoutBody, sandboxTokenBody, tokenOrderBody } from '../helpers/resources.js';

for (const dialect of await availableDialects()) {
  describe(`locale: language-country on every API (${dialect})`, () => {
    let t: TestApp;
    let tokenId: string;
    before(async () => {
      t = await buildTestApp({ dialect });
      const token = await t.post('/sandbox/v1/customer-tokens', sandboxTokenBody());
      assert.equal(token.status, 201, token.body);
      tokenId = token.json().token_id;
      // The installation's signing secrets are made on first use: make them before measuring refusals.
      assert.equal((await t.post('/payments/v1/sessions', orderBody())).status, 200);
      assert.equal((await t.post('/checkout/v3/orders', checkoutBody())).status, 201);
    });
    after(async () => {
      await t.close();
    });

    const ROUTES: { route: string; send: (locale: string) => Promise<TestResponse>; accepted: number }[] = [
      { route: 'POST /payments/v1/sessions', send: (locale) => t.post('/payments/v1/sessions', orderBody({ locale })), accepted: 200 },
      { route: 'POST /checkout/v3/orders', send: (locale) => t.post('/checkout/v3/orders', checkoutBody({ locale })), accepted: 201 },
      { route: 'POST /customer-token/v1/tokens/{token}/order', send: (locale) => t.post(`/customer-token/v1/tokens/${tokenId}/order`, tokenOrderBody({ locale })), accepted: 200 },
      { route: 'POST /sandbox/v1/customer-tokens', send: (locale) => t.post('/sandbox/v1/customer-tokens', sandboxTokenBody({ locale })), accepted: 201 },
      { route: 'POST /sandbox/v1/orders', send: (locale) => t.post('/sandbox/v1/orders', orderBody({ locale })), accepted: 201 },
    ];

    it('a language without a country ("sv") or a word ("foo") is 400 BAD_VALUE naming locale, and nothing is stored', async () => {
      for (const { route, send } of ROUTES) {
        for (const locale of ['sv', 'foo']) {
          const stateBefore = await fingerprint(t.db, dialect);
          assertError(await send(locale), 400, 'BAD_VALUE', /Bad value: locale/);
          await assertUnchanged(t.db, dialect, stateBefore, `${route} with ${locale}`);
        }
      }
    });

    it('sv-SE and en-GB are accepted', async () => {
      for (const { route, send, accepted } of ROUTES) {
        for (const locale of ['sv-SE', 'en-GB']) {
          const res = await send(locale);
          assert.equal(res.status, accepted, `${route} with ${locale}: ${res.body}`);
        }
      }
    });
  });
}
