/**
 * buildTestApp({dialect}): the real app on a fresh database, driven through HTTP with inject().
 * Every Order Management response is checked against Klarna's published contract as it arrives.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import type { App } from '../../src/platform/app.js';
import { loadConfig } from '../../src/config.js';
import type { Config } from '../../src/config.js';
import { Clock } from '../../src/platform/clock.js';
import { migrateToLatest, openDatabase } from '../../src/platform/db/database.js';
import type { Db } from '../../src/platform/db/database.js';
import { Authenticator } from '../../src/platform/http/auth.js';
import { hashPassword } from '../../src/platform/passwords.js';
import { createTestDatabase } from './databases.js';
import type { TestDialect } from './databases.js';
import { validateAgainstContract } from './openapi.js';
import { checkAgainstOwnDocument } from './own-openapi.js';

export const MERCHANT = { username: 'merchant_a', password: 'secret-a' };
export const OTHER_MERCHANT = { username: 'merchant_b', password: 'secret-b' };
export const PUBLIC_URL = 'http://klarna-local.test:8080';

export const basicAuth = (credential: { username: string; password: string }): string =>
  `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  body?: unknown;
  /** Raw payload sent as is (overrides body). */
  payload?: string | Buffer;
  headers?: Record<string, string>;
  /** Credentials to send; null sends none. Default: MERCHANT. */
  auth?: { username: string; password: string } | null;
  idempotencyKey?: string;
}

export interface TestApp {
  dialect: TestDialect;
  app: App;
  db: Db;
  clock: Clock;
  config: Config;
  request(options: RequestOptions): Promise<TestResponse>;
  get(url: string, auth?: RequestOptions['auth']): Promise<TestResponse>;
  post(url: string, body?: unknown, extra?: Partial<RequestOptions>): Promise<TestResponse>;
  patch(url: string, body?: unknown, extra?: Partial<RequestOptions>): Promise<TestResponse>;
  /** Creates an AUTHORIZED order through the sandbox API; returns the OM order body. */
  createOrder(overrides?: Record<string, unknown>, auth?: RequestOptions['auth']): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  getOrder(orderId: string): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  advanceClock(seconds: number): Promise<string>;
  /** A test merchant's id (MERCHANT by default). */
  merchantId(username?: string): Promise<string>;
  /** A test merchant's sandbox time in epoch ms (MERCHANT by default): each merchant has its own clock. */
  now(username?: string): Promise<number>;
  close(): Promise<void>;
  /** Log lines written (JSON text), when built with `captureLogs`. */
  logs: string[];
  /** Listens on 127.0.0.1 (a free port) for tests that need a real socket; returns the port. */
  listen(): Promise<number>;
}

/** A valid Payments-shaped order body: two lines, Swedish market, 25% VAT. */
export function orderBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    purchase_country: 'SE',
    purchase_currency: 'SEK',
    locale: 'sv-SE',
    order_amount: 12500,
    order_tax_amount: 2500,
    order_lines: [
      { type: 'physical', reference: 'SKU-1', name: 'T-shirt', quantity: 2, unit_price: 5000, tax_rate: 2500, total_amount: 10000, total_tax_amount: 2000 },
      { type: 'shipping_fee', reference: 'SHIP', name: 'Shipping', quantity: 1, unit_price: 2500, tax_rate: 2500, total_amount: 2500, total_tax_amount: 500 },
    ],
    billing_address: {
      given_name: 'Testperson-se',
      family_name: 'Approved',
      email: 'customer@email.se',
      street_address: 'Stårgatan 1',
      postal_code: '12345',
      city: 'Ankeborg',
      country: 'SE',
      phone: '+46765260000',
    },
    merchant_reference1: 'ORDER-1',
    ...overrides,
  };
}

/** An error Klarna answers without its envelope: the edge's HTML 401 on its APIs and Checkout's empty 404. */
export function isBareError(url: string, status: number, body: string): boolean {
  if (status === 401) return KLARNA_API.test(url);
  return status === 404 && url.startsWith('/checkout/v3/orders/') && body === '';
}

/** Klarna's merchant APIs (not the sandbox, the shopper pages or the operations routes). */
export const KLARNA_API = /^\/(?:ordermanagement\/|payments\/|customer-token\/|hpp\/v1\/|settlements\/v1\/|merchantcard\/v3\/|checkout\/v3\/orders(?:[/?]|$))/;

/** scrypt costs tens of milliseconds by design: each test merchant's hash is made once per test process. */
const passwordHashes = new Map<string, Promise<string>>();

/** The two test merchants, stored as provisioning stores them (scrypt hashes), without hashing again for every app. */
async function insertTestMerchants(db: Db): Promise<void> {
  const now = Date.now();
  for (const { username, password } of [MERCHANT, OTHER_MERCHANT]) {
    let hash = passwordHashes.get(password);
    if (!hash) passwordHashes.set(password, (hash = hashPassword(password)));
    await db.kysely
      .insertInto('merchants')
      .values({ merchant_id: randomUUID(), username, password_hash: await hash, settings: '{}', created_at: now, updated_at: now })
      .execute();
  }
}

export interface TestAppOptions {
  dialect: TestDialect;
  config?: Record<string, string>;
  /** Keep the JSON log lines the app writes at this level and above (TestApp.logs), instead of LOG_LEVEL. */
  captureLogs?: 'warn' | 'info' | 'debug';
}

export async function buildTestApp(options: TestAppOptions): Promise<TestApp> {
  const database = await createTestDatabase(options.dialect);
  const config = loadConfig(
    { databaseUrl: database.url, publicUrl: PUBLIC_URL, port: '0', logLevel: process.env.LOG_LEVEL ?? 'silent', ...options.config },
    {},
  );
  const db = openDatabase(config.databaseUrl);
  await migrateToLatest(db);
  await insertTestMerchants(db);
  const clock = new Clock(db, Date.now, config.sandboxClock);
  const logs: string[] = [];
  const logger = options.captureLogs ? pino({ level: options.captureLogs }, { write: (line: string) => void logs.push(line) }) : pino({ level: config.logLevel });
  const app = await buildApp({ config, db, clock, authenticator: new Authenticator(db), logger });

  const request = async (opts: RequestOptions): Promise<TestResponse> => {
    const method = opts.method ?? 'GET';
    const headers: Record<string, string> = { ...opts.headers };
    const auth = opts.auth === undefined ? MERCHANT : opts.auth;
    if (auth) headers.authorization = basicAuth(auth);
    if (opts.idempotencyKey) headers['klarna-idempotency-key'] = opts.idempotencyKey;
    let payload = opts.payload;
    if (payload === undefined && opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await app.inject({ method, url: opts.url, headers, ...(payload !== undefined && { payload }) });
    const response: TestResponse = {
      status: res.statusCode,
      headers: res.headers,
      body: res.body,
      json: () => JSON.parse(res.body),
    };
    assert.ok(res.headers['klarna-correlation-id'], `${method} ${opts.url}: every response carries Klarna-Correlation-Id`);
    // Every error body is Klarna's envelope with the header's correlation id, except the answers Klarna
    // gives without one: its edge's HTML 401 and Checkout's empty 404.
    if (res.statusCode >= 400 && !isBareError(opts.url, res.statusCode, res.body)) {
      const body = JSON.parse(res.body) as { correlation_id?: string };
      assert.equal(body.correlation_id, res.headers['klarna-correlation-id'], 'error body correlation_id equals the header');
    }
    if (opts.url.startsWith('/ordermanagement/v1/')) {
      validateAgainstContract('ordermanagement', { method, url: opts.url, statusCode: res.statusCode, headers: res.headers, body: res.body });
    }
    if (opts.url.startsWith('/checkout/v3/orders')) {
      validateAgainstContract('checkout', { method, url: opts.url, statusCode: res.statusCode, headers: res.headers, body: res.body });
    }
    if (opts.url.startsWith('/payments/v1/')) {
      validateAgainstContract('payments', { method, url: opts.url, statusCode: res.statusCode, headers: res.headers, body: res.body });
    }
    if (opts.url.startsWith('/customer-token/v1/')) {
      validateAgainstContract('customer-token', { method, url: opts.url, statusCode: res.statusCode, headers: res.headers, body: res.body });
    }
    // Settlements: every JSON answer (a report's 200 is its PDF or CSV, checked by the report tests).
    if (opts.url.startsWith('/settlements/v1/') && !(opts.url.startsWith('/settlements/v1/reports/') && res.statusCode === 200)) {
      validateAgainstContract('settlements', { method, url: opts.url, statusCode: res.statusCode, headers: res.headers, body: res.body });
    }
    if (opts.url.startsWith('/merchantcard/v3/')) {
      validateAgainstContract('merchant-card-service', { method, url: opts.url, statusCode: res.statusCode, headers: res.headers, body: res.body });
    }
    if (opts.url.startsWith('/hpp/v1/') && !opts.url.includes('/manual-id-check')) {
      validateAgainstContract('hpp', { method, url: opts.url, statusCode: res.statusCode, headers: res.headers, body: res.body });
    }
    // And against this server's own OpenAPI document (GET /openapi.json): every response, every route.
    checkAgainstOwnDocument(app, config, { method, url: opts.url, statusCode: res.statusCode, headers: res.headers, body: res.body });
    return response;
  };

  const testApp: TestApp = {
    dialect: options.dialect,
    app,
    logs,
    async listen() {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error('not listening on a TCP port');
      return address.port;
    },
    db,
    clock,
    config,
    request,
    get: (url, auth) => request({ url, auth }),
    post: (url, body, extra) => request({ method: 'POST', url, body, ...extra }),
    patch: (url, body, extra) => request({ method: 'PATCH', url, body, ...extra }),
    async createOrder(overrides = {}, auth) {
      const res = await request({ method: 'POST', url: '/sandbox/v1/orders', body: orderBody(overrides), auth });
      assert.equal(res.status, 201, `sandbox order creation failed: ${res.body}`);
      return res.json();
    },
    async getOrder(orderId) {
      const res = await request({ url: `/ordermanagement/v1/orders/${orderId}` });
      assert.equal(res.status, 200, res.body);
      return res.json();
    },
    async advanceClock(seconds) {
      const res = await request({ method: 'POST', url: '/sandbox/v1/clock/advance', body: { seconds } });
      assert.equal(res.status, 200, res.body);
      return res.json<{ now: string }>().now;
    },
    merchantId: (username = MERCHANT.username) => merchantIdOf(db, username),
    now: async (username = MERCHANT.username) => clock.now(await merchantIdOf(db, username)),
    async close() {
      await app.close();
      await db.close();
      await database.drop();
    },
  };
  return testApp;
}

async function merchantIdOf(db: Db, username: string): Promise<string> {
  const row = await db.read.get<{ merchant_id: string }>('select merchant_id from merchants where username = ?', [username]);
  if (!row) throw new Error(`no merchant ${username}`);
  return row.merchant_id;
}
