/**
 * Settlements v1: the 8 read operations (behaviour reference §6). Payouts and transactions are
 * JSON; the reports stream as PDF or CSV, reading the transactions in batches so a report of any
 * size is made in flat memory.
 */
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, ModuleDeps } from '../../platform/app.js';
import { merchantOf } from '../../platform/http/write.js';
import { payoutNotFound } from './errors.js';
import { pagination, parseCurrency, parseDate, parseOptionalDate, parsePage } from './query.js';
import { csvReport } from './reports/csv.js';
import { pdfReport } from './reports/pdf.js';
import { REPORT_BATCH_SIZE } from './reports/report.js';
import type { Report } from './reports/report.js';
import {
  PaymentReferenceQuery,
  PayoutParams,
  PayoutsQuery,
  PeriodQuery,
  SummaryQuery,
  TransactionsQuery,
  presentPayout,
  presentTransaction,
  summariesOf,
} from './schemas.js';
import { findPayout, listPayouts, listTransactions, payoutsInPeriod, transactionsOfPayouts } from './settlement.repository.js';

const BASE = '/settlements/v1';

/** The URL the client asked for, on the server's public URL (pagination links are absolute). */
const requestUrl = (request: FastifyRequest, publicUrl: string): URL => new URL(request.url, publicUrl);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function registerSettlementsRoutes(app: App, deps: ModuleDeps): void {
  const { db } = deps;
  const config = { validationStyle: 'bad_value' as const };
  const publicUrl = () => deps.config.publicUrl;

  app.get(`${BASE}/payouts`, { config, schema: { querystring: PayoutsQuery } }, async (request) => {
    const q = request.query;
    const filter = { start: parseOptionalDate('start_date', q.start_date), end: parseOptionalDate('end_date', q.end_date), currency: parseCurrency(q.currency_code) };
    const page = parsePage(q.size, q.offset);
    const { payouts, total } = await listPayouts(db.read, merchantOf(request).merchant_id, filter, page);
    return { payouts: payouts.map((p) => presentPayout(p, publicUrl())), pagination: pagination(requestUrl(request, publicUrl()), page, payouts.length, total) };
  });

  app.get(`${BASE}/payouts/summary`, { config, schema: { querystring: SummaryQuery } }, async (request) => {
    const q = request.query;
    const filter = { start: parseDate('start_date', q.start_date), end: parseDate('end_date', q.end_date), currency: parseCurrency(q.currency_code) };
    return summariesOf(await payoutsInPeriod(db.read, merchantOf(request).merchant_id, filter));
  });

  app.get(`${BASE}/payouts/:payment_reference`, { config, schema: { params: PayoutParams } }, async (request) => {
    const payout = await findPayout(db.read, merchantOf(request).merchant_id, request.params.payment_reference);
    if (!payout) throw payoutNotFound(request.params.payment_reference);
    return presentPayout(payout, publicUrl());
  });

  app.get(`${BASE}/transactions`, { config, schema: { querystring: TransactionsQuery } }, async (request) => {
    const q = request.query;
    const page = parsePage(q.size, q.offset);
    const filter = { paymentReference: q.payment_reference, orderId: q.order_id };
    const { transactions, total } = await listTransactions(db.read, merchantOf(request).merchant_id, filter, page);
    return {
      transactions: transactions.map((t) => presentTransaction(t, publicUrl())),
      pagination: pagination(requestUrl(request, publicUrl()), page, transactions.length, total),
    };
  });

  /** One payout's report, or 404 for a payout the merchant does not have. */
  const payoutReport = async (request: FastifyRequest, paymentReference: string): Promise<Report> => {
    const merchantId = merchantOf(request).merchant_id;
    const payout = await findPayout(db.read, merchantId, paymentReference);
    if (!payout) throw payoutNotFound(paymentReference);
    return { merchantId, kind: 'payout', payouts: [payout], transactions: () => transactionsOfPayouts(db.read, merchantId, [paymentReference], REPORT_BATCH_SIZE), publicUrl: publicUrl() };
  };

  const summaryReport = async (request: FastifyRequest, q: { start_date: string; end_date: string }): Promise<Report> => {
    const merchantId = merchantOf(request).merchant_id;
    const period = { start: parseDate('start_date', q.start_date), end: parseDate('end_date', q.end_date) };
    const payouts = await payoutsInPeriod(db.read, merchantId, period);
    const references = payouts.map((p) => p.payment_reference);
    return { merchantId, kind: 'summary', payouts, period, transactions: () => transactionsOfPayouts(db.read, merchantId, references, REPORT_BATCH_SIZE), publicUrl: publicUrl() };
  };

  const sendFile = (reply: FastifyReply, type: string, fileName: string, body: Readable) =>
    reply.type(type).header('content-disposition', `attachment; filename="${fileName}"`).send(body);

  app.get(`${BASE}/reports/payout`, { config, schema: { querystring: PaymentReferenceQuery } }, async (request, reply) => {
    const report = await payoutReport(request, request.query.payment_reference);
    return sendFile(reply, 'application/pdf', `payout-${request.query.payment_reference}.pdf`, pdfReport(report));
  });

  app.get(`${BASE}/reports/payout-with-transactions`, { config, schema: { querystring: PaymentReferenceQuery } }, async (request, reply) => {
    const report = await payoutReport(request, request.query.payment_reference);
    return sendFile(reply, 'text/csv; charset=utf-8', `payout-with-transactions-${request.query.payment_reference}.csv`, csvReport(report));
  });

  app.get(`${BASE}/reports/payouts-summary`, { config, schema: { querystring: PeriodQuery } }, async (request, reply) => {
    const report = await summaryReport(request, request.query);
    const { start, end } = report.period ?? { start: 0, end: 0 };
    return sendFile(reply, 'application/pdf', `payouts-summary-${day(start)}-${day(end)}.pdf`, pdfReport(report));
  });

  app.get(`${BASE}/reports/payouts-summary-with-transactions`, { config, schema: { querystring: PeriodQuery } }, async (request, reply) => {
    const report = await summaryReport(request, request.query);
    const { start, end } = report.period ?? { start: 0, end: 0 };
    return sendFile(reply, 'text/csv; charset=utf-8', `payouts-summary-with-transactions-${day(start)}-${day(end)}.csv`, csvReport(report));
  });
}
