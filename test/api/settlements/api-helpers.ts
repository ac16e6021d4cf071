/** Shared steps of the Settlements API tests: money events through Order Management, and reading what they booked. */
import assert from 'node:assert/strict';
import type { Totals } from '../../../src/modules/settlements/settlement.js';
import type { RequestOptions, TestApp } from '../../helpers/harness.js';

export const DAY = 86_400;
export const MS_PER_DAY = DAY * 1000;

export interface Transaction {
  amount: number;
  type: string;
  detailed_type: string;
  capture_id: string;
  order_id: string;
  refund_id?: string;
  payment_reference?: string;
  payout?: string;
  vat_rate?: number;
  vat_amount?: number;
  sale_date: string;
  capture_date: string;
  short_order_id?: string;
  merchant_capture_reference?: string;
  merchant_refund_reference?: string;
  reversal_reference?: string;
  klarna_comment?: string;
  currency_code: string;
  purchase_country: string;
  shipping_country?: string;
  merchant_reference1?: string;
  initial_payment_method_type?: string;
}

export interface Payout {
  payment_reference: string;
  payout_date: string;
  currency_code: string;
  merchant_settlement_type: string;
  merchant_id: string;
  transactions: string;
  totals: Totals;
}

type Auth = RequestOptions['auth'];

export async function capture(t: TestApp, orderId: string, amount: number, extra: Record<string, unknown> = {}, auth?: Auth): Promise<string> {
  const res = await t.post(`/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: amount, ...extra }, { auth });
  assert.equal(res.status, 201, res.body);
  return String(res.headers['capture-id']);
}

export async function refund(t: TestApp, orderId: string, amount: number, extra: Record<string, unknown> = {}, auth?: Auth): Promise<string> {
  const res = await t.post(`/ordermanagement/v1/orders/${orderId}/refunds`, { refunded_amount: amount, ...extra }, { auth });
  assert.equal(res.status, 201, res.body);
  return String(res.headers['refund-id']);
}

/** Every transaction a query selects, read page by page (500 a page). */
export async function transactions(t: TestApp, query: string, auth?: Auth): Promise<Transaction[]> {
  const all: Transaction[] = [];
  for (let offset = 0; ; offset += 500) {
    const res = await t.request({ url: `/settlements/v1/transactions?${query}&size=500&offset=${offset}`, auth });
    assert.equal(res.status, 200, res.body);
    const page = res.json<{ transactions: Transaction[]; pagination: { total: number } }>();
    all.push(...page.transactions);
    if (all.length >= page.pagination.total || page.transactions.length === 0) return all;
  }
}

export async function payouts(t: TestApp, query = '', auth?: Auth): Promise<Payout[]> {
  const res = await t.request({ url: `/settlements/v1/payouts?size=500${query}`, auth });
  assert.equal(res.status, 200, res.body);
  return res.json<{ payouts: Payout[] }>().payouts;
}

export async function runPayouts(t: TestApp, immediately = true, auth?: Auth): Promise<Payout[]> {
  const res = await t.post('/sandbox/v1/settlements/payouts/run', { immediately }, { auth });
  assert.equal(res.status, 200, res.body);
  return res.json<{ payouts: Payout[] }>().payouts;
}

export async function settings(t: TestApp, change: Record<string, unknown>, auth?: Auth): Promise<void> {
  const res = await t.patch('/sandbox/v1/settings', change, { auth });
  assert.equal(res.status, 200, res.body);
}

export async function sandboxNow(t: TestApp): Promise<number> {
  const res = await t.get('/sandbox/v1/clock');
  assert.equal(res.status, 200, res.body);
  return Date.parse(res.json<{ now: string }>().now);
}

export const byType = (rows: readonly Transaction[]) => rows.map((r) => `${r.type}/${r.detailed_type} ${r.amount}`);
export const sumOf = (rows: readonly Transaction[], type: string) => rows.filter((r) => r.type === type).reduce((n, r) => n + r.amount, 0);
