/**
 * A merchant's whole day through the typed sandbox client, calling every one of its methods: a
 * Payments purchase with its authorization callback, a Checkout purchase, Order Management captures
 * and refunds over the merchant API (plain fetch, as the merchant's own Klarna client would), then
 * every remaining sandbox route (tokens, the Hosted Payment Page, settlements, virtual cards, faults,
 * the clock, the merchant's state). A RecordingClient keeps every answer with the route it came from.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { SandboxClient } from '../../src/client/sandbox-client.js';
import type { RequestInput } from '../../src/client/sandbox-client.js';
import type { RouteResponse, SandboxRouteName } from '../../src/client/routes.js';
import type { FakeMerchant } from '../helpers/merchant-server.js';

export interface Answer {
  name: SandboxRouteName;
  value: unknown;
}

/** The sandbox client, keeping every answer with its route's name. */
export class RecordingClient extends SandboxClient {
  readonly answers: Answer[] = [];

  override async request<K extends SandboxRouteName>(name: K, input: RequestInput<K>, headers?: Record<string, string>): Promise<RouteResponse<K>> {
    const value = await super.request(name, input, headers);
    this.answers.push({ name, value });
    return value;
  }
}

export const CART = {
  purchase_country: 'SE',
  purchase_currency: 'SEK',
  locale: 'sv-SE',
  order_amount: 10000,
  order_tax_amount: 2000,
  order_lines: [{ type: 'physical' as const, reference: 'SKU-1', name: 'T-shirt', quantity: 1, unit_price: 10000, tax_rate: 2500, total_amount: 10000, total_tax_amount: 2000 }],
};

export const SHOPPER = {
  email: 'customer@email.se',
  billing_address: { given_name: 'Testperson-se', family_name: 'Approved', street_address: 'Stårgatan 1', postal_code: '12345', city: 'Ankeborg', country: 'SE' },
};

export interface ApiAnswer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** The merchant's own Klarna client: Basic credentials, JSON in and out. */
export function merchantApi(url: string, credentials: { username: string; password: string }) {
  const authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? null : (JSON.parse(text) as unknown) };
  };
}

/**
 * Calls every method of the client once or more against a fresh merchant, asserting what each step
 * is relied on for. `publicUrl` is the server's (the HPP session names its Payments session by it).
 */
export async function walkEveryRoute(client: SandboxClient, credentials: { username: string; password: string }, publicUrl: string, merchant: FakeMerchant): Promise<void> {
  const api = merchantApi(client.url, credentials);

  const settings = await client.getSettings();
  assert.equal(settings.username, credentials.username);
  assert.equal((await client.updateSettings({ authorization_period_days: 30 })).settings.authorization_period_days, 30);

  // Order Management: a sandbox order, captured and partly refunded over the merchant API.
  const order = await client.createOrder({ ...CART, billing_address: { ...SHOPPER.billing_address, email: SHOPPER.email } });
  assert.equal(order.status, 'AUTHORIZED');
  const capture = await api('POST', `/ordermanagement/v1/orders/${order.order_id}/captures`, { captured_amount: 10000 });
  assert.equal(capture.status, 201);
  const captureId = capture.headers.get('capture-id') ?? '';
  assert.equal((await api('POST', `/ordermanagement/v1/orders/${order.order_id}/refunds`, { refunded_amount: 1000 })).status, 201);

  // Payments: the authorization callback goes to the merchant's server.
  const session = await api('POST', '/payments/v1/sessions', { ...CART, merchant_urls: { authorization: `${merchant.url}/klarna/authorized` } });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  const sessionId: string = session.body.session_id;
  const authorized = await client.authorizePaymentsSession(sessionId, { email: SHOPPER.email });
  assert.equal(authorized.approved, true);
  const placed = await api('POST', `/payments/v1/authorizations/${authorized.authorization_token}/order`, CART);
  assert.equal(placed.status, 200, JSON.stringify(placed.body));
  await merchant.waitFor(1, (r) => r.url === '/klarna/authorized');

  // Checkout: the shopper buys; the order is then Order Management's.
  const checkout = await api('POST', '/checkout/v3/orders', {
    ...CART,
    merchant_urls: { terms: `${merchant.url}/terms`, checkout: `${merchant.url}/checkout`, confirmation: `${merchant.url}/thanks`, push: `${merchant.url}/push` },
  });
  assert.equal(checkout.status, 201, JSON.stringify(checkout.body));
  const completed = await client.completeCheckout(checkout.body.order_id, SHOPPER);
  assert.equal(completed.status, 'checkout_complete');
  assert.equal((await api('GET', `/ordermanagement/v1/orders/${checkout.body.order_id}`)).body.status, 'AUTHORIZED');

  // What happened.
  const events = await client.events({ order_id: order.order_id });
  assert.deepEqual(
    events.events.map((e) => e.type),
    ['order.created', 'capture.created', 'refund.created'],
  );
  assert.ok((await client.events({ session_id: sessionId })).events.some((e) => e.type === 'callback.payments.authorization'));
  assert.equal((await client.messages({ order_id: order.order_id })).messages[0]?.kind, 'order.capture', 'the capture e-mail to the shopper');
  const callbacks = await client.callbacks({ session_id: sessionId });
  const callbackId = callbacks.callbacks[0]?.callback_id ?? '';
  assert.equal((await client.getCallback(callbackId)).status, 'delivered');
  assert.equal((await client.redeliverCallback(callbackId)).attempts.length, 2);
  const report = await client.report({ severity: 'info' });
  assert.ok(report.journal.enabled && report.journal.calls > 0, 'the report read the journal of this walk');
  const timeline = await client.timeline({ order_id: order.order_id });
  assert.ok(timeline.entries.some((e) => e.kind === 'api_call'));
  assert.ok(timeline.entries.some((e) => e.kind === 'settlement_transaction'));
  const sessionKinds = new Set((await client.timeline({ session_id: sessionId })).entries.map((e) => e.kind));
  assert.ok(sessionKinds.has('callback') && sessionKinds.has('callback_attempt'), [...sessionKinds].join(', '));

  // Customer tokens.
  const token = await client.createCustomerToken({ purchase_country: 'SE', purchase_currency: 'SEK', locale: 'sv-SE', email: SHOPPER.email, payment_method_type: 'CARD', description: 'Coffee' });
  assert.equal((await client.getCustomerToken(token.token_id)).status, 'ACTIVE');
  assert.equal((await client.setCustomerTokenStatus(token.token_id, 'SUSPENDED')).status, 'SUSPENDED');

  // The Hosted Payment Page: one session approved, another declined, backed out of and cancelled.
  const hppSession = async () => {
    const payments = await api('POST', '/payments/v1/sessions', CART);
    const created = await api('POST', '/hpp/v1/sessions', { payment_session_url: `${publicUrl}/payments/v1/sessions/${payments.body.session_id}` });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.session_id as string;
  };
  const approved = await hppSession();
  assert.equal((await client.openHppSession(approved)).status, 'IN_PROGRESS');
  assert.equal((await client.approveHppSession(approved, { email: SHOPPER.email })).status, 'COMPLETED');
  const abandoned = await hppSession();
  await client.openHppSession(abandoned);
  assert.equal((await client.declineHppSession(abandoned)).status, 'FAILED');
  assert.equal((await client.backOutOfHppSession(abandoned)).status, 'BACK');
  assert.equal((await client.cancelHppSession(abandoned)).status, 'CANCELLED');

  // Settlements: a payout, and two disputes on the capture, one won and one lost.
  const payouts = await client.runPayouts({ immediately: true });
  assert.ok(payouts.payouts.length >= 1);
  const won = await client.openDispute({ order_id: order.order_id, capture_id: captureId, amount: 1000 });
  const lost = await client.openDispute({ order_id: order.order_id, capture_id: captureId, amount: 1000 });
  assert.equal((await client.disputes({ order_id: order.order_id })).disputes.length, 2);
  assert.equal((await client.winDispute(won.dispute_id)).status, 'WON');
  assert.equal((await client.loseDispute(lost.dispute_id, { merchant_protection: false })).status, 'LOST');

  // Merchant Card Service: a key, a settlement's virtual card used, the key revoked.
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
  const key = await client.enrollCardKey(jwk);
  assert.equal((await client.cardKeys()).keys.length, 1);
  const cardOrder = await client.createOrder(CART);
  const settlement = await api('POST', '/merchantcard/v3/settlements', { order_id: cardOrder.order_id, key_id: key.key_id });
  assert.equal(settlement.status, 201, JSON.stringify(settlement.body));
  assert.equal((await client.markCardUsed(settlement.body.cards[0].card_id)).status, 'USED');
  assert.ok((await client.timeline({ order_id: cardOrder.order_id })).entries.some((e) => e.kind === 'card_settlement'));
  assert.equal((await client.revokeCardKey(key.key_id)).status, 'REVOKED');

  // Fault injection.
  const fault = await client.createFault({ method: 'GET', path: '/never/matched/*', status: 503, times: 1 });
  assert.deepEqual(
    (await client.faults()).faults.map((f) => f.fault_id),
    [fault.fault_id],
  );
  assert.equal((await client.getFault(fault.fault_id)).state, 'active');
  assert.equal(await client.deleteFault(fault.fault_id), undefined);

  // The clock.
  const before = Date.parse((await client.getClock()).now);
  const after = Date.parse((await client.advanceClock({ minutes: 5 })).now);
  assert.ok(after - before >= 300_000 && after - before < 310_000, `${before} → ${after}`);

  // The merchant's whole state: exported, reset, imported again.
  const snapshot = await client.exportSnapshot();
  assert.ok(((await client.reset()).deleted.orders ?? 0) > 0);
  assert.equal((await api('GET', `/ordermanagement/v1/orders/${order.order_id}`)).status, 404);
  assert.ok(((await client.importSnapshot(snapshot)).imported.orders ?? 0) > 0);
  assert.equal((await api('GET', `/ordermanagement/v1/orders/${order.order_id}`)).body.captured_amount, 10000);
}
