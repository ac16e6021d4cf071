/**
 * A merchant with some of everything, for the tests of a merchant's whole state (reset, snapshots):
 * every kind of resource (createResources), events (an acknowledged order, an extended authorization,
 * a fault injected into a callback), an idempotency key, a status callback answered by the fake
 * merchant after a failed first attempt, changed settings and an advanced clock.
 */
import assert from 'node:assert/strict';
import { PUBLIC_URL, orderBody } from './harness.js';
import type { RequestOptions, TestApp } from './harness.js';
import type { FakeMerchant } from './merchant-server.js';
import { createResources } from './resources.js';
import type { Resources } from './resources.js';

export interface Populated extends Resources {
  acknowledged_order_id: string;
  keyed_order_id: string;
  keyed_capture_id: string;
  hpp_status_session_id: string;
  status_callback_id: string;
}

/** Reads until `done` holds (10 s at most); fails naming `what`. */
export async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 400 && !done(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await read();
  }
  assert.ok(done(value), `${what}: ${JSON.stringify(value)}`);
  return value;
}

/** Populates the merchant; `advanceSeconds` moves its clock so the failed callback's retry is delivered (at least 5 s). */
export async function populateMerchant(t: TestApp, auth: RequestOptions['auth'], merchant: FakeMerchant, advanceSeconds: number): Promise<Populated> {
  const resources = await createResources(t, auth);
  const acknowledged = await t.createOrder({}, auth);
  assert.equal((await t.post(`/ordermanagement/v1/orders/${acknowledged.order_id}/acknowledge`, undefined, { auth })).status, 204);
  assert.equal((await t.post(`/ordermanagement/v1/orders/${acknowledged.order_id}/extend-authorization-time`, undefined, { auth })).status, 204);
  const keyed = await t.createOrder({}, auth);
  const keyedCapture = await t.post(`/ordermanagement/v1/orders/${keyed.order_id}/captures`, { captured_amount: 12500 }, { auth, idempotencyKey: `capture-${keyed.order_id}` });
  assert.equal(keyedCapture.status, 201, keyedCapture.body);

  // The first status callback is answered 500 by a fault rule, the retry by the fake merchant.
  const fault = await t.post('/sandbox/v1/faults', { target: 'callbacks', callback_kind: 'hpp.status_update', effect: 500, times: 1 }, { auth });
  assert.equal(fault.status, 201, fault.body);
  const session = await t.post('/payments/v1/sessions', orderBody(), { auth });
  assert.equal(session.status, 200, session.body);
  const hpp = await t.post(
    '/hpp/v1/sessions',
    { payment_session_url: `${PUBLIC_URL}/payments/v1/sessions/${session.json().session_id}`, merchant_urls: { status_update: `${merchant.url}/status/{{session_id}}` } },
    { auth },
  );
  assert.equal(hpp.status, 201, hpp.body);
  assert.equal((await t.post(`/sandbox/v1/hpp/sessions/${hpp.json().session_id}/open`, {}, { auth })).status, 200);
  const listed = await waitFor<{ callback_id: string; attempts: unknown[] }[]>(
    'the status callback failed once',
    async () => (await t.request({ url: `/sandbox/v1/callbacks?session_id=${hpp.json().session_id}`, auth })).json().callbacks,
    (callbacks) => callbacks.length === 1 && callbacks[0]?.attempts.length === 1,
  );
  const callbackId = listed[0]?.callback_id ?? '';
  // Its retry is due 5 seconds later on the merchant's clock: moving it delivers the callback now.
  assert.equal((await t.post('/sandbox/v1/clock/advance', { seconds: advanceSeconds }, { auth })).status, 200);
  await waitFor(
    'the status callback delivered',
    async () => (await t.request({ url: `/sandbox/v1/callbacks/${callbackId}`, auth })).json(),
    (callback: { status: string; attempts: unknown[] }) => callback.status === 'delivered' && callback.attempts.length === 2,
  );
  assert.equal((await t.patch('/sandbox/v1/settings', { authorization_period_days: 30, settlement_type: 'GROSS_FEE' }, { auth })).status, 200);
  return {
    ...resources,
    acknowledged_order_id: acknowledged.order_id,
    keyed_order_id: keyed.order_id,
    keyed_capture_id: String(keyedCapture.headers['capture-id']),
    hpp_status_session_id: hpp.json().session_id,
    status_callback_id: callbackId,
  };
}
