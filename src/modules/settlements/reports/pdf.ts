/**
 * The PDF reports (pdfkit, A4 landscape, the built-in Helvetica): a payout's report (its reference,
 * date, currency and settlement type, its totals) or a period's summary (the period, the totals of
 * each currency, the list of payouts), then every transaction in a table over as many pages as it
 * takes, each page numbered "Page N of M".
 *
 * Flat memory: the document is written while the transactions are read, a batch at a time, and
 * sent as it is written; nothing is kept but the page being drawn. So that M is known on page 1,
 * every element has a fixed height (one line per row, long text cut to its cell) and the pages are
 * counted first by a dry run of the same layout over the payouts' transaction counts.
 *
 * pdfkit's document pushes its bytes whatever its reader does: they are passed on to the stream
 * returned here, and the writing waits while that stream holds more than its high-water mark, until
 * its reader asks for more. It starts at the first read, and stops when the stream is destroyed (the
 * client went away); an error while writing destroys the stream with it.
 */
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { toIso } from '../../../platform/clock.js';
import type { Totals } from '../settlement.js';
import type { PayoutRecord, TransactionRow } from '../settlement.repository.js';
import { TOTAL_FIELDS, decimal, isoDay, totalsOf } from './format.js';
import type { Report } from './report.js';

// ---------------------------------------------------------------------------------------------
// Page geometry (points; A4 landscape; y grows downwards, as in pdfkit)

const PAGE = { width: 841.89, height: 595.28 };
const LEFT = 36;
const RIGHT = PAGE.width - 36;
/** Where the content of a page starts and must end (the running header and footer are outside). */
const TOP = 58;
const BOTTOM = PAGE.height - 42;
const HEADER_TEXT_Y = 26;
const HEADER_RULE_Y = 40;
const FOOTER_RULE_Y = PAGE.height - 34;
const FOOTER_TEXT_Y = PAGE.height - 28;

const TITLE_HEIGHT = 32;
const INFO_LINE = 14;
const GAP = 12;
const HEADING = 20;
const NOTE_LINE = 14;

/** What the stream may hold before the writing waits for its reader. */
const HIGH_WATER_MARK = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// Text: pdfkit's standard fonts are WinAnsi (Windows-1252) encoded

/** The characters of Windows-1252 outside Latin-1 (0x80–0x9F), and their codes. */
const CP1252_EXTRAS = new Map<string, number>(
  [
    ['€', 0x80], ['‚', 0x82], ['ƒ', 0x83], ['„', 0x84], ['…', 0x85], ['†', 0x86], ['‡', 0x87], ['ˆ', 0x88], ['‰', 0x89],
    ['Š', 0x8a], ['‹', 0x8b], ['Œ', 0x8c], ['Ž', 0x8e], ['‘', 0x91], ['’', 0x92], ['“', 0x93], ['”', 0x94], ['•', 0x95],
    ['–', 0x96], ['—', 0x97], ['˜', 0x98], ['™', 0x99], ['š', 0x9a], ['›', 0x9b], ['œ', 0x9c], ['ž', 0x9e], ['Ÿ', 0x9f],
  ],
);
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** Letters that keep no base letter under NFKD (Polish, Croatian, Maltese, Turkish). */
const LOOKALIKES: Readonly<Record<string, string>> = { Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', Ħ: 'H', ħ: 'h', ı: 'i', Ŧ: 'T', ŧ: 't' };

/** The Windows-1252 code of a character, or undefined where the built-in fonts have no glyph. */
function winAnsi(ch: string): number | undefined {
  const code = ch.codePointAt(0) ?? 0;
  if ((code >= 0x20 && code < 0x7f) || (code >= 0xa0 && code <= 0xff)) return code;
  return CP1252_EXTRAS.get(ch);
}

/**
 * Text the built-in fonts can show: line breaks and other control characters become spaces, a
 * letter with a mark outside Windows-1252 loses the mark (ő → o), anything else becomes "?".
 */
export function pdfText(text: string): string {
  if (PRINTABLE_ASCII.test(text)) return text;
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += ' ';
    else if (winAnsi(ch) !== undefined) out += ch;
    else if (LOOKALIKES[ch] !== undefined) out += LOOKALIKES[ch];
    else {
      const base = ch.normalize('NFKD').replace(/\p{M}/gu, '');
      out += base !== '' && [...base].every((c) => winAnsi(c) !== undefined) ? base : '?';
    }
  }
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** A PDF hex string of sanitized text. */
const hexString = (text: string): string => {
  let out = '<';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += HEX[code < 0x80 ? code : (winAnsi(text.charAt(i)) ?? 0x3f)];
  }
  return `${out}>`;
};

/** The parts of pdfkit's standard font object the writer uses (not in pdfkit's published types). */
interface StandardFont {
  id: string;
  ascender: number;
  ref(): unknown;
  widthOfString(text: string, size: number): number;
}

function selectFont(doc: PDFKit.PDFDocument, name: string): StandardFont {
  doc.font(name);
  const font = (doc as unknown as { _font?: Partial<StandardFont> })._font;
  if (typeof font?.id !== 'string' || typeof font.ascender !== 'number' || typeof font.ref !== 'function' || typeof font.widthOfString !== 'function') {
    throw new Error('pdfkit: the current font has not the expected shape');
  }
  return font as StandardFont;
}

const num = (n: number): string => String(Math.round(n * 100) / 100);

type Style = 'regular' | 'bold';
type Align = 'left' | 'right';

interface TextItem {
  x: number;
  /** Top of the text. */
  y: number;
  text: string;
  style?: Style;
  size: number;
  /** The text is cut to this width (with an ellipsis); with `align: 'right'`, it ends at x + width. */
  width?: number;
  align?: Align;
}

/**
 * Draws on pdfkit's pages. pdfkit's own text() lays out every string (wrapping, measuring, saving
 * and restoring the graphics state), about 90 µs per table row; rows are single lines of a known
 * font, so they are written as PDF text operators (about 15 µs), with the fonts registered on each
 * page as pdfkit registers them.
 */
class Canvas {
  private readonly fonts: Record<Style, StandardFont>;
  /** Each font's advance of every Windows-1252 code at 1 pt, without kerning (Tj applies none). */
  private readonly advances: Record<Style, Float64Array>;

  constructor(private readonly doc: PDFKit.PDFDocument) {
    this.fonts = { bold: selectFont(doc, 'Helvetica-Bold'), regular: selectFont(doc, 'Helvetica') };
    const table = (font: StandardFont) => {
      const advances = new Float64Array(256);
      for (let code = 0x20; code < 256; code++) {
        const ch = code >= 0x80 && code < 0xa0 ? [...CP1252_EXTRAS].find(([, c]) => c === code)?.[0] : String.fromCharCode(code);
        if (ch !== undefined) advances[code] = font.widthOfString(ch, 1);
      }
      return advances;
    };
    this.advances = { bold: table(this.fonts.bold), regular: table(this.fonts.regular) };
  }

  addPage(): void {
    this.doc.addPage({ size: 'A4', layout: 'landscape', margin: 0 });
    for (const font of Object.values(this.fonts)) this.doc.page.fonts[font.id] = font.ref();
  }

  private advance(style: Style, text: string, i: number): number {
    const code = text.charCodeAt(i);
    return this.advances[style][code < 0x80 ? code : (winAnsi(text.charAt(i)) ?? 0x3f)] ?? 0;
  }

  /** The width of sanitized text (pdfText: no surrogate pairs, so one UTF-16 unit is one character). */
  width(text: string, style: Style, size: number): number {
    let width = 0;
    for (let i = 0; i < text.length; i++) width += this.advance(style, text, i);
    return width * size;
  }

  /** The text cut to `width`, with an ellipsis where it was cut. */
  fit(text: string, style: Style, size: number, width: number): string {
    const room = width / size;
    let used = 0;
    let i = 0;
    for (; i < text.length; i++) {
      used += this.advance(style, text, i);
      if (used > room) break;
    }
    if (i === text.length) return text;
    const cut = room - this.advance(style, '…', 0);
    used = 0;
    for (i = 0; i < text.length && used + this.advance(style, text, i) <= cut; i++) used += this.advance(style, text, i);
    return `${text.slice(0, i)}…`;
  }

  /** Lines of text in one content block (one row of a table). */
  texts(items: readonly TextItem[]): void {
    let ops = `q 1 0 0 -1 0 ${num(PAGE.height)} cm BT`;
    let current = '';
    for (const item of items) {
      const style = item.style ?? 'regular';
      const font = this.fonts[style];
      let text = pdfText(item.text);
      if (text === '') continue;
      let x = item.x;
      if (item.width !== undefined) {
        text = this.fit(text, style, item.size, item.width);
        if (item.align === 'right') x += item.width - this.width(text, style, item.size);
      }
      const tf = `/${font.id} ${num(item.size)} Tf`;
      if (tf !== current) {
        ops += ` ${tf}`;
        current = tf;
      }
      const baseline = PAGE.height - item.y - (font.ascender / 1000) * item.size;
      ops += ` 1 0 0 1 ${num(x)} ${num(baseline)} Tm ${hexString(text)} Tj`;
    }
    this.doc.addContent(`${ops} ET Q`);
  }

  fill(x: number, y: number, width: number, height: number, gray: number): void {
    this.doc.addContent(`q ${num(gray)} g ${num(x)} ${num(y)} ${num(width)} ${num(height)} re f Q`);
  }

  rule(x1: number, x2: number, y: number, lineWidth = 0.5): void {
    this.doc.addContent(`q ${num(lineWidth)} w 0 G ${num(x1)} ${num(y)} m ${num(x2)} ${num(y)} l S Q`);
  }
}

// ---------------------------------------------------------------------------------------------
// Tables

interface Column {
  title: string;
  width: number;
  align?: Align;
}

interface Table {
  columns: readonly Column[];
  headerHeight: number;
  rowHeight: number;
  size: number;
}

const PAD = 3;

const TRANSACTIONS: Table = {
  headerHeight: 14,
  rowHeight: 10.5,
  size: 7,
  columns: [
    { title: 'Capture date', width: 50 },
    { title: 'Type', width: 138 },
    { title: 'Detailed type', width: 138 },
    // Wide enough for the widest short id (7 × W at 7 pt is 46.3 pt, plus the padding): never cut.
    { title: 'Short id', width: 54 },
    { title: 'Order id', width: 136 },
    { title: 'Capture / refund reference', width: 141 },
    { title: 'Amount', width: 64, align: 'right' },
    { title: 'VAT', width: 48, align: 'right' },
  ],
};

const PAYOUTS: Table = {
  headerHeight: 14,
  rowHeight: 12,
  size: 8,
  columns: [
    { title: 'Payout date', width: 112 },
    { title: 'Payment reference', width: 110 },
    { title: 'Currency', width: 52 },
    { title: 'Settlement type', width: 84 },
    { title: 'Transactions', width: 72, align: 'right' },
    { title: 'Sales', width: 104, align: 'right' },
    { title: 'Fees', width: 96, align: 'right' },
    { title: 'Settlement amount', width: 110, align: 'right' },
  ],
};

/** Currencies side by side in one totals table; a summary with more gets more tables. */
const CURRENCIES_PER_TABLE = 6;
const totalsTable = (currencies: readonly string[]): Table => ({
  headerHeight: 15,
  rowHeight: 12.5,
  size: 8.5,
  columns: [{ title: 'Total', width: 236 }, { title: '', width: 18 }, ...currencies.map((c) => ({ title: c, width: 86, align: 'right' as const }))],
});

function cells(table: Table, values: readonly string[], y: number, style: Style = 'regular'): TextItem[] {
  let x = LEFT;
  return table.columns.map((column, i) => {
    const item: TextItem = { x: x + PAD, y, text: values[i] ?? '', style, size: table.size, width: column.width - 2 * PAD, align: column.align ?? 'left' };
    x += column.width;
    return item;
  });
}

const tableWidth = (table: Table): number => table.columns.reduce((n, c) => n + c.width, 0);

// ---------------------------------------------------------------------------------------------
// Layout: the same steps count the pages (no canvas) and draw them

class Layout {
  pages = 0;
  private y = 0;
  /** The table whose rows are being written: its header is repeated at the top of a new page. */
  private table: Table | null = null;

  constructor(
    private readonly canvas: Canvas | null,
    private readonly running: { title: string; merchantId: string },
    private readonly totalPages: number,
  ) {}

  private newPage(): void {
    this.pages++;
    this.y = TOP;
    const c = this.canvas;
    if (!c) return;
    c.addPage();
    c.texts([
      { x: LEFT, y: HEADER_TEXT_Y, text: this.running.title, style: 'bold', size: 9, width: 420 },
      { x: RIGHT - 340, y: HEADER_TEXT_Y, text: `Merchant ${this.running.merchantId}`, size: 9, width: 340, align: 'right' },
      { x: LEFT, y: FOOTER_TEXT_Y, text: 'klarna-local settlement report', size: 8, width: 300 },
      { x: RIGHT - 200, y: FOOTER_TEXT_Y, text: `Page ${this.pages} of ${this.totalPages}`, size: 8, width: 200, align: 'right' },
    ]);
    c.rule(LEFT, RIGHT, HEADER_RULE_Y);
    c.rule(LEFT, RIGHT, FOOTER_RULE_Y);
  }

  /** The top of `height` points, on a new page unless they and `keep` more fit on this one. */
  private take(height: number, keep = 0): number {
    if (this.pages === 0 || this.y + height + keep > BOTTOM) this.newPage();
    const top = this.y;
    this.y += height;
    return top;
  }

  title(text: string): void {
    const y = this.take(TITLE_HEIGHT);
    this.canvas?.texts([{ x: LEFT, y, text, style: 'bold', size: 20 }]);
  }

  info(lines: readonly (readonly [string, string])[]): void {
    for (const [key, value] of lines) {
      const y = this.take(INFO_LINE);
      this.canvas?.texts([
        { x: LEFT, y, text: key, style: 'bold', size: 9.5, width: 150 },
        { x: LEFT + 156, y, text: value, size: 9.5, width: RIGHT - LEFT - 156 },
      ]);
    }
  }

  gap(): void {
    if (this.pages > 0 && this.y > TOP) this.y = Math.min(this.y + GAP, BOTTOM);
  }

  /** A heading kept on the page with `keep` points of what follows it. */
  heading(text: string, keep: number): void {
    this.table = null;
    const y = this.take(HEADING, keep);
    this.canvas?.texts([{ x: LEFT, y: y + 4, text, style: 'bold', size: 11, width: RIGHT - LEFT }]);
  }

  note(text: string): void {
    this.table = null;
    const y = this.take(NOTE_LINE);
    this.canvas?.texts([{ x: LEFT, y: y + 2, text, size: 9, width: RIGHT - LEFT }]);
  }

  private header(table: Table, y: number): void {
    const c = this.canvas;
    if (!c) return;
    c.fill(LEFT, y, tableWidth(table), table.headerHeight, 0.9);
    c.texts(cells(table, table.columns.map((col) => col.title), y + (table.headerHeight - table.size) / 2, 'bold'));
  }

  /** Starts a table: its header and at least its first row on the same page. */
  openTable(table: Table): void {
    const y = this.take(table.headerHeight, table.rowHeight);
    this.header(table, y);
    this.table = table;
  }

  /** A row of the open table, after the table's header again on a new page. */
  row(values: readonly string[] | null, style: Style = 'regular'): void {
    const table = this.table;
    if (!table) throw new Error('a row outside a table');
    if (this.y + table.rowHeight > BOTTOM) {
      this.newPage();
      this.header(table, this.take(table.headerHeight));
    }
    const y = this.take(table.rowHeight);
    if (values) this.canvas?.texts(cells(table, values, y + (table.rowHeight - table.size) / 2 - 0.5, style));
  }

  /** A whole table that must not be split (the totals). */
  block(table: Table, rows: readonly { values: readonly string[]; style?: Style }[]): void {
    this.table = null;
    const height = table.headerHeight + rows.length * table.rowHeight;
    const y = this.take(height);
    const c = this.canvas;
    if (!c) return;
    this.header(table, y);
    rows.forEach((r, i) => {
      const top = y + table.headerHeight + i * table.rowHeight;
      if (r.style === 'bold') c.rule(LEFT, LEFT + tableWidth(table), top);
      c.texts(cells(table, r.values, top + (table.rowHeight - table.size) / 2 - 0.5, r.style));
    });
    c.rule(LEFT, LEFT + tableWidth(table), y + height);
  }
}

// ---------------------------------------------------------------------------------------------
// The report's content, step by step (both passes)

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

function runningHeader(report: Report): { title: string; merchantId: string } {
  if (report.kind === 'payout') return { title: `Payout report ${report.payouts[0]?.payment_reference ?? ''}`, merchantId: report.merchantId };
  const period = report.period ? `${toIso(report.period.start)} to ${toIso(report.period.end)}` : '';
  return { title: `Payouts summary ${period}`, merchantId: report.merchantId };
}

function totalsRows(columns: readonly Totals[]): { values: string[]; style?: Style }[] {
  return TOTAL_FIELDS.map((field) => ({
    values: [field.label, field.effect, ...columns.map((t) => decimal(t[field.key]))],
    ...(field.key === 'settlement_amount' && { style: 'bold' as const }),
  }));
}

const transactionCount = (payouts: readonly PayoutRecord[]) => payouts.reduce((n, p) => n + p.transaction_count, 0);

/** Everything before the transactions. */
function front(layout: Layout, report: Report): void {
  const payouts = report.payouts;
  if (report.kind === 'payout') {
    const payout = payouts[0];
    if (!payout) throw new Error('a payout report without its payout');
    layout.title('Payout report');
    layout.info([
      ['Merchant id', report.merchantId],
      ['Payment reference', payout.payment_reference],
      ['Payout date', toIso(payout.payout_date)],
      ['Currency', payout.currency_code],
      ['Settlement type', payout.merchant_settlement_type],
      ['Transactions', String(payout.transaction_count)],
      ['Settlement amount', `${decimal(payout.totals.settlement_amount)} ${payout.currency_code}`],
    ]);
    layout.gap();
    const table = totalsTable([payout.currency_code]);
    layout.heading('Totals', table.headerHeight + TOTAL_FIELDS.length * table.rowHeight);
    layout.block(table, totalsRows([payout.totals]));
    return;
  }

  const byCurrency = new Map<string, PayoutRecord[]>();
  for (const p of payouts) byCurrency.set(p.currency_code, [...(byCurrency.get(p.currency_code) ?? []), p]);
  const currencies = [...byCurrency.keys()].sort();
  layout.title('Payouts summary');
  layout.info([
    ['Merchant id', report.merchantId],
    ['Period', report.period ? `from ${toIso(report.period.start)} up to, not including, ${toIso(report.period.end)}` : ''],
    ['Payouts', String(payouts.length)],
    ['Currencies', currencies.join(', ') || 'none'],
    ['Transactions', String(transactionCount(payouts))],
  ]);
  layout.gap();
  if (payouts.length === 0) {
    layout.note('No payouts in this period.');
    return;
  }
  for (let i = 0; i < currencies.length; i += CURRENCIES_PER_TABLE) {
    const group = currencies.slice(i, i + CURRENCIES_PER_TABLE);
    const table = totalsTable(group);
    layout.heading(
      i === 0 ? 'Totals per currency (balances: the first payout\'s opening, the last one\'s closing)' : 'Totals per currency (continued)',
      table.headerHeight + TOTAL_FIELDS.length * table.rowHeight,
    );
    layout.block(table, totalsRows(group.map((c) => totalsOf(byCurrency.get(c) ?? []))));
    layout.gap();
  }
  layout.heading('Payouts', PAYOUTS.headerHeight + PAYOUTS.rowHeight);
  layout.openTable(PAYOUTS);
  for (const p of payouts) {
    layout.row([
      toIso(p.payout_date),
      p.payment_reference,
      p.currency_code,
      p.merchant_settlement_type,
      String(p.transaction_count),
      decimal(p.totals.sale_amount),
      decimal(p.totals.fee_amount),
      decimal(p.totals.settlement_amount),
    ]);
  }
}

/** The heading and table header of a payout's transactions. */
function openPayout(layout: Layout, report: Report, payout: PayoutRecord): void {
  layout.gap();
  const keep = TRANSACTIONS.headerHeight + TRANSACTIONS.rowHeight;
  if (report.kind === 'payout') layout.heading(`Transactions (${payout.transaction_count})`, keep);
  else {
    layout.heading(
      `Payout ${payout.payment_reference}, ${isoDay(payout.payout_date)}, ${payout.currency_code}: ${plural(payout.transaction_count, 'transaction')}`,
      keep,
    );
  }
  if (payout.transaction_count === 0) layout.note('No transactions.');
  else layout.openTable(TRANSACTIONS);
}

function transactionValues(row: TransactionRow): string[] {
  const reference = row.refund_id !== null ? row.merchant_refund_reference : row.merchant_capture_reference;
  return [
    isoDay(row.capture_date),
    row.type,
    row.detailed_type,
    row.short_order_id ?? '',
    row.order_id,
    reference ?? '',
    decimal(row.amount),
    row.vat_amount === null ? '' : decimal(row.vat_amount),
  ];
}

/** The pages the report will have: the layout run over the payouts' transaction counts. */
export function pageCount(report: Report): number {
  const layout = new Layout(null, runningHeader(report), 0);
  front(layout, report);
  for (const payout of report.payouts) {
    openPayout(layout, report, payout);
    for (let i = 0; i < payout.transaction_count; i++) layout.row(null);
  }
  return layout.pages;
}

// ---------------------------------------------------------------------------------------------
// The stream

class Aborted extends Error {}

export function pdfReport(report: Report): Readable {
  let started = false;
  let aborted = false;
  let wake: (() => void) | null = null;
  const resume = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const out = new Readable({
    highWaterMark: HIGH_WATER_MARK,
    read() {
      if (started) return resume();
      started = true;
      write(report, out, room).catch((error: unknown) => {
        if (!(error instanceof Aborted)) out.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    },
    destroy(error, callback) {
      aborted = true;
      resume();
      callback(error);
    },
  });
  /** Waits while the stream holds more than its high-water mark; throws once it is destroyed. */
  async function room(): Promise<void> {
    if (!aborted && out.readableLength >= HIGH_WATER_MARK) await new Promise<void>((resolve) => (wake = resolve));
    if (aborted) throw new Aborted('the reader went away');
  }
  return out;
}

async function write(report: Report, out: Readable, room: () => Promise<void>): Promise<void> {
  const total = pageCount(report);
  const running = runningHeader(report);
  // pdfkit (and its fonts) loads with the first report, not with the server.
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    autoFirstPage: false,
    compress: true,
    info: { Title: running.title, Author: 'klarna-local', Subject: `Settlement report of merchant ${report.merchantId}` },
  });
  doc.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = new Promise<void>((resolve) => doc.once('end', resolve));
  const layout = new Layout(new Canvas(doc), running, total);
  front(layout, report);
  await room();

  const payouts = report.payouts;
  let index = -1;
  let seen = 0;
  /** The payout's transactions are all there, as many as it counts (the page count was made of them). */
  const close = () => {
    const payout = payouts[index];
    if (payout && seen !== payout.transaction_count) {
      throw new Error(`payout ${payout.payment_reference} has ${seen} transactions, ${payout.transaction_count} counted`);
    }
  };
  const next = () => {
    close();
    index++;
    seen = 0;
    const payout = payouts[index];
    if (payout) openPayout(layout, report, payout);
  };
  const references = new Set(payouts.map((p) => p.payment_reference));
  for await (const batch of report.transactions()) {
    for (const row of batch) {
      if (!references.has(row.payment_reference ?? '')) throw new Error(`transaction ${row.seq} belongs to no payout of the report (${row.payment_reference ?? 'unpaid'})`);
      while (payouts[index]?.payment_reference !== row.payment_reference) {
        if (index >= payouts.length) throw new Error(`transaction ${row.seq} of payout ${row.payment_reference ?? ''} comes out of the payouts' order`);
        next();
      }
      if (++seen > (payouts[index]?.transaction_count ?? 0)) close();
      layout.row(transactionValues(row));
      if (out.readableLength >= HIGH_WATER_MARK) await room();
    }
    await room();
    // Let other requests run between batches, however fast the client reads.
    await nextTurn();
  }
  while (index < payouts.length) next();
  if (layout.pages !== total) throw new Error(`the report has ${layout.pages} pages, ${total} counted`);
  doc.end();
  await ended;
  out.push(null);
}
