/**
 * Merchant Card Service v3 promises (behaviour reference §7): POST /merchantcard/v3/promises answers
 * 201 with the promise's id, its expiry (merchant_card_promise_hours after creation) and Location;
 * GET gives the cards as the merchant asked for them. Every refusal is the 400 BAD_VALUE the API
 * documents: a malformed body, cards that do not fit the order (currency, funded amount, more than
 * the order still has authorized), an order the merchant does not have (another merchant's answered
 * alike) and an order that can no longer get virtual cards. A refused promise leaves the order's
 * current promise as it was; a new promise replaces it (settling the old one is then refused). Also
 * the merchant's enrolment switch (merchant_card_enabled) on every Merchant Card Service route, and
 * Klarna-Idempotency-Key replays.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UNKNOWN_ID, assertError, om } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, PUBLIC_URL, buildTestApp } from '../../helpers/harness.js';
import type { RequestOptions, TestApp, TestResponse } from '../../helpers/harness.js';
import { enroll, omOrder, promise, settle } from './api-helpers.js';

const HOUR_MS = 3_600_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

type Auth = RequestOptions['auth'];

interface ReadPromise {
  promise_id: string;
  order_id: string;
  cards: { amount: number; currency: string; reference: string; fund_amount?: number }[];
  created_at: string;
  expire_at: string;
}

const card = (amount: number, reference: string, extra: Record<string, unknown> = {}) => ({ amount, currency: 'SEK', reference, ...extra });

for (const dialect of await availableDialects()) {
  describe(`merchant card promises (${dialect})`, () => {
    let t: TestApp;
    let keyId: string;
    before(async () => {
      t = await buildTestApp({ dialect });
      keyId = await enroll(t);
    });
    after(async () => t.close());

    const postPromise = (body: unknown, extra: Partial<RequestOptions> = {}) => t.post('/merchantcard/v3/promises', body, extra);
    const readPromise = (promiseId: string, auth?: Auth) => t.get(`/merchantcard/v3/promises/${promiseId}`, auth);
    const settings = async (body: Record<string, unknown>, auth?: Auth) => {
      const res = await t.patch('/sandbox/v1/settings', body, { auth });
      assert.equal(res.status, 200, res.body);
    };

    /** The order's promise is still the one to settle: settling names it and issues its cards. */
    async function stillSettles(orderId: string, promiseId: string, references: string[]): Promise<void> {
      const settlement = await settle(t, { order_id: orderId, key_id: keyId, promise_id: promiseId });
      assert.equal(settlement.promise_id, promiseId);
      assert.deepEqual(
        settlement.cards.map((c) => c.reference),
        references,
      );
    }

    it('201 with promise_id, expires_at 24 hours on and Location; the read gives the order and the cards as given, currency upper-cased', async () => {
      const order = await t.createOrder();
      const before = await t.now();
      const res = await postPromise({
        order_id: order.order_id,
        cards: [
          { amount: 5000, currency: 'sek', reference: 'line-1' },
          { amount: 2000, currency: 'SEK', reference: 'line-2', fund_amount: 1500 },
        ],
      });
      const after = await t.now();
      assert.equal(res.status, 201, res.body);
      const created = res.json<{ promise_id: string; expires_at: string }>();
      assert.deepEqual(Object.keys(created).sort(), ['expires_at', 'promise_id']);
      assert.match(created.promise_id, UUID);
      assert.equal(res.headers.location, `${PUBLIC_URL}/merchantcard/v3/promises/${created.promise_id}`);
      assert.match(created.expires_at, ISO_SECONDS);
      const expires = Date.parse(created.expires_at);
      assert.ok(expires >= Math.floor(before / 1000) * 1000 + 24 * HOUR_MS && expires <= after + 24 * HOUR_MS, `${created.expires_at} is 24 h after the creation`);

      const read = await readPromise(created.promise_id);
      assert.equal(read.status, 200, read.body);
      const body = read.json<ReadPromise>();
      assert.deepEqual(body, {
        promise_id: created.promise_id,
        order_id: order.order_id,
        cards: [
          { amount: 5000, currency: 'SEK', reference: 'line-1' },
          { amount: 2000, currency: 'SEK', reference: 'line-2', fund_amount: 1500 },
        ],
        created_at: body.created_at,
        expire_at: created.expires_at,
      });
      assert.equal(Date.parse(body.expire_at) - Date.parse(body.created_at), 24 * HOUR_MS);

      const untouched = await omOrder(t, order.order_id);
      assert.equal(untouched.status, 'AUTHORIZED', 'a promise captures nothing');
      assert.equal(untouched.captured_amount, 0);
    });

    it('merchant_card_promise_hours sets how long a promise lives', async () => {
      await settings({ merchant_card_promise_hours: 2 });
      try {
        const order = await t.createOrder();
        const created = await promise(t, order.order_id, [card(1000, 'short')]);
        const read = (await readPromise(created.promise_id)).json<ReadPromise>();
        assert.equal(read.expire_at, created.expires_at);
        assert.equal(Date.parse(read.expire_at) - Date.parse(read.created_at), 2 * HOUR_MS);
      } finally {
        await settings({ merchant_card_promise_hours: 24 });
      }
    });

    it('malformed bodies: 400 BAD_VALUE naming the field; the order\'s promise stays the one to settle', async () => {
      const order = await t.createOrder();
      const kept = await promise(t, order.order_id, [card(3000, 'kept')]);
      const id = order.order_id;
      const cases: [string, unknown, RegExp][] = [
        ['no cards', { order_id: id }, /cards is required/],
        ['an empty card list', { order_id: id, cards: [] }, /cards must have at least 1 items/],
        ['1001 cards', { order_id: id, cards: Array.from({ length: 1001 }, (_, i) => card(1, `r${i}`)) }, /cards must have at most 1000 items/],
        ['amount 0', { order_id: id, cards: [card(0, 'zero')] }, /cards\[0\]\.amount/],
        ['a negative amount', { order_id: id, cards: [card(-100, 'negative')] }, /cards\[0\]\.amount/],
        ['a fractional amount', { order_id: id, cards: [card(10.5, 'fraction')] }, /cards\[0\]\.amount/],
        ['fund_amount 0', { order_id: id, cards: [card(1000, 'unfunded', { fund_amount: 0 })] }, /cards\[0\]\.fund_amount/],
        ['an empty reference', { order_id: id, cards: [card(1000, '')] }, /cards\[0\]\.reference/],
        ['a reference of 256 characters', { order_id: id, cards: [card(1000, 'r'.repeat(256))] }, /cards\[0\]\.reference/],
        ['no reference', { order_id: id, cards: [{ amount: 1000, currency: 'SEK' }] }, /cards\[0\]\.reference is required/],
        ['a two-letter currency', { order_id: id, cards: [{ amount: 1000, currency: 'SE', reference: 'x' }] }, /cards\[0\]\.currency/],
        ['a four-letter currency', { order_id: id, cards: [{ amount: 1000, currency: 'SEKK', reference: 'x' }] }, /cards\[0\]\.currency/],
        ['a numeric currency', { order_id: id, cards: [{ amount: 1000, currency: '752', reference: 'x' }] }, /cards\[0\]\.currency/],
        ['no currency', { order_id: id, cards: [{ amount: 1000, reference: 'x' }] }, /cards\[0\]\.currency is required/],
        ['no order_id', { cards: [card(1000, 'x')] }, /order_id is required/],
        ['an empty order_id', { order_id: '', cards: [card(1000, 'x')] }, /order_id/],
      ];
      for (const [what, body, message] of cases) {
        const res = await postPromise(body);
        assert.equal(res.status, 400, `${what}: ${res.body}`);
        assertError(res, 400, 'BAD_VALUE', message);
      }
      await stillSettles(id, kept.promise_id, ['kept']);
    });

    it('a reference of 255 characters, a funded amount equal to the amount and cards totalling the whole order are accepted', async () => {
      const order = await t.createOrder();
      const cards = [card(12000, 'r'.repeat(255), { fund_amount: 12000 }), card(500, 'rest')];
      const created = await promise(t, order.order_id, cards);
      assert.deepEqual((await readPromise(created.promise_id)).json<ReadPromise>().cards, cards);
    });

    it('cards that do not fit the order: 400 BAD_VALUE naming every problem (currency, funded amount, more than the remaining authorization)', async () => {
      const order = await t.createOrder();
      const kept = await promise(t, order.order_id, [card(1000, 'kept')]);
      const refuse = async (cards: unknown[], expected: string[]) => {
        const res = await postPromise({ order_id: order.order_id, cards });
        assert.deepEqual(assertError(res, 400, 'BAD_VALUE'), expected);
      };
      await refuse([card(1000, 'a'), { amount: 1000, currency: 'EUR', reference: 'b' }], ["Bad value: cards[1].currency (the order's currency is SEK)"]);
      await refuse([card(1000, 'a', { fund_amount: 1001 })], ["Bad value: cards[0].fund_amount (more than the card's amount)"]);
      await refuse([card(12000, 'a'), card(501, 'b')], ["Bad value: cards (their total 12501 is more than the order's remaining authorized amount 12500)"]);
      await refuse(
        [{ amount: 12500, currency: 'nok', reference: 'a', fund_amount: 20000 }, card(1, 'b')],
        [
          "Bad value: cards[0].currency (the order's currency is SEK)",
          "Bad value: cards[0].fund_amount (more than the card's amount)",
          "Bad value: cards (their total 12501 is more than the order's remaining authorized amount 12500)",
        ],
      );

      // The remaining authorization follows the order: reduced to 100.00, 100.01 no longer fits.
      assert.equal((await t.patch(om(order.order_id, '/authorization'), { order_amount: 10000 })).status, 204);
      await refuse([card(10001, 'a')], ["Bad value: cards (their total 10001 is more than the order's remaining authorized amount 10000)"]);
      await stillSettles(order.order_id, kept.promise_id, ['kept']);
    });

    it('an unknown order and another merchant\'s order get the same 400 BAD_VALUE', async () => {
      const unknown = await postPromise({ order_id: UNKNOWN_ID, cards: [card(1000, 'x')] });
      assert.deepEqual(assertError(unknown, 400, 'BAD_VALUE'), [`Bad value: order_id (no order ${UNKNOWN_ID})`]);

      const theirs = await t.createOrder({}, OTHER_MERCHANT);
      const res = await postPromise({ order_id: theirs.order_id, cards: [card(1000, 'x')] });
      assert.deepEqual(assertError(res, 400, 'BAD_VALUE'), [`Bad value: order_id (no order ${theirs.order_id})`]);
      // Their own merchant can promise cards for it.
      await promise(t, theirs.order_id, [card(1000, 'x')], OTHER_MERCHANT);
    });

    it('orders that can no longer get cards (captured, part captured, cancelled, pending a fraud review): 400 BAD_VALUE naming why', async () => {
      const refused = async (orderId: string, why: RegExp) => {
        const res = await postPromise({ order_id: orderId, cards: [card(100, 'x')] });
        assertError(res, 400, 'BAD_VALUE', why);
      };
      const captured = await t.createOrder();
      assert.equal((await t.post(om(captured.order_id, '/captures'), { captured_amount: 12500 })).status, 201);
      await refused(captured.order_id, /is CAPTURED/);

      const partCaptured = await t.createOrder();
      assert.equal((await t.post(om(partCaptured.order_id, '/captures'), { captured_amount: 100 })).status, 201);
      await refused(partCaptured.order_id, /is PART_CAPTURED/);

      const cancelled = await t.createOrder();
      assert.equal((await t.post(om(cancelled.order_id, '/cancel'))).status, 204);
      await refused(cancelled.order_id, /is CANCELLED/);

      const pending = await t.createOrder({ fraud_status: 'PENDING' });
      assert.equal((await omOrder(t, pending.order_id)).status, 'AUTHORIZED');
      await refused(pending.order_id, /pending a fraud review/);
    });

    it('1000 cards are accepted and read back in their order', async () => {
      const order = await t.createOrder();
      const cards = Array.from({ length: 1000 }, (_, i) => card(10 + (i % 3), `line-${i}`));
      const created = await promise(t, order.order_id, cards);
      const read = (await readPromise(created.promise_id)).json<ReadPromise>();
      assert.equal(read.cards.length, 1000);
      assert.deepEqual(read.cards, cards);
    });

    it('a new promise for the order replaces the previous one: settling the old one is 403 NOT_ALLOWED naming it replaced', async () => {
      const order = await t.createOrder();
      const other = await t.createOrder();
      const first = await promise(t, order.order_id, [card(4000, 'first')]);
      const elsewhere = await promise(t, other.order_id, [card(2000, 'elsewhere')]);
      const second = await promise(t, order.order_id, [card(6000, 'second-a'), card(1000, 'second-b')]);
      assert.notEqual(second.promise_id, first.promise_id);
      assert.equal((await readPromise(first.promise_id)).status, 200, 'the replaced promise can still be read');

      const stale = await t.post('/merchantcard/v3/settlements', { order_id: order.order_id, key_id: keyId, promise_id: first.promise_id });
      assertError(stale, 403, 'NOT_ALLOWED', new RegExp(`Promise ${first.promise_id} was replaced by a newer promise`));
      assert.equal((await omOrder(t, order.order_id)).captured_amount, 0, 'the refusal captured nothing');

      await stillSettles(order.order_id, second.promise_id, ['second-a', 'second-b']);
      // A promise for another order replaced nothing.
      await stillSettles(other.order_id, elsewhere.promise_id, ['elsewhere']);
    });

    it('404 NOT_FOUND for an unknown promise and for another merchant\'s', async () => {
      assertError(await readPromise(UNKNOWN_ID), 404, 'NOT_FOUND', /Promise not found/);
      const theirs = await t.createOrder({}, OTHER_MERCHANT);
      const theirPromise = await promise(t, theirs.order_id, [card(1000, 'theirs')], OTHER_MERCHANT);
      assertError(await readPromise(theirPromise.promise_id), 404, 'NOT_FOUND', /Promise not found/);
      const own = await readPromise(theirPromise.promise_id, OTHER_MERCHANT);
      assert.equal(own.status, 200, own.body);
      assert.equal(own.json<ReadPromise>().order_id, theirs.order_id);
    });

    it('merchant_card_enabled false: 403 FORBIDDEN on every Merchant Card Service route, nothing changed; other merchants unaffected', async () => {
      const order = await t.createOrder();
      const made = await promise(t, order.order_id, [card(1000, 'a')]);
      const settled = await t.createOrder();
      const settlement = await settle(t, { order_id: settled.order_id, key_id: keyId });
      const fresh = await t.createOrder();

      await settings({ merchant_card_enabled: false });
      try {
        const refusals: [string, Promise<TestResponse>][] = [
          ['create promise', postPromise({ order_id: fresh.order_id, cards: [card(1000, 'b')] })],
          ['read promise', readPromise(made.promise_id)],
          ['create settlement', t.post('/merchantcard/v3/settlements', { order_id: fresh.order_id, key_id: keyId })],
          ['read settlement', t.request({ url: `/merchantcard/v3/settlements/${settlement.settlement_id}`, headers: { KeyId: keyId } })],
          ['read settlement by order', t.request({ url: `/merchantcard/v3/settlements/order/${settled.order_id}`, headers: { KeyId: keyId } })],
          ['request cancel', t.post(`/merchantcard/v3/orders/${settled.order_id}/cancel-request`)],
          ['read cancel', t.get(`/merchantcard/v3/orders/${settled.order_id}/cancel-request`)],
        ];
        for (const [what, pending] of refusals) {
          const res = await pending;
          assert.equal(res.status, 403, `${what}: ${res.body}`);
          assertError(res, 403, 'FORBIDDEN', /not enrolled for the Merchant Card Service/);
        }
        const theirs = await t.createOrder({}, OTHER_MERCHANT);
        await promise(t, theirs.order_id, [card(1000, 'theirs')], OTHER_MERCHANT);
      } finally {
        await settings({ merchant_card_enabled: true });
      }
      const untouched = await omOrder(t, fresh.order_id);
      assert.equal(untouched.captured_amount, 0, 'the refused settlement captured nothing');
      assert.equal((await t.get(`/merchantcard/v3/orders/${settled.order_id}/cancel-request`)).status, 400, 'no cancel request was made');
      await stillSettles(order.order_id, made.promise_id, ['a']);
    });

    it('Klarna-Idempotency-Key: the same key replays the same promise (which stays the order\'s); a new key makes a new one', async () => {
      const order = await t.createOrder();
      const body = { order_id: order.order_id, cards: [card(2500, 'idem')] };
      const first = await postPromise(body, { idempotencyKey: 'mcs-promise-1' });
      assert.equal(first.status, 201, first.body);
      const replay = await postPromise(body, { idempotencyKey: 'mcs-promise-1' });
      assert.equal(replay.status, 201, replay.body);
      assert.equal(replay.body, first.body);
      assert.equal(replay.headers.location, first.headers.location);
      const { promise_id: promiseId } = first.json<{ promise_id: string }>();

      const other = await t.createOrder();
      const another = await postPromise({ order_id: other.order_id, cards: [card(2500, 'other')] }, { idempotencyKey: 'mcs-promise-2' });
      assert.equal(another.status, 201, another.body);
      assert.notEqual(another.json<{ promise_id: string }>().promise_id, promiseId);
      await stillSettles(order.order_id, promiseId, ['idem']);
    });

    // Last: it moves the sandbox clock four weeks on.
    it('an order whose authorization has expired: 400 BAD_VALUE naming it EXPIRED', async () => {
      const order = await t.createOrder();
      const expiresAt = Date.parse((await t.getOrder(order.order_id)).expires_at);
      await t.advanceClock(Math.ceil((expiresAt - (await t.now())) / 1000) + 1);
      assert.equal((await omOrder(t, order.order_id)).status, 'EXPIRED');
      const res = await postPromise({ order_id: order.order_id, cards: [card(100, 'late')] });
      assertError(res, 400, 'BAD_VALUE', /is EXPIRED/);
    });
  });
}
