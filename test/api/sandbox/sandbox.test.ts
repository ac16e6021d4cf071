import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { MERCHANT, OTHER_MERCHANT, PUBLIC_URL, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';

const DAY_SECONDS = 24 * 3600;
const LINES = orderBody().order_lines as Record<string, unknown>[];
const [TSHIRT, SHIPPING] = LINES as [Record<string, unknown>, Record<string, unknown>];

function badValues(res: TestResponse): string[] {
  assert.equal(res.status, 400, res.body);
  const body = res.json<{ error_code: string; error_messages: string[] }>();
  assert.equal(body.error_code, 'BAD_VALUE', res.body);
  return body.error_messages;
}

async function orderCount(t: TestApp): Promise<number> {
  const row = await t.db.kysely.selectFrom('orders').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Posts a sandbox order that must be refused; returns the messages and checks nothing was stored. */
async function refused(t: TestApp, body: Record<string, unknown>): Promise<string[]> {
  const before = await orderCount(t);
  const messages = badValues(await t.post('/sandbox/v1/orders', body));
  assert.equal(await orderCount(t), before, 'a refused order is not stored');
  return messages;
}

const US_ORDER = {
  purchase_country: 'US',
  purchase_currency: 'USD',
  locale: 'en-US',
  order_amount: 10875,
  order_tax_amount: 875,
  order_lines: [
    { type: 'physical', reference: 'SKU-1', name: 'Sneakers', quantity: 2, unit_price: 5000, total_amount: 10000 },
    { type: 'sales_tax', name: 'Sales Tax', quantity: 1, unit_price: 875, total_amount: 875 },
  ],
  billing_address: {
    given_name: 'John',
    family_name: 'Doe',
    street_address: '500 Howard St',
    postal_code: '94105',
    city: 'San Francisco',
    region: 'CA',
    country: 'US',
  },
};

async function clock(t: TestApp, auth?: null): Promise<{ now: string; offset_seconds: number }> {
  const res = await t.get('/sandbox/v1/clock', auth);
  assert.equal(res.status, 200, res.body);
  return res.json();
}

interface SettingsView {
  merchant_id: string;
  username: string;
  settings: Record<string, unknown>;
  defaults: Record<string, unknown>;
}

async function settings(t: TestApp, auth = MERCHANT): Promise<SettingsView> {
  const res = await t.get('/sandbox/v1/settings', auth);
  assert.equal(res.status, 200, res.body);
  return res.json<SettingsView>();
}

for (const dialect of await availableDialects()) {
  describe(`sandbox orders (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('a valid order answers 201 with the order in the body and Location pointing at the OM order', async () => {
      const res = await t.post('/sandbox/v1/orders', orderBody());
      assert.equal(res.status, 201, res.body);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const body = res.json();
      assert.equal(typeof body.order_id, 'string');
      assert.equal(body.status, 'AUTHORIZED');
      assert.equal(body.order_amount, 12500);
      assert.equal(body.remaining_authorized_amount, 12500);
      assert.equal(res.headers.location, `${PUBLIC_URL}/ordermanagement/v1/orders/${body.order_id}`);

      const read = await t.get(new URL(String(res.headers.location)).pathname);
      assert.equal(read.status, 200, read.body);
      assert.equal(read.json().order_id, body.order_id);
      assert.equal(read.json().order_amount, 12500);
      assert.deepEqual(read.json().order_lines, LINES);
    });

    it('initial_payment_method and fraud_status given at creation appear on the OM order', async () => {
      const order = await t.createOrder({ initial_payment_method: { type: 'PAY_BY_CARD' }, fraud_status: 'PENDING' });
      const read = await t.getOrder(order.order_id);
      assert.equal(read.initial_payment_method.type, 'PAY_BY_CARD');
      assert.equal(read.fraud_status, 'PENDING');
    });

    it('order_amount that is not the sum of the line totals gets 400 "Bad value: order_amount"', async () => {
      assert.deepEqual(await refused(t, orderBody({ order_amount: 12000 })), ['Bad value: order_amount']);
    });

    it('order_tax_amount that is not the sum of the line taxes gets 400 "Bad value: order_tax_amount"', async () => {
      assert.deepEqual(await refused(t, orderBody({ order_tax_amount: 3000 })), ['Bad value: order_tax_amount']);
    });

    it('order_tax_amount within ±(number of lines) of the line taxes is accepted', async () => {
      const res = await t.post('/sandbox/v1/orders', orderBody({ order_tax_amount: 2502 }));
      assert.equal(res.status, 201, res.body);
    });

    it('a line total that is not quantity × unit_price gets 400 "Bad value: order_lines[0].total_amount"', async () => {
      const line = { ...TSHIRT, total_amount: 9000, total_tax_amount: 1800 };
      const messages = await refused(t, orderBody({ order_lines: [line, SHIPPING], order_amount: 11500, order_tax_amount: 2300 }));
      assert.deepEqual(messages, ['Bad value: order_lines[0].total_amount']);
    });

    it('a line tax more than 1 away from the tax in its total gets 400 "Bad value: order_lines[0].total_tax_amount"', async () => {
      const line = { ...TSHIRT, total_tax_amount: 2100 };
      const messages = await refused(t, orderBody({ order_lines: [line, SHIPPING], order_tax_amount: 2600 }));
      assert.deepEqual(messages, ['Bad value: order_lines[0].total_tax_amount']);
    });

    it('a line tax 1 away from the exact tax is accepted', async () => {
      const line = { ...TSHIRT, total_tax_amount: 2001 };
      const res = await t.post('/sandbox/v1/orders', orderBody({ order_lines: [line, SHIPPING], order_tax_amount: 2501 }));
      assert.equal(res.status, 201, res.body);
    });

    it('a currency the purchase country does not use gets 400 "Bad value: purchase_currency, purchase_country"', async () => {
      assert.deepEqual(await refused(t, orderBody({ purchase_currency: 'EUR' })), ['Bad value: purchase_currency, purchase_country']);
    });

    it('a billing country other than the purchase country gets 400 BAD_VALUE naming billing_address.country', async () => {
      const billing = { ...(orderBody().billing_address as Record<string, unknown>), country: 'NO' };
      assert.deepEqual(await refused(t, orderBody({ billing_address: billing })), ['Bad value: billing_address.country']);
    });

    it('a malformed locale gets 400 "Bad value: locale"', async () => {
      assert.deepEqual(await refused(t, orderBody({ locale: 'sv_SE' })), ['Bad value: locale']);
    });

    it('a locale that is not language-country (foo, sv, empty) gets 400 "Bad value: locale"; sv-SE and en-GB are accepted', async () => {
      for (const locale of ['foo', 'sv', '']) {
        assert.deepEqual(await refused(t, orderBody({ locale })), ['Bad value: locale'], JSON.stringify(locale));
      }
      for (const locale of ['sv-SE', 'en-GB']) {
        const res = await t.post('/sandbox/v1/orders', orderBody({ locale }));
        assert.equal(res.status, 201, res.body);
        assert.equal(res.json().locale, locale);
        assert.equal((await t.getOrder(res.json().order_id)).locale, locale);
      }
    });

    it('several wrong values are named together in one 400', async () => {
      const messages = await refused(t, orderBody({ order_amount: 1, order_tax_amount: 1, locale: 'not a locale' }));
      assert.deepEqual([...messages].sort(), ['Bad value: locale', 'Bad value: order_amount', 'Bad value: order_tax_amount']);
    });

    it('values of the wrong type get 400 BAD_VALUE naming the field', async () => {
      const amountAsString = await refused(t, orderBody({ order_amount: '12500' }));
      assert.ok(amountAsString.some((m) => m.startsWith('Bad value: order_amount')), amountAsString.join(' | '));

      const quantityAsString = await refused(t, orderBody({ order_lines: [{ ...TSHIRT, quantity: '2' }, SHIPPING] }));
      assert.ok(quantityAsString.some((m) => m.startsWith('Bad value: order_lines[0].quantity')), quantityAsString.join(' | '));

      const linesAsString = await refused(t, orderBody({ order_lines: 'T-shirt' }));
      assert.ok(linesAsString.some((m) => m.startsWith('Bad value: order_lines')), linesAsString.join(' | '));
    });

    it('a missing required field gets 400 BAD_VALUE', async () => {
      const body = orderBody();
      delete body.purchase_currency;
      const messages = await refused(t, body);
      assert.ok(messages.some((m) => m.includes('purchase_currency')), messages.join(' | '));
    });

    it('a US order in sales-tax mode (tax as a sales_tax line) is accepted', async () => {
      const res = await t.post('/sandbox/v1/orders', US_ORDER);
      assert.equal(res.status, 201, res.body);
      const read = await t.getOrder(res.json().order_id);
      assert.equal(read.purchase_currency, 'USD');
      assert.equal(read.order_amount, 10875);
      assert.deepEqual(read.order_lines, US_ORDER.order_lines);
    });

    it('a US order whose order_tax_amount differs from its sales_tax line gets 400 "Bad value: order_tax_amount"', async () => {
      assert.deepEqual(await refused(t, { ...US_ORDER, order_tax_amount: 900 }), ['Bad value: order_tax_amount']);
    });
  });

  describe(`sandbox clock (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('a fresh server reads the wall clock with no offset', async () => {
      const read = await clock(t);
      assert.equal(read.offset_seconds, 0);
      assert.ok(Math.abs(Date.parse(read.now) - Date.now()) < 5000, `${read.now} is the current time`);
    });

    it('advancing by N seconds moves now by N seconds', async () => {
      const before = await clock(t);
      const res = await t.post('/sandbox/v1/clock/advance', { seconds: 3600 });
      assert.equal(res.status, 200, res.body);
      const advanced = res.json<{ now: string; offset_seconds: number }>();
      assert.equal(advanced.offset_seconds, before.offset_seconds + 3600);

      const after = await clock(t);
      assert.equal(after.offset_seconds, before.offset_seconds + 3600);
      const moved = Date.parse(after.now) - Date.parse(before.now);
      assert.ok(moved >= 3600_000 && moved < 3610_000, `now moved by ${moved} ms`);
      assert.ok(Date.parse(advanced.now) <= Date.parse(after.now));
    });

    it('a negative advance gets 400 BAD_VALUE and leaves the clock where it was', async () => {
      const before = await clock(t);
      const res = await t.post('/sandbox/v1/clock/advance', { seconds: -60 });
      assert.ok(badValues(res).some((m) => m.startsWith('Bad value: seconds')));
      assert.equal((await clock(t)).offset_seconds, before.offset_seconds);
    });

    it('a non-integer or missing number of seconds gets 400 BAD_VALUE', async () => {
      const before = await clock(t);
      badValues(await t.post('/sandbox/v1/clock/advance', { seconds: 1.5 }));
      badValues(await t.post('/sandbox/v1/clock/advance', { seconds: '60' }));
      badValues(await t.post('/sandbox/v1/clock/advance', {}));
      assert.equal((await clock(t)).offset_seconds, before.offset_seconds);
    });

    it('orders are created at the sandbox time, and advancing past expires_at expires them', async () => {
      const order = await t.createOrder();
      const now = Date.parse((await clock(t)).now);
      assert.ok(Math.abs(Date.parse(order.created_at) - now) < 5000, 'created_at follows the sandbox clock');

      await t.advanceClock(29 * DAY_SECONDS);
      const row = await t.db.kysely.selectFrom('orders').select('status').where('order_id', '=', order.order_id).executeTakeFirstOrThrow();
      assert.equal(row.status, 'EXPIRED');
      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'EXPIRED');
      assert.equal(read.remaining_authorized_amount, 0);
    });
  });

  describe(`sandbox events, settings and credentials (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it("events are scoped to the merchant: another merchant sees none of this merchant's events", async () => {
      const mine = await t.createOrder();
      const theirs = await t.createOrder({}, OTHER_MERCHANT);

      const own = await t.get(`/sandbox/v1/events?order_id=${mine.order_id}`);
      assert.equal(own.status, 200, own.body);
      const ownEvents = own.json<{ events: { type: string; order_id: string }[] }>().events;
      assert.deepEqual(
        ownEvents.map((e) => e.type),
        ['order.created'],
      );

      const otherFiltered = await t.get(`/sandbox/v1/events?order_id=${mine.order_id}`, OTHER_MERCHANT);
      assert.equal(otherFiltered.status, 200, otherFiltered.body);
      assert.deepEqual(otherFiltered.json().events, []);

      const otherAll = (await t.get('/sandbox/v1/events', OTHER_MERCHANT)).json<{ events: { order_id: string }[] }>().events;
      assert.ok(otherAll.length > 0, 'the other merchant sees its own events');
      assert.ok(otherAll.every((e) => e.order_id === theirs.order_id), 'and only those');

      const mineAll = (await t.get('/sandbox/v1/events')).json<{ events: { order_id: string }[] }>().events;
      assert.ok(!mineAll.some((e) => e.order_id === theirs.order_id));
    });

    it('settings read back as the defaults on a fresh merchant', async () => {
      const read = await settings(t);
      assert.equal(read.username, MERCHANT.username);
      assert.deepEqual(read.settings, read.defaults);
      assert.equal(read.settings.authorization_period_days, 28);
      assert.equal(read.settings.max_authorization_days, 180);
      assert.equal(read.settings.release_remaining_status, 'CAPTURED');
    });

    it('PATCH settings changes the named settings for this merchant only, and they read back', async () => {
      const res = await t.patch('/sandbox/v1/settings', { release_remaining_status: 'CLOSED', authorization_period_days: 45 });
      assert.equal(res.status, 200, res.body);
      assert.equal(res.json<SettingsView>().settings.release_remaining_status, 'CLOSED');

      const read = await settings(t);
      assert.equal(read.settings.release_remaining_status, 'CLOSED');
      assert.equal(read.settings.authorization_period_days, 45);
      assert.equal(read.settings.max_authorization_days, 180, 'settings not named keep their value');

      const other = await settings(t, OTHER_MERCHANT);
      assert.equal(other.settings.release_remaining_status, 'CAPTURED');
      assert.equal(other.settings.authorization_period_days, 28);

      const order = await t.createOrder();
      assert.equal(Date.parse(order.expires_at) - Date.parse(order.created_at), 45 * DAY_SECONDS * 1000, 'new orders use the new period');

      const reset = await t.patch('/sandbox/v1/settings', { release_remaining_status: 'CAPTURED', authorization_period_days: 28 });
      assert.equal(reset.status, 200, reset.body);
    });

    it('an unknown setting gets 400 BAD_VALUE and changes nothing', async () => {
      const before = await settings(t);
      badValues(await t.patch('/sandbox/v1/settings', { authorization_period_days: 30, no_such_setting: true }));
      assert.deepEqual((await settings(t)).settings, before.settings);
    });

    it('a setting with an invalid value gets 400 BAD_VALUE and changes nothing', async () => {
      const before = await settings(t);
      badValues(await t.patch('/sandbox/v1/settings', { release_remaining_status: 'OPEN' }));
      badValues(await t.patch('/sandbox/v1/settings', { authorization_period_days: 0 }));
      assert.deepEqual((await settings(t)).settings, before.settings);
    });

    it('every sandbox route needs credentials: 401 with a Basic challenge, and nothing happens', async () => {
      const before = await orderCount(t);
      const offset = (await clock(t)).offset_seconds;
      const calls: [string, () => Promise<TestResponse>][] = [
        ['POST /sandbox/v1/orders', () => t.post('/sandbox/v1/orders', orderBody(), { auth: null })],
        ['GET /sandbox/v1/clock', () => t.get('/sandbox/v1/clock', null)],
        ['POST /sandbox/v1/clock/advance', () => t.post('/sandbox/v1/clock/advance', { seconds: 60 }, { auth: null })],
        ['GET /sandbox/v1/events', () => t.get('/sandbox/v1/events', null)],
        ['GET /sandbox/v1/settings', () => t.get('/sandbox/v1/settings', null)],
        ['PATCH /sandbox/v1/settings', () => t.patch('/sandbox/v1/settings', { authorization_period_days: 5 }, { auth: null })],
        ['POST /sandbox/v1/orders (wrong password)', () => t.post('/sandbox/v1/orders', orderBody(), { auth: { ...MERCHANT, password: 'wrong' } })],
        ['GET /sandbox/v1/events (wrong password)', () => t.get('/sandbox/v1/events', { ...MERCHANT, password: 'wrong' })],
      ];
      for (const [name, call] of calls) {
        const res = await call();
        assert.equal(res.status, 401, `${name}: ${res.body}`);
        assert.match(String(res.headers['www-authenticate']), /^Basic realm="/, name);
      }
      assert.equal(await orderCount(t), before);
      assert.equal((await clock(t)).offset_seconds, offset);
      assert.equal((await settings(t)).settings.authorization_period_days, 28);
    });
  });
}
