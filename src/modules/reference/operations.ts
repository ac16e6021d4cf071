/**
 * What each route answers, for the OpenAPI document: its summary and its own answers (success,
 * redirects, pages, the refusals that are its own). Keyed `METHOD /path` as the document writes paths
 * (`{param}`, and `{*}` for a wildcard). The refusals every route shares (credentials, unreadable
 * bodies, schema violations, the rate limit, fault rules, 5xx) are added from the route's own options
 * (document.ts), and a route's response schemas, where it has them, are read from the route itself.
 *
 * The Klarna APIs' bodies are built by hand (a stored document sent as it is), so their shapes are
 * written here (schemas.ts) and used by the document only, never to serialise a response.
 */
import { Type } from 'typebox';
import { CaptureResponse, ExtendDueDateOptionsResponse, OrderResponse, RefundResponse } from '../order-management/schemas.js';
import { CustomerTokenResponse } from '../customer-token/schemas.js';
import { HppSessionView } from '../hpp/schemas.js';
import { AuthorizeResponse } from '../payments/schemas.js';
import { PayoutResponse } from '../settlements/schemas.js';
import type { Answer, OperationDoc } from './answers.js';
import { bytes, envelopeRef, html, json, noBody, notModified, seeOther } from './answers.js';
import {
  CancelRequest,
  CardPromise,
  CardSettlement,
  CheckoutOrder,
  CheckoutPageAnswer,
  CheckoutPageView,
  Health,
  HppSessionCreated,
  ManualIdCheck,
  NoCancelRequest,
  PaymentsCustomerToken,
  PaymentsOrderCreated,
  PaymentsSession,
  PaymentsSessionCreated,
  PayoutSummary,
  PayoutsPage,
  PromiseCreated,
  Ready,
  ShopperSession,
  TokenOrderCreated,
  TransactionsPage,
} from './schemas.js';

const JS = 'application/javascript';
const CSS = 'text/css';
const PDF = 'application/pdf';
const CSV = 'text/csv';
const IDEMPOTENT = 'Replayed as first answered when the same `Klarna-Idempotency-Key` is sent again.';

const done = (what: string): Answer => noBody(`${what} No body and no content type.`);
const created = (what: string, headers: Record<string, string>): Answer => noBody(`${what} No body.`, headers);
const asset = (summary: string, type: string): OperationDoc => ({
  summary,
  responses: { 200: bytes(`${summary}, cached for a while (ETag)`, type, { ETag: 'For conditional requests', 'Cache-Control': 'How long to keep it' }), 304: notModified },
});
const page = (summary: string, responses: Record<number, Answer>, form?: Record<string, string>): OperationDoc => ({ summary, responses, ...(form && { form }) });

// ---- Order Management v1 ----

const OM = '/ordermanagement/v1/orders/{order_id}';
const omWrite = (summary: string, what: string): OperationDoc => ({ summary, description: IDEMPOTENT, responses: { 204: done(what) } });
const ORDER_MANAGEMENT: Record<string, OperationDoc> = {
  [`GET ${OM}`]: { summary: 'Read an order', responses: { 200: json('The order, as stored (captures, refunds, amounts, status)', OrderResponse) } },
  [`POST ${OM}/acknowledge`]: omWrite('Acknowledge an order', 'Acknowledged (Checkout’s pushes stop).'),
  [`PATCH ${OM}/authorization`]: omWrite('Change the authorized amount and lines', 'Changed.'),
  [`PATCH ${OM}/customer-details`]: omWrite('Change the shipping address or e-mail', 'Changed.'),
  [`PATCH ${OM}/merchant-references`]: omWrite('Change the merchant references', 'Changed.'),
  [`POST ${OM}/extend-authorization-time`]: omWrite('Extend the authorization', 'Extended.'),
  [`POST ${OM}/release-remaining-authorization`]: omWrite('Release what is not captured', 'Released.'),
  [`POST ${OM}/cancel`]: omWrite('Cancel an order', 'Cancelled.'),
  [`POST ${OM}/shipping-info`]: omWrite('Add shipping information to the order’s captures', 'Added.'),
  [`POST ${OM}/captures`]: {
    summary: 'Capture',
    description: IDEMPOTENT,
    responses: { 201: created('Captured.', { Location: 'The capture’s URL', 'Capture-Id': 'The capture’s id' }) },
  },
  [`GET ${OM}/captures`]: { summary: 'List the captures', responses: { 200: json('The captures, oldest first', Type.Array(CaptureResponse)) } },
  [`GET ${OM}/captures/{capture_id}`]: { summary: 'Read a capture', responses: { 200: json('The capture', CaptureResponse) } },
  [`POST ${OM}/captures/{capture_id}/shipping-info`]: omWrite('Add shipping information to a capture', 'Added.'),
  [`POST ${OM}/captures/{capture_id}/trigger-send-out`]: omWrite('Send the capture’s invoice again', 'Sent (to the sandbox inbox).'),
  [`GET ${OM}/captures/{capture_id}/extend-due-date-options`]: { summary: 'Due-date extensions on offer', responses: { 200: json('The options and their prices', ExtendDueDateOptionsResponse) } },
  [`PATCH ${OM}/captures/{capture_id}/extend-due-date`]: omWrite('Extend a capture’s due date', 'Extended.'),
  [`POST ${OM}/refunds`]: {
    summary: 'Refund',
    description: IDEMPOTENT,
    responses: { 201: created('Refunded.', { Location: 'The refund’s URL', 'Refund-Id': 'The refund’s id' }) },
  },
  [`GET ${OM}/refunds/{refund_id}`]: { summary: 'Read a refund', responses: { 200: json('The refund', RefundResponse) } },
};

// ---- Payments v1 ----

const PAYMENTS: Record<string, OperationDoc> = {
  'POST /payments/v1/sessions': { summary: 'Create a session', description: IDEMPOTENT, responses: { 200: json('The session: its id, client token and payment method categories', PaymentsSessionCreated) } },
  'POST /payments/v1/sessions/{session_id}': { summary: 'Update a session', description: IDEMPOTENT, responses: { 204: done('Updated.') } },
  'GET /payments/v1/sessions/{session_id}': { summary: 'Read a session', responses: { 200: json('The session (the shopper’s details once authorized)', PaymentsSession) } },
  'DELETE /payments/v1/authorizations/{authorization_token}': { summary: 'Cancel an authorization', description: IDEMPOTENT, responses: { 204: done('Cancelled.') } },
  'POST /payments/v1/authorizations/{authorization_token}/order': {
    summary: 'Place the order of an authorization',
    description: `${IDEMPOTENT} The same body again answers the same order (200); a different one 409.`,
    responses: { 200: json('The order in Order Management', PaymentsOrderCreated) },
  },
  'POST /payments/v1/authorizations/{authorization_token}/customer-token': {
    summary: 'Make a customer token of an authorization',
    description: IDEMPOTENT,
    responses: { 200: json('The customer token', PaymentsCustomerToken) },
  },
};

// ---- Checkout v3 ----

const CHECKOUT_404: Answer = {
  description: 'Unknown order, another merchant’s, or expired: no body, as Klarna answers (a fault rule’s 404 has the envelope)',
  content: { 'application/json': envelopeRef },
  empty: true,
};
const CHECKOUT: Record<string, OperationDoc> = {
  'POST /checkout/v3/orders': { summary: 'Create a checkout order', description: IDEMPOTENT, responses: { 201: json('The order with its html_snippet', CheckoutOrder, { Location: 'The order’s URL' }) } },
  'GET /checkout/v3/orders/{order_id}': { summary: 'Read a checkout order', responses: { 200: json('The order with a fresh html_snippet', CheckoutOrder), 404: CHECKOUT_404 } },
  'POST /checkout/v3/orders/{order_id}': { summary: 'Update a checkout order', description: IDEMPOTENT, responses: { 200: json('The updated order', CheckoutOrder), 404: CHECKOUT_404 } },
  'POST /checkout/v3/orders/{order_id}/abort': { summary: 'Abort a checkout order', description: IDEMPOTENT, responses: { 200: json('The aborted order', CheckoutOrder), 404: CHECKOUT_404 } },
};

// ---- The checkout page (its token authenticates the shopper) ----

const PAGE_REFUSALS = { 400: 'A field the page sent is wrong (BAD_VALUE)', 401: 'The page token is not valid', 403: 'The order can no longer change (READ_ONLY_ORDER)', 404: 'The order is gone' };
const pageHtml = (what: string) => html(`${what}, with its own Content-Security-Policy`, { 'Content-Security-Policy': 'Only the page’s own resources', 'Cache-Control': 'no-store' });
const CHECKOUT_PAGE: Record<string, OperationDoc> = {
  'GET /checkout/v3/page/checkout.js': asset('The checkout page’s script', JS),
  'GET /checkout/v3/page/checkout.css': asset('The checkout page’s styles', CSS),
  'GET /checkout/v3/page/snippet.js': asset('The script of the html_snippet (runs in the merchant’s page)', JS),
  'GET /checkout/v3/page/checkout': page('The checkout page', {
    200: pageHtml('The page'),
    401: pageHtml('A page saying the link is not valid'),
    404: pageHtml('A page saying the checkout is gone'),
  }),
  'GET /checkout/v3/page/confirmation': page('The confirmation page', {
    200: pageHtml('The page'),
    401: pageHtml('A page saying the link is not valid'),
    404: pageHtml('A page saying the checkout is gone'),
  }),
  'GET /checkout/v3/page/api/order': { summary: 'The order as the page shows it', responses: { 200: json('The order', CheckoutPageView) }, refusals: PAGE_REFUSALS },
  'POST /checkout/v3/page/api/details': { summary: 'The shopper’s details (address callbacks run)', responses: { 200: json('What happened, and the order', CheckoutPageAnswer) }, refusals: PAGE_REFUSALS },
  'POST /checkout/v3/page/api/shipping-option': { summary: 'The shopper picks a shipping option', responses: { 200: json('What happened, and the order', CheckoutPageAnswer) }, refusals: PAGE_REFUSALS },
  'POST /checkout/v3/page/api/complete': { summary: 'The shopper buys (validation callback runs)', responses: { 200: json('What happened, and the order unless complete', CheckoutPageAnswer) }, refusals: PAGE_REFUSALS },
};

// ---- Customer Token v1 ----

const CUSTOMER_TOKEN: Record<string, OperationDoc> = {
  'GET /customer-token/v1/tokens/{customerToken}': { summary: 'Read a customer token', responses: { 200: json('The token', CustomerTokenResponse) } },
  'POST /customer-token/v1/tokens/{customerToken}/order': { summary: 'Charge a customer token', description: IDEMPOTENT, responses: { 200: json('The order in Order Management', TokenOrderCreated) } },
  'PATCH /customer-token/v1/tokens/{customerToken}/status': { summary: 'Cancel a customer token', description: IDEMPOTENT, responses: { 202: noBody('Cancelled. No body.') } },
};

// ---- Hosted Payment Page v1 and its pages ----

const HPP_PAGE_REFUSAL = (what: string): Answer => ({
  description: `${what}: a page for a browser (Accept: text/html), else Klarna’s envelope`,
  content: { 'text/html': null, 'application/json': envelopeRef },
});
const HPP: Record<string, OperationDoc> = {
  'POST /hpp/v1/sessions': { summary: 'Create an HPP session', description: IDEMPOTENT, responses: { 201: json('The session and its URLs', HppSessionCreated, { Location: 'The session’s URL' }) } },
  'GET /hpp/v1/sessions/{session_id}': {
    summary: 'Read an HPP session',
    description: 'With credentials: the session. A browser opening the session URL itself (no credentials, Accept: text/html) is sent to the hosted page.',
    responses: { 200: json('The session', HppSessionView), 303: seeOther('A browser without credentials: to the hosted page') },
  },
  'DELETE /hpp/v1/sessions/{session_id}': { summary: 'Disable an HPP session', description: IDEMPOTENT, responses: { 204: done('Disabled.') } },
  'POST /hpp/v1/sessions/{session_id}/distribution': {
    summary: 'Send the session’s link by e-mail or SMS',
    description: `${IDEMPOTENT} Nothing is sent: the message is in the sandbox inbox.`,
    responses: { 201: noBody('Sent. No body.'), 204: noBody('`token` distribution: nothing to send. No body.') },
  },
  'GET /hpp/v1/sessions/{session_id}/manual-id-check': { summary: 'Whether the consumer must show identification', responses: { 200: json('Never required here', ManualIdCheck) } },
  'GET /hpp/pay/assets/hpp.css': asset('The hosted page’s styles', CSS),
  'GET /hpp/pay/{code}': page('The hosted payment page', { 200: pageHtml('The page (opening it starts the attempt)'), 404: HPP_PAGE_REFUSAL('Unknown, ended or disabled') }),
  'GET /hpp/pay/{code}/qr': page('The page’s link as a QR code', {
    200: { description: 'PNG, or SVG with `?format=svg`', content: { 'image/png': null, 'image/svg+xml': null } },
    404: HPP_PAGE_REFUSAL('Unknown, ended or disabled'),
  }),
  'GET /hpp/distribution/{token}': page('The distribution page (the link and its QR code)', { 200: pageHtml('The page'), 404: HPP_PAGE_REFUSAL('Unknown, ended or disabled') }),
};
for (const action of ['approve', 'decline', 'back', 'cancel'] as const) {
  HPP[`POST /hpp/pay/{code}/${action}`] = page(
    `The page’s ${action} button`,
    {
      303: seeOther('To the merchant’s URL for the outcome, or back to the page'),
      400: { ...pageHtml('The page again, saying what to correct (a request that is no form: the envelope)'), content: { 'text/html': null, 'application/json': envelopeRef } },
      404: HPP_PAGE_REFUSAL('Unknown, ended or disabled'),
    },
    action === 'approve' ? { email: 'The consumer’s e-mail', payment_method_category: 'The chosen category' } : {},
  );
}

// ---- The Payments widget (the client token authenticates the shopper) ----

const SHOPPER: Record<string, OperationDoc> = {
  'GET /kp/lib/v1/api.js': asset('Klarna’s browser library, as a drop-in (Klarna.Payments.init/load/authorize)', JS),
  'GET /kp/widget': page('The widget page (an iframe of the library)', {
    200: pageHtml('The payment method form'),
    400: pageHtml('The form, saying the category is not offered'),
    401: pageHtml('A page saying the link is not valid'),
    404: pageHtml('A page saying the session is gone or complete'),
  }),
  'GET /kp/widget/widget.js': asset('The widget’s script', JS),
  'GET /kp/widget/widget.css': asset('The widget’s styles', CSS),
  'GET /kp/widget/api/session': {
    summary: 'The session a client token is for',
    responses: { 200: json('The session as the widget shows it', ShopperSession) },
    refusals: { 401: 'The client token is not valid', 404: 'The session is gone' },
  },
  'POST /kp/widget/api/authorize': {
    summary: 'The shopper authorizes in the widget',
    responses: { 200: json('The outcome, as the sandbox’s authorize answers it', AuthorizeResponse) },
    refusals: { 401: 'The client token is not valid', 403: 'Refused', 404: 'The session is gone or complete', 409: 'Changed meanwhile' },
  },
  'GET /kp/assets/{identifier}/{file}': {
    summary: 'A payment method category’s badge',
    responses: { 200: bytes('The badge', 'image/svg+xml', { 'Cache-Control': 'public, max-age=300' }) },
    refusals: { 404: 'No such badge' },
  },
};

// ---- Settlements v1 ----

const report = (summary: string, type: string): OperationDoc => ({
  summary,
  responses: { 200: bytes(`The report, as an attachment`, type, { 'Content-Disposition': 'attachment; filename="…"' }) },
});
const SETTLEMENTS: Record<string, OperationDoc> = {
  'GET /settlements/v1/payouts': { summary: 'List payouts', responses: { 200: json('A page of payouts', PayoutsPage(PayoutResponse)) } },
  'GET /settlements/v1/payouts/summary': { summary: 'Payout totals of a period, per currency', responses: { 200: json('One summary per currency', Type.Array(PayoutSummary)) } },
  'GET /settlements/v1/payouts/{payment_reference}': { summary: 'Read a payout', responses: { 200: json('The payout', PayoutResponse) } },
  'GET /settlements/v1/transactions': { summary: 'List transactions', responses: { 200: json('A page of transactions', TransactionsPage) } },
  'GET /settlements/v1/reports/payout': report('A payout’s PDF report', PDF),
  'GET /settlements/v1/reports/payout-with-transactions': report('A payout’s CSV report with its transactions', CSV),
  'GET /settlements/v1/reports/payouts-summary': report('A period’s PDF summary', PDF),
  'GET /settlements/v1/reports/payouts-summary-with-transactions': report('A period’s CSV summary with its transactions', CSV),
};

// ---- Merchant Card Service v3 ----

const MERCHANT_CARD: Record<string, OperationDoc> = {
  'POST /merchantcard/v3/promises': { summary: 'Promise virtual cards for an order', description: IDEMPOTENT, responses: { 201: json('The promise', PromiseCreated, { Location: 'The promise’s URL' }) } },
  'GET /merchantcard/v3/promises/{promise_id}': { summary: 'Read a promise', responses: { 200: json('The promise', CardPromise) } },
  'POST /merchantcard/v3/settlements': {
    summary: 'Settle a promise: issue its cards',
    description: IDEMPOTENT,
    responses: { 201: json('The settlement, its cards encrypted for the key named', CardSettlement, { Location: 'The settlement’s URL' }) },
  },
  'GET /merchantcard/v3/settlements/{settlement_id}': { summary: 'Read a settlement (cards encrypted for the KeyId header’s key)', responses: { 200: json('The settlement', CardSettlement) } },
  'GET /merchantcard/v3/settlements/order/{order_id}': { summary: 'Read an order’s settlement', responses: { 200: json('The settlement', CardSettlement) } },
  'POST /merchantcard/v3/orders/{order_id}/cancel-request': {
    summary: 'Ask to cancel an order’s cards',
    description: IDEMPOTENT,
    responses: { 200: json('Already cancelled', CancelRequest), 202: json('Pending: decided after check_after', CancelRequest) },
  },
  'GET /merchantcard/v3/orders/{order_id}/cancel-request': {
    summary: 'Read a cancellation request',
    responses: {
      200: json('The request (decided now when due)', CancelRequest),
      400: { description: 'No request for this order (NO_REQUEST_FOUND, Klarna’s body with the envelope’s fields), or another refusal', content: { 'application/json': Type.Union([NoCancelRequest, envelopeRef]) } },
    },
  },
};

// ---- The sandbox API (the routes' own response schemas give the bodies) ----

const SANDBOX: Record<string, OperationDoc> = {
  'POST /sandbox/v1/orders': { summary: 'Create an AUTHORIZED order, as a finished purchase leaves it', description: IDEMPOTENT, responses: {} },
  'GET /sandbox/v1/clock': { summary: 'The merchant’s sandbox clock', responses: {} },
  'POST /sandbox/v1/clock/advance': { summary: 'Move the clock forward; what falls due happens now', responses: {} },
  'GET /sandbox/v1/events': { summary: 'What happened to an order or a session', responses: {} },
  'GET /sandbox/v1/messages': { summary: 'The inbox: what would have been sent to shoppers', responses: {} },
  'GET /sandbox/v1/callbacks': { summary: 'The callback inspector: the merchant’s callbacks and their attempts', responses: {} },
  'GET /sandbox/v1/report': { summary: 'The integration report: what the merchant’s integration did that would hurt in production', responses: {} },
  'GET /sandbox/v1/callbacks/{callback_id}': { summary: 'One callback and its attempts', responses: {} },
  'POST /sandbox/v1/callbacks/{callback_id}/redeliver': { summary: 'Send a callback again now', responses: {}, refusals: { 409: 'An attempt is under way (CALLBACK_BUSY)' } },
  'GET /sandbox/v1/timeline': { summary: 'Everything that happened to an order or a session, in order', responses: {} },
  'GET /sandbox/v1/settings': { summary: 'The merchant’s settings', responses: {} },
  'PATCH /sandbox/v1/settings': { summary: 'Change the merchant’s settings', responses: {} },
  'POST /sandbox/v1/payments/sessions/{session_id}/authorize': { summary: 'The shopper authorizes a Payments session', responses: {}, optionalBody: true },
  'POST /sandbox/v1/checkout/orders/{order_id}/complete': { summary: 'The shopper completes a checkout order', responses: {}, optionalBody: true },
  'POST /sandbox/v1/customer-tokens': { summary: 'Create a customer token directly', description: IDEMPOTENT, responses: {} },
  'GET /sandbox/v1/customer-tokens/{token_id}': { summary: 'A customer token and what it was made from', responses: {} },
  'POST /sandbox/v1/customer-tokens/{token_id}/status': { summary: 'Suspend or reinstate a customer token', description: IDEMPOTENT, responses: {} },
  'POST /sandbox/v1/hpp/sessions/{session_id}/open': { summary: 'The consumer opens the hosted page', responses: {} },
  'POST /sandbox/v1/hpp/sessions/{session_id}/approve': { summary: 'The consumer approves on the hosted page', responses: {}, optionalBody: true },
  'POST /sandbox/v1/hpp/sessions/{session_id}/decline': { summary: 'The consumer declines on the hosted page', responses: {} },
  'POST /sandbox/v1/hpp/sessions/{session_id}/back': { summary: 'The consumer goes back from the hosted page', responses: {} },
  'POST /sandbox/v1/hpp/sessions/{session_id}/cancel': { summary: 'The consumer cancels on the hosted page', responses: {} },
  'POST /sandbox/v1/settlements/payouts/run': { summary: 'Run the merchant’s payouts now', responses: {}, optionalBody: true },
  'POST /sandbox/v1/settlements/disputes': { summary: 'Open a dispute on a capture', responses: {} },
  'GET /sandbox/v1/settlements/disputes': { summary: 'An order’s disputes', responses: {} },
  'POST /sandbox/v1/settlements/disputes/{dispute_id}/win': { summary: 'Decide a dispute for the merchant', responses: {}, optionalBody: true },
  'POST /sandbox/v1/settlements/disputes/{dispute_id}/lose': { summary: 'Decide a dispute against the merchant', responses: {}, optionalBody: true },
  'POST /sandbox/v1/merchant-card/keys': { summary: 'Enrol a public key for virtual cards', description: 'Enrolling a key again answers 200 with the key as it is.', responses: {} },
  'GET /sandbox/v1/merchant-card/keys': { summary: 'The enrolled keys', responses: {} },
  'DELETE /sandbox/v1/merchant-card/keys/{key_id}': { summary: 'Revoke a key', responses: {} },
  'POST /sandbox/v1/merchant-card/cards/{card_id}/use': { summary: 'A virtual card is charged', responses: {} },
  'POST /sandbox/v1/faults': { summary: 'Inject failures into the merchant’s calls or callbacks', responses: {} },
  'GET /sandbox/v1/faults': { summary: 'The active fault rules', responses: {} },
  'GET /sandbox/v1/faults/{fault_id}': { summary: 'One fault rule', responses: {} },
  'DELETE /sandbox/v1/faults/{fault_id}': { summary: 'Remove a fault rule', responses: { 204: done('Removed.') } },
  'GET /sandbox/v1/snapshot': { summary: 'Export the merchant’s whole state', responses: {} },
  'PUT /sandbox/v1/snapshot': { summary: 'Replace the merchant’s whole state with a snapshot', responses: {} },
  'POST /sandbox/v1/reset': { summary: 'Delete everything of the merchant; settings and clock back to the defaults', responses: {}, optionalBody: true },
};

// ---- The dashboard (a session cookie; pages and forms) ----

const dashPage = (summary: string): OperationDoc => ({
  ...page(summary, { 200: pageHtml('The page'), 303: seeOther('Not signed in (or no merchant chosen): to the sign-in or merchant page') }),
  refusals: { 404: 'No such resource: a page saying so' },
});
const dashForm = (summary: string, form: Record<string, string>): OperationDoc => ({
  ...page(summary, { 303: seeOther('Done (or not signed in): back to the page, with a message') }, { csrf_token: 'The session’s CSRF token (in every page)', ...form }),
  refusals: { 403: 'The CSRF token is missing or wrong, or the actions are off (--no-sandbox): a page saying so', 404: 'No such resource: a page saying so' },
});
const DASHBOARD: Record<string, OperationDoc> = {
  'GET /dashboard/assets/dashboard.css': asset('The dashboard’s styles', CSS),
  'GET /dashboard/assets/dashboard.js': asset('The dashboard’s script', JS),
  'GET /dashboard': page('The dashboard: to the page for who is signed in', { 303: seeOther('To the sign-in, merchant or orders page') }),
  'GET /dashboard/sign-in': page('The sign-in form', { 200: pageHtml('The form'), 303: seeOther('Signed in already') }),
  'POST /dashboard/sign-in': page(
    'Sign in with a merchant’s (or the administrator’s) credentials',
    { 303: seeOther('Signed in (sets the session cookie)'), 401: pageHtml('The form again: wrong credentials') },
    { username: 'The username', password: 'The password', next: 'Where to go after' },
  ),
  'GET /dashboard/merchants': dashPage('The administrator’s merchant list'),
  'POST /dashboard/merchants/choose': dashForm('The administrator chooses a merchant', { merchant_id: 'The merchant', next: 'Where to go after' }),
  'GET /dashboard/orders': dashPage('Orders'),
  'GET /dashboard/report': dashPage('The integration report'),
  'GET /dashboard/orders/{order_id}': dashPage('An order'),
  'POST /dashboard/orders/{order_id}/actions/{action}': dashForm('An action on an order (capture, refund, cancel, …)', {}),
  'POST /dashboard/clock/advance': dashForm('Move the merchant’s clock', {}),
  'GET /dashboard/payments-sessions': dashPage('Payments sessions'),
  'GET /dashboard/payments-sessions/{id}': dashPage('A Payments session'),
  'POST /dashboard/payments-sessions/{id}/actions/authorize': dashForm('Authorize a session as a test shopper', {}),
  'GET /dashboard/checkout-orders': dashPage('Checkout orders'),
  'GET /dashboard/checkout-orders/{id}': dashPage('A checkout order'),
  'POST /dashboard/checkout-orders/{id}/actions/complete': dashForm('Complete a checkout order as a test shopper', {}),
  'GET /dashboard/hpp-sessions': dashPage('HPP sessions'),
  'GET /dashboard/hpp-sessions/{id}': dashPage('An HPP session'),
  'GET /dashboard/customer-tokens': dashPage('Customer tokens'),
  'GET /dashboard/customer-tokens/{id}': dashPage('A customer token'),
  'GET /dashboard/payouts': dashPage('Payouts'),
  'GET /dashboard/payouts/{id}': dashPage('A payout'),
  'GET /dashboard/payouts/{id}/report.csv': page('A payout’s CSV report', { 200: bytes('The report', CSV), 303: seeOther('Not signed in') }),
  'GET /dashboard/payouts/{id}/report.pdf': page('A payout’s PDF report', { 200: bytes('The report', PDF), 303: seeOther('Not signed in') }),
  'GET /dashboard/faults': dashPage('Fault rules'),
  'POST /dashboard/faults': dashForm('Add a fault rule', {}),
  'POST /dashboard/faults/{fault_id}/remove': dashForm('Remove a fault rule', {}),
  'POST /dashboard/callbacks/{id}/redeliver': dashForm('Send a callback again', { back: 'The page to return to' }),
  'GET /dashboard/events': page('Live updates of the merchant’s data (server-sent events, endless)', {
    200: bytes('An event stream', 'text/event-stream'),
    401: bytes('Not signed in', 'text/plain'),
  }),
  'POST /dashboard/sign-out': dashForm('Sign out', {}),
};

// ---- Operations and this reference ----

const OPERATIONS: Record<string, OperationDoc> = {
  'GET /healthz': { summary: 'Liveness', responses: { 200: json('The server is up', Health) } },
  'GET /readyz': { summary: 'Readiness: the database can serve', responses: { 200: json('Ready', Ready) } },
  'GET /metrics': { summary: 'Prometheus metrics (for a private network)', responses: { 200: bytes('The metrics in Prometheus’s text format', 'text/plain') } },
  'GET /openapi.json': { summary: 'This document', responses: { 200: bytes('OpenAPI 3.1', 'application/json') } },
  'GET /openapi.yaml': { summary: 'This document as YAML', responses: { 200: bytes('OpenAPI 3.1', 'application/yaml') } },
  'GET /docs': { summary: 'The browsable reference (Swagger UI, served from this server, offline)', responses: { 200: html('The reference page') } },
  'GET /docs/json': { summary: 'This document, for the reference page', responses: { 200: bytes('OpenAPI 3.1', 'application/json') } },
  'GET /docs/yaml': { summary: 'This document as YAML, for the reference page', responses: { 200: bytes('OpenAPI 3.1', 'application/x-yaml') } },
  'GET /docs/static/index.html': { summary: 'The reference page’s old address', responses: { 302: noBody('To /docs', { Location: '/docs' }) } },
  'GET /docs/static/swagger-initializer.js': { summary: 'The reference page’s start script', responses: { 200: bytes('The script', JS) } },
  'GET /docs/static/{*}': {
    summary: 'The reference page’s assets (Swagger UI’s scripts, styles and icons)',
    responses: {
      200: { description: 'The file', content: { [JS]: null, 'text/javascript': null, [CSS]: null, 'image/png': null, 'image/svg+xml': null, 'text/html': null } },
      304: noBody('Not modified'),
    },
    refusals: { 404: 'No such file' },
  },
};

export const OPERATION_DOCS: Readonly<Record<string, OperationDoc>> = {
  ...OPERATIONS,
  ...ORDER_MANAGEMENT,
  ...PAYMENTS,
  ...CHECKOUT,
  ...CHECKOUT_PAGE,
  ...CUSTOMER_TOKEN,
  ...HPP,
  ...SHOPPER,
  ...SETTLEMENTS,
  ...MERCHANT_CARD,
  ...SANDBOX,
  ...DASHBOARD,
};
