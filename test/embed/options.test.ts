/**
 * startKlarnaLocal's options: where the data lives (memory, a file kept across restarts, PostgreSQL),
 * the merchants, their settings, where the sandbox clock starts and whose time moves, the public URL,
 * and refusals of options that cannot work.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config.js';
import { startKlarnaLocal } from '../../src/index.js';
import type { KlarnaLocalOptions } from '../../src/index.js';
import { availableDialects, createTestDatabase } from '../helpers/databases.js';
import { startFakeMerchant } from '../helpers/merchant-server.js';
import { CART, merchantApi } from './walkthrough.js';

const SHOP = { username: 'shop', password: 'pass,with:odd characters' };

const dialects = await availableDialects();

describe('startKlarnaLocal options', () => {
  for (const dialect of dialects) {
    test(`a kept database (${dialect === 'sqlite' ? '{ file }' : 'a postgres:// URL'}) holds the orders across stop and start`, async () => {
      const database = await createTestDatabase(dialect);
      // The harness's SQLite URL is `sqlite:<file>`: the file option is given the path itself.
      const option: KlarnaLocalOptions['database'] = dialect === 'sqlite' ? { file: database.url.slice('sqlite:'.length) } : database.url;
      try {
        const first = await startKlarnaLocal({ database: option, merchants: [SHOP] });
        const order = await first.sandbox.createOrder(CART);
        await first.stop();

        const second = await startKlarnaLocal({ database: option, merchants: [SHOP] });
        try {
          const read = await merchantApi(second.url, SHOP)('GET', `/ordermanagement/v1/orders/${order.order_id}`);
          assert.equal(read.status, 200);
          assert.equal(read.body.order_amount, CART.order_amount);
        } finally {
          await second.stop();
        }
      } finally {
        await database.drop();
      }
    });
  }

  test('the default database is in memory: a restart starts empty, and no file is written', async () => {
    const cwd = process.cwd();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-embed-'));
    process.chdir(dir);
    try {
      const first = await startKlarnaLocal({ merchants: [SHOP] });
      const order = await first.sandbox.createOrder(CART);
      await first.stop();
      const second = await startKlarnaLocal({ merchants: [SHOP] });
      assert.equal((await merchantApi(second.url, SHOP)('GET', `/ordermanagement/v1/orders/${order.order_id}`)).status, 404);
      await second.stop();
      assert.deepEqual(fs.readdirSync(dir), []);
    } finally {
      process.chdir(cwd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('merchants: a number of generated ones, or the credentials given; each with its own sandbox client', async () => {
    const generated = await startKlarnaLocal({ merchants: 3 });
    try {
      assert.equal(generated.merchants.length, 3);
      assert.equal(new Set(generated.merchants.map((m) => m.username)).size, 3);
      assert.deepEqual(generated.credentials, generated.merchants[0]);
      for (const merchant of generated.merchants) assert.equal((await generated.sandboxFor(merchant.username).getSettings()).username, merchant.username);
      assert.equal(generated.sandboxFor(generated.credentials.username), generated.sandbox);
      assert.throws(() => generated.sandboxFor('nobody'), /no merchant "nobody"/);
    } finally {
      await generated.stop();
    }

    // A password with a comma and a colon: credentials are passed as they are, never as text to parse.
    const given = await startKlarnaLocal({ merchants: [SHOP, { username: 'other', password: 'other-secret' }] });
    try {
      assert.deepEqual(given.credentials, SHOP);
      assert.equal((await given.sandbox.getSettings()).username, 'shop');
      assert.equal((await merchantApi(given.url, SHOP)('POST', '/sandbox/v1/orders', CART)).status, 201);
    } finally {
      await given.stop();
    }
  });

  test('settings apply to every merchant the instance makes, and again after klarna.reset()', async () => {
    const klarna = await startKlarnaLocal({ merchants: 2, settings: { authorization_period_days: 7, settlement_payout_schedule: { frequency: 'weekly' } } });
    try {
      for (const merchant of klarna.merchants) {
        const { settings } = await klarna.sandboxFor(merchant.username).getSettings();
        assert.equal(settings.authorization_period_days, 7);
        assert.equal(settings.settlement_payout_schedule.frequency, 'weekly');
        assert.equal(settings.settlement_payout_schedule.delay_days, 7, 'an object setting keeps the keys not given');
      }
      const second = klarna.sandboxFor(klarna.merchants[1]?.username ?? '');
      const order = await second.createOrder(CART);
      assert.equal(Date.parse(order.expires_at) - Date.parse(order.created_at), 7 * 86_400_000);

      // The sandbox's reset puts a merchant's settings back to the defaults; the instance's reset keeps the option's.
      await klarna.sandbox.reset();
      assert.equal((await klarna.sandbox.getSettings()).settings.authorization_period_days, 28);
      await klarna.reset();
      assert.equal((await merchantApi(klarna.url, klarna.merchants[1] ?? SHOP)('GET', `/ordermanagement/v1/orders/${order.order_id}`)).status, 404, 'every merchant emptied');
      for (const merchant of klarna.merchants) assert.equal((await klarna.sandboxFor(merchant.username).getSettings()).settings.authorization_period_days, 7);
    } finally {
      await klarna.stop();
    }
  });

  test('clockStart: a Date, an ISO 8601 string or epoch milliseconds; what happens is stamped with that time', async () => {
    for (const clockStart of [new Date('2030-03-01T12:00:00Z'), '2030-03-01T12:00:00Z', Date.parse('2030-03-01T12:00:00Z')]) {
      const klarna = await startKlarnaLocal({ clockStart });
      try {
        const now = Date.parse((await klarna.sandbox.getClock()).now);
        assert.ok(now >= Date.parse('2030-03-01T12:00:00Z') && now < Date.parse('2030-03-01T12:01:00Z'), `${typeof clockStart}: ${now}`);
        const order = await klarna.sandbox.createOrder(CART);
        assert.match(order.created_at, /^2030-03-01T12:00/);
      } finally {
        await klarna.stop();
      }
    }
  });

  test("sandboxClock: each merchant's own clock by default, or one for everyone", async () => {
    const own = await startKlarnaLocal({ merchants: 2 });
    const shared = await startKlarnaLocal({ merchants: 2, sandboxClock: 'server' });
    try {
      for (const [klarna, moves] of [
        [own, false],
        [shared, true],
      ] as const) {
        const other = klarna.sandboxFor(klarna.merchants[1]?.username ?? '');
        const before = (await other.getClock()).offset_seconds;
        await klarna.sandbox.advanceClock({ hours: 2 });
        assert.equal((await other.getClock()).offset_seconds - before, moves ? 7200 : 0);
      }
    } finally {
      await Promise.all([own.stop(), shared.stop()]);
    }
  });

  test("advanceServerClock moves every merchant's time, and what falls due (a fraud decision and its notification) happens before it resolves", async () => {
    const merchant = await startFakeMerchant();
    const klarna = await startKlarnaLocal({ merchants: 2 });
    try {
      const api = merchantApi(klarna.url, klarna.credentials);
      const session = await api('POST', '/payments/v1/sessions', { ...CART, merchant_urls: { notification: `${merchant.url}/notification` } });
      const authorized = await klarna.sandbox.authorizePaymentsSession(session.body.session_id, { email: 'customer+pend-accept-05@email.us' });
      assert.equal(authorized.fraud_status, 'PENDING');
      const placed = await api('POST', `/payments/v1/authorizations/${authorized.authorization_token}/order`, CART);
      assert.equal(placed.status, 200, JSON.stringify(placed.body));

      const others = klarna.sandboxFor(klarna.merchants[1]?.username ?? '');
      const before = (await others.getClock()).offset_seconds;
      await klarna.advanceServerClock({ minutes: 6 });
      assert.equal((await others.getClock()).offset_seconds - before, 360);
      assert.equal((await api('GET', `/ordermanagement/v1/orders/${placed.body.order_id}`)).body.fraud_status, 'ACCEPTED');
      assert.deepEqual(
        merchant.received.map((r) => [r.url, r.json<{ event_type: string }>().event_type]),
        [['/notification', 'FRAUD_RISK_ACCEPTED']],
        'the notification went out before advanceServerClock resolved',
      );
    } finally {
      await klarna.stop();
      await merchant.close();
    }
  });

  test('publicUrl: the base of the URLs the server writes; by default the URL it listens on', async () => {
    const klarna = await startKlarnaLocal({ publicUrl: 'https://klarna.shop.test/' });
    const plain = await startKlarnaLocal();
    try {
      assert.equal(klarna.publicUrl, 'https://klarna.shop.test');
      const created = await merchantApi(klarna.url, klarna.credentials)('POST', '/sandbox/v1/orders', CART);
      assert.equal(created.headers.get('location'), `https://klarna.shop.test/ordermanagement/v1/orders/${created.body.order_id}`);
      assert.equal(plain.publicUrl, plain.url);
      assert.match(plain.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await Promise.all([klarna.stop(), plain.stop()]);
    }
  });

  test('options that cannot work are refused before anything starts', async () => {
    const refusals: [KlarnaLocalOptions, RegExp][] = [
      [{ port: 70_000 }, /PORT/],
      [{ port: 1.5 }, /port/],
      [{ database: 'mysql://localhost/shop' }, /DATABASE_URL/],
      [{ database: { file: '' } }, /database/],
      [{ merchants: 0 }, /merchants/],
      [{ merchants: [] }, /merchants/],
      [{ merchants: [{ username: 'a:b', password: 'x' }] }, /no colon/],
      [{ merchants: [SHOP, SHOP] }, /appears twice/],
      [{ merchants: [{ username: 'shop', password: '' }] }, /no password/],
      [{ clockStart: 'someday' }, /clockStart/],
      [{ logLevel: 'loud' as 'info' }, /LOG_LEVEL/],
      [{ sandboxClock: 'mine' as 'server' }, /SANDBOX_CLOCK/],
      [{ publicUrl: 'ftp://shop' }, /PUBLIC_URL/],
    ];
    for (const [options, message] of refusals) {
      await assert.rejects(startKlarnaLocal(options), (error: unknown) => error instanceof ConfigError && message.test(error.message), JSON.stringify(options));
    }
    // Settings are the sandbox's own rules: a bad one is refused as the route refuses it, and the instance does not stay up.
    await assert.rejects(startKlarnaLocal({ settings: { authorization_period_days: 0 } }), /400 BAD_VALUE/);
  });
});
