/**
 * `klarna-local seed`: a month of a shop's Klarna business in a database, for demos and the
 * dashboard. The server is started in this process (port 0, silent) and driven as a merchant would
 * drive it: the Klarna APIs over HTTP and the typed sandbox client for what shoppers and Klarna do,
 * so every rule applies and the events, timelines, callbacks, messages and settlements are the
 * server's own. Merchant callbacks go to a small HTTP server of the seed's that answers 200, or 500
 * under /fail (so callback history has failures too).
 *
 * Time: the merchant's clock is first set back to UTC midnight 30 days ago (a snapshot import of the
 * empty merchant), then moved forward step by step to each planned moment, so what falls due does
 * (authorizations expire after 28 days, pending fraud decisions are taken, disputes are lost, daily
 * payouts are made), and it ends at about the present. Only this merchant's clock moves.
 *
 * The same `--seed` and `--orders` give the same shoppers, carts, amounts and references.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config.js';
import type { Config } from '../config.js';
import type { Server } from '../main.js';
import type { Db } from '../platform/db/database.js';
import type { SandboxClient } from '../client/sandbox-client.js';
import type { Cart, Market, Shopper } from './seed-data.js';
import { Random, itemLines, markets, shopCart, shopper, subscriptionCart } from './seed-data.js';
import { maskedUrl } from './doctor.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The days of activity, ending now. */
const SPAN_DAYS = 30;

export const DEFAULT_ORDERS = 40;
const MIN_ORDERS = 8;
const MAX_ORDERS = 2000;

/** A refusal the command reports in one line and exits 1 for. */
export class SeedError extends Error {}

export interface SeedFlags {
  databaseUrl?: string;
  merchant?: string;
  password?: string;
  orders?: string;
  seed?: string;
  reset?: boolean;
  publicUrl?: string;
}

// ---------------------------------------------------------------------------------------------
// The merchant's side: the Klarna API over HTTP, the sandbox client, the callback receiver.

interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

type Api = (method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown, headers?: Record<string, string>) => Promise<Answer>;

function klarnaApi(url: string, username: string, password: string): Api {
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  return async (method, path, body, headers = {}) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // Not JSON: kept as text for the message below.
    }
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return { status: response.status, headers: response.headers, body: parsed };
  };
}

interface Receiver {
  url: string;
  /** Requests received, by answer (`200`, `500`). */
  received: Map<number, number>;
  close(): Promise<void>;
}

/** The shop's callback endpoint for the seed's duration: 200 to everything, 500 under /fail. */
async function startReceiver(): Promise<Receiver> {
  const received = new Map<number, number>();
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const failing = (request.url ?? '').startsWith('/fail');
      const status = failing ? 500 : 200;
      received.set(status, (received.get(status) ?? 0) + 1);
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(failing ? '{"error":"the shop\'s backend is down for maintenance"}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// The plan: stories of orders, sessions and tokens, each a few steps at moments of the month.

interface Step {
  /** Milliseconds after the start of the month. */
  at: number;
  what: string;
  run: () => Promise<void>;
}

interface Ctx {
  sandbox: SandboxClient;
  api: Api;
  /** The callback receiver's base URL. */
  hooks: string;
}

type OrderTarget = 'captured' | 'shipped_twice' | 'part_captured' | 'released' | 'part_refunded' | 'refunded' | 'cancelled' | 'expired' | 'authorized' | 'disputed';

/** Every status the plan promises at least once; the rest of `--orders` is drawn by these weights. */
const REQUIRED_TARGETS: readonly OrderTarget[] = ['expired', 'authorized', 'part_captured', 'captured', 'part_refunded', 'refunded', 'cancelled', 'disputed'];
const TARGET_WEIGHTS: readonly (readonly [OrderTarget, number])[] = [
  ['captured', 34],
  ['shipped_twice', 6],
  ['authorized', 12],
  ['part_captured', 6],
  ['released', 4],
  ['part_refunded', 10],
  ['refunded', 7],
  ['cancelled', 10],
  ['expired', 7],
  ['disputed', 4],
];

/** The days an order of each target may be bought on, so that what follows it happens within the month. */
const FIRST_DAYS: Readonly<Record<OrderTarget, readonly [number, number]>> = {
  expired: [0, 1],
  authorized: [14, 29],
  part_captured: [8, 27],
  released: [3, 24],
  shipped_twice: [0, 21],
  captured: [0, 26],
  cancelled: [1, 28],
  disputed: [0, 9],
  part_refunded: [0, 19],
  refunded: [0, 19],
};

const PAYMENTS_TEST_EMAILS: Readonly<Record<string, string>> = { pending_accepted: 'pend-accept-05', pending_rejected: 'pend-reject-10', pending: 'pend-accept-90', declined: 'denied' };

const SHOP = 'https://shop.example';

const address = (person: Shopper) => ({ ...person });

class Planner {
  readonly steps: Step[] = [];
  private orderNumber: number;
  private customerNumber: number;
  private readonly marketList: readonly Market[];

  constructor(
    private readonly random: Random,
    private readonly ctx: Ctx,
    /** The end of the month, ms after its start: now. */
    readonly end: number,
  ) {
    this.orderNumber = random.int(1000, 8999) * 10;
    this.customerNumber = random.int(10000, 89999);
    this.marketList = markets(random);
  }

  market(): Market {
    return this.random.weighted(this.marketList.map((m) => [m, m.weight] as const));
  }

  marketOf(country: string): Market {
    const found = this.marketList.find((m) => m.country === country);
    if (!found) throw new Error(`no market ${country}`);
    return found;
  }

  nextReference(prefix = 'SO'): string {
    this.orderNumber += this.random.int(1, 7);
    return `${prefix}-${this.orderNumber}`;
  }

  nextCustomer(): string {
    this.customerNumber += this.random.int(1, 40);
    return `C${this.customerNumber}`;
  }

  /** A moment on day `day` (0 = the first) between the hours given, on a 5-minute grid. */
  moment(day: number, fromHour = 7, toHour = 22): number {
    return day * DAY + this.random.int(fromHour * 12, toHour * 12 - 1) * 5 * MINUTE;
  }

  add(at: number, what: string, run: () => Promise<void>): void {
    if (at > this.end) throw new Error(`planned after the end: ${what}`);
    this.steps.push({ at, what, run });
  }

  /** The next working moment (09:00–17:00) at least `afterDays` days after `from`. */
  later(from: number, afterDays: number, untilDays = afterDays): number {
    const day = Math.floor(from / DAY) + this.random.int(afterDays, untilDays);
    const at = this.moment(day, 9, 17);
    return at > from ? at : from + 30 * MINUTE;
  }

  hook(path: string, failing = false): string {
    return `${this.ctx.hooks}${failing ? '/fail' : ''}${path}`;
  }

  // ---- Order Management orders, as finished purchases leave them (sandbox), then the merchant's work ----

  omOrder(target: OrderTarget): void {
    const { sandbox, api } = this.ctx;
    const market = this.market();
    const person = shopper(this.random, market, target === 'disputed' ? 'disputed-goods_not_received' : undefined);
    const minItems = target === 'part_captured' || target === 'released' || target === 'shipped_twice' || target === 'part_refunded' ? 2 : 1;
    const cart = shopCart(this.random, market, minItems);
    const reference = this.nextReference();
    const customer = this.nextCustomer();
    const carrier = this.random.pick(market.carriers);
    const paymentMethod = this.random.weighted([
      [{ type: 'INVOICE' as const, description: 'Pay in 30 days' }, 5],
      [{ type: 'FIXED_AMOUNT' as const, description: 'Pay in 3 interest-free instalments', number_of_installments: 3 }, 3],
      [{ type: 'CARD' as const, description: 'Pay now with card' }, 2],
    ]);
    const [firstDay, lastDay] = FIRST_DAYS[target];
    const created = this.moment(this.random.int(firstDay, lastDay));
    const items = itemLines(cart);
    const tracking = () => ({ shipping_company: carrier, shipping_method: 'Home' as const, tracking_number: `${carrier.replace(/[^A-Z]/g, '').slice(0, 2) || 'TR'}${this.random.int(100000000, 999999999)}` });
    let orderId = '';
    const path = () => `/ordermanagement/v1/orders/${orderId}`;
    const idempotent = () => ({ 'Klarna-Idempotency-Key': randomUUID() });

    this.add(created, `${reference}: the shopper's purchase`, async () => {
      const order = await sandbox.createOrder({
        ...cart,
        billing_address: address(person),
        shipping_address: address(person),
        merchant_reference1: reference,
        merchant_reference2: customer,
        initial_payment_method: paymentMethod,
      });
      orderId = order.order_id;
    });

    /** Lines and amount of a shipment of some items (with the shipping fee in the first). */
    const shipment = (lines: Cart['order_lines']) => ({ captured_amount: lines.reduce((sum, l) => sum + l.total_amount, 0), order_lines: lines });
    const firstParcel = [items[0], ...cart.order_lines.filter((l) => l.type === 'shipping_fee')].filter((l) => l !== undefined);
    const isUs = market.vat === null;
    const capture = (at: number, part: 'all' | 'first' | 'rest', n: number) =>
      this.add(at, `${reference}: capture ${part}`, async () => {
        let body: Record<string, unknown>;
        if (part === 'all') body = { captured_amount: cart.order_amount };
        else if (part === 'first') body = isUs ? { captured_amount: shipment(firstParcel).captured_amount } : shipment(firstParcel);
        else {
          const order = (await api('GET', path())).body as { remaining_authorized_amount: number };
          body = { captured_amount: order.remaining_authorized_amount };
        }
        await api('POST', `${path()}/captures`, { ...body, reference: `INV-${reference.slice(3)}-${n}`, description: n === 1 ? 'Shipped' : 'Rest of the order shipped', shipping_info: [tracking()] }, idempotent());
      });

    switch (target) {
      case 'expired':
      case 'authorized':
        // Left as bought: AUTHORIZED, EXPIRED once 28 days have passed.
        break;
      case 'cancelled':
        this.add(created + this.random.int(2, 40) * 30 * MINUTE, `${reference}: cancel`, async () => void (await api('POST', `${path()}/cancel`, undefined, idempotent())));
        break;
      case 'part_captured':
        capture(this.later(created, 0, 2), 'first', 1);
        break;
      case 'released': {
        const shipped = this.later(created, 1, 2);
        capture(shipped, 'first', 1);
        this.add(this.later(shipped, 1, 3), `${reference}: release the rest`, async () => void (await api('POST', `${path()}/release-remaining-authorization`, undefined, idempotent())));
        break;
      }
      case 'shipped_twice': {
        const first = this.later(created, 0, 2);
        capture(first, 'first', 1);
        capture(this.later(first, 1, 4), 'rest', 2);
        break;
      }
      case 'captured':
      case 'disputed':
        capture(this.later(created, 0, 3), 'all', 1);
        break;
      case 'part_refunded':
      case 'refunded': {
        const shipped = this.later(created, 0, 2);
        capture(shipped, 'all', 1);
        const returned = items[0];
        const amount = target === 'refunded' || !returned ? cart.order_amount : returned.total_amount;
        const body =
          target === 'refunded'
            ? { refunded_amount: amount, description: 'Order returned in full', reference: `RMA-${reference.slice(3)}` }
            : { refunded_amount: amount, description: `Returned: ${returned?.name ?? 'an item'}`, reference: `RMA-${reference.slice(3)}`, ...(!isUs && returned && { order_lines: [returned] }) };
        this.add(this.later(shipped, 3, 8), `${reference}: refund`, async () => void (await api('POST', `${path()}/refunds`, body, idempotent())));
        break;
      }
    }
  }

  // ---- Payments: sessions, the shopper's authorization (the e-mail decides), the order ----

  payments(kind: 'ordered' | 'auto_captured' | 'pending_accepted' | 'pending_rejected' | 'pending' | 'declined' | 'authorized' | 'incomplete', at: number): void {
    const { sandbox, api } = this.ctx;
    const market = kind.startsWith('pending') ? this.marketOf(this.random.pick(['US', 'GB'])) : this.market();
    const tag = PAYMENTS_TEST_EMAILS[kind];
    const person = shopper(this.random, market, tag);
    const cart = shopCart(this.random, market);
    const reference = this.nextReference();
    const merchantUrls = {
      confirmation: `${SHOP}/checkout/thanks?order={order.id}`,
      authorization: this.hook(`/klarna/payments/authorization?ref=${reference}`, kind === 'authorized'),
      notification: this.hook(`/klarna/payments/notification?ref=${reference}`, kind === 'pending_rejected'),
    };
    const body = { ...cart, merchant_reference1: reference, merchant_urls: merchantUrls, ...(kind === 'auto_captured' && { auto_capture: true }) };
    let sessionId = '';
    let token = '';
    let orderId = '';
    this.add(at, `${reference}: Payments session`, async () => {
      sessionId = (await api('POST', '/payments/v1/sessions', { ...cart, merchant_reference1: reference, merchant_urls: merchantUrls })).body.session_id;
    });
    if (kind === 'incomplete') return;
    this.add(at + this.random.int(2, 6) * MINUTE, `${reference}: the shopper authorizes`, async () => {
      const answer = await sandbox.authorizePaymentsSession(sessionId, { email: person.email, billing_address: address(person), shipping_address: address(person) });
      if (kind === 'declined') {
        if (answer.approved) throw new Error('a +denied shopper was approved');
        return;
      }
      if (!answer.approved || !answer.authorization_token) throw new Error(`the shopper was not approved: ${JSON.stringify(answer)}`);
      token = answer.authorization_token;
    });
    if (kind === 'declined' || kind === 'authorized') return;
    const placed = at + this.random.int(7, 9) * MINUTE;
    this.add(placed, `${reference}: place the order`, async () => {
      orderId = (await api('POST', `/payments/v1/authorizations/${token}/order`, { ...body, billing_address: address(person), shipping_address: address(person) })).body.order_id;
    });
    if (kind === 'ordered' || kind === 'pending_accepted') {
      this.add(this.later(placed, 1, 2), `${reference}: capture`, async () => {
        await api('POST', `/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: cart.order_amount, reference: `INV-${reference.slice(3)}-1` }, { 'Klarna-Idempotency-Key': randomUUID() });
      });
    }
  }

  // ---- Checkout v3 ----

  checkout(kind: 'incomplete' | 'complete' | 'acknowledged' | 'acknowledged_captured', at: number): void {
    const { sandbox, api } = this.ctx;
    const market = this.marketOf(this.random.pick(['SE', 'NO', 'FI', 'DE']));
    const person = shopper(this.random, market);
    const cart = shopCart(this.random, market);
    const reference = this.nextReference('KCO');
    let orderId = '';
    this.add(at, `${reference}: Checkout order`, async () => {
      const created = await api('POST', '/checkout/v3/orders', {
        ...cart,
        merchant_reference1: reference,
        merchant_urls: {
          terms: `${SHOP}/terms`,
          checkout: `${SHOP}/checkout?klarna_order_id={checkout.order.id}`,
          confirmation: `${SHOP}/checkout/thanks?klarna_order_id={checkout.order.id}`,
          push: this.hook('/klarna/checkout/push?klarna_order_id={checkout.order.id}'),
          validation: this.hook('/klarna/checkout/validate'),
        },
      });
      orderId = created.body.order_id;
    });
    if (kind === 'incomplete') return;
    const completed = at + this.random.int(3, 9) * MINUTE;
    this.add(completed, `${reference}: the shopper buys`, async () => {
      const outcome = await sandbox.completeCheckout(orderId, { email: person.email, billing_address: address(person) });
      if (outcome.status !== 'checkout_complete') throw new Error(`the purchase did not complete: ${JSON.stringify(outcome)}`);
    });
    if (kind === 'complete') return;
    // After the first push (2 minutes after completion), as a shop that acknowledges on push does.
    const acknowledged = completed + 3 * MINUTE;
    this.add(acknowledged, `${reference}: acknowledge`, async () => void (await api('POST', `/ordermanagement/v1/orders/${orderId}/acknowledge`)));
    if (kind === 'acknowledged_captured') {
      this.add(this.later(acknowledged, 1, 2), `${reference}: capture`, async () => {
        await api('POST', `/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: cart.order_amount, reference: `INV-${reference.slice(4)}-1` }, { 'Klarna-Idempotency-Key': randomUUID() });
      });
    }
  }

  // ---- The Hosted Payment Page, for a Payments session ----

  hpp(kind: 'completed' | 'waiting' | 'cancelled' | 'failed', at: number): void {
    const { sandbox, api } = this.ctx;
    const market = this.marketOf(this.random.pick(['SE', 'DE', 'GB']));
    const person = shopper(this.random, market);
    const cart = shopCart(this.random, market);
    const reference = this.nextReference('POS');
    let hppId = '';
    this.add(at, `${reference}: hosted payment page`, async () => {
      const session = await api('POST', '/payments/v1/sessions', { ...cart, merchant_reference1: reference });
      const created = await api('POST', '/hpp/v1/sessions', {
        // Klarna's own host, as merchants write it: the server takes it for its own.
        payment_session_url: `https://api.klarna.com/payments/v1/sessions/${session.body.session_id}`,
        merchant_urls: {
          success: `${SHOP}/pay/success?hpp={{session_id}}&order={{order_id}}`,
          failure: `${SHOP}/pay/failed?hpp={{session_id}}`,
          back: `${SHOP}/cart`,
          cancel: `${SHOP}/cart?cancelled=1`,
          status_update: this.hook('/klarna/hpp/status?hpp={{session_id}}', kind === 'failed'),
        },
        options: { place_order_mode: 'CAPTURE_ORDER', page_title: 'Pay for your order', purchase_type: 'BUY' },
      });
      hppId = created.body.session_id;
      const distribution =
        kind === 'waiting' ? { method: 'sms', contact_information: { phone: person.phone, phone_country: market.country } } : { method: 'email', contact_information: { email: person.email } };
      await api('POST', `/hpp/v1/sessions/${hppId}/distribution`, distribution);
    });
    if (kind === 'waiting') return;
    const opened = at + this.random.int(2, 8) * MINUTE;
    this.add(opened, `${reference}: the shopper opens the page`, async () => void (await sandbox.openHppSession(hppId)));
    const acted = opened + this.random.int(2, 5) * MINUTE;
    this.add(acted, `${reference}: the shopper decides`, async () => {
      if (kind === 'completed') {
        const answer = await sandbox.approveHppSession(hppId, { email: person.email, billing_address: address(person) });
        if (answer.status !== 'COMPLETED') throw new Error(`the page did not complete: ${JSON.stringify(answer)}`);
      } else if (kind === 'failed') {
        await sandbox.declineHppSession(hppId);
      } else {
        await sandbox.backOutOfHppSession(hppId);
        await sandbox.cancelHppSession(hppId);
      }
    });
  }

  // ---- Customer tokens and the orders charged to them ----

  token(spec: { country: string; type: 'CARD' | 'DIRECT_DEBIT' | 'INVOICE'; description: string; price: number; chargeDays: number[]; fate?: { day: number; status: 'SUSPENDED' | 'CANCELLED' } }): void {
    const { sandbox, api } = this.ctx;
    const market = this.marketOf(spec.country);
    const person = shopper(this.random, market);
    const subscription = `SUB-${this.random.int(10000, 99999)}`;
    const cart = subscriptionCart(market, spec.description, subscription, spec.price);
    let tokenId = '';
    const first = Math.min(...spec.chargeDays);
    const createdAt = this.moment(first, 8, 11);
    this.add(createdAt, `${subscription}: customer token`, async () => {
      const token = await sandbox.createCustomerToken({
        purchase_country: market.country,
        purchase_currency: market.currency,
        locale: market.locale,
        email: person.email,
        billing_address: address(person),
        payment_method_type: spec.type,
        description: spec.description,
      });
      tokenId = token.token_id;
    });
    spec.chargeDays.forEach((day, i) => {
      const at = Math.max(createdAt + 10 * MINUTE, day * DAY + 6 * HOUR + this.random.int(0, 11) * 5 * MINUTE);
      this.add(at, `${subscription}: charge ${i + 1}`, async () => {
        await api(
          'POST',
          `/customer-token/v1/tokens/${tokenId}/order`,
          { ...cart, auto_capture: true, merchant_reference1: `${subscription}-${String(i + 1).padStart(2, '0')}`, merchant_reference2: subscription },
          { 'Klarna-Idempotency-Key': randomUUID() },
        );
      });
    });
    const fate = spec.fate;
    if (fate) {
      this.add(this.moment(fate.day, 9, 17), `${subscription}: ${fate.status.toLowerCase()}`, async () => {
        if (fate.status === 'SUSPENDED') await sandbox.setCustomerTokenStatus(tokenId, 'SUSPENDED');
        // The merchant ends the subscription (Customer Token API: 202).
        else await api('PATCH', `/customer-token/v1/tokens/${tokenId}/status`, { status: 'CANCELLED' });
      });
    }
  }
}

/** The whole month: `orders` Order Management orders and a fixed set of the other kinds. */
function plan(random: Random, ctx: Ctx, end: number, orders: number): Step[] {
  const planner = new Planner(random, ctx, end);
  const lastDay = Math.floor(end / DAY) - 1;

  const targets = [...REQUIRED_TARGETS];
  while (targets.length < orders) targets.push(random.weighted(TARGET_WEIGHTS));
  for (const target of random.shuffle(targets)) planner.omOrder(target);

  // Payments v1
  planner.payments('ordered', planner.moment(5));
  planner.payments('auto_captured', planner.moment(11));
  planner.payments('pending_accepted', planner.moment(12, 10, 18));
  planner.payments('pending_rejected', planner.moment(18, 10, 18));
  planner.payments('declined', planner.moment(21));
  planner.payments('incomplete', end - 5 * HOUR);
  planner.payments('authorized', end - 40 * MINUTE);
  // Decided 90 minutes after it is placed (7–9 minutes after this): still PENDING at the end.
  planner.payments('pending', end - 25 * MINUTE);

  // Checkout v3
  planner.checkout('acknowledged_captured', planner.moment(8));
  planner.checkout('acknowledged', planner.moment(lastDay - 5));
  planner.checkout('complete', end - 70 * MINUTE);
  planner.checkout('incomplete', end - 3 * HOUR);

  // The Hosted Payment Page
  planner.hpp('completed', planner.moment(9, 10, 18));
  planner.hpp('cancelled', planner.moment(15, 10, 18));
  planner.hpp('failed', planner.moment(20, 10, 18));
  planner.hpp('waiting', end - 2 * HOUR);

  // Customer tokens: a weekly coffee subscription, a meal kit suspended by Klarna, a magazine the shop cancelled.
  planner.token({ country: 'SE', type: 'CARD', description: 'Coffee subscription, 500 g a week', price: 1490, chargeDays: [0, 7, 14, 21, 28] });
  planner.token({ country: 'DE', type: 'DIRECT_DEBIT', description: 'Meal kit for two, every other week', price: 5990, chargeDays: [2, 16], fate: { day: 25, status: 'SUSPENDED' } });
  planner.token({ country: 'GB', type: 'INVOICE', description: 'Design magazine, monthly', price: 990, chargeDays: [1], fate: { day: 19, status: 'CANCELLED' } });

  // Stable: steps at one moment run in the order planned (a story's steps are never at one moment).
  return planner.steps.sort((a, b) => a.at - b.at);
}

// ---------------------------------------------------------------------------------------------
// The merchant, the database, the run

interface MerchantOutcome {
  username: string;
  password: string;
  created: boolean;
  generated: boolean;
}

const MERCHANT_DATA_TABLES = ['orders', 'payment_sessions', 'checkout_orders', 'hpp_sessions', 'customer_tokens'] as const;

async function dataOf(db: Db, merchantId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of MERCHANT_DATA_TABLES) {
    const row = await db.read.get<{ n: number | string }>(`select count(*) as n from ${table} where merchant_id = ?`, [merchantId]);
    counts[table] = Number(row?.n ?? 0);
  }
  return counts;
}

/** Finds or creates the merchant; refuses a merchant whose password is unknown, or that has data (unless --reset). */
async function prepareMerchant(config: Config, username: string, password: string | undefined, reset: boolean): Promise<MerchantOutcome> {
  // Loaded when the command runs, so that the CLI's other commands and --help do not load them.
  const [{ migrateToLatest, openDatabase }, { verifyPassword }, { generateCredential, upsertMerchant }] = await Promise.all([
    import('../platform/db/database.js'),
    import('../platform/passwords.js'),
    import('../modules/merchants/provision.js'),
  ]);
  const db = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(db);
    const existing = await db.kysely.selectFrom('merchants').select(['merchant_id', 'password_hash']).where('username', '=', username).executeTakeFirst();
    if (!existing) {
      const credential = password === undefined ? { username, password: generateCredential().password } : { username, password };
      await upsertMerchant(db, credential, Date.now());
      return { username, password: credential.password, created: true, generated: password === undefined };
    }
    if (password === undefined) {
      throw new SeedError(
        `merchant "${username}" already exists and seed needs its password to work as it: give it with --password (or KLARNA_LOCAL_MERCHANTS=${username}:PASSWORD), or seed a new merchant with --merchant NAME`,
      );
    }
    if (!(await verifyPassword(password, existing.password_hash))) throw new SeedError(`the password given is not merchant "${username}"'s`);
    const counts = await dataOf(db, existing.merchant_id);
    const held = Object.entries(counts).filter(([, n]) => n > 0);
    if (held.length > 0 && !reset) {
      throw new SeedError(
        `merchant "${username}" already has data (${held.map(([table, n]) => `${n} ${table}`).join(', ')}): seed fills an empty merchant. Add --reset to delete everything it has first (as POST /sandbox/v1/reset), or seed another with --merchant NAME`,
      );
    }
    return { username, password, created: false, generated: false };
  } finally {
    await db.close();
  }
}

export interface SummaryRow {
  kind: string;
  count: number;
  /** Indented under the row before it. */
  detail?: boolean;
}

async function summarize(db: Db, merchantId: string): Promise<SummaryRow[]> {
  const count = async (text: string): Promise<number> => Number((await db.read.get<{ n: number | string }>(`select count(*) as n ${text}`, [merchantId]))?.n ?? 0);
  const grouped = async (text: string): Promise<Map<string, number>> =>
    new Map((await db.read.all<{ k: string; n: number | string }>(text, [merchantId])).map((r) => [r.k, Number(r.n)]));
  const rows: SummaryRow[] = [];
  const section = (kind: string, total: number, details: [string, number][]) => {
    rows.push({ kind, count: total });
    for (const [detail, n] of details) if (n > 0) rows.push({ kind: detail, count: n, detail: true });
  };

  const statuses = await grouped('select status as k, count(*) as n from orders where merchant_id = ? group by status');
  const fraud = await grouped('select fraud_status as k, count(*) as n from orders where merchant_id = ? group by fraud_status');
  section('Order Management orders', await count('from orders where merchant_id = ?'), [
    ...['AUTHORIZED', 'PART_CAPTURED', 'CAPTURED', 'CANCELLED', 'EXPIRED', 'CLOSED'].map((s): [string, number] => [s, statuses.get(s) ?? 0]),
    ['partly refunded', await count('from orders where merchant_id = ? and refunded_amount > 0 and refunded_amount < captured_amount')],
    ['fully refunded', await count('from orders where merchant_id = ? and refunded_amount > 0 and refunded_amount = captured_amount')],
    ...['ACCEPTED', 'PENDING', 'REJECTED'].map((s): [string, number] => [`fraud ${s}`, fraud.get(s) ?? 0]),
    ['charged to a customer token', await count("from orders where merchant_id = ? and merchant_reference1 like 'SUB-%'")],
  ]);
  rows.push({ kind: 'Captures', count: await count('from captures c join orders o on o.order_id = c.order_id where o.merchant_id = ?') });
  rows.push({ kind: 'Refunds', count: await count('from refunds r join orders o on o.order_id = r.order_id where o.merchant_id = ?') });
  const disputes = await grouped('select status as k, count(*) as n from settlement_disputes where merchant_id = ? group by status');
  section('Disputes', [...disputes.values()].reduce((a, b) => a + b, 0), [...disputes.entries()]);

  const authorized = await count("from payment_sessions s where s.merchant_id = ? and s.status = 'incomplete' and exists (select 1 from payment_authorizations a where a.session_id = s.session_id and a.status = 'active')");
  const incomplete = await count("from payment_sessions where merchant_id = ? and status = 'incomplete'");
  section('Payments sessions', await count('from payment_sessions where merchant_id = ?'), [
    ['incomplete', incomplete - authorized],
    ['authorized, no order yet', authorized],
    ['ordered', await count("from payment_sessions where merchant_id = ? and status = 'complete'")],
  ]);

  const acknowledged = await count("from checkout_orders c join orders o on o.order_id = c.order_id where c.merchant_id = ? and c.status = 'checkout_complete' and o.acknowledged_at is not null");
  const complete = await count("from checkout_orders where merchant_id = ? and status = 'checkout_complete'");
  section('Checkout orders', await count('from checkout_orders where merchant_id = ?'), [
    ['checkout_incomplete', await count("from checkout_orders where merchant_id = ? and status = 'checkout_incomplete'")],
    ['checkout_complete, not acknowledged', complete - acknowledged],
    ['checkout_complete, acknowledged', acknowledged],
  ]);
  const hpp = await grouped('select status as k, count(*) as n from hpp_sessions where merchant_id = ? group by status order by status');
  section('HPP sessions', [...hpp.values()].reduce((a, b) => a + b, 0), [...hpp.entries()]);
  const tokens = await grouped('select status as k, count(*) as n from customer_tokens where merchant_id = ? group by status order by status');
  section('Customer tokens', [...tokens.values()].reduce((a, b) => a + b, 0), [...tokens.entries()]);

  const callbacks = await grouped('select status as k, count(*) as n from callbacks where merchant_id = ? group by status order by status');
  section('Callbacks to the shop', [...callbacks.values()].reduce((a, b) => a + b, 0), [
    ...[...callbacks.entries()],
    ['attempts', await count('from callback_attempts a join callbacks c on c.callback_id = a.callback_id where c.merchant_id = ?')],
  ]);
  rows.push({ kind: 'Settlement payouts', count: await count('from settlement_payouts where merchant_id = ?') });
  rows.push({ kind: 'Settlement transactions', count: await count('from settlement_transactions where merchant_id = ?') });
  rows.push({ kind: 'Messages to shoppers (inbox)', count: await count('from messages where merchant_id = ?') });
  // Calls are kept packed until a reader unpacks them (src/modules/sandbox/api-calls.ts): both forms count.
  const packedCalls = await db.read.get<{ n: number | string | null }>('select sum(calls) as n from api_call_batches where merchant_id = ?', [merchantId]);
  rows.push({ kind: 'API calls (in the timelines)', count: (await count('from api_calls where merchant_id = ?')) + Number(packedCalls?.n ?? 0) });
  return rows;
}

export function formatSummary(rows: readonly SummaryRow[]): string {
  const label = (row: SummaryRow) => (row.detail ? `  ${row.kind}` : row.kind);
  const width = Math.max(...rows.map((r) => label(r).length), 4);
  return [`${'kind'.padEnd(width)}  count`, `${'-'.repeat(width)}  -----`, ...rows.map((r) => `${label(r).padEnd(width)}  ${String(r.count).padStart(5)}`)].join('\n');
}

function parseOrders(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_ORDERS;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < MIN_ORDERS || n > MAX_ORDERS) throw new SeedError(`--orders: "${raw}" is not a number of orders (${MIN_ORDERS}-${MAX_ORDERS})`);
  return n;
}

export interface SeedOutcome {
  username: string;
  /** The merchant's password when seed created the merchant (shown once), else undefined. */
  createdPassword: string | undefined;
  rows: SummaryRow[];
}

/**
 * Seeds as the command does, writing its lines to `out`; `env` stands for the environment (the
 * command's is process.env). Refusals throw SeedError or ConfigError.
 */
export async function seedMerchant(flags: SeedFlags, out: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<SeedOutcome> {
  const orders = parseOrders(flags.orders);
  const seedText = flags.seed ?? '1';
  if (seedText === '') throw new SeedError('--seed: give a number or a word');
  // serve's configuration (flags and environment), so the URLs written into the data (HPP links in
  // messages, …) are the ones serve will answer at; the seed's own server listens on a free port.
  const loaded = loadConfig({ databaseUrl: flags.databaseUrl, publicUrl: flags.publicUrl }, env);
  const username = flags.merchant ?? loaded.merchants[0]?.username ?? 'demo';
  if (username === '' || username.includes(':') || username.length > 255) throw new SeedError(`--merchant: "${username}" is not a username (1-255 characters, no colon)`);
  const password = flags.password ?? loaded.merchants.find((m) => m.username === username)?.password;
  const config: Config = {
    ...loaded,
    port: 0,
    host: '127.0.0.1',
    publicUrlFromListen: false,
    logLevel: 'silent',
    merchants: [],
    sandbox: true,
    processes: 1,
    rateLimit: 'off',
    sandboxClock: 'merchant',
    journal: true,
    dashboardAdmin: null,
  };

  const merchant = await prepareMerchant(config, username, password, flags.reset === true);
  if (merchant.generated) {
    out(`Created merchant credentials (shown once; give --password to choose your own):\n  username: ${merchant.username}\n  password: ${merchant.password}`);
  } else if (merchant.created) {
    out(`Created merchant ${merchant.username} (with the password given)`);
  }
  out(`Seeding merchant ${merchant.username} in ${maskedUrl(config.databaseUrl)}: ${SPAN_DAYS} days of a shop's business, ${orders} Order Management orders and more (seed ${seedText})…`);

  const started = Date.now();
  let server: Server | undefined;
  let receiver: Receiver | undefined;
  try {
    const { startServer } = await import('../main.js');
    server = await startServer(config, pino({ level: 'silent' }));
    receiver = await startReceiver();
    const { SandboxClient } = await import('../client/sandbox-client.js');
    const sandbox = new SandboxClient({ url: server.url, username: merchant.username, password: merchant.password });
    const api = klarnaApi(server.url, merchant.username, merchant.password);
    if (flags.reset === true) await sandbox.reset();

    // The merchant's clock back to UTC midnight 30 days ago: a snapshot of the empty merchant,
    // imported with that time.
    const snapshot = await sandbox.exportSnapshot();
    const now = snapshot.clock.now_ms;
    const start = Math.floor((now - SPAN_DAYS * DAY) / DAY) * DAY;
    await sandbox.importSnapshot({ ...snapshot, clock: { now: new Date(start).toISOString(), now_ms: start } });

    const steps = plan(new Random(`${seedText}/${orders}`), { sandbox, api, hooks: receiver.url }, now - start, orders);
    let cursor = 0;
    for (const step of steps) {
      if (step.at > cursor) {
        await sandbox.advanceClock(Math.round((step.at - cursor) / 1000));
        cursor = step.at;
      }
      try {
        await step.run();
      } catch (error) {
        throw new SeedError(
          `seeding stopped at "${step.what}" (${new Date(start + step.at).toISOString()}): ${error instanceof Error ? error.message : String(error)}. The merchant holds part of the data: run again with --reset to start over`,
        );
      }
    }
    // To the present: what falls due by now happens (expiry, decisions, payouts, callbacks).
    const end = now - start;
    if (end > cursor) await sandbox.advanceClock(Math.round((end - cursor) / 1000));
    const clock = await sandbox.getClock();

    const merchantId = (await server.db.read.get<{ merchant_id: string }>('select merchant_id from merchants where username = ?', [merchant.username]))?.merchant_id ?? '';
    const rows = await summarize(server.db, merchantId);
    out(formatSummary(rows));
    out(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s; the merchant's clock reads ${clock.now}.`);
    out(`See it: klarna-local serve --database-url ${maskedUrl(config.databaseUrl)}, then /dashboard (as ${merchant.username}) or the Klarna API.`);
    return { username: merchant.username, createdPassword: merchant.created ? merchant.password : undefined, rows };
  } finally {
    // The server first: its dispatcher finishes a delivery in flight before the receiver goes.
    await server?.close();
    await receiver?.close();
  }
}

export function registerSeedCommand(program: Command): void {
  program
    .command('seed')
    .description("fill a merchant with a month of realistic demo data (orders in every status, sessions, Checkout and HPP, tokens, callbacks, payouts, messages) made through the server's own APIs")
    .option('--database-url <url>', 'sqlite:<file> or postgres://… (env DATABASE_URL, default sqlite:data/klarna-local.sqlite; migrated first)')
    .option('--merchant <username>', 'the merchant to fill, created when missing (default: the first of KLARNA_LOCAL_MERCHANTS, else demo)')
    .option('--password <password>', "the merchant's password: needed for one that exists (or from KLARNA_LOCAL_MERCHANTS); a new one gets this, or a generated one shown once")
    .option('--orders <n>', `Order Management orders besides those of Payments, Checkout, HPP and tokens (${MIN_ORDERS}-${MAX_ORDERS}, default ${DEFAULT_ORDERS})`)
    .option('--seed <seed>', 'any number or word: the same seed gives the same shoppers, carts, amounts and references (default 1)')
    .option('--reset', 'delete everything the merchant has first (as POST /sandbox/v1/reset); without it, a merchant with data is refused')
    .option('--public-url <url>', 'base of the URLs written into the data, e.g. HPP links in messages (env PUBLIC_URL, default as serve)')
    .addHelpText(
      'after',
      `
What it makes, over the 30 days up to now (the merchant's own sandbox clock is set back 30 days and
moved forward through them, so expiry, fraud decisions, disputes and daily payouts happen as time
passes; it ends at about the present, and no other merchant's clock moves):
  Order Management orders AUTHORIZED, PART_CAPTURED, CAPTURED (some partly or fully refunded, one
  disputed and lost), CANCELLED and EXPIRED, in SEK, EUR, GBP, NOK and USD; Payments sessions
  incomplete, authorized and ordered, with fraud PENDING, ACCEPTED and REJECTED; Checkout orders
  incomplete, complete and acknowledged; HPP sessions WAITING, COMPLETED, FAILED and CANCELLED;
  customer tokens ACTIVE, SUSPENDED and CANCELLED with the orders charged to them; callbacks
  delivered and failed (to a receiver of the seed's own, gone when it ends); settlement payouts;
  the capture and HPP messages in the inbox. A summary table ends it.

A merchant that already has orders, sessions or tokens is refused unless --reset is given, so running
seed twice never mixes two batches; \`seed --reset\` with the same --seed makes the same data again.

Examples:
  klarna-local seed                                   # merchant demo in data/klarna-local.sqlite
  klarna-local seed --merchant shop --password secret --orders 200 --seed 42 --database-url postgres://…`,
    )
    .action(async (flags: SeedFlags) => {
      try {
        await seedMerchant(flags, (line) => process.stdout.write(`${line}\n`));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        console.error(`klarna-local: ${message}`);
        process.exitCode = 1;
      }
    });
}
