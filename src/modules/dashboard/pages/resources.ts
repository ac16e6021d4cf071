/**
 * The lists and pages of Payments sessions, Checkout orders, Hosted Payment Page sessions, customer
 * tokens and payouts. Every value from data is escaped (`e`); JSON read back from the database is
 * never assumed to have a shape (str/num).
 */
import type { CheckoutRecord } from '../../checkout/checkout-order.js';
import type { CustomerTokenRecord } from '../../customer-token/token.js';
import type { HppSessionRecord } from '../../hpp/hpp-session.js';
import type { AuthorizationRecord, SessionRecord } from '../../payments/session.js';
import { TOTAL_FIELDS } from '../../settlements/reports/format.js';
import type { PayoutRecord, TransactionRow } from '../../settlements/settlement.repository.js';
import type { Flash, Section, Viewer } from '../html.js';
import { csrfField, e, facts, json, money, page, table, time } from '../html.js';
import type { CheckoutOrderRow, CustomerTokenRow, HppSessionRow, ListQuery, PaymentSessionRow, PayoutRow } from '../resources.js';
import { jsonObject } from '../resources.js';
import type { TimelineEntry } from '../timeline-source.js';
import { badge, link, linesTable, num, objectFacts, pager, searchForm, str, timeCell } from './common.js';
import { orderHref } from './orders.js';
import { renderTimeline } from './timeline.js';

export const paymentsSessionHref = (id: string): string => `/dashboard/payments-sessions/${encodeURIComponent(id)}`;
export const checkoutOrderHref = (id: string): string => `/dashboard/checkout-orders/${encodeURIComponent(id)}`;
export const hppSessionHref = (id: string): string => `/dashboard/hpp-sessions/${encodeURIComponent(id)}`;
export const customerTokenHref = (id: string): string => `/dashboard/customer-tokens/${encodeURIComponent(id)}`;
export const payoutHref = (reference: string): string => `/dashboard/payouts/${encodeURIComponent(reference)}`;

/** A list page: heading, search, table, pager. */
function listPage(viewer: Viewer, section: Section, title: string, searchLabel: string, query: ListQuery, next: string | null, tableHtml: string): string {
  const action = `/dashboard/${section}`;
  const body = `<h1>${e(title)}</h1>\n${searchForm(action, searchLabel, query)}\n${tableHtml}\n${pager(action, query, next, `Older ${title.toLowerCase()}`)}`;
  return page({ title, viewer, section, body, live: section });
}

const orderLink = (orderId: string | null, exists: boolean): string => (orderId ? (exists ? link(orderHref(orderId), orderId, 'linked-order') : `<span class="mono">${e(orderId)}</span>`) : '<span class="empty">None yet</span>');

function amountsOf(data: Record<string, unknown>): string {
  const currency = str(data.purchase_currency);
  return `<dl class="amounts" id="amounts"><div><dt>Order amount</dt><dd id="amount-order">${e(money(num(data.order_amount), currency))}</dd></div><div><dt>Tax</dt><dd id="amount-tax">${e(money(num(data.order_tax_amount), currency))}</dd></div></dl>`;
}

function detailPage(options: { viewer: Viewer; section: Section; title: string; kindLabel: string; id: string; crumb: string; body: string; flash: Flash | null; live: string }): string {
  const body = `<p class="crumbs"><a href="/dashboard/${options.section}">${e(options.crumb)}</a></p>
<h1>${e(options.kindLabel)} <span class="mono" id="resource-id">${e(options.id)}</span></h1>
${options.body}`;
  return page({ title: options.title, viewer: options.viewer, section: options.section, body, flash: options.flash, live: options.live });
}

const timelineSection = (entries: readonly TimelineEntry[], viewer: Viewer, back: string): string =>
  `<section aria-labelledby="timeline-title"><h2 id="timeline-title">Timeline</h2>${renderTimeline(entries, viewer, back)}</section>`;

// Payments sessions.

export function renderPaymentsSessionList(viewer: Viewer, query: ListQuery, rows: readonly PaymentSessionRow[], next: string | null): string {
  const body = rows.map((row) => {
    const data = jsonObject(row.data);
    const currency = str(data.purchase_currency);
    return `<tr><th scope="row">${link(paymentsSessionHref(row.session_id), row.session_id)}</th><td>${badge(row.status)}</td><td>${e(row.intent)}</td><td>${e(str(data.merchant_reference1))}</td><td class="num">${e(money(num(data.order_amount), currency))}</td><td>${e(row.order_id ?? '')}</td><td>${timeCell(row.created_at)}</td></tr>`;
  });
  const tableHtml = table('Payments sessions, newest first', ['Session id', 'Status', 'Intent', 'Merchant reference', 'Amount', 'Order id', 'Created (UTC)'], body, {
    id: 'payments-sessions',
    empty: 'No Payments sessions match.',
  });
  return listPage(viewer, 'payments-sessions', 'Payments sessions', 'Session id', query, next, tableHtml);
}

export interface PaymentsSessionView {
  session: SessionRecord;
  authorizations: readonly AuthorizationRecord[];
  orderExists: boolean;
  hppSessions: readonly string[];
  defaultEmail: string;
  timeline: readonly TimelineEntry[];
  now: number;
}

export function renderPaymentsSessionPage(viewer: Viewer, view: PaymentsSessionView, flash: Flash | null): string {
  const { session, now } = view;
  const data = session.data as unknown as Record<string, unknown>;
  const currency = str(data.purchase_currency);
  const href = paymentsSessionHref(session.session_id);
  const expired = session.expires_at <= now;
  const summary = facts([
    ['Status', `${badge(session.status, 'session-status')}${expired ? ' <span class="note">expired</span>' : ''}`],
    ['Intent', e(session.intent)],
    ['Market', e(`${str(data.purchase_country)} · ${currency} · ${str(data.locale)}`)],
    ['Merchant references', e([str(data.merchant_reference1), str(data.merchant_reference2)].filter(Boolean).join(' / '))],
    ['Order', orderLink(session.order_id, view.orderExists)],
    ['Created', e(time(session.created_at))],
    ['Expires', e(time(session.expires_at))],
    ['Hosted Payment Page', view.hppSessions.length > 0 ? view.hppSessions.map((id) => link(hppSessionHref(id), id)).join(', ') : '<span class="empty">None</span>'],
  ]);
  const authorizations = table(
    'Authorizations',
    ['Authorization token', 'Status', 'Fraud status', 'Order', 'Created (UTC)', 'Expires (UTC)'],
    view.authorizations.map(
      (a) =>
        `<tr><th scope="row" class="mono">${e(a.authorization_token)}</th><td>${e(a.status)}</td><td>${e(a.decision.fraud_status)}</td><td>${a.order_id ? e(a.order_id) : ''}</td><td>${e(time(a.created_at))}</td><td>${e(time(a.expires_at))}</td></tr>`,
    ),
    { id: 'authorizations', empty: 'Not authorized yet.' },
  );
  let actions = '';
  if (viewer.actions && session.status === 'incomplete' && !expired) {
    actions = `<section aria-labelledby="actions-title" class="actions"><h2 id="actions-title">Actions</h2>
<form method="post" action="${e(href)}/actions/authorize" class="action">${csrfField(viewer)}<label for="authorize-email">Shopper's e-mail</label><input id="authorize-email" name="email" type="email" maxlength="99" required value="${e(view.defaultEmail)}" aria-describedby="authorize-hint"><p class="hint" id="authorize-hint">The e-mail decides the outcome, as in Klarna's playground: <span class="mono">customer+denied@…</span> is declined, <span class="mono">customer+pend-accept-30@…</span> is a pending fraud review.</p><button type="submit">Authorize as the shopper</button></form>
</section>`;
  }
  const body = `${summary}
<section aria-labelledby="amounts-title"><h2 id="amounts-title">Amounts</h2>${amountsOf(data)}</section>
${actions}
<section aria-labelledby="auth-title"><h2 id="auth-title">Authorizations</h2>${authorizations}</section>
<section aria-labelledby="lines-title"><h2 id="lines-title">Lines</h2>${linesTable(data.order_lines, currency)}</section>
<section aria-labelledby="addresses-title" class="addresses"><h2 id="addresses-title">Shopper</h2>${objectFacts('Billing address', session.shopper?.billing_address ?? data.billing_address)}${objectFacts('Shipping address', session.shopper?.shipping_address ?? data.shipping_address)}</section>
${timelineSection(view.timeline, viewer, href)}`;
  return detailPage({
    viewer,
    section: 'payments-sessions',
    title: `Payments session ${session.session_id}`,
    kindLabel: 'Payments session',
    id: session.session_id,
    crumb: 'Payments sessions',
    body,
    flash,
    live: `payments-session:${session.session_id}`,
  });
}

// Checkout orders.

export function renderCheckoutOrderList(viewer: Viewer, query: ListQuery, rows: readonly CheckoutOrderRow[], next: string | null): string {
  const body = rows.map((row) => {
    const data = jsonObject(row.data);
    const currency = str(data.purchase_currency);
    const status = row.aborted_at !== null ? `${row.status} (aborted)` : row.status;
    return `<tr><th scope="row">${link(checkoutOrderHref(row.order_id), row.order_id)}</th><td>${badge(status)}</td><td>${e(str(data.merchant_reference1))}</td><td class="num">${e(money(num(data.order_amount), currency))}</td><td>${timeCell(row.created_at)}</td><td>${timeCell(row.completed_at)}</td></tr>`;
  });
  const tableHtml = table('Checkout orders, newest first', ['Order id', 'Status', 'Merchant reference', 'Amount', 'Created (UTC)', 'Completed (UTC)'], body, {
    id: 'checkout-orders',
    empty: 'No Checkout orders match.',
  });
  return listPage(viewer, 'checkout-orders', 'Checkout orders', 'Order id', query, next, tableHtml);
}

export interface CheckoutOrderView {
  order: CheckoutRecord;
  orderExists: boolean;
  /** The shopper the completion form starts from: what was entered, else a default approved test shopper. */
  shopper: { email: string; given_name: string; family_name: string; street_address: string; postal_code: string; city: string; country: string; phone: string };
  /** Whether the shopper may still complete it (incomplete, not aborted, not expired). */
  completable: boolean;
  timeline: readonly TimelineEntry[];
}

function completeForm(viewer: Viewer, view: CheckoutOrderView): string {
  const href = `${checkoutOrderHref(view.order.order_id)}/actions/complete`;
  const field = (name: keyof CheckoutOrderView['shopper'], label: string, extra = '') =>
    `<div class="field"><label for="complete-${name}">${e(label)}</label><input id="complete-${name}" name="${name}" value="${e(view.shopper[name])}"${extra}></div>`;
  const options = (view.order.data.shipping_options ?? []) as unknown as Record<string, unknown>[];
  const selected = view.order.shopper?.selected_shipping_option_id ?? options.find((o) => o.preselected === true)?.id ?? options[0]?.id;
  const shipping =
    options.length > 0
      ? `<div class="field"><label for="complete-shipping">Shipping option</label><select id="complete-shipping" name="shipping_option_id">${options
          .map((o) => `<option value="${e(str(o.id))}"${str(o.id) === str(selected) ? ' selected' : ''}>${e(`${str(o.name)} (${money(num(o.price), str(view.order.data.purchase_currency))})`)}</option>`)
          .join('')}</select></div>`
      : '';
  return `<section aria-labelledby="actions-title" class="actions"><h2 id="actions-title">Actions</h2>
<form method="post" action="${e(href)}" class="action action-wide">${csrfField(viewer)}<fieldset><legend>Complete the purchase as the shopper</legend><div class="form-grid">
${field('email', 'E-mail', ' type="email" maxlength="100" required')}
${field('given_name', 'Given name', ' maxlength="100" autocomplete="off"')}
${field('family_name', 'Family name', ' maxlength="100" autocomplete="off"')}
${field('street_address', 'Street address', ' maxlength="100" autocomplete="off"')}
${field('postal_code', 'Postal code', ' maxlength="10" autocomplete="off"')}
${field('city', 'City', ' maxlength="200" autocomplete="off"')}
${field('country', 'Country (two letters)', ' maxlength="2" pattern="[A-Za-z]{2}" autocomplete="off"')}
${field('phone', 'Phone', ' maxlength="100" autocomplete="off"')}
${shipping}
</div></fieldset><p class="hint">The e-mail decides the outcome, as in Klarna's playground (<span class="mono">customer+denied@…</span> is declined).</p><button type="submit">Complete the purchase</button></form>
</section>`;
}

export function renderCheckoutOrderPage(viewer: Viewer, view: CheckoutOrderView, flash: Flash | null): string {
  const { order } = view;
  const data = order.data as unknown as Record<string, unknown>;
  const currency = str(data.purchase_currency);
  const href = checkoutOrderHref(order.order_id);
  const summary = facts([
    ['Status', `${badge(order.status, 'checkout-status')}${order.aborted_at !== null ? ' <span class="note">aborted</span>' : ''}`],
    ['Market', e(`${str(data.purchase_country)} · ${currency} · ${str(data.locale)}`)],
    ['Merchant references', e([str(data.merchant_reference1), str(data.merchant_reference2)].filter(Boolean).join(' / '))],
    ['Order Management order', orderLink(order.status === 'checkout_complete' ? order.order_id : null, view.orderExists)],
    ['Created', e(time(order.created_at))],
    ['Completed', e(time(order.completed_at))],
    ['Expires', e(order.status === 'checkout_incomplete' ? time(order.expires_at) : '')],
  ]);
  const shopper = order.shopper;
  const body = `${summary}
<section aria-labelledby="amounts-title"><h2 id="amounts-title">Amounts</h2>${amountsOf(data)}</section>
${viewer.actions && view.completable ? completeForm(viewer, view) : ''}
<section aria-labelledby="lines-title"><h2 id="lines-title">Lines</h2>${linesTable(data.order_lines, currency)}</section>
<section aria-labelledby="addresses-title" class="addresses"><h2 id="addresses-title">Shopper</h2>${objectFacts('Billing address', shopper?.billing_address ?? data.billing_address)}${objectFacts('Shipping address', shopper?.shipping_address ?? data.shipping_address)}</section>
<section aria-labelledby="urls-title"><h2 id="urls-title">Merchant URLs</h2>${json(data.merchant_urls ?? {})}</section>
${timelineSection(view.timeline, viewer, href)}`;
  return detailPage({
    viewer,
    section: 'checkout-orders',
    title: `Checkout order ${order.order_id}`,
    kindLabel: 'Checkout order',
    id: order.order_id,
    crumb: 'Checkout orders',
    body,
    flash,
    live: `checkout-order:${order.order_id}`,
  });
}

// Hosted Payment Page sessions.

const paymentHref = (kind: string, id: string): string => (kind === 'checkout' ? checkoutOrderHref(id) : paymentsSessionHref(id));

export function renderHppSessionList(viewer: Viewer, query: ListQuery, rows: readonly HppSessionRow[], next: string | null): string {
  const body = rows.map(
    (row) =>
      `<tr><th scope="row">${link(hppSessionHref(row.session_id), row.session_id)}</th><td>${badge(row.status)}</td><td>${e(row.payment_kind)}</td><td>${link(paymentHref(row.payment_kind, row.payment_id), row.payment_id)}</td><td>${e(row.order_id ?? '')}</td><td>${timeCell(row.created_at)}</td></tr>`,
  );
  const tableHtml = table('HPP sessions, newest first', ['Session id', 'Status', 'Payment', 'Payment id', 'Order id', 'Created (UTC)'], body, { id: 'hpp-sessions', empty: 'No HPP sessions match.' });
  return listPage(viewer, 'hpp-sessions', 'HPP sessions', 'Session id', query, next, tableHtml);
}

export interface HppSessionView {
  session: HppSessionRecord;
  /** The payment's order data (its Payments session or Checkout order), when it is still there. */
  paymentData: Record<string, unknown> | null;
  orderExists: boolean;
  timeline: readonly TimelineEntry[];
}

export function renderHppSessionPage(viewer: Viewer, view: HppSessionView, flash: Flash | null): string {
  const { session } = view;
  const data = view.paymentData ?? {};
  const currency = str(data.purchase_currency);
  const summary = facts([
    ['Status', badge(session.status, 'hpp-status')],
    ['Payment', `${e(session.payment_kind)}: ${link(paymentHref(session.payment_kind, session.payment_id), session.payment_id, 'hpp-payment')}`],
    ['Order', orderLink(session.order_id, view.orderExists)],
    ['Klarna reference', e(session.klarna_reference ?? '')],
    ['Created', e(time(session.created_at))],
    ['Updated', e(time(session.updated_at))],
    ['Expires', e(time(session.expires_at))],
  ]);
  const body = `${summary}
${view.paymentData ? `<section aria-labelledby="amounts-title"><h2 id="amounts-title">Amounts</h2>${amountsOf(data)}</section>` : ''}
${view.paymentData ? `<section aria-labelledby="lines-title"><h2 id="lines-title">Lines</h2>${linesTable(data.order_lines, currency)}</section>` : ''}
<section aria-labelledby="options-title"><h2 id="options-title">Options and merchant URLs</h2>${json({ options: session.options, merchant_urls: session.merchant_urls })}</section>
${objectFacts('Customer', session.customer)}
${timelineSection(view.timeline, viewer, hppSessionHref(session.session_id))}`;
  return detailPage({
    viewer,
    section: 'hpp-sessions',
    title: `HPP session ${session.session_id}`,
    kindLabel: 'HPP session',
    id: session.session_id,
    crumb: 'HPP sessions',
    body,
    flash,
    live: `hpp-session:${session.session_id}`,
  });
}

// Customer tokens.

export function renderCustomerTokenList(viewer: Viewer, query: ListQuery, rows: readonly CustomerTokenRow[], next: string | null): string {
  const body = rows.map(
    (row) =>
      `<tr><th scope="row">${link(customerTokenHref(row.token_id), row.token_id)}</th><td>${badge(row.status)}</td><td>${e(row.payment_method_type)}</td><td>${e(`${row.purchase_country} · ${row.purchase_currency}`)}</td><td>${e(row.description ?? '')}</td><td>${e(row.source)}</td><td>${timeCell(row.created_at)}</td></tr>`,
  );
  const tableHtml = table('Customer tokens, newest first', ['Token id', 'Status', 'Payment method', 'Market', 'Description', 'Source', 'Created (UTC)'], body, {
    id: 'customer-tokens',
    empty: 'No customer tokens match.',
  });
  return listPage(viewer, 'customer-tokens', 'Customer tokens', 'Token id', query, next, tableHtml);
}

export function renderCustomerTokenPage(viewer: Viewer, token: CustomerTokenRecord): string {
  const source =
    token.source === 'checkout' && token.source_id ? link(checkoutOrderHref(token.source_id), `Checkout order ${token.source_id}`) : e(token.source_id ? `${token.source} (${token.source_id})` : token.source);
  const summary = facts([
    ['Status', badge(token.status, 'token-status')],
    ['Payment method', e(token.payment_method_type)],
    ['Market', e(`${token.purchase_country} · ${token.purchase_currency} · ${token.locale}`)],
    ['Description', e(token.description ?? '')],
    ['Intended use', e(token.intended_use ?? '')],
    ['E-mail', e(token.email ?? '')],
    ['Source', source],
    ['Created', e(time(token.created_at))],
    ['Updated', e(time(token.updated_at))],
  ]);
  const body = `${summary}
<section aria-labelledby="addresses-title" class="addresses"><h2 id="addresses-title">Shopper</h2>${objectFacts('Billing address', token.billing_address)}${objectFacts('Shipping address', token.shipping_address)}${objectFacts('Customer', token.customer)}</section>
<section aria-labelledby="details-title"><h2 id="details-title">Payment details</h2>${json(token.payment_details)}</section>`;
  return detailPage({ viewer, section: 'customer-tokens', title: `Customer token ${token.token_id}`, kindLabel: 'Customer token', id: token.token_id, crumb: 'Customer tokens', body, flash: null, live: `customer-token:${token.token_id}` });
}

// Payouts.

export const payoutReportHref = (reference: string, format: 'csv' | 'pdf'): string => `${payoutHref(reference)}/report.${format}`;

export function renderPayoutList(viewer: Viewer, query: ListQuery, rows: readonly PayoutRow[], next: string | null): string {
  const body = rows.map((row) => {
    const totals = jsonObject(row.totals);
    return `<tr><th scope="row">${link(payoutHref(row.payment_reference), row.payment_reference)}</th><td>${e(new Date(row.payout_date).toISOString().slice(0, 10))}</td><td>${e(row.currency_code)}</td><td class="num">${e(money(num(totals.settlement_amount), row.currency_code))}</td><td class="num">${e(row.transaction_count)}</td><td>${e(row.merchant_settlement_type)}</td></tr>`;
  });
  const tableHtml = table('Payouts, newest first', ['Payment reference', 'Payout date', 'Currency', 'Settlement amount', 'Transactions', 'Settlement type'], body, {
    id: 'payouts',
    empty: 'No payouts match.',
  });
  return listPage(viewer, 'payouts', 'Payouts', 'Payment reference', query, next, tableHtml);
}

export function renderPayoutPage(viewer: Viewer, payout: PayoutRecord, transactions: readonly TransactionRow[], total: number): string {
  const m = (amount: number) => e(money(amount, payout.currency_code));
  const summary = facts([
    ['Payout date', e(new Date(payout.payout_date).toISOString().slice(0, 10))],
    ['Currency', e(payout.currency_code)],
    ['Settlement amount', `<strong id="settlement-amount">${m(payout.totals.settlement_amount)}</strong>`],
    ['Transactions', e(payout.transaction_count)],
    ['Settlement type', e(payout.merchant_settlement_type)],
  ]);
  const reports = `<ul class="reports" id="reports"><li>${link(payoutReportHref(payout.payment_reference, 'pdf'), 'Payout report (PDF)', 'report-pdf')}</li><li>${link(payoutReportHref(payout.payment_reference, 'csv'), 'Payout with transactions (CSV)', 'report-csv')}</li></ul>`;
  const totals = table(
    'Totals',
    ['Total', 'In the settlement', 'Amount'],
    TOTAL_FIELDS.map(({ key, label, effect }) => `<tr><th scope="row">${e(label)}</th><td>${e(effect === '+' ? 'added' : effect === '-' ? 'subtracted' : 'for information')}</td><td class="num">${m(payout.totals[key])}</td></tr>`),
    { id: 'totals' },
  );
  const rows = transactions.map(
    (t) =>
      `<tr><th scope="row">${e(t.type)}</th><td>${e(t.detailed_type)}</td><td>${t.order_id ? link(orderHref(t.order_id), t.order_id) : ''}</td><td class="num">${e(money(t.amount, t.currency_code))}</td><td>${e(t.capture_id ?? t.refund_id ?? '')}</td><td>${e(t.capture_date ? new Date(t.capture_date).toISOString().slice(0, 10) : '')}</td></tr>`,
  );
  const shown = transactions.length < total ? `<p class="note" id="transactions-more">The first ${e(transactions.length)} of ${e(total)} transactions; the CSV report has them all.</p>` : '';
  const body = `${summary}
<section aria-labelledby="reports-title"><h2 id="reports-title">Reports</h2>${reports}</section>
<section aria-labelledby="totals-title"><h2 id="totals-title">Totals</h2>${totals}</section>
<section aria-labelledby="transactions-title"><h2 id="transactions-title">Transactions</h2>${table('Transactions in booking order', ['Type', 'Detailed type', 'Order', 'Amount', 'Capture or refund', 'Capture date'], rows, { id: 'transactions', empty: 'No transactions.' })}${shown}</section>`;
  return detailPage({ viewer, section: 'payouts', title: `Payout ${payout.payment_reference}`, kindLabel: 'Payout', id: payout.payment_reference, crumb: 'Payouts', body, flash: null, live: `payout:${payout.payment_reference}` });
}
