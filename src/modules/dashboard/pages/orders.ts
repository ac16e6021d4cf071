/** The orders list and the order page. */
import { FRAUD_STATUSES, ORDER_STATUSES, deriveAmounts, effectiveStatus, isOpenStatus } from '../../order-management/order.js';
import type { OrderAggregate } from '../../order-management/order.js';
import type { Flash, Viewer } from '../html.js';
import { csrfField, e, facts, money, page, table, time } from '../html.js';
import type { OrderFilter, OrderRow } from '../orders.js';
import type { TimelineEntry } from '../timeline-source.js';
import { renderTimeline } from './timeline.js';

export const orderHref = (orderId: string): string => `/dashboard/orders/${encodeURIComponent(orderId)}`;

function select(name: string, label: string, values: readonly string[], current: string | undefined): string {
  const options = ['<option value="">Any</option>', ...values.map((v) => `<option${v === current ? ' selected' : ''}>${e(v)}</option>`)];
  return `<div class="field"><label for="f-${name}">${e(label)}</label><select id="f-${name}" name="${name}">${options.join('')}</select></div>`;
}

function input(name: string, label: string, type: string, value: string | undefined, extra = ''): string {
  return `<div class="field"><label for="f-${name}">${e(label)}</label><input id="f-${name}" name="${name}" type="${type}" value="${e(value ?? '')}"${extra}></div>`;
}

/** The query string of a filter, without its cursor. */
export function filterQuery(filter: OrderFilter): URLSearchParams {
  const query = new URLSearchParams();
  for (const key of ['q', 'status', 'fraud_status', 'currency', 'from', 'to'] as const) {
    const value = filter[key];
    if (value) query.set(key, value);
  }
  return query;
}

export function renderOrderList(viewer: Viewer, filter: OrderFilter, rows: readonly OrderRow[], next: string | null, now: number): string {
  const form = `<form method="get" action="/dashboard/orders" class="filters" role="search" aria-label="Find orders">
${input('q', 'Order id or reference', 'search', filter.q, ' maxlength="255"')}
${select('status', 'Status', ORDER_STATUSES, filter.status)}
${select('fraud_status', 'Fraud status', FRAUD_STATUSES, filter.fraud_status)}
${input('currency', 'Currency', 'text', filter.currency, ' maxlength="3" size="4" autocomplete="off"')}
${input('from', 'From', 'date', filter.from)}
${input('to', 'To', 'date', filter.to)}
<div class="field field-button"><button type="submit">Filter</button></div>
</form>`;
  const body = rows.map((row) => {
    const status = effectiveStatus({ status: row.status as OrderAggregate['status'], expires_at: row.expires_at }, now);
    return `<tr><th scope="row"><a href="${e(orderHref(row.order_id))}">${e(row.order_id)}</a></th><td>${e(row.klarna_reference)}</td><td>${e(row.merchant_reference1 ?? '')}</td><td><span class="badge badge-${e(status.toLowerCase())}">${e(status)}</span></td><td>${e(row.fraud_status)}</td><td class="num">${e(money(row.order_amount, row.purchase_currency))}</td><td class="num">${e(money(row.captured_amount, row.purchase_currency))}</td><td><time datetime="${e(new Date(row.created_at).toISOString())}">${e(time(row.created_at))}</time></td></tr>`;
  });
  let pager = '';
  if (next || filter.after) {
    const query = filterQuery(filter);
    const first = `<a href="/dashboard/orders${query.size > 0 ? `?${e(query.toString())}` : ''}">Newest</a>`;
    if (next) query.set('after', next);
    pager = `<nav class="pager" aria-label="Pages">${filter.after ? first : ''}${next ? ` <a id="next-page" rel="next" href="/dashboard/orders?${e(query.toString())}">Older orders</a>` : ''}</nav>`;
  }
  const content = `<h1>Orders</h1>\n${form}\n${table('Orders, newest first', ['Order id', 'Klarna reference', 'Merchant reference', 'Status', 'Fraud status', 'Amount', 'Captured', 'Created (UTC)'], body, { id: 'orders', empty: 'No orders match.' })}\n${pager}`;
  return page({ title: 'Orders', viewer, section: 'orders', body: content, live: 'orders' });
}

const CHART_W = 600;
const CHART_H = 160;

/**
 * Pure: captured and refunded amounts over time as an inline SVG (step lines from the order's
 * creation to now, against the authorized amount), with a text equivalent for screen readers.
 */
export function amountChart(order: OrderAggregate, now: number): string {
  const start = order.created_at;
  const end = Math.max(now, start + 1);
  const top = Math.max(order.original_order_amount, order.order_amount, order.captured_amount, 1);
  const x = (t: number) => ((Math.min(Math.max(t, start), end) - start) / (end - start)) * (CHART_W - 20) + 10;
  const y = (amount: number) => CHART_H - 10 - (amount / top) * (CHART_H - 30);
  const steps = (points: { at: number; amount: number }[]) => {
    let total = 0;
    let path = `M${x(start).toFixed(1)},${y(0).toFixed(1)}`;
    for (const p of [...points].sort((a, b) => a.at - b.at)) {
      path += ` H${x(p.at).toFixed(1)}`;
      total += p.amount;
      path += ` V${y(total).toFixed(1)}`;
    }
    return `${path} H${x(end).toFixed(1)}`;
  };
  const captured = steps(order.captures.map((c) => ({ at: c.captured_at, amount: c.captured_amount })));
  const refunded = steps(order.refunds.map((r) => ({ at: r.refunded_at, amount: r.refunded_amount })));
  return `<figure class="chart"><svg viewBox="0 0 ${CHART_W} ${CHART_H}" role="img" aria-labelledby="chart-title" focusable="false">
<title id="chart-title">Captured and refunded amounts over time</title>
<line class="chart-authorized" x1="10" x2="${CHART_W - 10}" y1="${y(order.order_amount).toFixed(1)}" y2="${y(order.order_amount).toFixed(1)}"/>
<path class="chart-captured" d="${captured}"/>
<path class="chart-refunded" d="${refunded}"/>
</svg><figcaption><span class="key key-authorized">Authorized</span> <span class="key key-captured">Captured</span> <span class="key key-refunded">Refunded</span> — from ${e(time(start))} to now</figcaption></figure>`;
}

function address(title: string, value: unknown): string {
  if (!value || typeof value !== 'object') return `<section><h3>${e(title)}</h3><p class="empty">None</p></section>`;
  const lines = Object.entries(value as Record<string, unknown>).map(([k, v]) => [k.replace(/_/g, ' '), e(v)] as const);
  return `<section><h3>${e(title)}</h3>${facts(lines)}</section>`;
}

function actionForms(viewer: Viewer, order: OrderAggregate, now: number, remaining: number, refundable: number): string {
  if (!viewer.actions) return '';
  const base = `${orderHref(order.order_id)}/actions`;
  const currency = e(order.purchase_currency);
  const status = effectiveStatus(order, now);
  const forms: string[] = [];
  const amountForm = (action: string, label: string, value: number) =>
    `<form method="post" action="${e(base)}/${action}" class="action">${csrfField(viewer)}<label for="${action}-amount">${e(label)} (${currency})</label><input id="${action}-amount" name="amount" inputmode="decimal" required pattern="[0-9]+([.,][0-9]{1,2})?" value="${e((value / 100).toFixed(2))}"><button type="submit">${e(label)}</button></form>`;
  if (isOpenStatus(status) || remaining > 0) forms.push(amountForm('capture', 'Capture', Math.max(remaining, 1)));
  if (refundable > 0) forms.push(amountForm('refund', 'Refund', refundable));
  if (status === 'AUTHORIZED' && order.capture_count === 0) forms.push(`<form method="post" action="${e(base)}/cancel" class="action">${csrfField(viewer)}<button type="submit">Cancel the order</button></form>`);
  if (order.fraud_status === 'PENDING') {
    forms.push(`<form method="post" action="${e(base)}/fraud-decision" class="action">${csrfField(viewer)}<fieldset><legend>Decide the pending fraud review</legend>
<label><input type="radio" name="decision" value="ACCEPTED" checked> Accept</label> <label><input type="radio" name="decision" value="REJECTED"> Reject</label></fieldset><button type="submit">Decide</button></form>`);
  }
  forms.push(`<form method="post" action="/dashboard/clock/advance" class="action">${csrfField(viewer)}<input type="hidden" name="back" value="${e(orderHref(order.order_id))}"><label for="advance-seconds">Advance the sandbox clock by (seconds)</label><input id="advance-seconds" name="seconds" inputmode="numeric" required pattern="[0-9]+" value="3600">${viewer.admin ? '<label><input type="checkbox" name="scope" value="server"> Every merchant (the server clock)</label>' : ''}<button type="submit">Advance the clock</button></form>`);
  return `<section aria-labelledby="actions-title" class="actions"><h2 id="actions-title">Actions</h2>${forms.join('\n')}</section>`;
}

export function renderOrderPage(viewer: Viewer, order: OrderAggregate, timeline: readonly TimelineEntry[], now: number, flash: Flash | null): string {
  const amounts = deriveAmounts(order, now);
  const status = effectiveStatus(order, now);
  const m = (amount: number) => e(money(amount, order.purchase_currency));
  const refundable = amounts.captured_amount - amounts.refunded_amount;
  const summary = facts([
    ['Status', `<span class="badge badge-${e(status.toLowerCase())}" id="order-status">${e(status)}</span>`],
    ['Fraud status', `<span id="fraud-status">${e(order.fraud_status)}</span>`],
    ['Klarna reference', e(order.klarna_reference)],
    ['Merchant references', e([order.merchant_reference1, order.merchant_reference2].filter(Boolean).join(' / '))],
    ['Market', e(`${order.purchase_country} · ${order.purchase_currency} · ${order.locale}`)],
    ['Payment method', e(order.initial_payment_method?.type ?? '')],
    ['Created', e(time(order.created_at))],
    ['Authorization expires', e(time(order.expires_at))],
  ]);
  const money4 = `<dl class="amounts" id="amounts"><div><dt>Authorized</dt><dd id="amount-authorized">${m(order.order_amount)}</dd></div><div><dt>Captured</dt><dd id="amount-captured">${m(amounts.captured_amount)}</dd></div><div><dt>Refunded</dt><dd id="amount-refunded">${m(amounts.refunded_amount)}</dd></div><div><dt>Remaining</dt><dd id="amount-remaining">${m(amounts.remaining_authorized_amount)}</dd></div></dl>`;
  const captures = table(
    'Captures',
    ['Capture id', 'Klarna reference', 'Amount', 'Refunded', 'Captured (UTC)'],
    order.captures.map((c) => `<tr><th scope="row">${e(c.capture_id)}</th><td>${e(c.klarna_reference)}</td><td class="num">${m(c.captured_amount)}</td><td class="num">${m(c.refunded_amount)}</td><td>${e(time(c.captured_at))}</td></tr>`),
    { id: 'captures', empty: 'No captures.' },
  );
  const refunds = table(
    'Refunds',
    ['Refund id', 'Amount', 'Description', 'Refunded (UTC)'],
    order.refunds.map((r) => `<tr><th scope="row">${e(r.refund_id)}</th><td class="num">${m(r.refunded_amount)}</td><td>${e(r.description ?? '')}</td><td>${e(time(r.refunded_at))}</td></tr>`),
    { id: 'refunds', empty: 'No refunds.' },
  );
  const lines = table(
    'Order lines',
    ['Name', 'Reference', 'Quantity', 'Unit price', 'Total'],
    order.order_lines.map((l) => `<tr><th scope="row">${e(l.name)}</th><td>${e(l.reference ?? '')}</td><td class="num">${e(l.quantity)}</td><td class="num">${m(l.unit_price)}</td><td class="num">${m(l.total_amount)}</td></tr>`),
    { id: 'lines' },
  );
  const body = `<p class="crumbs"><a href="/dashboard/orders">Orders</a></p>
<h1>Order <span class="mono" id="order-id">${e(order.order_id)}</span></h1>
${summary}
<section aria-labelledby="amounts-title"><h2 id="amounts-title">Amounts</h2>${money4}${amountChart(order, now)}</section>
${actionForms(viewer, order, now, amounts.remaining_authorized_amount, refundable)}
<section aria-labelledby="money-title"><h2 id="money-title">Captures and refunds</h2>${captures}${refunds}</section>
<section aria-labelledby="lines-title"><h2 id="lines-title">Lines</h2>${lines}</section>
<section aria-labelledby="addresses-title" class="addresses"><h2 id="addresses-title">Addresses</h2>${address('Billing address', order.billing_address)}${address('Shipping address', order.shipping_address)}</section>
<section aria-labelledby="timeline-title"><h2 id="timeline-title">Timeline</h2>${renderTimeline(timeline, viewer, orderHref(order.order_id))}</section>`;
  return page({ title: `Order ${order.order_id}`, viewer, section: 'orders', body, flash, live: `order:${order.order_id}` });
}
