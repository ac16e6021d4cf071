/**
 * The `apis` scenario group of `npm run bench` (bench/run.ts): one load per Klarna API that
 * klarna-local serves, on the SQLite server of the base group, measured like the other scenarios
 * (interleaved, 32 connections). Writes are judged against the durable-write floor (scenario
 * `floor`), reads against hello.
 *
 * Writes: Payments create session and create order (one fresh authorization per order), Checkout
 * create order, Customer Token create order, Order Management refund, Hosted Payment Page create
 * session, Merchant Card Service create settlement (one fresh order and promise per settlement).
 * Reads: Checkout read order, Settlements list payouts, a Settlements payout report (CSV).
 *
 * Every request of a measured run must answer 2xx. What makes that hold at thousands of requests
 * per second:
 * - An authorization places one order, and an order gets one card settlement: those pools are made
 *   in `prepare` from the previous run's rate (× duration × 1.5), and the run is capped at the pool
 *   (autocannon's maxOverallRequests), so no request reuses one; a run that uses its whole pool ends
 *   early and says so in its notes.
 * - Refunds rotate over orders captured in full in `prepare`, about ≤ REFUNDS_PER_ORDER each.
 * - A Payments session may host any number of HPP sessions (a Checkout order only one live), so HPP
 *   sessions rotate over a few Payments sessions; authorizations live 60 minutes and Payments
 *   sessions 48 hours, far longer than a run.
 * - Rate limits are off unless the server is started with `--rate-limit` (the bench does not).
 */
import { generateKeyPairSync } from 'node:crypto';
import type autocannon from 'autocannon';
import {
  API_AMOUNT,
  AUTH,
  MAX_AMOUNT,
  REFUND_BODY,
  cardPromiseBody,
  cardSettlementBody,
  checkoutOrderBody,
  customerTokenBody,
  hppSessionBody,
  orderBody,
  paymentsOrderBody,
  paymentsSessionBody,
  tokenOrderBody,
} from './fixtures.js';

/** Refunds per order the refund scenario aims to stay under (as the capture scenario limits captures). */
const REFUNDS_PER_ORDER = 20;
/** Parallel requests that build the pools before a run. */
const SETUP_WORKERS = 8;
/** Pools hold the estimated rate × run seconds × this margin. */
const POOL_MARGIN = 1.5;
/** Smallest pool of a pooled write (far more than the connections). */
const MIN_POOL = 1000;
const CUSTOMER_TOKENS = 8;
const HPP_PAYMENT_SESSIONS = 64;
const CHECKOUT_READ_ORDERS = 300;
/** Payouts made before the load (each of PAYOUT_ORDERS captures: a SALE and two FEE rows each). */
const PAYOUTS = 5;
const PAYOUT_ORDERS = 10;

export type ApiScenarioKind = 'write' | 'read';
const KINDS: Readonly<Record<string, ApiScenarioKind>> = {
  apiPaymentsSession: 'write',
  apiPaymentsOrder: 'write',
  apiCheckoutOrder: 'write',
  apiTokenOrder: 'write',
  apiRefund: 'write',
  apiHppSession: 'write',
  apiCardSettlement: 'write',
  apiCheckoutRead: 'read',
  apiPayouts: 'read',
  apiReport: 'read',
};
/** Whether a scenario key is one of this group's writes (goal against the floor) or reads (against hello). */
export const apiScenarioKind = (key: string): ApiScenarioKind | undefined => KINDS[key];

/** bench/run.ts's Measurement and Scenario, for any server that has a URL. */
export interface ApiMeasurement {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
}
export interface ApiScenario<S extends { url: string }> {
  key: string;
  name: string;
  servers: S[];
  prepare(seconds: number): Promise<autocannon.Options>;
  after?(measurement: ApiMeasurement, label: string, last: boolean): Promise<void>;
  warmupRequests?: number;
  measurements: ApiMeasurement[];
  notes: string[];
}

// ---------------------------------------------------------------------------------------------
// Setup requests

const JSON_HEADERS = { authorization: AUTH, 'content-type': 'application/json' };

/** One setup request that must answer `expected`; its JSON body. */
async function call<T>(base: string, method: 'GET' | 'POST', path: string, body: unknown, expected: number | number[]): Promise<T> {
  const res = await fetch(`${base}${path}`, { method, headers: body === undefined ? { authorization: AUTH } : JSON_HEADERS, ...(body !== undefined && { body: JSON.stringify(body) }) });
  const text = await res.text();
  if (![expected].flat().includes(res.status)) throw new Error(`${method} ${path} answered ${res.status} (expected ${expected}): ${text.slice(0, 500)}`);
  return (text === '' ? {} : JSON.parse(text)) as T;
}

/** `make(0 … count-1)` on SETUP_WORKERS parallel workers; the results in order. */
async function inParallel<T>(count: number, make: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await make(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SETUP_WORKERS, count) }, worker));
  return results;
}

const sandboxOrder = async (base: string, amount: number): Promise<string> =>
  (await call<{ order_id: string }>(base, 'POST', '/sandbox/v1/orders', orderBody(amount), 201)).order_id;

const paymentsSession = async (base: string): Promise<string> =>
  (await call<{ session_id: string }>(base, 'POST', '/payments/v1/sessions', paymentsSessionBody(), 200)).session_id;

/** A Payments session authorized by the sandbox's shopper: its authorization token. */
async function authorization(base: string): Promise<string> {
  const sessionId = await paymentsSession(base);
  const answer = await call<{ approved: boolean; authorization_token?: string }>(base, 'POST', `/sandbox/v1/payments/sessions/${sessionId}/authorize`, {}, 200);
  if (!answer.approved || !answer.authorization_token) throw new Error(`the sandbox did not approve Payments session ${sessionId}: ${JSON.stringify(answer)}`);
  return answer.authorization_token;
}

const grouped = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');

// ---------------------------------------------------------------------------------------------
// Scenarios

function base<S extends { url: string }>(server: S, key: string, name: string, prepare: ApiScenario<S>['prepare']): ApiScenario<S> {
  return { key, name, servers: [server], measurements: [], notes: [], prepare };
}

/** A POST of one fixed body to one path. */
function fixedPost<S extends { url: string }>(server: S, key: string, name: string, path: string, body: unknown): ApiScenario<S> {
  const payload = JSON.stringify(body);
  return base(server, key, name, async () => ({ url: `${server.url}${path}`, method: 'POST', headers: JSON_HEADERS, body: payload }));
}

/** A GET of one fixed path. */
function fixedGet<S extends { url: string }>(server: S, key: string, name: string, path: string): ApiScenario<S> {
  return base(server, key, name, async () => ({ url: `${server.url}${path}`, headers: { authorization: AUTH } }));
}

/**
 * A write that consumes one prepared item per request (an authorization, an order to settle): the
 * pool is made before each run from the rate seen so far, and the run stops when it is used up.
 */
function pooledWrite<S extends { url: string }>(
  server: S,
  key: string,
  name: string,
  options: {
    initialRate: number;
    /** What the pool holds, in a note ("authorizations"). */
    items: string;
    make: () => Promise<{ path: string; body: string }>;
  },
): ApiScenario<S> {
  let rate = options.initialRate;
  let pool = { size: 0, used: 0 };
  const scenario = base(server, key, name, async (seconds) => {
    // At least MIN_POOL: autocannon shares maxOverallRequests out per connection, and a share of 0 means no limit.
    const size = Math.max(MIN_POOL, Math.ceil(rate * seconds * POOL_MARGIN));
    const requests = await inParallel(size, options.make);
    pool = { size, used: 0 };
    return {
      url: server.url,
      headers: JSON_HEADERS,
      // Never more requests than items: a second use of one would be refused (or replayed).
      maxOverallRequests: size,
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => {
            const item = requests[pool.used++ % size];
            return { ...request, path: item?.path ?? '/', body: item?.body ?? '' };
          },
        },
      ],
    };
  });
  scenario.after = async (measurement, label) => {
    const exhausted = measurement.requests >= pool.size;
    // A run cut short by its pool under-measured the rate: aim higher next time.
    rate = Math.max(rate, exhausted ? 2 * measurement.rps : measurement.rps);
    if (label.startsWith('run') || exhausted) {
      scenario.notes.push(`${name} ${label}: ${grouped(measurement.requests)} requests over ${grouped(pool.size)} fresh ${options.items}${exhausted ? ' (pool used up: the run ended early)' : ''}`);
    }
  };
  return scenario;
}

/** POST /ordermanagement/v1/orders/{id}/refunds of 1 unit, rotating over orders captured in full before each run. */
function refundScenario<S extends { url: string }>(server: S): ApiScenario<S> {
  let rate = 2000;
  let pool = { orders: 0, refunds: 0 };
  const body = JSON.stringify(REFUND_BODY);
  const scenario = base(server, 'apiRefund', 'Order Management create refund', async (seconds) => {
    const count = Math.max(50, Math.ceil((rate * seconds * POOL_MARGIN) / REFUNDS_PER_ORDER));
    const ids = await inParallel(count, async () => {
      const id = await sandboxOrder(server.url, MAX_AMOUNT);
      await call(server.url, 'POST', `/ordermanagement/v1/orders/${id}/captures`, { captured_amount: MAX_AMOUNT }, 201);
      return id;
    });
    pool = { orders: count, refunds: 0 };
    return {
      url: server.url,
      headers: JSON_HEADERS,
      requests: [{ method: 'POST', body, setupRequest: (request) => ({ ...request, path: `/ordermanagement/v1/orders/${ids[pool.refunds++ % count]}/refunds` }) }],
    };
  });
  scenario.after = async (measurement, label) => {
    rate = Math.max(rate, measurement.rps);
    if (label.startsWith('run')) scenario.notes.push(`${scenario.name} ${label}: ${grouped(pool.refunds)} refunds over ${grouped(pool.orders)} fresh captured orders (≤ ${Math.ceil(pool.refunds / pool.orders)} per order)`);
  };
  return scenario;
}

/**
 * The `apis` group's scenarios on `server` (a klarna-local whose merchant is bench/fixtures.ts's),
 * with what they read made now: Checkout orders, customer tokens, Payments sessions for HPP, an
 * enrolled card key, and PAYOUTS payouts of PAYOUT_ORDERS captures each.
 */
export async function apiScenarios<S extends { url: string }>(server: S): Promise<ApiScenario<S>[]> {
  const url = server.url;

  const checkoutOrders = await inParallel(CHECKOUT_READ_ORDERS, async () => (await call<{ order_id: string }>(url, 'POST', '/checkout/v3/orders', checkoutOrderBody(), 201)).order_id);
  const tokens = await inParallel(CUSTOMER_TOKENS, async () => (await call<{ token_id: string }>(url, 'POST', '/sandbox/v1/customer-tokens', customerTokenBody(), 201)).token_id);
  const hppSessions = await inParallel(HPP_PAYMENT_SESSIONS, () => paymentsSession(url));

  // The merchant's public key (RSA 2048, the JWK's public half), as a merchant enrolls it.
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyId = (await call<{ key_id: string }>(url, 'POST', '/sandbox/v1/merchant-card/keys', publicKey.export({ format: 'jwk' }), [200, 201])).key_id;

  // Payouts: captures, then the sandbox's run `immediately` (everything not yet paid out, now).
  const payouts: { payment_reference: string }[] = [];
  for (let i = 0; i < PAYOUTS; i++) {
    await inParallel(PAYOUT_ORDERS, async () => {
      const id = await sandboxOrder(url, API_AMOUNT);
      await call(url, 'POST', `/ordermanagement/v1/orders/${id}/captures`, { captured_amount: API_AMOUNT }, 201);
    });
    payouts.push(...(await call<{ payouts: { payment_reference: string }[] }>(url, 'POST', '/sandbox/v1/settlements/payouts/run', { immediately: true }, 200)).payouts);
  }
  const reported = payouts[0]?.payment_reference;
  if (reported === undefined) throw new Error('the sandbox payout run made no payout');
  const reportedTransactions = (await call<{ pagination: { total: number } }>(url, 'GET', `/settlements/v1/transactions?payment_reference=${reported}&size=1`, undefined, 200)).pagination.total;

  let checkoutRead = 0;
  let hppNext = 0;
  const hppBodies = hppSessions.map((id) => JSON.stringify(hppSessionBody(id)));
  let tokenNext = 0;
  const tokenOrder = JSON.stringify(tokenOrderBody());
  const paymentsOrder = JSON.stringify(paymentsOrderBody());

  return [
    fixedPost(server, 'apiPaymentsSession', 'Payments create session', '/payments/v1/sessions', paymentsSessionBody()),
    pooledWrite(server, 'apiPaymentsOrder', 'Payments create order', {
      initialRate: 1000,
      items: 'authorizations',
      make: async () => ({ path: `/payments/v1/authorizations/${await authorization(url)}/order`, body: paymentsOrder }),
    }),
    fixedPost(server, 'apiCheckoutOrder', 'Checkout create order', '/checkout/v3/orders', checkoutOrderBody()),
    base(server, 'apiTokenOrder', `Customer Token create order (${CUSTOMER_TOKENS} tokens)`, async () => ({
      url,
      headers: JSON_HEADERS,
      requests: [{ method: 'POST', body: tokenOrder, setupRequest: (request) => ({ ...request, path: `/customer-token/v1/tokens/${tokens[tokenNext++ % tokens.length]}/order` }) }],
    })),
    refundScenario(server),
    base(server, 'apiHppSession', 'HPP create session', async () => ({
      url,
      headers: JSON_HEADERS,
      requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, path: '/hpp/v1/sessions', body: hppBodies[hppNext++ % hppBodies.length] ?? '' }) }],
    })),
    pooledWrite(server, 'apiCardSettlement', 'Merchant Card create settlement', {
      initialRate: 1000,
      items: 'promised orders',
      make: async () => {
        const orderId = await sandboxOrder(url, API_AMOUNT);
        const promise = await call<{ promise_id: string }>(url, 'POST', '/merchantcard/v3/promises', cardPromiseBody(orderId), 201);
        return { path: '/merchantcard/v3/settlements', body: JSON.stringify(cardSettlementBody(orderId, keyId, promise.promise_id)) };
      },
    }),
    {
      ...base(server, 'apiCheckoutRead', `Checkout read order (${CHECKOUT_READ_ORDERS} orders)`, async () => ({
        url,
        headers: { authorization: AUTH },
        requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: `/checkout/v3/orders/${checkoutOrders[checkoutRead++ % checkoutOrders.length]}` }) }],
      })),
      warmupRequests: checkoutOrders.length,
    },
    fixedGet(server, 'apiPayouts', `Settlements list payouts (${payouts.length})`, '/settlements/v1/payouts'),
    fixedGet(server, 'apiReport', `Settlements payout report CSV (${reportedTransactions} transactions)`, `/settlements/v1/reports/payout-with-transactions?payment_reference=${reported}`),
  ];
}
