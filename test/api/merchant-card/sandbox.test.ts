/**
 * The Merchant Card Service's sandbox (what Klarna does at onboarding and what the card network sees):
 *
 *  - POST /sandbox/v1/merchant-card/keys enrols an RSA public key of at least 2048 bits sent as a JWK
 *    (201; the same key again while active is 200 with the same key_id, its RFC 7638 thumbprint
 *    telling them apart); a private key, another key type, a signing key, another algorithm, a short
 *    key or a malformed modulus is 400 BAD_VALUE naming the reason, and a body that is not a JSON
 *    object 400 BAD_REQUEST, changing nothing;
 *  - GET lists the merchant's own keys only; DELETE revokes one (200 REVOKED, again unchanged), and
 *    a revoked key can no longer make or read a settlement (403) while enrolling it again gives a new
 *    key_id; another merchant's key is 404 like an unknown one;
 *  - POST /sandbox/v1/merchant-card/cards/{card_id}/use marks a virtual card used (200, never its
 *    number, expiry or code; again unchanged), 404 for an unknown card or another merchant's, 403
 *    once the settlement has expired (`merchant_card_settlement_hours`, 24 by default).
 */
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import forge from 'node-forge';
import { UNKNOWN_ID, assertError } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { assertUnchanged, fingerprint } from '../../helpers/fingerprint.js';
import { OTHER_MERCHANT, buildTestApp } from '../../helpers/harness.js';
import type { RequestOptions, TestApp, TestResponse } from '../../helpers/harness.js';
import { decryptCard, enroll, keyPair, omOrder, promise, settle } from './api-helpers.js';
import type { MerchantKeyPair } from './api-helpers.js';

type Auth = RequestOptions['auth'];
const KEYS = '/sandbox/v1/merchant-card/keys';
const HOUR = 3600;
const MS_PER_HOUR = 3_600_000;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Key {
  key_id: string;
  status: string;
  bits: number;
  thumbprint: string;
  jwk: Record<string, unknown>;
  created_at: string;
  revoked_at?: string;
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, base64url. */
const thumbprintOf = (jwk: Record<string, unknown>) => createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n })).digest('base64url');

/** The whole private key as a JWK (d, p, q, dp, dq, qi), as a careless merchant might send it. */
const privateJwkOf = (pair: MerchantKeyPair) => createPrivateKey(forge.pki.privateKeyToPem(pair.forgeKey)).export({ format: 'jwk' }) as Record<string, unknown>;

/** The error body without its correlation id, for comparing two refusals. */
const refusal = (res: TestResponse) => {
  const { correlation_id: _id, ...rest } = res.json<Record<string, unknown>>();
  return { status: res.status, body: rest };
};

for (const dialect of await availableDialects()) {
  describe(`merchant card sandbox (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    const enrol = (body: unknown, auth?: Auth) => t.post(KEYS, body, { auth });
    const listKeys = async (auth?: Auth) => {
      const res = await t.get(KEYS, auth);
      assert.equal(res.status, 200, res.body);
      return res.json<{ keys: Key[] }>().keys;
    };
    const revoke = (keyId: string, auth?: Auth) => t.request({ method: 'DELETE', url: `${KEYS}/${keyId}`, auth });
    const useCard = (cardId: string, auth?: Auth) => t.post(`/sandbox/v1/merchant-card/cards/${cardId}/use`, undefined, { auth });
    const readSettlement = (settlementId: string, keyId: string) => t.request({ url: `/merchantcard/v3/settlements/${settlementId}`, headers: { KeyId: keyId } });
    const clockNow = async () => Date.parse((await t.get('/sandbox/v1/clock')).json<{ now: string }>().now);

    it('enrols a 2048-bit public JWK (201), the same key again is 200 with the same key_id, a 4096-bit key is 201', async () => {
      const pair = keyPair();
      const res = await enrol(pair.jwk);
      assert.equal(res.status, 201, res.body);
      const key = res.json<Key>();
      assert.deepEqual(Object.keys(key).sort(), ['bits', 'created_at', 'jwk', 'key_id', 'status', 'thumbprint']);
      assert.match(key.key_id, UUID);
      assert.equal(key.status, 'ACTIVE');
      assert.equal(key.bits, 2048);
      assert.equal(key.thumbprint, thumbprintOf(pair.jwk));
      assert.deepEqual(key.jwk, { kty: 'RSA', n: pair.jwk.n, e: pair.jwk.e });
      assert.match(key.created_at, ISO);

      const again = await enrol(pair.jwk);
      assert.equal(again.status, 200, again.body);
      assert.deepEqual(again.json(), key);
      // The same key with optional members it may carry (kid, use enc, alg RSA1_5) is still the same key.
      const annotated = await enrol({ ...pair.jwk, kid: 'merchant-2024', use: 'enc', alg: 'RSA1_5' });
      assert.equal(annotated.status, 200, annotated.body);
      assert.equal(annotated.json().key_id, key.key_id);

      const large = keyPair(4096);
      const big = await enrol(large.jwk);
      assert.equal(big.status, 201, big.body);
      assert.equal(big.json().bits, 4096);
      assert.notEqual(big.json().key_id, key.key_id);
      assert.equal(big.json().thumbprint, thumbprintOf(large.jwk));
    });

    it('refuses a short key, a private key, an EC key, a signing key, another algorithm and a malformed modulus (400 BAD_VALUE with the reason), and a body that is not an object (400 BAD_REQUEST), changing nothing', async () => {
      const { jwk } = keyPair();
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
      const before = await fingerprint(t.db, dialect);
      const cases: [string, unknown, RegExp][] = [
        ['1024-bit key', keyPair(1024).jwk, /at least 2048 bits \(got 1024\)/],
        ['private JWK', privateJwkOf(keyPair()), /public key: remove the private members \(d, p, q, dp, dq, qi\)/],
        ['public JWK with d', { ...jwk, d: 'AQAB' }, /private members \(d\)/],
        ['EC key', ec, /kty must be RSA/],
        ['signing key', { ...jwk, use: 'sig' }, /use must be enc/],
        ['RS256', { ...jwk, alg: 'RS256' }, /alg must be RSA1_5/],
        ['n not base64url', { ...jwk, n: `${String(jwk.n).slice(0, -4)}ab+/` }, /jwk\.n is not base64url/],
        ['no n', { kty: 'RSA', e: jwk.e }, /jwk\.n is required/],
        ['empty object', {}, /kty must be RSA/],
      ];
      for (const [what, body, reason] of cases) {
        const messages = assertError(await enrol(body), 400, 'BAD_VALUE', reason);
        assert.match(messages.join(' '), /^Bad value: jwk \(/, what);
      }
      for (const body of [[jwk], 'RSA', null, 42]) assertError(await enrol(body), 400, 'BAD_REQUEST', /must be a JSON object/);
      await assertUnchanged(t.db, dialect, before, 'refused keys');
      // Refused before the idempotency key is read, as a schema violation is: a corrected retry under the same key is enrolled.
      assertError(await t.post(KEYS, { ...jwk, use: 'sig' }, { idempotencyKey: 'enrol-retry' }), 400, 'BAD_VALUE');
      const retried = await t.post(KEYS, jwk, { idempotencyKey: 'enrol-retry' });
      assert.ok(retried.status === 201 || retried.status === 200, retried.body);
      assert.equal(retried.json().thumbprint, thumbprintOf(jwk));
    });

    it('lists the merchant\'s own keys only; another merchant enrolling the same JWK gets a key of its own', async () => {
      const mine = await enroll(t);
      const listed = await listKeys();
      assert.ok(listed.some((k) => k.key_id === mine && k.status === 'ACTIVE'), JSON.stringify(listed));
      assert.deepEqual(await listKeys(OTHER_MERCHANT), [], 'another merchant sees none of them');

      const theirs = await enrol(keyPair().jwk, OTHER_MERCHANT);
      assert.equal(theirs.status, 201, theirs.body);
      assert.notEqual(theirs.json().key_id, mine);
      assert.deepEqual((await listKeys(OTHER_MERCHANT)).map((k) => k.key_id), [theirs.json().key_id]);
      assert.ok(!(await listKeys()).some((k) => k.key_id === theirs.json().key_id), 'nor does the merchant see theirs');
      assertError(await revoke(mine, OTHER_MERCHANT), 404, 'NOT_FOUND');
    });

    it('revokes a key (200 REVOKED, again unchanged; 404 for an unknown or another merchant\'s key); a revoked key cannot make or read a settlement, and enrolled again it is a new key', async () => {
      const pair = keyPair(2048, 1);
      const keyId = (await enrol(pair.jwk)).json<Key>().key_id;
      const order = await t.createOrder();
      const settlement = await settle(t, { order_id: order.order_id, key_id: keyId });
      assert.equal((await readSettlement(settlement.settlement_id, keyId)).status, 200);

      const before = await fingerprint(t.db, dialect);
      const unknown = await revoke(UNKNOWN_ID);
      assertError(unknown, 404, 'NOT_FOUND', /Key not found/);
      const foreign = await revoke(keyId, OTHER_MERCHANT);
      assert.deepEqual(refusal(foreign), refusal(unknown), 'another merchant\'s key is answered as an unknown one');
      await assertUnchanged(t.db, dialect, before, 'revocations refused');

      const now = await clockNow();
      const revoked = await revoke(keyId);
      assert.equal(revoked.status, 200, revoked.body);
      const key = revoked.json<Key>();
      assert.equal(key.key_id, keyId);
      assert.equal(key.status, 'REVOKED');
      assert.match(String(key.revoked_at), ISO);
      assert.ok(Math.abs(Date.parse(String(key.revoked_at)) - now) < 5000, `revoked_at ${key.revoked_at} is now on the sandbox clock`);
      const again = await revoke(keyId);
      assert.equal(again.status, 200, again.body);
      assert.deepEqual(again.json(), key, 'revoking again changes nothing');
      assert.equal((await listKeys()).find((k) => k.key_id === keyId)?.status, 'REVOKED');

      assertError(await readSettlement(settlement.settlement_id, keyId), 403, 'FORBIDDEN', new RegExp(keyId));
      assertError(await t.request({ url: `/merchantcard/v3/settlements/order/${order.order_id}`, headers: { KeyId: keyId } }), 403, 'FORBIDDEN');
      const another = await t.createOrder();
      assertError(await t.post('/merchantcard/v3/settlements', { order_id: another.order_id, key_id: keyId }), 403, 'FORBIDDEN');
      const untouched = await omOrder(t, another.order_id);
      assert.deepEqual([untouched.status, untouched.captured_amount], ['AUTHORIZED', 0], 'nothing captured with a revoked key');

      const renewed = await enrol(pair.jwk);
      assert.equal(renewed.status, 201, renewed.body);
      assert.notEqual(renewed.json().key_id, keyId);
      assert.equal(renewed.json().status, 'ACTIVE');
      assert.equal(renewed.json().thumbprint, key.thumbprint);
      const read = await readSettlement(settlement.settlement_id, renewed.json().key_id);
      assert.equal(read.status, 200, read.body);
      const [issued] = settlement.cards;
      assert.ok(issued);
      assert.deepEqual(decryptCard(read.json().cards[0], pair), decryptCard(issued, pair), 'the new key id reads the same cards');
    });

    it('marks a card used (200 without its number, expiry or code; again unchanged); an unknown card or another merchant\'s is 404, changing nothing', async () => {
      const keyId = await enroll(t);
      const order = await t.createOrder();
      const promised = await promise(t, order.order_id, [
        { amount: 3000, currency: 'SEK', reference: 'seller-1' },
        { amount: 2000, currency: 'SEK', reference: 'seller-2', fund_amount: 1800 },
      ]);
      const settlement = await settle(t, { order_id: order.order_id, key_id: keyId, promise_id: promised.promise_id });
      const [first, second] = settlement.cards;
      assert.ok(first && second);
      const secrets = settlement.cards.map((c) => decryptCard(c, keyPair()));

      const before = await fingerprint(t.db, dialect);
      const unknown = await useCard(UNKNOWN_ID);
      assertError(unknown, 404, 'NOT_FOUND', /Card not found/);
      const foreign = await useCard(second.card_id, OTHER_MERCHANT);
      assert.deepEqual(refusal(foreign), refusal(unknown), 'another merchant\'s card is answered as an unknown one');
      await assertUnchanged(t.db, dialect, before, 'card uses refused');

      const now = await clockNow();
      const used = await useCard(second.card_id);
      assert.equal(used.status, 200, used.body);
      const body = used.json();
      assert.deepEqual(Object.keys(body).sort(), ['amount', 'brand', 'card_id', 'currency', 'order_id', 'reference', 'settlement_id', 'status', 'used_at']);
      assert.deepEqual(
        { ...body, used_at: undefined },
        { card_id: second.card_id, settlement_id: settlement.settlement_id, order_id: order.order_id, reference: 'seller-2', amount: 1800, currency: 'SEK', brand: second.brand, status: 'USED', used_at: undefined },
      );
      assert.ok(Math.abs(Date.parse(body.used_at) - now) < 5000, `used_at ${body.used_at} is now on the sandbox clock`);
      for (const secret of secrets) {
        for (const value of [secret.pan, secret.cvv, secret.expiry_date]) assert.equal(used.body.includes(`"${value}"`), false, `${value} in ${used.body}`);
      }
      const again = await useCard(second.card_id);
      assert.equal(again.status, 200, again.body);
      assert.deepEqual(again.json(), body, 'used again: unchanged');
      assertError(await useCard(second.card_id, OTHER_MERCHANT), 404, 'NOT_FOUND');
    });

    it('a card can no longer be used once its settlement has expired (merchant_card_settlement_hours, 24 by default): 403', async () => {
      // Last: it moves the clock a day forward.
      const keyId = await enroll(t);
      const daily = await settle(t, { order_id: (await t.createOrder()).order_id, key_id: keyId });
      assert.equal(Date.parse(daily.expires_at) - Date.parse(daily.created_at), 24 * MS_PER_HOUR);

      const settings = await t.patch('/sandbox/v1/settings', { merchant_card_settlement_hours: 1 });
      assert.equal(settings.status, 200, settings.body);
      try {
        const order = await t.createOrder();
        const promised = await promise(t, order.order_id, [
          { amount: 1000, currency: 'SEK', reference: 'seller-1' },
          { amount: 1000, currency: 'SEK', reference: 'seller-2' },
        ]);
        const hourly = await settle(t, { order_id: order.order_id, key_id: keyId, promise_id: promised.promise_id });
        assert.equal(Date.parse(hourly.expires_at) - Date.parse(hourly.created_at), MS_PER_HOUR);
        const [first, second] = hourly.cards;
        assert.ok(first && second);

        await t.advanceClock(HOUR - 60);
        const inTime = await useCard(first.card_id);
        assert.equal(inTime.status, 200, inTime.body);
        await t.advanceClock(120);
        assertError(await useCard(second.card_id), 403, 'NOT_ALLOWED', /expired/);
        const usedBefore = await useCard(first.card_id);
        assert.deepEqual([usedBefore.status, usedBefore.json()], [200, inTime.json()], 'a card used in time stays used');
      } finally {
        assert.equal((await t.patch('/sandbox/v1/settings', { merchant_card_settlement_hours: 24 })).status, 200);
      }

      await t.advanceClock(23 * HOUR);
      const dailyCard = daily.cards[0]?.card_id as string;
      assertError(await useCard(dailyCard), 403, 'NOT_ALLOWED', /expired/);
    });
  });
}
