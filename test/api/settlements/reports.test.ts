/**
 * The Settlements reports (behaviour reference §6): a payout's report as PDF and with its
 * transactions as CSV, and a period's summary in both, built from orders captured and refunded
 * through Order Management and paid out by the sandbox. The CSV is read back with csv-parse (one
 * row per transaction, RFC 4180 quoting, amounts adding up to the payout's totals); the PDF's text
 * is read back with pdf.js (the references, the totals, every order, "Page N of M" on every page).
 * The streams themselves are checked on made-up reports: nothing is read ahead of the reader, an
 * error while writing destroys the stream, and a reader that goes away ends the reading.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { CSV_COLUMNS, csvReport } from '../../../src/modules/settlements/reports/csv.js';
import { pageCount, pdfReport, pdfText } from '../../../src/modules/settlements/reports/pdf.js';
import type { Report } from '../../../src/modules/settlements/reports/report.js';
import { computeTotals } from '../../../src/modules/settlements/settlement.js';
import type { PayoutRecord, TransactionRow } from '../../../src/modules/settlements/settlement.repository.js';
import { assertError } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { MERCHANT, OTHER_MERCHANT, basicAuth, buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { DAY, capture, refund, runPayouts, transactions } from './api-helpers.js';
import type { Payout, Transaction } from './api-helpers.js';

const REPORTS = '/settlements/v1/reports';
const TRICKY_REFERENCE = 'A,"B"\nC';
const FONTS = `${path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'))}/standard_fonts/`;

/** Minor units from a decimal of the major unit ("-12.05" → -1205), in integers. */
function minor(text: string): number {
  const match = /^(-?)(\d+)\.(\d{2})$/.exec(text);
  assert.ok(match, `an amount with two decimals: ${JSON.stringify(text)}`);
  const value = Number(match[2]) * 100 + Number(match[3]);
  return match[1] === '-' ? -value : value;
}

/** The decimal the reports write for minor units, made independently of the code under test. */
const major = (n: number): string => `${n < 0 ? '-' : ''}${Math.floor(Math.abs(n) / 100)}.${String(Math.abs(n) % 100).padStart(2, '0')}`;

interface Download {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  bytes: Buffer;
  text: string;
}

async function download(t: TestApp, url: string, auth = MERCHANT): Promise<Download> {
  const res = await t.app.inject({ method: 'GET', url, headers: { authorization: basicAuth(auth) } });
  return { status: res.statusCode, headers: res.headers, bytes: res.rawPayload, text: res.body };
}

/** The PDF's text, page by page (each drawn string an item). */
async function pdfPages(bytes: Buffer): Promise<string[][]> {
  const pdf = await getDocument({ data: new Uint8Array(bytes), standardFontDataUrl: FONTS, verbosity: 0 }).promise;
  const pages: string[][] = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const content = await (await pdf.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).filter((s) => s.trim() !== ''));
  }
  await pdf.destroy();
  return pages;
}

function assertPageNumbers(pages: readonly string[][]): void {
  pages.forEach((items, i) => assert.ok(items.includes(`Page ${i + 1} of ${pages.length}`), `page ${i + 1} says "Page ${i + 1} of ${pages.length}": ${items.slice(0, 8).join(' | ')}`));
}

/** The table rows of a PDF: one capture date cell (YYYY-MM-DD alone) per transaction. */
const rowCount = (pages: readonly string[][]) => pages.flat().filter((s) => /^\d{4}-\d{2}-\d{2}$/.test(s)).length;

function parseCsv(text: string): string[][] {
  return parse(text, { relax_column_count: false }) as string[][];
}

const column = (name: string) => {
  const index = CSV_COLUMNS.indexOf(name);
  assert.ok(index >= 0, name);
  return index;
};

async function one(made: Promise<Payout[]>): Promise<Payout[]> {
  const payouts = await made;
  assert.equal(payouts.length, 1, 'one payout per run');
  return payouts;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

for (const dialect of await availableDialects()) {
  describe(`settlement reports (${dialect})`, () => {
    let t: TestApp;
    /** SEK: orders with captures, refunds and a return fee; then a large SEK payout; then EUR. */
    let small: Payout;
    let large: Payout;
    let euro: Payout;
    const shortIds = new Map<string, string[]>();

    before(async () => {
      t = await buildTestApp({ dialect });
      const references: string[] = [];
      // One full capture then a refund with a return fee; a merchant reference CSV must quote.
      const a = await t.createOrder({ merchant_reference1: TRICKY_REFERENCE });
      await capture(t, a.order_id, 12500, { reference: 'INV-A' });
      const lines = [
        { type: 'physical', reference: 'SKU-1', name: 'T-shirt', quantity: 2, unit_price: 5000, tax_rate: 2500, total_amount: 10000, total_tax_amount: 2000 },
        { type: 'return_fee', reference: 'RETURN-FEE', name: 'Return fee', quantity: 1, unit_price: -500, tax_rate: 2500, total_amount: -500, total_tax_amount: -100 },
      ];
      await refund(t, a.order_id, 9500, { order_lines: lines, reference: 'RMA-A' });
      // Three captures and a partial refund; a capture reference outside Latin-1.
      const b = await t.createOrder({ merchant_reference1: 'SHOP-B' });
      await capture(t, b.order_id, 5000, { reference: 'Łódź 漢字 😀' });
      await capture(t, b.order_id, 5000);
      await capture(t, b.order_id, 2500);
      await refund(t, b.order_id, 2500, { reference: 'RMA-B' });
      const c = await t.createOrder();
      await capture(t, c.order_id, 10000);
      references.push(a.klarna_reference, b.klarna_reference, c.klarna_reference);
      [small] = (await one(runPayouts(t))) as [Payout];
      shortIds.set(small.payment_reference, references);

      // 96 transactions: 8 orders of 4 captures (a sale and two fees each).
      await t.advanceClock(DAY);
      const many: string[] = [];
      for (let i = 0; i < 8; i++) {
        const order = await t.createOrder({ merchant_reference1: `BULK-${i}` });
        for (let k = 0; k < 4; k++) await capture(t, order.order_id, 3125, { reference: `BULK-${i}-${k}` });
        many.push(order.klarna_reference);
      }
      [large] = (await one(runPayouts(t))) as [Payout];
      shortIds.set(large.payment_reference, many);

      await t.advanceClock(DAY);
      const de = await t.createOrder({
        purchase_country: 'DE',
        purchase_currency: 'EUR',
        locale: 'de-DE',
        billing_address: { given_name: 'Testperson-de', family_name: 'Approved', email: 'customer@email.de', country: 'DE' },
      });
      await capture(t, de.order_id, 4000);
      [euro] = (await one(runPayouts(t))) as [Payout];
      shortIds.set(euro.payment_reference, [de.klarna_reference]);
    });
    after(async () => t.close());

    const paymentReferenceOf = (csv: string[][]) => csv.slice(1).map((r) => r[column('payment_reference')]);

    it('the payout CSV: one row per transaction, under the header, in booking order, with its payout on every row', async () => {
      const res = await download(t, `${REPORTS}/payout-with-transactions?payment_reference=${small.payment_reference}`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
      assert.equal(res.headers['content-disposition'], `attachment; filename="payout-with-transactions-${small.payment_reference}.csv"`);
      const csv = parseCsv(res.text);
      assert.deepEqual(csv[0], [...CSV_COLUMNS]);
      const api = await transactions(t, `payment_reference=${small.payment_reference}`);
      assert.equal(csv.length - 1, api.length, 'as many rows as GET /transactions counts');
      const key = (type: string, detailed: string, amount: number, orderId: string) => `${type}/${detailed} ${amount} ${orderId}`;
      assert.deepEqual(
        csv.slice(1).map((r) => key(r[column('type')]!, r[column('detailed_type')]!, minor(r[column('amount')]!), r[column('order_id')]!)),
        api.map((x: Transaction) => key(x.type, x.detailed_type, x.amount, x.order_id)),
      );
      for (const row of csv.slice(1)) {
        assert.equal(row.length, CSV_COLUMNS.length);
        assert.equal(row[column('payment_reference')], small.payment_reference);
        assert.equal(row[column('payout_date')], small.payout_date);
        assert.equal(row[column('currency_code')], 'SEK');
        assert.equal(row[column('merchant_id')], small.merchant_id);
        assert.equal(row[column('total_settlement_amount')], major(small.totals.settlement_amount ?? NaN));
      }
      assert.deepEqual(
        csv.slice(1).map((r) => r[column('detailed_type')]).filter((d) => d === 'RETURN_FEE'),
        ['RETURN_FEE'],
        'the return fee is a sale of its own',
      );
      assert.ok(res.text.endsWith('\r\n'));
      assert.equal(res.text.split('\r\n').length - 1, csv.length, 'CRLF after every record (the reference\'s own line break is a bare LF, inside quotes)');
    });

    it('the payout CSV adds up: its amounts summed by type give the payout\'s totals', async () => {
      const csv = parseCsv((await download(t, `${REPORTS}/payout-with-transactions?payment_reference=${small.payment_reference}`)).text);
      const sum = (type: string, field: 'amount' | 'vat_amount') =>
        csv
          .slice(1)
          .filter((r) => r[column('type')] === type && r[column(field)] !== '')
          .reduce((n, r) => n + minor(r[column(field)]!), 0);
      const totals = small.totals;
      assert.equal(sum('SALE', 'amount'), totals.sale_amount);
      assert.equal(sum('RETURN', 'amount'), totals.return_amount);
      assert.equal(sum('FEE', 'amount'), totals.fee_amount);
      assert.equal(sum('FEE', 'vat_amount'), totals.tax_amount);
      assert.equal(sum('FEE_REFUND', 'amount'), totals.fee_refund_amount);
      assert.equal(sum('FEE_REFUND', 'vat_amount'), totals.tax_refund_amount);
      const settlement = sum('SALE', 'amount') - sum('RETURN', 'amount') - sum('FEE', 'amount') - sum('FEE', 'vat_amount') + sum('FEE_REFUND', 'amount');
      assert.equal(settlement, totals.settlement_amount);
      for (const [name, value] of Object.entries(totals)) assert.equal(minor(csv[1]![column(`total_${name}`)]!), value, `total_${name}`);
    });

    it('RFC 4180: a merchant reference with a comma, a quote and a line break is quoted and reads back intact', async () => {
      const res = await download(t, `${REPORTS}/payout-with-transactions?payment_reference=${small.payment_reference}`);
      assert.ok(res.text.includes('"A,""B""\nC"'), 'quoted, the quote doubled');
      const csv = parseCsv(res.text);
      const references = csv.slice(1).map((r) => r[column('merchant_reference1')]);
      assert.equal(references.filter((r) => r === TRICKY_REFERENCE).length, 6, 'the capture\'s three rows and the refund\'s three');
      assert.ok(references.includes('SHOP-B'));
      const captureReferences = csv.slice(1).map((r) => r[column('merchant_capture_reference')]);
      assert.ok(captureReferences.includes('Łódź 漢字 😀'), 'UTF-8 throughout');
    });

    it('the summary CSV holds every payout of the period, and no other: [start, end)', async () => {
      const all = [small, large, euro];
      const start = day(Date.parse(small.payout_date));
      const end = day(Date.parse(euro.payout_date) + DAY * 1000);
      const res = await download(t, `${REPORTS}/payouts-summary-with-transactions?start_date=${start}&end_date=${end}`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
      assert.equal(res.headers['content-disposition'], `attachment; filename="payouts-summary-with-transactions-${start}-${end}.csv"`);
      const csv = parseCsv(res.text);
      assert.deepEqual(csv[0], [...CSV_COLUMNS]);
      const expected: string[] = [];
      for (const p of all) for (const _ of await transactions(t, `payment_reference=${p.payment_reference}`)) expected.push(p.payment_reference);
      assert.deepEqual(paymentReferenceOf(csv), expected, 'payout after payout, oldest first');
      assert.ok(expected.filter((r) => r === large.payment_reference).length === 96);
      assert.deepEqual([...new Set(csv.slice(1).map((r) => r[column('currency_code')]))], ['SEK', 'EUR']);

      // The end is excluded: up to the second payout's exact time leaves it (and the third) out.
      const upTo = await download(t, `${REPORTS}/payouts-summary-with-transactions?start_date=${start}&end_date=${encodeURIComponent(large.payout_date)}`);
      assert.deepEqual([...new Set(paymentReferenceOf(parseCsv(upTo.text)))], [small.payment_reference]);
      // The start is included: from the third payout's time on, only it.
      const from = await download(t, `${REPORTS}/payouts-summary-with-transactions?start_date=${encodeURIComponent(euro.payout_date)}&end_date=${end}`);
      assert.deepEqual([...new Set(paymentReferenceOf(parseCsv(from.text)))], [euro.payment_reference]);
      // start == end: nothing, the header alone.
      const empty = await download(t, `${REPORTS}/payouts-summary-with-transactions?start_date=${start}&end_date=${start}`);
      assert.equal(empty.status, 200, empty.text);
      assert.equal(empty.text, `${CSV_COLUMNS.join(',')}\r\n`);
    });

    it('the payout PDF: its reference, date, totals, merchant, every order, page numbers', async () => {
      const res = await download(t, `${REPORTS}/payout?payment_reference=${small.payment_reference}`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['content-type'], 'application/pdf');
      assert.equal(res.headers['content-disposition'], `attachment; filename="payout-${small.payment_reference}.pdf"`);
      assert.equal(res.bytes.subarray(0, 5).toString('latin1'), '%PDF-');
      assert.ok(res.bytes.subarray(-6).toString('latin1').includes('%%EOF'));
      const pages = await pdfPages(res.bytes);
      const text = pages.flat();
      assert.ok(text.includes('Payout report'));
      assert.ok(text.includes(small.payment_reference));
      assert.ok(text.includes(small.payout_date));
      assert.ok(text.includes(small.merchant_id), 'the merchant id');
      assert.ok(text.includes('NET'));
      assert.ok(text.includes(major(small.totals.settlement_amount ?? NaN)), `the settlement amount ${major(small.totals.settlement_amount ?? NaN)}`);
      assert.ok(text.includes('Settlement amount'));
      for (const label of ['Sales', 'Returns', 'Fees', 'Fee refunds (with their VAT)', 'Opening debt balance', 'Closing debt balance']) assert.ok(text.includes(label), label);
      for (const shortId of shortIds.get(small.payment_reference) ?? []) assert.ok(text.includes(shortId), `order ${shortId}`);
      assert.ok(text.includes('INV-A') && text.includes('RMA-A'), 'capture and refund references');
      assert.ok(text.includes('Lódz ?? ?'), 'outside Windows-1252: ź without its mark, the rest "?"');
      const api = await transactions(t, `payment_reference=${small.payment_reference}`);
      assert.equal(rowCount(pages), api.length, 'a row per transaction');
      assert.ok(pages.length >= 1);
      assertPageNumbers(pages);
    });

    it('a payout over several pages: every transaction, the table header and "Page N of M" on every page', async () => {
      const res = await download(t, `${REPORTS}/payout?payment_reference=${large.payment_reference}`);
      assert.equal(res.status, 200, res.text);
      const pages = await pdfPages(res.bytes);
      assert.ok(pages.length >= 3, `${pages.length} pages`);
      assertPageNumbers(pages);
      assert.equal(rowCount(pages), 96);
      for (const items of pages.slice(1)) assert.ok(items.includes('Capture date') && items.includes('Order id'), 'the header again');
      for (const items of pages) assert.ok(items.includes(`Payout report ${large.payment_reference}`), 'the running header');
      for (const shortId of shortIds.get(large.payment_reference) ?? []) assert.equal(pages.flat().filter((s) => s === shortId).length, 12, `order ${shortId}: 12 rows`);
    });

    it('the summary PDF: the period, totals per currency, the payouts, all their transactions', async () => {
      const start = day(Date.parse(small.payout_date));
      const end = day(Date.parse(euro.payout_date) + DAY * 1000);
      const res = await download(t, `${REPORTS}/payouts-summary?start_date=${start}&end_date=${end}`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['content-type'], 'application/pdf');
      assert.equal(res.headers['content-disposition'], `attachment; filename="payouts-summary-${start}-${end}.pdf"`);
      const pages = await pdfPages(res.bytes);
      const text = pages.flat();
      assert.ok(text.includes('Payouts summary'));
      assert.ok(text.some((s) => s.includes(iso(Date.parse(start))) && s.includes(iso(Date.parse(end)))), 'the period');
      assert.ok(text.includes('EUR') && text.includes('SEK'), 'a column per currency');
      const sek = (small.totals.settlement_amount ?? NaN) + (large.totals.settlement_amount ?? NaN);
      assert.ok(text.includes(major(sek)), `SEK settlement ${major(sek)}`);
      assert.ok(text.includes(major(euro.totals.settlement_amount ?? NaN)));
      for (const p of [small, large, euro]) {
        assert.ok(text.includes(p.payment_reference));
        for (const shortId of shortIds.get(p.payment_reference) ?? []) assert.ok(text.includes(shortId), `order ${shortId}`);
      }
      const count = (await transactions(t, `payment_reference=${small.payment_reference}`)).length + 96 + 3;
      assert.equal(rowCount(pages), count);
      assertPageNumbers(pages);

      const empty = await download(t, `${REPORTS}/payouts-summary?start_date=${start}&end_date=${start}`);
      assert.equal(empty.status, 200);
      const emptyPages = await pdfPages(empty.bytes);
      assert.equal(emptyPages.length, 1);
      assert.ok(emptyPages[0]!.includes('No payouts in this period.'));
      assertPageNumbers(emptyPages);
    });

    it('refusals: an unknown or another merchant\'s payout is 404, a missing reference or a bad date 400, in Klarna\'s envelope', async () => {
      const envelope = (res: { status: number; headers: Download['headers']; text: string }, status: number) => {
        assert.equal(res.status, status, res.text);
        assert.match(String(res.headers['content-type']), /^application\/json/);
        const body = JSON.parse(res.text);
        assert.deepEqual(Object.keys(body).sort(), ['correlation_id', 'error_code', 'error_messages']);
        assert.equal(body.correlation_id, res.headers['klarna-correlation-id']);
        return body as { error_code: string; error_messages: string[] };
      };
      for (const report of ['payout', 'payout-with-transactions']) {
        const unknown = envelope(await download(t, `${REPORTS}/${report}?payment_reference=NOSUCHPAYOUT`), 404);
        assert.equal(unknown.error_code, 'NOT_FOUND');
        assert.match(unknown.error_messages.join(' '), /NOSUCHPAYOUT/);
        envelope(await download(t, `${REPORTS}/${report}?payment_reference=${small.payment_reference}`, OTHER_MERCHANT), 404);
        envelope(await download(t, `${REPORTS}/${report}`), 400);
      }
      for (const report of ['payouts-summary', 'payouts-summary-with-transactions']) {
        for (const query of ['start_date=2024-13-01&end_date=2025-01-01', 'start_date=2024-01-01&end_date=tomorrow', 'start_date=2024-01-01', 'end_date=2024-01-01', '']) {
          envelope(await download(t, `${REPORTS}/${report}?${query}`), 400);
        }
      }
      // Another merchant's summary of the same period holds none of this merchant's payouts.
      const period = `start_date=${day(Date.parse(small.payout_date))}&end_date=2100-01-01`;
      const csv = await download(t, `${REPORTS}/payouts-summary-with-transactions?${period}`, OTHER_MERCHANT);
      assert.equal(csv.status, 200);
      assert.equal(csv.text, `${CSV_COLUMNS.join(',')}\r\n`);
      const pdf = await download(t, `${REPORTS}/payouts-summary?${period}`, OTHER_MERCHANT);
      assert.equal(pdf.status, 200);
      assert.ok((await pdfPages(pdf.bytes)).flat().includes('No payouts in this period.'));
      assertError(await t.get(`${REPORTS}/payout?payment_reference=NOSUCHPAYOUT`), 404, 'NOT_FOUND');
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The streams, on made-up reports

function madeUpReport(
  kind: Report['kind'],
  counts: readonly number[],
  currencies: readonly string[] = ['SEK'],
  shortId: (seq: number) => string = (seq) => `K${seq}`,
): Report & { pulled: () => number; finished: () => boolean } {
  let pulled = 0;
  let finished = false;
  const payouts: PayoutRecord[] = counts.map((n, i) => ({
    payment_reference: `REF${String(i).padStart(7, '0')}`,
    merchant_id: 'made-up',
    currency_code: currencies[i % currencies.length] ?? 'SEK',
    payout_date: Date.UTC(2024, 0, 1 + i),
    merchant_settlement_type: 'NET',
    totals: computeTotals([{ type: 'SALE', amount: n * 10_000, vat_amount: 0 }], 0),
    transaction_count: n,
  }));
  const row = (p: PayoutRecord, seq: number): TransactionRow => ({
    seq,
    order_id: `order-${seq}`,
    currency_code: p.currency_code,
    type: 'SALE',
    detailed_type: 'PURCHASE',
    amount: 10_000,
    vat_rate: null,
    vat_amount: null,
    capture_id: `capture-${seq}`,
    refund_id: null,
    capture_date: p.payout_date,
    sale_date: p.payout_date,
    short_order_id: shortId(seq),
    merchant_reference1: 'Zoë – 東京 – 🚀',
    merchant_reference2: null,
    merchant_capture_reference: 'ŁÓDŹ 東京 🚀 “quoted”, \u0007',
    merchant_refund_reference: null,
    purchase_country: 'SE',
    shipping_country: 'SE',
    initial_payment_method_type: 'INVOICE',
    initial_number_of_installments: null,
    reversal_reference: null,
    klarna_comment: null,
    payment_reference: p.payment_reference,
    payout_date: p.payout_date,
  });
  return {
    merchantId: 'made-up',
    kind,
    payouts,
    period: { start: Date.UTC(2024, 0, 1), end: Date.UTC(2025, 0, 1) },
    publicUrl: 'http://klarna-local.test',
    pulled: () => pulled,
    finished: () => finished,
    async *transactions() {
      try {
        let seq = 0;
        for (const p of payouts) {
          for (let done = 0; done < p.transaction_count; ) {
            const size = Math.min(1000, p.transaction_count - done);
            pulled++;
            yield Array.from({ length: size }, () => row(p, ++seq));
            done += size;
          }
        }
      } finally {
        finished = true;
      }
    },
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const makers = { pdf: pdfReport, csv: csvReport };

describe('report streams', () => {
  it('the page count made before writing is the count written, whatever the shape', async () => {
    const shapes: [Report['kind'], number[], string[]][] = [
      ['payout', [0], ['SEK']],
      ['payout', [1], ['SEK']],
      ['payout', [7], ['SEK']],
      ['payout', [8], ['SEK']],
      ['payout', [52], ['SEK']],
      ['payout', [53], ['SEK']],
      ['payout', [1000], ['SEK']],
      ['summary', [], ['SEK']],
      ['summary', [3, 0, 120, 1, 45, 46], ['SEK', 'EUR', 'NOK']],
      ['summary', Array.from({ length: 60 }, (_, i) => i % 7), ['SEK', 'EUR', 'NOK', 'DKK', 'GBP', 'USD', 'CHF', 'PLN']],
    ];
    for (const [kind, counts, currencies] of shapes) {
      const report = madeUpReport(kind, counts, currencies);
      const pages = await pdfPages(await readAll(pdfReport(report)));
      assert.equal(pages.length, pageCount(report), `${kind} ${counts.join(',')}`);
      assertPageNumbers(pages);
      assert.equal(rowCount(pages), counts.reduce((a, b) => a + b, 0));
    }
  });

  it('the page count holds at every page break: payouts of 0 to 150 transactions, summaries of up to 12 currencies', async () => {
    // Page objects are written uncompressed (only their contents are deflated): counting them is cheap.
    const pagesIn = (pdf: Buffer) => pdf.toString('latin1').match(/\/Type \/Page\b(?!s)/g)?.length ?? 0;
    for (let n = 0; n <= 150; n++) {
      const report = madeUpReport('payout', [n]);
      assert.equal(pagesIn(await readAll(pdfReport(report))), pageCount(report), `a payout of ${n}`);
    }
    const currencies = ['SEK', 'EUR', 'NOK', 'DKK', 'GBP', 'USD', 'CHF', 'PLN', 'CZK', 'HUF', 'RON', 'AUD'];
    for (let payouts = 1; payouts <= 40; payouts += 3) {
      for (const spread of [1, 5, 12]) {
        const report = madeUpReport('summary', Array.from({ length: payouts }, (_, i) => (i * 13) % 50), currencies.slice(0, spread));
        assert.equal(pagesIn(await readAll(pdfReport(report))), pageCount(report), `a summary of ${payouts} payouts in ${spread} currencies`);
      }
    }
  });

  it('the widest short ids (seven W or M of the reference alphabet) are printed whole, never cut', async () => {
    const widest = ['WWWWWWW', 'MMMMMMM', 'EPNWWMQ'];
    const pages = await pdfPages(await readAll(pdfReport(madeUpReport('payout', [widest.length], ['SEK'], (seq) => widest[seq - 1] ?? 'X'))));
    for (const id of widest) assert.ok(pages.flat().includes(id), `${id} whole: ${pages.flat().filter((s) => /^[A-Z]{3,}/.test(s)).join(' | ')}`);
  });

  it('text outside Windows-1252 is shown with what the built-in fonts have', () => {
    assert.equal(pdfText('Zoë – Łódź “x” €5'), 'Zoë – Lódz “x” €5');
    assert.equal(pdfText('東京 🚀'), '?? ?');
    assert.equal(pdfText('A,"B"\nC\t\u0007'), 'A,"B" C  ');
  });

  for (const [format, make] of Object.entries(makers)) {
    it(`${format}: nothing is read before the reader reads, and no more than a batch or two ahead of it`, async () => {
      const report = madeUpReport('payout', [50_000]);
      const stream = make(report);
      await sleep(50);
      assert.ok(report.pulled() <= 1, `${report.pulled()} batches read before anyone read`);
      let written = 0;
      // A reader that takes its first chunk and then nothing more.
      stream.pipe(new Writable({ highWaterMark: 1024, write: (chunk: Buffer) => void (written += chunk.length) }));
      await sleep(300);
      assert.ok(written > 0);
      assert.ok(report.pulled() <= 4, `${report.pulled()} batches of 500 of 1000 read for a reader that took ${written} bytes`);
      assert.ok(stream.readableLength <= 128 * 1024, `${stream.readableLength} bytes held`);
      // The reader goes away: the reading ends (the generator's finally runs).
      stream.destroy();
      await sleep(50);
      assert.equal(report.finished(), true);
    });

    it(`${format}: an error while reading the transactions destroys the stream with it`, async () => {
      const report = madeUpReport('payout', [5_000]);
      const inner = report.transactions.bind(report);
      report.transactions = async function* () {
        let batches = 0;
        for await (const batch of inner()) {
          if (++batches === 3) throw new Error('the database went away');
          yield batch;
        }
      };
      const stream = make(report);
      await assert.rejects(readAll(stream), /the database went away/);
      assert.equal(stream.destroyed, true);
    });

    it(`${format}: a transaction of no payout of the report is an error, not a shifted row`, async () => {
      const report = madeUpReport('payout', [10]);
      const inner = report.transactions.bind(report);
      report.transactions = async function* () {
        for await (const batch of inner()) yield batch.map((r) => ({ ...r, payment_reference: 'ELSEWHERE' }));
      };
      await assert.rejects(readAll(make(report)), /belongs to no payout/);
    });
  }

  it('pdf: a payout whose transactions are not as many as it counts is an error (the page numbers would be wrong)', async () => {
    const report = madeUpReport('payout', [10]);
    const payout = report.payouts[0]!;
    const counted = { ...report, payouts: [{ ...payout, transaction_count: 11 }] };
    await assert.rejects(readAll(pdfReport(counted)), /has 10 transactions, 11 counted/);
    const fewer = { ...report, payouts: [{ ...payout, transaction_count: 9 }] };
    await assert.rejects(readAll(pdfReport(fewer)), /has 10 transactions, 9 counted/);
  });
});
