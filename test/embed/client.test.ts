/**
 * The typed sandbox client against a real `startKlarnaLocal()`: every method called in a merchant's
 * walk through the sandbox, every answer valid against the schema its route is registered with, and
 * refusals thrown as KlarnaLocalError with Klarna's envelope.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Value } from 'typebox/value';
import { KlarnaLocalError, SANDBOX_ROUTES, SandboxClient, durationSeconds, startKlarnaLocal } from '../../src/index.js';
import type { KlarnaLocal, SandboxRouteName } from '../../src/index.js';
import { startFakeMerchant } from '../helpers/merchant-server.js';
import type { FakeMerchant } from '../helpers/merchant-server.js';
import { CART, RecordingClient, walkEveryRoute } from './walkthrough.js';

describe('the sandbox client', () => {
  let klarna: KlarnaLocal;
  let merchant: FakeMerchant;
  before(async () => {
    [klarna, merchant] = await Promise.all([startKlarnaLocal(), startFakeMerchant()]);
  });
  after(async () => {
    await klarna.stop();
    await merchant.close();
  });

  test('every method answers what its route schema describes', async () => {
    const client = new RecordingClient({ url: klarna.url, ...klarna.credentials });
    await walkEveryRoute(client, klarna.credentials, klarna.publicUrl, merchant);

    const called = new Set(client.answers.map((a) => a.name));
    const names = Object.keys(SANDBOX_ROUTES) as SandboxRouteName[];
    assert.deepEqual(
      names.filter((n) => !called.has(n)),
      [],
      'the walk calls every method',
    );
    for (const { name, value } of client.answers) {
      const route = SANDBOX_ROUTES[name];
      if (!('response' in route)) {
        assert.equal(value, undefined, `${name} answers nothing`);
        continue;
      }
      const errors = [...Value.Errors(route.response, value)].slice(0, 3);
      assert.deepEqual(errors, [], `${name}: ${JSON.stringify(value).slice(0, 300)}`);
    }
  });

  test('a refusal is a KlarnaLocalError with the envelope: status, error_code, error_messages, correlation_id', async () => {
    const refused = await klarna.sandbox.getCustomerToken('no-such-token').then(
      () => assert.fail('an unknown token is refused'),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof KlarnaLocalError);
    assert.equal(refused.status, 404);
    assert.equal(refused.error_code, 'NOT_FOUND');
    assert.ok(refused.error_messages.length > 0);
    assert.match(refused.correlation_id ?? '', /^[0-9a-f-]{36}$/);
    assert.match(refused.message, /GET \/sandbox\/v1\/customer-tokens\/no-such-token: 404 NOT_FOUND/);

    const invalid = await klarna.sandbox.createOrder({ ...CART, order_amount: 1 }).catch((error: unknown) => error);
    assert.ok(invalid instanceof KlarnaLocalError);
    assert.equal(invalid.status, 400);
    assert.equal(invalid.error_code, 'BAD_VALUE');
  });

  test("report(): a capture sent without Klarna-Idempotency-Key is in the merchant's integration report", async () => {
    const order = await klarna.sandbox.createOrder(CART);
    const auth = `Basic ${Buffer.from(`${klarna.credentials.username}:${klarna.credentials.password}`).toString('base64')}`;
    const captured = await fetch(`${klarna.url}/ordermanagement/v1/orders/${order.order_id}/captures`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ captured_amount: order.order_amount }),
    });
    assert.equal(captured.status, 201);
    const report = await klarna.sandbox.report({ severity: 'warning' });
    const finding = report.findings.find((f) => f.code === 'NO_IDEMPOTENCY_KEY');
    assert.ok(finding, JSON.stringify(report.findings.map((f) => f.code)));
    assert.ok(finding.examples.some((e) => e.order_id === order.order_id && e.correlation_id === captured.headers.get('klarna-correlation-id')));
    assert.deepEqual((await klarna.sandbox.report({ severity: 'error' })).findings.filter((f) => f.code === 'NO_IDEMPOTENCY_KEY'), [], 'a warning, not an error');
  });

  test('wrong credentials are a 401 KlarnaLocalError', async () => {
    const stranger = new SandboxClient({ url: klarna.url, username: klarna.credentials.username, password: 'wrong' });
    const refused = await stranger.getClock().catch((error: unknown) => error);
    assert.ok(refused instanceof KlarnaLocalError);
    assert.equal(refused.status, 401);
  });

  test('durations: seconds, or any mix of seconds, minutes, hours and days; whole and not negative', async () => {
    assert.equal(durationSeconds(90), 90);
    assert.equal(durationSeconds({ days: 1, hours: 2, minutes: 3, seconds: 4 }), 93_784);
    assert.equal(durationSeconds({ hours: 0.5 }), 1800);
    assert.throws(() => durationSeconds(-1), RangeError);
    assert.throws(() => durationSeconds({ seconds: 1.5 }), RangeError);
    assert.throws(() => durationSeconds(Number.NaN), RangeError);
    const before = await klarna.sandbox.getClock();
    const after = await klarna.sandbox.advanceClock({ days: 1, hours: 1 });
    assert.equal(after.offset_seconds - before.offset_seconds, 90_000);
  });

  test('a path parameter is required and sent encoded', async () => {
    await assert.rejects(klarna.sandbox.getFault(''), TypeError);
    const refused = await klarna.sandbox.getFault('a/b?c').catch((error: unknown) => error);
    assert.ok(refused instanceof KlarnaLocalError);
    assert.equal(refused.status, 404, 'one unknown id, not another route');
  });
});
