/**
 * Merchant Card Service v3 settlements (behaviour reference §7): POST /merchantcard/v3/settlements
 * issues an authorized order's virtual cards (a promise's cards, or one card of everything the order
 * still has authorized) and captures the order for what they hold, booked in Settlements v1; the
 * cards come encrypted for the key the merchant names, and decrypted with its private key (as a
 * merchant does, with node-forge) they are Luhn-valid test numbers of the merchant's brand, with the
 * expiry and the holder the merchant expects. Reads by settlement and by order (header `KeyId`)
 * give the same cards encrypted anew for the key named. The refusals (an unknown, revoked or foreign
 * key; an order or a promise that cannot be settled; what another merchant owns) change nothing;
 * replays of Klarna-Idempotency-Key capture once; and no card number leaves the server in clear.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UNKNOWN_ID, assertError, om } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, PUBLIC_URL, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { RequestOptions, TestApp, TestResponse } from '../../helpers/harness.js';
import { transactions } from '../settlements/api-helpers.js';
import { decryptCard, enroll, keyPair, luhnValid, omOrder, promise, settle } from './api-helpers.js';
import type { CardData, IssuedCard, MerchantKeyPair, Settlement } from './api-helpers.js';

const HOUR_MS = 3_600_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** The holder embossed for orderBody()'s billing address (Testperson-se Approved). */
const HOLDER = 'TESTPERSON-SE APPROVED';

type Auth = RequestOptions['auth'];

/** "MM/YY" of the UTC month `months` after the one of `iso`. */
function expiryAfter(iso: string, months: number): string {
  const issued = new Date(iso);
  const index = issued.getUTCFullYear() * 12 + issued.getUTCMonth() + months;
  return `${String((index % 12) + 1).padStart(2, '0')}/${String(Math.floor(index / 12) % 100).padStart(2, '0')}`;
}

const card = (amount: number, reference: string, extra: Record<string, unknown> = {}) => ({ amount, currency: 'SEK', reference, ...extra });

/** What a merchant reads on a card, without its encryption (which differs at every answer). */
const plain = ({ pci_data: _p, iv: _i, aes_key: _a, ...rest }: IssuedCard) => rest;

for (const dialect of await availableDialects()) {
  describe(`merchant card settlements (${dialect})`, () => {
    let t: TestApp;
    let keyId: string;
    let pair: MerchantKeyPair;
    /** Every card number issued in this suite, and every response text read, to check no number leaves in clear. */
    const pans = new Set<string>();
    const texts: string[] = [];
    before(async () => {
      t = await buildTestApp({ dialect });
      pair = keyPair();
      keyId = await enroll(t, pair);
    });
    after(async () => t.close());

    const keep = (res: TestResponse): TestResponse => {
      texts.push(res.body);
      return res;
    };
    const create = async (body: Record<string, unknown>, extra: Partial<RequestOptions> = {}) => keep(await t.post('/merchantcard/v3/settlements', body, extra));
    const readById = async (settlementId: string, key = keyId, auth?: Auth) =>
      keep(await t.request({ url: `/merchantcard/v3/settlements/${settlementId}`, headers: { KeyId: key }, auth }));
    const readByOrder = async (orderId: string, key = keyId, auth?: Auth) => keep(await t.request({ url: `/merchantcard/v3/settlements/order/${orderId}`, headers: { KeyId: key }, auth }));
    const settings = async (body: Record<string, unknown>) => {
      const res = await t.patch('/sandbox/v1/settings', body);
      assert.equal(res.status, 200, res.body);
    };
    async function created(body: Record<string, unknown>, extra: Partial<RequestOptions> = {}): Promise<{ res: TestResponse; settlement: Settlement }> {
      const res = await create(body, extra);
      assert.equal(res.status, 201, res.body);
      return { res, settlement: res.json<Settlement>() };
    }

    /** Decrypts every card and checks what a merchant relies on: a Luhn-valid test number of the brand, the expiry, a 3-digit CVV. */
    function decryptAll(settlement: Settlement, keys: MerchantKeyPair = pair, brand = 'VISA', months = 12): CardData[] {
      return settlement.cards.map((c) => {
        assert.match(c.pci_data, BASE64);
        assert.match(c.aes_key, BASE64);
        assert.equal(Buffer.from(c.iv, 'base64').length, 16, 'a 16-byte iv');
        assert.equal(Buffer.from(c.aes_key, 'base64').length, 256, 'the AES key wrapped under a 2048-bit key');
        const data = decryptCard(c, keys);
        assert.deepEqual(Object.keys(data), ['pan', 'expiry_date', 'cvv']);
        assert.match(data.pan, brand === 'VISA' ? /^411111\d{10}$/ : /^555555\d{10}$/);
        assert.ok(luhnValid(data.pan), `${data.pan} passes the Luhn check`);
        assert.equal(data.expiry_date, expiryAfter(settlement.created_at, months));
        assert.match(data.cvv, /^\d{3}$/);
        pans.add(data.pan);
        return data;
      });
    }

    /** The order as Order Management shows it, and that no virtual card settlement is readable for it. */
    async function untouched(orderId: string, status = 'AUTHORIZED', captured = 0): Promise<void> {
      const read = await omOrder(t, orderId);
      assert.equal(read.status, status);
      assert.equal(read.captured_amount, captured);
      assertError(await readByOrder(orderId), 404, 'NOT_FOUND');
    }

    it('with a promise: 201 and Location, its cards decrypting to Luhn-valid VISA test numbers; the order captured for what they hold and booked as a SALE', async () => {
      const order = await t.createOrder();
      const promised = await promise(t, order.order_id, [card(5000, 'line-1'), card(2000, 'line-2', { fund_amount: 1500 })]);
      const { res, settlement } = await created({ order_id: order.order_id, key_id: keyId, promise_id: promised.promise_id });
      assert.equal(res.headers.location, `${PUBLIC_URL}/merchantcard/v3/settlements/${settlement.settlement_id}`);
      assert.deepEqual(Object.keys(settlement).sort(), ['cards', 'created_at', 'expires_at', 'order_id', 'promise_id', 'settlement_id']);
      assert.match(settlement.settlement_id, UUID);
      assert.equal(settlement.promise_id, promised.promise_id);
      assert.equal(settlement.order_id, order.order_id);
      assert.match(settlement.created_at, ISO_SECONDS);
      assert.equal(Date.parse(settlement.expires_at) - Date.parse(settlement.created_at), 24 * HOUR_MS);

      assert.deepEqual(settlement.cards.map(plain), [
        { reference: 'line-1', card_id: settlement.cards[0]?.card_id, amount: 5000, currency: 'SEK', brand: 'VISA', holder: HOLDER },
        { reference: 'line-2', card_id: settlement.cards[1]?.card_id, amount: 1500, currency: 'SEK', brand: 'VISA', holder: HOLDER },
      ]);
      assert.ok(settlement.cards.every((c) => UUID.test(c.card_id)));
      assert.notEqual(settlement.cards[0]?.card_id, settlement.cards[1]?.card_id);
      const [first, second] = decryptAll(settlement);
      assert.notEqual(first?.pan, second?.pan, 'each card its own number');

      const read = await omOrder(t, order.order_id);
      assert.equal(read.status, 'PART_CAPTURED');
      assert.equal(read.captured_amount, 6500, 'captured for the funded amounts: 5000 + 1500');
      assert.equal(read.remaining_authorized_amount, 6000);
      assert.deepEqual(
        read.captures.map((c) => [c.captured_amount, c.description]),
        [[6500, `Virtual card settlement ${settlement.settlement_id}`]],
      );
      const sales = (await transactions(t, `order_id=${order.order_id}`)).filter((r) => r.type === 'SALE');
      assert.deepEqual(
        sales.map((r) => [r.amount, r.capture_id]),
        [[6500, read.captures[0]?.capture_id]],
      );

      // The promise is used: settling it again is refused, and the order is settled once.
      assertError(await create({ order_id: order.order_id, key_id: keyId, promise_id: promised.promise_id }), 403, 'NOT_ALLOWED', /already settled/);
      assert.equal((await omOrder(t, order.order_id)).captures.length, 1);
    });

    it('without a promise: one card of everything the order has authorized, referenced by merchant_reference1, else by the order id', async () => {
      const order = await t.createOrder({ merchant_reference1: 'SHOP-4711' });
      const { settlement } = await created({ order_id: order.order_id, key_id: keyId });
      assert.equal('promise_id' in settlement, false, 'no promise_id without a promise');
      assert.deepEqual(settlement.cards.map(plain), [
        { reference: 'SHOP-4711', card_id: settlement.cards[0]?.card_id, amount: 12500, currency: 'SEK', brand: 'VISA', holder: HOLDER },
      ]);
      decryptAll(settlement);
      const read = await omOrder(t, order.order_id);
      assert.equal(read.status, 'CAPTURED');
      assert.equal(read.captured_amount, 12500);

      const lines = orderBody().order_lines as object[];
      const unreferenced = await t.createOrder({ merchant_reference1: undefined, order_amount: 10000, order_tax_amount: 2000, order_lines: lines.slice(0, 1) });
      const { settlement: second } = await created({ order_id: unreferenced.order_id, key_id: keyId });
      assert.deepEqual(
        second.cards.map((c) => [c.reference, c.amount]),
        [[unreferenced.order_id, 10000]],
      );
      decryptAll(second);
    });

    it('without promise_id, the order\'s active promise is settled (promise_id set); an expired one is not, and naming it is 403', async () => {
      const promised = await t.createOrder();
      const made = await promise(t, promised.order_id, [card(3000, 'a'), card(4000, 'b', { fund_amount: 3500 })]);
      const { settlement } = await created({ order_id: promised.order_id, key_id: keyId });
      assert.equal(settlement.promise_id, made.promise_id);
      assert.deepEqual(
        settlement.cards.map((c) => [c.reference, c.amount]),
        [
          ['a', 3000],
          ['b', 3500],
        ],
      );
      decryptAll(settlement);
      assert.equal((await omOrder(t, promised.order_id)).captured_amount, 6500);

      const lapsed = await t.createOrder();
      const named = await t.createOrder();
      await promise(t, lapsed.order_id, [card(1000, 'lapsed')]);
      const namedPromise = await promise(t, named.order_id, [card(1000, 'named')]);
      await t.advanceClock(24 * 3600 + 1);

      const refused = await create({ order_id: named.order_id, key_id: keyId, promise_id: namedPromise.promise_id });
      assertError(refused, 403, 'NOT_ALLOWED', new RegExp(`Promise ${namedPromise.promise_id} has expired`));
      await untouched(named.order_id);

      const { settlement: whole } = await created({ order_id: lapsed.order_id, key_id: keyId });
      assert.equal('promise_id' in whole, false, 'the expired promise is not settled');
      assert.deepEqual(
        whole.cards.map((c) => [c.reference, c.amount]),
        [['ORDER-1', 12500]],
      );
    });

    it('a promise that no longer fits the order (its authorization reduced since) is refused with 403', async () => {
      const order = await t.createOrder();
      const made = await promise(t, order.order_id, [card(12000, 'big')]);
      assert.equal((await t.patch(om(order.order_id, '/authorization'), { order_amount: 10000 })).status, 204);
      for (const body of [{ promise_id: made.promise_id }, {}]) {
        const res = await create({ order_id: order.order_id, key_id: keyId, ...body });
        assertError(res, 403, 'NOT_ALLOWED', /no longer fits the order: .*their total 12000 is more than the order's remaining authorized amount 10000/);
      }
      await untouched(order.order_id);
    });

    it('merchant_card_brand MASTERCARD and merchant_card_expiry_months set the number range and the expiry', async () => {
      await settings({ merchant_card_brand: 'MASTERCARD', merchant_card_expiry_months: 36, merchant_card_settlement_hours: 48 });
      try {
        const order = await t.createOrder();
        const { settlement } = await created({ order_id: order.order_id, key_id: keyId });
        assert.equal(settlement.cards[0]?.brand, 'MASTERCARD');
        decryptAll(settlement, pair, 'MASTERCARD', 36);
        assert.equal(Date.parse(settlement.expires_at) - Date.parse(settlement.created_at), 48 * HOUR_MS);
      } finally {
        await settings({ merchant_card_brand: 'VISA', merchant_card_expiry_months: 12, merchant_card_settlement_hours: 24 });
      }
    });

    it('the holder is the billing name in upper case, accents removed', async () => {
      const billing = { ...(orderBody().billing_address as Record<string, unknown>), given_name: 'Åsa', family_name: 'Öberg-Lindström' };
      const order = await t.createOrder({ billing_address: billing });
      const { settlement } = await created({ order_id: order.order_id, key_id: keyId });
      assert.equal(settlement.cards[0]?.holder, 'ASA OBERG-LINDSTROM');
    });

    it('reads by id and by order give the same cards encrypted anew; a second key reads them with its own private key only', async () => {
      const order = await t.createOrder();
      const made = await promise(t, order.order_id, [card(2000, 'x'), card(3000, 'y')]);
      const { settlement } = await created({ order_id: order.order_id, key_id: keyId, promise_id: made.promise_id });
      const issued = decryptAll(settlement);

      for (const res of [await readById(settlement.settlement_id), await readByOrder(order.order_id)]) {
        assert.equal(res.status, 200, res.body);
        const read = res.json<Settlement>();
        assert.deepEqual({ ...read, cards: read.cards.map(plain) }, { ...settlement, cards: settlement.cards.map(plain) });
        read.cards.forEach((c, i) => {
          const original = settlement.cards[i];
          assert.ok(original);
          assert.notEqual(c.pci_data, original.pci_data, 'encrypted anew');
          assert.notEqual(c.iv, original.iv);
          assert.notEqual(c.aes_key, original.aes_key);
        });
        assert.deepEqual(decryptAll(read), issued, 'the same numbers, expiry and codes');
      }

      const secondPair = keyPair(2048, 1);
      const secondKey = await enroll(t, secondPair);
      assert.notEqual(secondKey, keyId);
      const withSecond = await readById(settlement.settlement_id, secondKey);
      assert.equal(withSecond.status, 200, withSecond.body);
      const read = withSecond.json<Settlement>();
      assert.deepEqual(decryptAll(read, secondPair), issued);
      for (const c of read.cards) assert.throws(() => decryptCard(c, pair), 'the first key cannot read what was encrypted for the second');

      // A settlement made with the second key is read with the second key's private half.
      const next = await t.createOrder();
      const { settlement: forSecond } = await created({ order_id: next.order_id, key_id: secondKey });
      decryptAll(forSecond, secondPair);
      for (const c of forSecond.cards) assert.throws(() => decryptCard(c, pair));
    });

    it('KeyId: missing is 400 BAD_VALUE; an unknown, revoked or another merchant\'s key is 403 FORBIDDEN on create and on reads, and changes nothing', async () => {
      const order = await t.createOrder();
      const { settlement } = await created({ order_id: order.order_id, key_id: keyId });
      for (const headers of [{}, { KeyId: '' }, { KeyId: '   ' }] as Record<string, string>[]) {
        for (const url of [`/merchantcard/v3/settlements/${settlement.settlement_id}`, `/merchantcard/v3/settlements/order/${order.order_id}`]) {
          assertError(keep(await t.request({ url, headers })), 400, 'BAD_VALUE', /KeyId header is required/);
        }
      }

      const revoked = await enroll(t, keyPair(2048, 1));
      const revoke = await t.request({ method: 'DELETE', url: `/sandbox/v1/merchant-card/keys/${revoked}` });
      assert.equal(revoke.status, 200, revoke.body);
      assert.equal(revoke.json<{ status: string }>().status, 'REVOKED');
      const theirs = await enroll(t, pair, OTHER_MERCHANT);
      assert.notEqual(theirs, keyId);

      const fresh = await t.createOrder();
      const kept = await promise(t, fresh.order_id, [card(4000, 'kept')]);
      for (const key of [UNKNOWN_ID, revoked, theirs]) {
        const message = new RegExp(`Key ${key} is not an active key of this merchant`);
        assertError(await create({ order_id: fresh.order_id, key_id: key }), 403, 'FORBIDDEN', message);
        assertError(await create({ order_id: fresh.order_id, key_id: key, promise_id: kept.promise_id }), 403, 'FORBIDDEN', message);
        assertError(await readById(settlement.settlement_id, key), 403, 'FORBIDDEN', message);
        assertError(await readByOrder(order.order_id, key), 403, 'FORBIDDEN', message);
        await untouched(fresh.order_id);
      }
      // The revoked key's pair enrolled again is a new, active key.
      const again = await enroll(t, keyPair(2048, 1));
      assert.notEqual(again, revoked);
      assert.equal((await readById(settlement.settlement_id, again)).status, 200);
      // The refusals left the order's promise to be settled.
      const { settlement: later } = await created({ order_id: fresh.order_id, key_id: keyId });
      assert.equal(later.promise_id, kept.promise_id);
      assert.deepEqual(
        later.cards.map((c) => [c.reference, c.amount]),
        [['kept', 4000]],
      );
    });

    it('404 NOT_FOUND for an unknown settlement, an order without one, and another merchant\'s settlement or order', async () => {
      assertError(await readById(UNKNOWN_ID), 404, 'NOT_FOUND', /Settlement not found/);
      assertError(await readByOrder(UNKNOWN_ID), 404, 'NOT_FOUND', /Settlement not found/);
      const unsettled = await t.createOrder();
      assertError(await readByOrder(unsettled.order_id), 404, 'NOT_FOUND', /Settlement not found/);

      const theirKey = await enroll(t, pair, OTHER_MERCHANT);
      const theirOrder = await t.createOrder({}, OTHER_MERCHANT);
      const theirs = await settle(t, { order_id: theirOrder.order_id, key_id: theirKey }, OTHER_MERCHANT);
      decryptAll(theirs);
      assertError(await readById(theirs.settlement_id), 404, 'NOT_FOUND', /Settlement not found/);
      assertError(await readByOrder(theirOrder.order_id), 404, 'NOT_FOUND', /Settlement not found/);
      const own = await readById(theirs.settlement_id, theirKey, OTHER_MERCHANT);
      assert.equal(own.status, 200, own.body);
      assert.equal((await readByOrder(theirOrder.order_id, theirKey, OTHER_MERCHANT)).status, 200);
    });

    it('refusals of orders and promises, each changing nothing: 400 for what the merchant does not have, 403 for what cannot be settled', async () => {
      // Orders and promises the merchant does not have: 400 BAD_VALUE.
      assertError(await create({ order_id: UNKNOWN_ID, key_id: keyId }), 400, 'BAD_VALUE', new RegExp(`no order ${UNKNOWN_ID}`));
      const theirOrder = await t.createOrder({}, OTHER_MERCHANT);
      assertError(await create({ order_id: theirOrder.order_id, key_id: keyId }), 400, 'BAD_VALUE', new RegExp(`no order ${theirOrder.order_id}`));
      assert.equal((await omOrder(t, theirOrder.order_id, OTHER_MERCHANT)).captured_amount, 0);

      const order = await t.createOrder();
      const elsewhere = await t.createOrder();
      const elsewherePromise = await promise(t, elsewhere.order_id, [card(1000, 'elsewhere')]);
      const theirPromise = await promise(t, theirOrder.order_id, [card(1000, 'theirs')], OTHER_MERCHANT);
      for (const promiseId of [elsewherePromise.promise_id, UNKNOWN_ID, theirPromise.promise_id]) {
        const res = await create({ order_id: order.order_id, key_id: keyId, promise_id: promiseId });
        assertError(res, 400, 'BAD_VALUE', new RegExp(`no promise ${promiseId} for order ${order.order_id}`));
      }
      await untouched(order.order_id);

      // Malformed bodies.
      assertError(await create({ order_id: order.order_id }), 400, 'BAD_VALUE', /key_id is required/);
      assertError(await create({ key_id: keyId }), 400, 'BAD_VALUE', /order_id is required/);
      assertError(await create({ order_id: order.order_id, key_id: keyId, promise_id: '' }), 400, 'BAD_VALUE', /promise_id/);
      await untouched(order.order_id);

      // Orders that cannot be settled: 403 NOT_ALLOWED.
      const partCaptured = await t.createOrder();
      assert.equal((await t.post(om(partCaptured.order_id, '/captures'), { captured_amount: 1000 })).status, 201);
      assertError(await create({ order_id: partCaptured.order_id, key_id: keyId }), 403, 'NOT_ALLOWED', /is PART_CAPTURED/);
      await untouched(partCaptured.order_id, 'PART_CAPTURED', 1000);

      const captured = await t.createOrder();
      assert.equal((await t.post(om(captured.order_id, '/captures'), { captured_amount: 12500 })).status, 201);
      assertError(await create({ order_id: captured.order_id, key_id: keyId }), 403, 'NOT_ALLOWED', /is CAPTURED/);
      await untouched(captured.order_id, 'CAPTURED', 12500);

      const cancelled = await t.createOrder();
      assert.equal((await t.post(om(cancelled.order_id, '/cancel'))).status, 204);
      assertError(await create({ order_id: cancelled.order_id, key_id: keyId }), 403, 'NOT_ALLOWED', /is CANCELLED/);
      await untouched(cancelled.order_id, 'CANCELLED');

      const pending = await t.createOrder({ fraud_status: 'PENDING' });
      assertError(await create({ order_id: pending.order_id, key_id: keyId }), 403, 'NOT_ALLOWED', /pending a fraud review/);
      await untouched(pending.order_id);

      // An order settled once, with its promise: settling it again is refused, with or without naming the (now settled) promise.
      const settled = await t.createOrder();
      const used = await promise(t, settled.order_id, [card(2000, 'used')]);
      const { settlement } = await created({ order_id: settled.order_id, key_id: keyId, promise_id: used.promise_id });
      for (const body of [{}, { promise_id: used.promise_id }]) {
        const res = await create({ order_id: settled.order_id, key_id: keyId, ...body });
        assertError(res, 403, 'NOT_ALLOWED', new RegExp(`Order ${settled.order_id} is already settled \\(settlement ${settlement.settlement_id}\\)`));
      }
      const once = await omOrder(t, settled.order_id);
      assert.equal(once.captured_amount, 2000);
      assert.equal(once.captures.length, 1);
      const read = await readByOrder(settled.order_id);
      assert.equal(read.json<Settlement>().settlement_id, settlement.settlement_id);
    });

    it('Klarna-Idempotency-Key: a replay answers the same settlement, byte for byte, and the order is captured once', async () => {
      const order = await t.createOrder();
      const body = { order_id: order.order_id, key_id: keyId };
      const { res: first, settlement } = await created(body, { idempotencyKey: 'mcs-settle-1' });
      const replay = await create(body, { idempotencyKey: 'mcs-settle-1' });
      assert.equal(replay.status, 201, replay.body);
      assert.equal(replay.body, first.body);
      assert.equal(replay.headers.location, first.headers.location);
      decryptAll(settlement);
      const read = await omOrder(t, order.order_id);
      assert.equal(read.captured_amount, 12500);
      assert.equal(read.captures.length, 1);
      assert.equal((await transactions(t, `order_id=${order.order_id}`)).filter((r) => r.type === 'SALE').length, 1);
      // Another key is another request: the order is already settled.
      assertError(await create(body, { idempotencyKey: 'mcs-settle-2' }), 403, 'NOT_ALLOWED', /already settled/);
    });

    it('a promise of 1000 cards settles into 1000 cards, each its own card and number, captured for their total', async () => {
      const order = await t.createOrder();
      const cards = Array.from({ length: 1000 }, (_, i) => card(12, `line-${i}`));
      const made = await promise(t, order.order_id, cards);
      const { settlement } = await created({ order_id: order.order_id, key_id: keyId, promise_id: made.promise_id });
      assert.equal(settlement.cards.length, 1000);
      assert.deepEqual(
        settlement.cards.map((c) => c.reference),
        cards.map((c) => c.reference),
      );
      assert.equal(new Set(settlement.cards.map((c) => c.card_id)).size, 1000);
      // Decrypting is slow in JavaScript: a sample of the cards.
      const sample = { ...settlement, cards: [0, 1, 499, 998, 999].map((i) => settlement.cards[i] as IssuedCard) };
      assert.equal(new Set(decryptAll(sample).map((c) => c.pan)).size, 5);
      assert.equal((await omOrder(t, order.order_id)).captured_amount, 12000);
      const read = await readById(settlement.settlement_id);
      assert.equal(read.json<Settlement>().cards.length, 1000);
    });

    // Last but one: it moves the sandbox clock four weeks on.
    it('an order whose authorization has expired: 403 NOT_ALLOWED, nothing captured', async () => {
      const order = await t.createOrder();
      const expiresAt = Date.parse((await t.getOrder(order.order_id)).expires_at);
      await t.advanceClock(Math.ceil((expiresAt - (await t.now())) / 1000) + 1);
      assertError(await create({ order_id: order.order_id, key_id: keyId }), 403, 'NOT_ALLOWED', /is EXPIRED/);
      await untouched(order.order_id, 'EXPIRED');
    });

    it('no card number, expiry or code appears in clear in any answer', async () => {
      const order = await t.createOrder();
      const { settlement } = await created({ order_id: order.order_id, key_id: keyId });
      const [data] = decryptAll(settlement);
      assert.ok(data);
      keep(await readById(settlement.settlement_id));
      keep(await readByOrder(order.order_id));
      keep(await t.get(om(order.order_id)));
      keep(await t.request({ url: `/settlements/v1/transactions?order_id=${order.order_id}` }));
      keep(await t.get('/sandbox/v1/merchant-card/keys'));
      keep(await t.request({ method: 'POST', url: `/sandbox/v1/merchant-card/cards/${settlement.cards[0]?.card_id}/use` }));
      assert.ok(pans.size >= 10, `the suite issued many numbers (${pans.size})`);
      const all = texts.join('\n');
      for (const pan of pans) assert.equal(all.includes(pan), false, `${pan} appears in clear`);
      assert.equal(/"(pan|cvv|expiry_date)"/.test(all), false, 'no card data member in any answer');
    });
  });
}
