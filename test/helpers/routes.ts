/**
 * Every route the app serves, with what a test needs to call it: who may call it, which real id fills
 * each path parameter, a valid body and its typed fields, the query parameters it reads. The fuzz
 * test checks this table against the routes the app itself registers (registeredRoutes), so it
 * cannot fall behind; the isolation and fuzz tests iterate it.
 */
import type { App } from '../../src/platform/app.js';
import { TOKEN_STATUSES } from '../../src/modules/customer-token/token.js';
import { FRAUD_STATUSES } from '../../src/modules/order-management/order.js';
import { DISPUTE_REASONS } from '../../src/modules/settlements/disputes.js';
import { FAULT_METHODS, FAULT_TARGETS } from '../../src/modules/faults/fault.js';
import { keyPair } from '../api/merchant-card/api-helpers.js';
import { MERCHANT, PUBLIC_URL, orderBody } from './harness.js';
import { checkoutBody, sandboxTokenBody, tokenOrderBody } from './resources.js';
import type { Resources } from './resources.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
/** Path values that name no stored resource: a payment method's asset, an order action of the dashboard. */
export const FIXED_IDS = { asset_identifier: 'pay_later', asset_file: 'standard.svg', order_action: 'capture' } as const;
export type Ids = Resources & { [K in keyof typeof FIXED_IDS]: string };
export type IdSource = keyof Ids;

/** A merchant's resources with the fixed path values: every id the table's routes take. */
export const idsOf = (resources: Resources): Ids => ({ ...resources, ...FIXED_IDS });

/** Ids that name the same kind of resource (Order Management orders): one may stand for another, so none is a hostile id for the others. */
export const SAME_KIND: readonly (readonly IdSource[])[] = [['order_id', 'promised_order_id', 'card_order_id']];

/** A top-level body field and what it holds, so a value of another kind is surely invalid. */
export type FieldType = 'integer' | 'string' | 'object' | 'array' | 'boolean' | 'lines' | { enum: readonly string[] };

export interface RouteSpec {
  method: Method;
  path: string;
  /**
   * `merchant`: Basic credentials required; `public`: shopper pages, scripts, operations; `dashboard`:
   * the dashboard's session cookie, the session's CSRF token in every POST form, HTML answers
   * (checked by test/fuzz/dashboard.test.ts, never by the JSON API's checks).
   */
  auth: 'merchant' | 'public' | 'dashboard';
  /** Which real id fills each path parameter. */
  params?: Record<string, IdSource>;
  /** A valid body (the merchant's own ids); absent when the route takes none. */
  body?: (ids: Ids) => Record<string, unknown>;
  /** Top-level fields the schema requires. */
  required?: string[];
  /** Typed top-level fields (every `integer` here has a minimum ≥ 0 and a maximum < 2^31, every array a maxItems < 10,000). */
  fields?: Record<string, FieldType>;
  /** Headers the route needs to act on the caller's own ids (the key a settlement read encrypts the cards for). */
  headers?: (ids: Ids) => Record<string, string>;
  /** Query parameters the route reads, with the real value of each (the token that authenticates a shopper route). */
  query?: Record<string, (ids: Ids) => string>;
  /** Which query parameter is a credential: anything but its real value must be refused. */
  credentialParam?: string;
  /** Answers a bad token with an HTML page (4xx) instead of the JSON envelope. */
  html?: boolean;
  /** Dashboard: the fields of a valid form (`application/x-www-form-urlencoded`), without the `csrf_token` the session adds. */
  form?: (ids: Ids) => Record<string, string>;
  /** Dashboard: answered without a session (the sign-in form, the script and the stylesheet). */
  open?: boolean;
  /** Dashboard: with a session, an endless event stream (read over a socket, never with inject). */
  stream?: boolean;
}

const OM = '/ordermanagement/v1/orders/:order_id';
const ORDER = { order_id: 'order_id' } as const;
const CAPTURE = { order_id: 'order_id', capture_id: 'capture_id' } as const;
const ADDRESS = { given_name: 'Testperson-se', family_name: 'Approved', street_address: 'Stårgatan 1', postal_code: '12345', city: 'Ankeborg', country: 'SE' };
const SHIPPING_INFO = { shipping_info: [{ shipping_company: 'DHL', shipping_method: 'Home', tracking_number: '63456415674545679874' }] };
const LINE_FIELDS = { order_amount: 'integer', order_tax_amount: 'integer', order_lines: 'lines' } as const;
const { merchant_reference1: _ref, ...paymentsOrder } = orderBody();
const KEY_ID = (ids: Ids) => ({ KeyId: ids.card_key_id });

export const ROUTES: RouteSpec[] = [
  { method: 'GET', path: '/healthz', auth: 'public' },
  { method: 'GET', path: '/readyz', auth: 'public' },
  { method: 'GET', path: '/metrics', auth: 'public' },
  // This server's own OpenAPI document and its browsable reference (src/modules/reference)
  { method: 'GET', path: '/openapi.json', auth: 'public' },
  { method: 'GET', path: '/openapi.yaml', auth: 'public' },
  { method: 'GET', path: '/docs', auth: 'public' },
  { method: 'GET', path: '/docs/json', auth: 'public' },
  { method: 'GET', path: '/docs/yaml', auth: 'public' },
  { method: 'GET', path: '/docs/static/index.html', auth: 'public' },
  { method: 'GET', path: '/docs/static/swagger-initializer.js', auth: 'public' },
  { method: 'GET', path: '/docs/static/*', auth: 'public' },

  // Order Management
  { method: 'GET', path: OM, auth: 'merchant', params: ORDER },
  { method: 'POST', path: `${OM}/acknowledge`, auth: 'merchant', params: ORDER },
  {
    method: 'PATCH',
    path: `${OM}/authorization`,
    auth: 'merchant',
    params: ORDER,
    body: () => ({ order_amount: 11000, description: 'Smaller cart' }),
    required: ['order_amount'],
    fields: { order_amount: 'integer', description: 'string', order_lines: 'lines' },
  },
  { method: 'PATCH', path: `${OM}/customer-details`, auth: 'merchant', params: ORDER, body: () => ({ shipping_address: ADDRESS }), fields: { shipping_address: 'object' } },
  {
    method: 'PATCH',
    path: `${OM}/merchant-references`,
    auth: 'merchant',
    params: ORDER,
    body: () => ({ merchant_reference1: 'NEW-REF' }),
    fields: { merchant_reference1: 'string', merchant_reference2: 'string' },
  },
  { method: 'POST', path: `${OM}/extend-authorization-time`, auth: 'merchant', params: ORDER },
  { method: 'POST', path: `${OM}/release-remaining-authorization`, auth: 'merchant', params: ORDER },
  { method: 'POST', path: `${OM}/cancel`, auth: 'merchant', params: ORDER },
  { method: 'POST', path: `${OM}/shipping-info`, auth: 'merchant', params: ORDER, body: () => SHIPPING_INFO, required: ['shipping_info'], fields: { shipping_info: 'array' } },
  {
    method: 'POST',
    path: `${OM}/captures`,
    auth: 'merchant',
    params: ORDER,
    body: () => ({ captured_amount: 1000, description: 'Second parcel' }),
    required: ['captured_amount'],
    fields: { captured_amount: 'integer', description: 'string', order_lines: 'lines', shipping_info: 'array', shipping_delay: 'integer' },
  },
  { method: 'GET', path: `${OM}/captures`, auth: 'merchant', params: ORDER },
  { method: 'GET', path: `${OM}/captures/:capture_id`, auth: 'merchant', params: CAPTURE },
  {
    method: 'POST',
    path: `${OM}/captures/:capture_id/shipping-info`,
    auth: 'merchant',
    params: CAPTURE,
    body: () => SHIPPING_INFO,
    required: ['shipping_info'],
    fields: { shipping_info: 'array' },
  },
  { method: 'POST', path: `${OM}/captures/:capture_id/trigger-send-out`, auth: 'merchant', params: CAPTURE },
  { method: 'GET', path: `${OM}/captures/:capture_id/extend-due-date-options`, auth: 'merchant', params: CAPTURE },
  {
    method: 'PATCH',
    path: `${OM}/captures/:capture_id/extend-due-date`,
    auth: 'merchant',
    params: CAPTURE,
    body: () => ({ number_of_days: 14 }),
    required: ['number_of_days'],
    fields: { number_of_days: 'integer' },
  },
  {
    method: 'POST',
    path: `${OM}/refunds`,
    auth: 'merchant',
    params: ORDER,
    body: () => ({ refunded_amount: 500, description: 'Returned socks' }),
    required: ['refunded_amount'],
    fields: { refunded_amount: 'integer', description: 'string', order_lines: 'lines' },
  },
  { method: 'GET', path: `${OM}/refunds/:refund_id`, auth: 'merchant', params: { order_id: 'order_id', refund_id: 'refund_id' } },

  // Payments
  {
    method: 'POST',
    path: '/payments/v1/sessions',
    auth: 'merchant',
    body: () => orderBody(),
    required: ['purchase_country', 'purchase_currency', 'order_amount', 'order_lines'],
    fields: { ...LINE_FIELDS, purchase_country: 'string', locale: 'string', billing_address: 'object', merchant_urls: 'object', custom_payment_method_ids: 'array', intent: { enum: ['buy', 'tokenize', 'buy_and_tokenize'] } },
  },
  {
    method: 'POST',
    path: '/payments/v1/sessions/:session_id',
    auth: 'merchant',
    params: { session_id: 'session_id' },
    body: () => ({ merchant_reference2: 'CART-2' }),
    fields: { ...LINE_FIELDS, merchant_reference2: 'string', billing_address: 'object', options: 'object' },
  },
  { method: 'GET', path: '/payments/v1/sessions/:session_id', auth: 'merchant', params: { session_id: 'session_id' } },
  { method: 'DELETE', path: '/payments/v1/authorizations/:authorization_token', auth: 'merchant', params: { authorization_token: 'authorization_token' } },
  {
    method: 'POST',
    path: '/payments/v1/authorizations/:authorization_token/order',
    auth: 'merchant',
    params: { authorization_token: 'authorization_token' },
    body: () => paymentsOrder,
    required: ['purchase_country', 'purchase_currency', 'order_amount', 'order_lines'],
    fields: { ...LINE_FIELDS, auto_capture: 'boolean', billing_address: 'object', merchant_data: 'string' },
  },
  {
    method: 'POST',
    path: '/payments/v1/authorizations/:authorization_token/customer-token',
    auth: 'merchant',
    params: { authorization_token: 'authorization_token' },
    body: () => ({ description: 'Subscription', intended_use: 'SUBSCRIPTION', locale: 'sv-SE', purchase_country: 'SE', purchase_currency: 'SEK' }),
    required: ['description', 'intended_use', 'locale', 'purchase_country', 'purchase_currency'],
    fields: { description: 'string', intended_use: { enum: ['SUBSCRIPTION'] }, billing_address: 'object', customer: 'object' },
  },

  // Checkout
  {
    method: 'POST',
    path: '/checkout/v3/orders',
    auth: 'merchant',
    body: () => checkoutBody(),
    required: ['purchase_country', 'purchase_currency', 'locale', 'order_amount', 'order_tax_amount', 'order_lines', 'merchant_urls'],
    fields: { ...LINE_FIELDS, merchant_urls: 'object', options: 'object', shipping_options: 'array', tags: 'array', recurring: 'boolean', merchant_data: 'string' },
  },
  { method: 'GET', path: '/checkout/v3/orders/:order_id', auth: 'merchant', params: { order_id: 'checkout_order_id' } },
  {
    method: 'POST',
    path: '/checkout/v3/orders/:order_id',
    auth: 'merchant',
    params: { order_id: 'checkout_order_id' },
    body: () => ({ merchant_reference1: 'CART-2' }),
    fields: { ...LINE_FIELDS, merchant_reference1: 'string', merchant_urls: 'object', shipping_options: 'array', gui: 'object' },
  },
  { method: 'POST', path: '/checkout/v3/orders/:order_id/abort', auth: 'merchant', params: { order_id: 'checkout_order_id' } },

  // The checkout page (authenticated by its page token)
  { method: 'GET', path: '/checkout/v3/page/checkout.js', auth: 'public' },
  { method: 'GET', path: '/checkout/v3/page/checkout.css', auth: 'public' },
  { method: 'GET', path: '/checkout/v3/page/snippet.js', auth: 'public' },
  { method: 'GET', path: '/checkout/v3/page/checkout', auth: 'public', query: { token: (ids) => ids.page_token }, credentialParam: 'token', html: true },
  { method: 'GET', path: '/checkout/v3/page/confirmation', auth: 'public', query: { token: (ids) => ids.page_token }, credentialParam: 'token', html: true },
  { method: 'GET', path: '/checkout/v3/page/api/order', auth: 'public', query: { token: (ids) => ids.page_token }, credentialParam: 'token' },
  {
    method: 'POST',
    path: '/checkout/v3/page/api/details',
    auth: 'public',
    body: (ids) => ({ token: ids.page_token, email: 'customer@email.se', billing_address: ADDRESS }),
    required: ['token'],
    fields: { token: 'string', email: 'string', billing_address: 'object', shipping_address: 'object', customer: 'object' },
  },
  {
    method: 'POST',
    path: '/checkout/v3/page/api/shipping-option',
    auth: 'public',
    body: (ids) => ({ token: ids.page_token, shipping_option_id: 'standard' }),
    required: ['token', 'shipping_option_id'],
    fields: { token: 'string', shipping_option_id: 'string' },
  },
  {
    method: 'POST',
    path: '/checkout/v3/page/api/complete',
    auth: 'public',
    body: (ids) => ({ token: ids.page_token, email: 'customer@email.se', billing_address: ADDRESS }),
    required: ['token'],
    fields: { token: 'string', email: 'string', billing_address: 'object', shipping_option_id: 'string' },
  },

  // Customer Token
  { method: 'GET', path: '/customer-token/v1/tokens/:customerToken', auth: 'merchant', params: { customerToken: 'token_id' } },
  {
    method: 'POST',
    path: '/customer-token/v1/tokens/:customerToken/order',
    auth: 'merchant',
    params: { customerToken: 'token_id' },
    body: () => tokenOrderBody(),
    required: ['order_amount', 'order_tax_amount', 'order_lines', 'purchase_currency'],
    fields: { ...LINE_FIELDS, purchase_currency: 'string', auto_capture: 'boolean', merchant_urls: 'object', shipping_address: 'object' },
  },
  {
    method: 'PATCH',
    path: '/customer-token/v1/tokens/:customerToken/status',
    auth: 'merchant',
    params: { customerToken: 'token_id' },
    body: () => ({ status: 'CANCELLED' }),
    required: ['status'],
    fields: { status: { enum: ['CANCELLED'] } },
  },

  // Hosted Payment Page
  {
    method: 'POST',
    path: '/hpp/v1/sessions',
    auth: 'merchant',
    body: (ids) => ({ payment_session_url: `${PUBLIC_URL}/payments/v1/sessions/${ids.session_id}`, options: { place_order_mode: 'NONE' } }),
    required: ['payment_session_url'],
    fields: { payment_session_url: 'string', merchant_urls: 'object', options: 'object', profile_id: 'string' },
  },
  { method: 'GET', path: '/hpp/v1/sessions/:session_id', auth: 'merchant', params: { session_id: 'hpp_session_id' } },
  { method: 'DELETE', path: '/hpp/v1/sessions/:session_id', auth: 'merchant', params: { session_id: 'hpp_session_id' } },
  {
    method: 'POST',
    path: '/hpp/v1/sessions/:session_id/distribution',
    auth: 'merchant',
    params: { session_id: 'hpp_session_id' },
    body: () => ({ method: 'email', contact_information: { email: 'customer@email.se' } }),
    required: ['method', 'contact_information'],
    fields: { method: { enum: ['sms', 'email', 'token'] }, contact_information: 'object', template: { enum: ['INSTORE_PURCHASE'] } },
  },
  { method: 'GET', path: '/hpp/v1/sessions/:session_id/manual-id-check', auth: 'merchant', params: { session_id: 'hpp_session_id' } },
  // The hosted page (the page code or distribution token in the URL is the consumer's capability; its buttons post forms, never JSON)
  { method: 'GET', path: '/hpp/pay/assets/hpp.css', auth: 'public' },
  { method: 'GET', path: '/hpp/pay/:code', auth: 'public', params: { code: 'hpp_page_code' }, html: true },
  { method: 'GET', path: '/hpp/pay/:code/qr', auth: 'public', params: { code: 'hpp_page_code' }, query: { format: () => 'svg' } },
  { method: 'POST', path: '/hpp/pay/:code/approve', auth: 'public', params: { code: 'hpp_page_code' }, html: true },
  { method: 'POST', path: '/hpp/pay/:code/decline', auth: 'public', params: { code: 'hpp_page_code' }, html: true },
  { method: 'POST', path: '/hpp/pay/:code/back', auth: 'public', params: { code: 'hpp_page_code' }, html: true },
  { method: 'POST', path: '/hpp/pay/:code/cancel', auth: 'public', params: { code: 'hpp_page_code' }, html: true },
  { method: 'GET', path: '/hpp/distribution/:token', auth: 'public', params: { token: 'hpp_distribution_token' }, html: true },

  // The shopper's side of Payments (authenticated by the client token)
  { method: 'GET', path: '/kp/lib/v1/api.js', auth: 'public' },
  { method: 'GET', path: '/kp/widget', auth: 'public', query: { client_token: (ids) => ids.client_token, categories: () => 'pay_later', instance: () => 'main', origin: () => 'https://shop.example' }, credentialParam: 'client_token', html: true },
  { method: 'GET', path: '/kp/widget/widget.js', auth: 'public' },
  { method: 'GET', path: '/kp/widget/widget.css', auth: 'public' },
  { method: 'GET', path: '/kp/widget/api/session', auth: 'public', query: { client_token: (ids) => ids.client_token }, credentialParam: 'client_token' },
  {
    method: 'POST',
    path: '/kp/widget/api/authorize',
    auth: 'public',
    body: (ids) => ({ client_token: ids.client_token, payment_method_category: 'pay_later' }),
    required: ['client_token'],
    fields: { ...LINE_FIELDS, client_token: 'string', billing_address: 'object', payment_method_category: 'string' },
  },
  { method: 'GET', path: '/kp/assets/:identifier/:file', auth: 'public', params: { identifier: 'asset_identifier', file: 'asset_file' } },

  // Sandbox
  {
    method: 'POST',
    path: '/sandbox/v1/orders',
    auth: 'merchant',
    body: () => orderBody(),
    required: ['purchase_country', 'purchase_currency', 'locale', 'order_amount', 'order_tax_amount', 'order_lines'],
    fields: { ...LINE_FIELDS, locale: 'string', billing_address: 'object', customer: 'object', fraud_status: { enum: FRAUD_STATUSES }, initial_payment_method: 'object' },
  },
  { method: 'GET', path: '/sandbox/v1/clock', auth: 'merchant' },
  { method: 'POST', path: '/sandbox/v1/clock/advance', auth: 'merchant', body: () => ({ seconds: 60 }), required: ['seconds'], fields: { seconds: 'integer' } },
  { method: 'GET', path: '/sandbox/v1/events', auth: 'merchant', query: { order_id: (ids) => ids.order_id, session_id: (ids) => ids.session_id } },
  { method: 'GET', path: '/sandbox/v1/settings', auth: 'merchant' },
  {
    method: 'PATCH',
    path: '/sandbox/v1/settings',
    auth: 'merchant',
    body: () => ({ authorization_period_days: 30, payment_method_categories: ['pay_later'] }),
    fields: {
      authorization_period_days: 'integer',
      payment_method_categories: 'array',
      idempotency_replays_errors: 'boolean',
      release_remaining_status: { enum: ['CAPTURED', 'CLOSED'] },
      settlement_type: { enum: ['GROSS', 'NET', 'GROSS_FEE'] },
      settlement_fee_vat_rate: 'integer',
      settlement_fee_refund: 'boolean',
      settlement_payout_schedule: 'object',
      settlement_dispute_days: 'integer',
    },
  },
  {
    method: 'POST',
    path: '/sandbox/v1/payments/sessions/:session_id/authorize',
    auth: 'merchant',
    params: { session_id: 'session_id' },
    body: () => ({ email: 'customer@email.se' }),
    fields: { ...LINE_FIELDS, email: 'string', billing_address: 'object', payment_method_category: 'string' },
  },
  {
    method: 'POST',
    path: '/sandbox/v1/checkout/orders/:order_id/complete',
    auth: 'merchant',
    params: { order_id: 'checkout_order_id' },
    body: () => ({ email: 'customer@email.se', billing_address: ADDRESS }),
    fields: { email: 'string', billing_address: 'object', customer: 'object', shipping_option_id: 'string' },
  },
  {
    method: 'POST',
    path: '/sandbox/v1/customer-tokens',
    auth: 'merchant',
    body: () => sandboxTokenBody(),
    required: ['purchase_country', 'purchase_currency'],
    fields: { purchase_country: 'string', purchase_currency: 'string', billing_address: 'object', payment_method_type: { enum: ['INVOICE', 'CARD', 'DIRECT_DEBIT', 'SLICE_IT_BY_CARD', 'OTHER'] } },
  },
  { method: 'GET', path: '/sandbox/v1/customer-tokens/:token_id', auth: 'merchant', params: { token_id: 'token_id' } },
  { method: 'POST', path: '/sandbox/v1/hpp/sessions/:session_id/open', auth: 'merchant', params: { session_id: 'hpp_session_id' } },
  {
    method: 'POST',
    path: '/sandbox/v1/hpp/sessions/:session_id/approve',
    auth: 'merchant',
    params: { session_id: 'hpp_session_id' },
    body: () => ({ email: 'customer@email.se' }),
    fields: { email: 'string', billing_address: 'object', shipping_address: 'object', customer: 'object', payment_method_category: 'string' },
  },
  { method: 'POST', path: '/sandbox/v1/hpp/sessions/:session_id/decline', auth: 'merchant', params: { session_id: 'hpp_session_id' } },
  { method: 'POST', path: '/sandbox/v1/hpp/sessions/:session_id/back', auth: 'merchant', params: { session_id: 'hpp_session_id' } },
  { method: 'POST', path: '/sandbox/v1/hpp/sessions/:session_id/cancel', auth: 'merchant', params: { session_id: 'hpp_session_id' } },
  {
    method: 'GET',
    path: '/sandbox/v1/callbacks',
    auth: 'merchant',
    query: {
      kind: () => 'checkout.validation',
      status: () => 'failed',
      order_id: (ids) => ids.order_id,
      session_id: (ids) => ids.session_id,
      size: () => '20',
      offset: () => '0',
    },
  },
  { method: 'GET', path: '/sandbox/v1/callbacks/:callback_id', auth: 'merchant', params: { callback_id: 'callback_id' } },
  { method: 'POST', path: '/sandbox/v1/callbacks/:callback_id/redeliver', auth: 'merchant', params: { callback_id: 'callback_id' } },
  { method: 'GET', path: '/sandbox/v1/timeline', auth: 'merchant', query: { order_id: (ids) => ids.order_id } },
  { method: 'GET', path: '/sandbox/v1/report', auth: 'merchant', query: { since: () => '2000-01-01', severity: () => 'info' } },
  {
    method: 'GET',
    path: '/sandbox/v1/messages',
    auth: 'merchant',
    query: { order_id: (ids) => ids.order_id, session_id: (ids) => ids.hpp_session_id, recipient: () => 'customer@email.se', kind: () => 'hpp.link' },
  },

  // Settlements
  { method: 'GET', path: '/settlements/v1/payouts', auth: 'merchant', query: { start_date: () => '2000-01-01', end_date: () => '2100-01-01T00:00:00Z', currency_code: () => 'SEK', size: () => '20', offset: () => '0' } },
  { method: 'GET', path: '/settlements/v1/payouts/summary', auth: 'merchant', query: { start_date: () => '2000-01-01', end_date: () => '2100-01-01', currency_code: () => 'SEK' } },
  { method: 'GET', path: '/settlements/v1/payouts/:payment_reference', auth: 'merchant', params: { payment_reference: 'payment_reference' } },
  {
    method: 'GET',
    path: '/settlements/v1/transactions',
    auth: 'merchant',
    query: { payment_reference: (ids) => ids.payment_reference, order_id: (ids) => ids.order_id, size: () => '500', offset: () => '0' },
  },
  { method: 'GET', path: '/settlements/v1/reports/payout', auth: 'merchant', query: { payment_reference: (ids) => ids.payment_reference } },
  { method: 'GET', path: '/settlements/v1/reports/payout-with-transactions', auth: 'merchant', query: { payment_reference: (ids) => ids.payment_reference } },
  { method: 'GET', path: '/settlements/v1/reports/payouts-summary', auth: 'merchant', query: { start_date: () => '2000-01-01', end_date: () => '2100-01-01' } },
  { method: 'GET', path: '/settlements/v1/reports/payouts-summary-with-transactions', auth: 'merchant', query: { start_date: () => '2000-01-01', end_date: () => '2100-01-01' } },
  { method: 'POST', path: '/sandbox/v1/settlements/payouts/run', auth: 'merchant', body: () => ({ immediately: false }), fields: { immediately: 'boolean' } },
  {
    method: 'POST',
    path: '/sandbox/v1/settlements/disputes',
    auth: 'merchant',
    body: (ids) => ({ order_id: ids.order_id, capture_id: ids.capture_id, reason: 'faulty_goods', amount: 100 }),
    required: ['order_id', 'capture_id'],
    fields: { order_id: 'string', capture_id: 'string', reason: { enum: DISPUTE_REASONS }, amount: 'integer', merchant_protection: 'boolean' },
  },
  { method: 'GET', path: '/sandbox/v1/settlements/disputes', auth: 'merchant', query: { order_id: (ids) => ids.order_id } },
  { method: 'POST', path: '/sandbox/v1/settlements/disputes/:dispute_id/win', auth: 'merchant', params: { dispute_id: 'dispute_id' }, body: () => ({}), fields: { merchant_protection: 'boolean' } },
  { method: 'POST', path: '/sandbox/v1/settlements/disputes/:dispute_id/lose', auth: 'merchant', params: { dispute_id: 'dispute_id' }, body: () => ({}), fields: { merchant_protection: 'boolean' } },

  // Merchant Card Service
  {
    method: 'POST',
    path: '/merchantcard/v3/promises',
    auth: 'merchant',
    body: (ids) => ({ order_id: ids.promised_order_id, cards: [{ amount: 5000, currency: 'SEK', reference: 'seller-1' }] }),
    required: ['order_id', 'cards'],
    fields: { order_id: 'string', cards: 'array' },
  },
  { method: 'GET', path: '/merchantcard/v3/promises/:promise_id', auth: 'merchant', params: { promise_id: 'promise_id' } },
  {
    method: 'POST',
    path: '/merchantcard/v3/settlements',
    auth: 'merchant',
    body: (ids) => ({ order_id: ids.promised_order_id, key_id: ids.card_key_id, promise_id: ids.promise_id }),
    required: ['order_id', 'key_id'],
    fields: { order_id: 'string', key_id: 'string', promise_id: 'string' },
  },
  { method: 'GET', path: '/merchantcard/v3/settlements/:settlement_id', auth: 'merchant', params: { settlement_id: 'card_settlement_id' }, headers: KEY_ID },
  { method: 'GET', path: '/merchantcard/v3/settlements/order/:order_id', auth: 'merchant', params: { order_id: 'card_order_id' }, headers: KEY_ID },
  { method: 'POST', path: '/merchantcard/v3/orders/:order_id/cancel-request', auth: 'merchant', params: { order_id: 'card_order_id' } },
  { method: 'GET', path: '/merchantcard/v3/orders/:order_id/cancel-request', auth: 'merchant', params: { order_id: 'card_order_id' } },
  {
    method: 'POST',
    path: '/sandbox/v1/merchant-card/keys',
    auth: 'merchant',
    body: () => keyPair().jwk,
    required: ['kty', 'n', 'e'],
    fields: { kty: { enum: ['RSA'] }, n: 'string', e: 'string', use: { enum: ['enc'] }, alg: { enum: ['RSA1_5'] }, kid: 'string', key_ops: 'array', ext: 'boolean' },
  },
  { method: 'GET', path: '/sandbox/v1/merchant-card/keys', auth: 'merchant' },
  { method: 'DELETE', path: '/sandbox/v1/merchant-card/keys/:key_id', auth: 'merchant', params: { key_id: 'card_key_id' } },
  { method: 'POST', path: '/sandbox/v1/merchant-card/cards/:card_id/use', auth: 'merchant', params: { card_id: 'card_id' } },

  {
    method: 'POST',
    path: '/sandbox/v1/faults',
    auth: 'merchant',
    body: () => ({ method: 'GET', path: '/never/matched/*', status: 503, times: 1 }),
    fields: {
      target: { enum: FAULT_TARGETS },
      method: { enum: FAULT_METHODS },
      path: 'string',
      status: 'integer',
      error_code: 'string',
      error_messages: 'array',
      delay_ms: 'integer',
      drop: 'boolean',
      callback_kind: 'string',
      times: 'integer',
      expires_in_seconds: 'integer',
    },
  },
  { method: 'GET', path: '/sandbox/v1/faults', auth: 'merchant' },
  { method: 'GET', path: '/sandbox/v1/faults/:fault_id', auth: 'merchant', params: { fault_id: 'fault_id' } },
  { method: 'DELETE', path: '/sandbox/v1/faults/:fault_id', auth: 'merchant', params: { fault_id: 'fault_id' } },

  {
    method: 'POST',
    path: '/sandbox/v1/customer-tokens/:token_id/status',
    auth: 'merchant',
    params: { token_id: 'token_id' },
    body: () => ({ status: 'SUSPENDED' }),
    required: ['status'],
    fields: { status: { enum: TOKEN_STATUSES } },
  },

  // The merchant dashboard (session cookie; CSRF token in every POST form; HTML pages)
  { method: 'GET', path: '/dashboard/assets/dashboard.css', auth: 'dashboard', open: true },
  { method: 'GET', path: '/dashboard/assets/dashboard.js', auth: 'dashboard', open: true },
  { method: 'GET', path: '/dashboard', auth: 'dashboard' },
  { method: 'GET', path: '/dashboard/sign-in', auth: 'dashboard', open: true, query: { next: () => '/dashboard/orders' } },
  { method: 'POST', path: '/dashboard/sign-in', auth: 'dashboard', open: true, form: () => ({ username: MERCHANT.username, password: MERCHANT.password, next: '/dashboard/orders' }) },
  { method: 'GET', path: '/dashboard/merchants', auth: 'dashboard', query: { next: () => '/dashboard/orders' } },
  // Only the administrator's session chooses a merchant (a merchant's is answered 404).
  { method: 'POST', path: '/dashboard/merchants/choose', auth: 'dashboard', form: () => ({ merchant_id: 'merchant', next: '/dashboard/orders' }) },
  {
    method: 'GET',
    path: '/dashboard/orders',
    auth: 'dashboard',
    query: { q: (ids) => ids.order_id, status: () => 'PART_CAPTURED', fraud_status: () => 'ACCEPTED', currency: () => 'SEK', from: () => '2000-01-01', to: () => '2100-01-01' },
  },
  { method: 'GET', path: '/dashboard/orders/:order_id', auth: 'dashboard', params: ORDER, query: { done: () => 'capture' } },
  { method: 'POST', path: '/dashboard/orders/:order_id/actions/:action', auth: 'dashboard', params: { order_id: 'order_id', action: 'order_action' }, form: () => ({ amount: '1.00' }) },
  { method: 'POST', path: '/dashboard/clock/advance', auth: 'dashboard', form: () => ({ seconds: '60', back: '/dashboard/orders' }) },
  { method: 'GET', path: '/dashboard/report', auth: 'dashboard', query: { since: () => '2000-01-01', severity: () => 'warning' } },
  { method: 'GET', path: '/dashboard/payments-sessions', auth: 'dashboard', query: { q: (ids) => ids.session_id } },
  { method: 'GET', path: '/dashboard/payments-sessions/:id', auth: 'dashboard', params: { id: 'session_id' }, query: { done: () => 'authorize-approved' } },
  { method: 'POST', path: '/dashboard/payments-sessions/:id/actions/authorize', auth: 'dashboard', params: { id: 'session_id' }, form: () => ({ email: 'customer@email.se' }) },
  { method: 'GET', path: '/dashboard/checkout-orders', auth: 'dashboard', query: { q: (ids) => ids.checkout_order_id } },
  { method: 'GET', path: '/dashboard/checkout-orders/:id', auth: 'dashboard', params: { id: 'checkout_order_id' }, query: { done: () => 'complete-done' } },
  {
    method: 'POST',
    path: '/dashboard/checkout-orders/:id/actions/complete',
    auth: 'dashboard',
    params: { id: 'checkout_order_id' },
    form: () => ({ email: 'customer@email.se', ...ADDRESS, phone: '+46765260000' }),
  },
  { method: 'GET', path: '/dashboard/hpp-sessions', auth: 'dashboard', query: { q: (ids) => ids.hpp_session_id } },
  { method: 'GET', path: '/dashboard/hpp-sessions/:id', auth: 'dashboard', params: { id: 'hpp_session_id' } },
  { method: 'GET', path: '/dashboard/customer-tokens', auth: 'dashboard', query: { q: (ids) => ids.token_id } },
  { method: 'GET', path: '/dashboard/customer-tokens/:id', auth: 'dashboard', params: { id: 'token_id' } },
  { method: 'GET', path: '/dashboard/payouts', auth: 'dashboard', query: { q: (ids) => ids.payment_reference } },
  { method: 'GET', path: '/dashboard/payouts/:id', auth: 'dashboard', params: { id: 'payment_reference' } },
  { method: 'GET', path: '/dashboard/payouts/:id/report.csv', auth: 'dashboard', params: { id: 'payment_reference' } },
  { method: 'GET', path: '/dashboard/payouts/:id/report.pdf', auth: 'dashboard', params: { id: 'payment_reference' } },
  { method: 'GET', path: '/dashboard/faults', auth: 'dashboard', query: { done: () => 'fault-created' } },
  {
    method: 'POST',
    path: '/dashboard/faults',
    auth: 'dashboard',
    form: () => ({ target: 'api', method: 'GET', path: '/never/matched/dashboard', status: '503', error_code: 'TEMPORARILY_UNAVAILABLE', times: '1', expires_in_seconds: '3600' }),
  },
  { method: 'POST', path: '/dashboard/faults/:fault_id/remove', auth: 'dashboard', params: { fault_id: 'fault_id' }, form: () => ({}) },
  { method: 'POST', path: '/dashboard/callbacks/:id/redeliver', auth: 'dashboard', params: { id: 'callback_id' }, form: () => ({ back: '/dashboard/orders' }) },
  { method: 'GET', path: '/dashboard/events', auth: 'dashboard', stream: true },
  // Last: it ends the session.
  { method: 'POST', path: '/dashboard/sign-out', auth: 'dashboard', form: () => ({}) },

  // The merchant's whole state. Last of all: a walk of this table that calls every route replaces
  // (PUT, with this empty snapshot) and deletes (reset) the merchant's resources only after the others.
  { method: 'GET', path: '/sandbox/v1/snapshot', auth: 'merchant' },
  {
    method: 'PUT',
    path: '/sandbox/v1/snapshot',
    auth: 'merchant',
    body: () => ({
      format: 'klarna-local/merchant-snapshot',
      version: 1,
      schema: '0001_initial',
      exported_at: '2026-01-01T00:00:00.000Z',
      merchant: { username: MERCHANT.username },
      clock: { now: '2026-01-01T00:00:00.000Z', now_ms: 1_767_225_600_000 },
      settings: {},
      tables: {},
    }),
    required: ['format', 'version', 'schema', 'exported_at', 'merchant', 'clock', 'settings', 'tables'],
    fields: {
      format: { enum: ['klarna-local/merchant-snapshot'] },
      version: 'integer',
      schema: 'string',
      exported_at: 'string',
      merchant: 'object',
      clock: 'object',
      settings: 'object',
      tables: 'object',
    },
    query: { keep_clock: () => 'true' },
  },
  { method: 'POST', path: '/sandbox/v1/reset', auth: 'merchant', body: () => ({}) },

];

/**
 * `METHOD /path` of every route the app registered (HEAD, which Fastify adds to each GET, left out), read from its route tree.
 * The tree is read with its common prefixes as nodes of their own: the flattened one drops a static
 * segment shared by a wildcard and its siblings (`/docs/static/*` printed as `/docs*`).
 */
export function registeredRoutes(app: App): string[] {
  const found: string[] = [];
  const prefixes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: true }).split('\n')) {
    const match = /^([│ ]*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const full = (depth > 0 ? (prefixes[depth - 1] ?? '') : '') + (match[2] ?? '');
    prefixes.length = depth;
    prefixes[depth] = full;
    for (const method of match[3]?.split(', ') ?? []) if (method !== 'HEAD') found.push(`${method} ${full}`);
  }
  return found.sort();
}

/** The route's path with these (already encoded) ids, and a query string. */
export function urlOf(spec: RouteSpec, ids: Record<string, string>, query = ''): string {
  return spec.path.replace(/:([A-Za-z_]+)/g, (_m, name: string) => ids[name] ?? 'missing') + query;
}

/** The merchant's own ids for the route's parameters, encoded. */
export function realParams(spec: RouteSpec, ids: Ids): Record<string, string> {
  return Object.fromEntries(Object.entries(spec.params ?? {}).map(([name, source]) => [name, encodeURIComponent(ids[source])]));
}
