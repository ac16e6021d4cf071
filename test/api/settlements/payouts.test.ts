/**
 * Payouts (behaviour reference §6; docs/fidelity.md "Settlements"): built on the merchant's schedule
 * as the sandbox clock passes, at UTC midnights, each paying what became payable (the schedule's
 * delay after the event) exactly once, with Klarna's totals; sales and fees together (NET) or apart
 * (GROSS_FEE, GROSS monthly); debt carried between payouts; and the list, the summary and the
 * transactions of a payout with Klarna's paging and date rules. Responses are validated against
 * settlements.json by the harness.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, PUBLIC_URL, buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import type { Payout } from './api-helpers.js';
import { DAY, MS_PER_DAY, capture, payouts, refund, runPayouts, sandboxNow, settings, sumOf, transactions } from './api-helpers.js';

const midnightAfter = (ms: number) => (Math.floor(ms / MS_PER_DAY) + 1) * MS_PER_DAY;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The formula, from the totals (what a merchant's reconciliation does). */
function settlementOf(t: Payout['totals']): number {
  const v = (k: keyof Payout['totals']) => t[k];
  return (
    v('sale_amount') - v('return_amount') - v('reversal_amount') - v('fee_amount') + v('fee_correction_amount') + v('commission_amount') - v('tax_amount') -
    v('charge_amount') + v('credit_amount') - v('repay_amount') - v('holdback_amount') + v('release_amount') + v('fee_refund_amount')
  );
}

for (const dialect of await availableDialects()) {
  describe(`payouts on schedule (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('by default, daily at UTC midnight, paying what is 7 days old; each transaction once; totals by Klarna\'s formula', async () => {
      const start = await sandboxNow(t);
      const order = await t.createOrder();
      const captureId = await capture(t, order.order_id, 12500, { reference: 'INV-7' });
      await refund(t, order.order_id, 2500);
      await t.advanceClock(6 * DAY);
      assert.deepEqual(await payouts(t), [], 'nothing is payable before the delay');

      await t.advanceClock(2 * DAY);
      const [payout, ...more] = await payouts(t);
      assert.ok(payout);
      assert.deepEqual(more, []);
      // The first payout date on or after the day the capture became payable.
      assert.equal(payout.payout_date, new Date(midnightAfter(start + 7 * MS_PER_DAY - 1)).toISOString().replace('.000Z', 'Z'));
      assert.equal(payout.currency_code, 'SEK');
      assert.equal(payout.merchant_settlement_type, 'NET');
      assert.match(payout.payment_reference, /^[A-Z0-9]{10}$/);
      assert.equal(payout.transactions, `${PUBLIC_URL}/settlements/v1/transactions?payment_reference=${payout.payment_reference}`);
      assert.deepEqual(payout.totals, {
        commission_amount: 0,
        repay_amount: 0,
        sale_amount: 12500,
        holdback_amount: 0,
        // VAT on the fees: 374 → 94 and 300 → 75; given back with the fee refund: 19 (inside the refund's 94).
        tax_amount: 169,
        settlement_amount: 12500 - 2500 - 674 - 169 + 94,
        fee_correction_amount: 0,
        reversal_amount: 0,
        release_amount: 0,
        return_amount: 2500,
        fee_amount: 674,
        charge_amount: 0,
        credit_amount: 0,
        fee_refund_amount: 94,
        tax_refund_amount: 19,
        deposit_amount: 0,
        opening_debt_balance_amount: 0,
        closing_debt_balance_amount: 0,
      });
      assert.equal(settlementOf(payout.totals), payout.totals.settlement_amount);

      const rows = await transactions(t, `payment_reference=${payout.payment_reference}`);
      assert.equal(rows.length, 5);
      assert.ok(rows.every((r) => r.payment_reference === payout.payment_reference && r.payout === `${PUBLIC_URL}/settlements/v1/payouts/${payout.payment_reference}`));
      assert.ok(rows.some((r) => r.capture_id === captureId));
      const read = await t.get(`/settlements/v1/payouts/${payout.payment_reference}`);
      assert.equal(read.status, 200, read.body);
      assert.deepEqual(read.json(), payout);

      // Later days pay nothing again.
      await t.advanceClock(10 * DAY);
      assert.equal((await payouts(t)).length, 1);
      assert.equal((await transactions(t, `order_id=${order.order_id}`)).filter((r) => r.payment_reference === payout.payment_reference).length, 5);
    });

    it('a refund that outweighs the period\'s sales is carried as debt (deposit), and repaid from the next payout first', async () => {
      await runPayouts(t);
      const order = await t.createOrder();
      await capture(t, order.order_id, 12500);
      const [first] = await runPayouts(t);
      assert.ok(first);
      const debtBefore = first.totals.closing_debt_balance_amount;
      await refund(t, order.order_id, 12500);
      const [negative] = await runPayouts(t);
      assert.ok(negative);
      assert.ok(negative.totals.settlement_amount < 0, JSON.stringify(negative.totals));
      assert.equal(negative.totals.deposit_amount, -negative.totals.settlement_amount);
      assert.equal(negative.totals.opening_debt_balance_amount, debtBefore);
      assert.equal(negative.totals.closing_debt_balance_amount, debtBefore + negative.totals.deposit_amount);
      const debt = negative.totals.closing_debt_balance_amount;

      // The next period earns less than the debt: all of it repays, nothing is paid out.
      const next = await t.createOrder();
      await capture(t, next.order_id, 12500);
      const [partly] = await runPayouts(t);
      assert.ok(partly);
      const period = 12500 - 374 - 300 - 94 - 75;
      assert.equal(partly.totals.opening_debt_balance_amount, debt);
      assert.equal(partly.totals.repay_amount, Math.min(debt, period));
      assert.equal(partly.totals.settlement_amount, period - Math.min(debt, period));
      assert.equal(partly.totals.closing_debt_balance_amount, debt - Math.min(debt, period));
      assert.equal(settlementOf(partly.totals), partly.totals.settlement_amount);

      // Then the rest is repaid, and what is left paid out.
      const last = await t.createOrder();
      await capture(t, last.order_id, 12500);
      const [repaid] = await runPayouts(t);
      assert.ok(repaid);
      const rest = partly.totals.closing_debt_balance_amount;
      assert.ok(rest > 0);
      assert.equal(repaid.totals.repay_amount, rest);
      assert.equal(repaid.totals.closing_debt_balance_amount, 0);
      assert.equal(repaid.totals.settlement_amount, period - rest);
      assert.equal(settlementOf(repaid.totals), repaid.totals.settlement_amount);
    });
  });

  describe(`payout calendars and settlement types (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('weekly on the merchant\'s weekday, and every N days, with the merchant\'s delay', async () => {
      await settings(t, { settlement_payout_schedule: { frequency: 'weekly', weekday: 'wednesday', delay_days: 0 } });
      for (let i = 0; i < 3; i++) {
        const order = await t.createOrder();
        await capture(t, order.order_id, 1000);
        await t.advanceClock(5 * DAY);
      }
      await t.advanceClock(8 * DAY);
      const weekly = await payouts(t);
      assert.ok(weekly.length >= 2, JSON.stringify(weekly.map((p) => p.payout_date)));
      for (const p of weekly) {
        assert.equal(new Date(p.payout_date).getUTCDay(), 3, `${p.payout_date} is a Wednesday`);
        assert.match(p.payout_date, /T00:00:00Z$/);
      }

      await runPayouts(t);
      await settings(t, { settlement_payout_schedule: { frequency: 'every_n_days', interval_days: 3, delay_days: 2 } });
      const before = new Set((await payouts(t)).map((p) => p.payment_reference));
      for (let i = 0; i < 4; i++) {
        const order = await t.createOrder();
        await capture(t, order.order_id, 1000);
        await t.advanceClock(DAY);
      }
      await t.advanceClock(12 * DAY);
      const interval = (await payouts(t)).filter((p) => !before.has(p.payment_reference));
      assert.ok(interval.length >= 2, JSON.stringify(interval));
      for (const p of interval) assert.equal((Date.parse(p.payout_date) / MS_PER_DAY) % 3, 0, `${p.payout_date} is on the 3-day calendar`);
      for (const p of interval) {
        for (const row of await transactions(t, `payment_reference=${p.payment_reference}`)) {
          assert.ok(Date.parse(row.capture_date) + 2 * MS_PER_DAY <= Date.parse(p.payout_date), `${row.capture_date} paid on ${p.payout_date}: two days' delay`);
        }
      }
      await settings(t, { settlement_payout_schedule: { frequency: 'daily', delay_days: 7 } });
    });

    it('GROSS_FEE pays the fees in a payout of their own next to the sales', async () => {
      await runPayouts(t);
      await settings(t, { settlement_type: 'GROSS_FEE' });
      const order = await t.createOrder();
      await capture(t, order.order_id, 10000);
      const made = await runPayouts(t);
      assert.equal(made.length, 2);
      const [sales, fees] = made as [Payout, Payout];
      assert.ok(made.every((p) => p.merchant_settlement_type === 'GROSS_FEE'));
      assert.deepEqual([sales.totals.sale_amount, sales.totals.fee_amount, sales.totals.settlement_amount], [10000, 0, 10000]);
      assert.deepEqual([fees.totals.sale_amount, fees.totals.fee_amount, fees.totals.tax_amount], [0, 599, 150]);
      assert.equal(fees.totals.deposit_amount, 749, 'a fee payout is collected from the merchant: it is debt');
      await settings(t, { settlement_type: 'NET' });
    });

    it('GROSS collects the fees only in the first payout of each month', async () => {
      await runPayouts(t);
      await settings(t, { settlement_type: 'GROSS', settlement_payout_schedule: { frequency: 'daily', delay_days: 0 } });
      const now = await sandboxNow(t);
      // Move to the 2nd of next month, so that day's payouts are not the month's first.
      const d = new Date(now);
      const second = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 2, 12);
      await t.advanceClock(Math.ceil((second - now) / 1000));
      await runPayouts(t, false);
      const order = await t.createOrder();
      await capture(t, order.order_id, 10000);
      await t.advanceClock(DAY);
      const daily = (await payouts(t)).filter((p) => p.merchant_settlement_type === 'GROSS');
      assert.equal(daily.length, 1, JSON.stringify(daily));
      assert.deepEqual([daily[0]?.totals.sale_amount, daily[0]?.totals.fee_amount], [10000, 0]);
      const feesUnpaid = (await transactions(t, `order_id=${order.order_id}`)).filter((r) => r.type === 'FEE');
      assert.ok(feesUnpaid.length === 2 && feesUnpaid.every((r) => r.payment_reference === undefined));

      // On the first of the following month the month's fees are collected.
      const nowAfter = await sandboxNow(t);
      const a = new Date(nowAfter);
      const first = Date.UTC(a.getUTCFullYear(), a.getUTCMonth() + 1, 1, 1);
      await t.advanceClock(Math.ceil((first - nowAfter) / 1000));
      const fees = (await payouts(t)).find((p) => p.totals.fee_amount > 0 && p.merchant_settlement_type === 'GROSS');
      assert.ok(fees);
      assert.equal(isoDay(Date.parse(fees.payout_date)).slice(8), '01');
      assert.equal(fees.totals.fee_amount, 599);
      assert.ok((await transactions(t, `order_id=${order.order_id}`)).every((r) => r.payment_reference !== undefined));
      await settings(t, { settlement_type: 'NET', settlement_payout_schedule: { frequency: 'daily', delay_days: 7 } });
    });

    it('a holdback is withheld from the sale\'s payout and released in a later one', async () => {
      await runPayouts(t);
      await settings(t, { settlement_holdback: { percentage: 1000, release_days: 20 }, settlement_payout_schedule: { frequency: 'daily', delay_days: 1 } });
      const order = await t.createOrder();
      await capture(t, order.order_id, 10000);
      await settings(t, { settlement_holdback: { percentage: 0 } });
      await t.advanceClock(2 * DAY);
      const withheld = (await payouts(t)).find((p) => p.totals.holdback_amount > 0);
      assert.ok(withheld);
      assert.deepEqual([withheld.totals.sale_amount, withheld.totals.holdback_amount, withheld.totals.release_amount], [10000, 1000, 0]);
      await t.advanceClock(20 * DAY);
      const released = (await payouts(t)).find((p) => p.totals.release_amount > 0);
      assert.ok(released);
      assert.equal(released.totals.release_amount, 1000);
      assert.equal(released.totals.settlement_amount, 1000);
      assert.ok(Date.parse(released.payout_date) - Date.parse(withheld.payout_date) >= 18 * MS_PER_DAY);
      await settings(t, { settlement_payout_schedule: { frequency: 'daily', delay_days: 7 } });
    });
  });

  describe(`listing payouts and transactions (${dialect})`, () => {
    let t: TestApp;
    const made: Payout[] = [];
    before(async () => {
      t = await buildTestApp({ dialect });
      await settings(t, { settlement_payout_schedule: { frequency: 'daily', delay_days: 0 } });
      // Five SEK payouts on five days, and one EUR payout.
      for (let i = 0; i < 5; i++) {
        const order = await t.createOrder();
        await capture(t, order.order_id, 1000 * (i + 1));
        await t.advanceClock(DAY);
      }
      const de = await t.createOrder({
        purchase_country: 'DE',
        purchase_currency: 'EUR',
        locale: 'de-DE',
        billing_address: { given_name: 'Testperson-de', family_name: 'Approved', email: 'customer@email.de', country: 'DE' },
      });
      await capture(t, de.order_id, 4000);
      await t.advanceClock(DAY);
      made.push(...(await payouts(t)));
      assert.equal(made.length, 6);
    });
    after(async () => t.close());

    it('lists newest first, with count, total, offset and absolute next and prev links', async () => {
      const dates = made.map((p) => p.payout_date);
      assert.deepEqual(dates, [...dates].sort().reverse());
      const page = await t.get('/settlements/v1/payouts?size=2&offset=2');
      assert.equal(page.status, 200, page.body);
      const body = page.json();
      assert.deepEqual(body.payouts.map((p: Payout) => p.payment_reference), made.slice(2, 4).map((p) => p.payment_reference));
      assert.deepEqual({ ...body.pagination, next: undefined, prev: undefined }, { count: 2, total: 6, offset: 2, next: undefined, prev: undefined });
      const next = new URL(body.pagination.next);
      const prev = new URL(body.pagination.prev);
      assert.equal(`${next.origin}${next.pathname}`, `${PUBLIC_URL}/settlements/v1/payouts`);
      assert.deepEqual([next.searchParams.get('offset'), next.searchParams.get('size')], ['4', '2']);
      assert.deepEqual([prev.searchParams.get('offset'), prev.searchParams.get('size')], ['0', '2']);
      const last = (await t.get('/settlements/v1/payouts?size=2&offset=4')).json();
      assert.equal(last.pagination.next, undefined);
      assert.equal((await t.get('/settlements/v1/payouts')).json().pagination.count, 6, 'size defaults to 20');
    });

    it('filters by currency and by payout date: [start, end), a bare date meaning its midnight', async () => {
      const eur = await payouts(t, '&currency_code=EUR');
      assert.deepEqual(eur.map((p) => p.currency_code), ['EUR']);
      assert.equal((await payouts(t, '&currency_code=sek')).length, 5, 'case does not matter');
      const one = made[3]!;
      const day = isoDay(Date.parse(one.payout_date));
      const nextDay = isoDay(Date.parse(one.payout_date) + MS_PER_DAY);
      assert.deepEqual((await payouts(t, `&start_date=${day}&end_date=${nextDay}`)).map((p) => p.payment_reference), [one.payment_reference]);
      assert.deepEqual(await payouts(t, `&start_date=${day}&end_date=${day}`), [], 'a start equal to the end selects nothing');
      assert.deepEqual((await payouts(t, `&start_date=${day}T00:00:00Z&end_date=${day}T23:59:59Z`)).map((p) => p.payment_reference), [one.payment_reference]);
      assert.deepEqual((await payouts(t, `&start_date=${day}T01:00:00%2B01:00&end_date=${day}T00:00:01Z`)).map((p) => p.payment_reference), [one.payment_reference], 'offsets count');
    });

    it('sums a period per currency (payout summary), and requires the period', async () => {
      const res = await t.get('/settlements/v1/payouts/summary?start_date=2000-01-01&end_date=2100-01-01');
      assert.equal(res.status, 200, res.body);
      const [eur, sek] = res.json();
      assert.equal(eur.summary_settlement_currency, 'EUR');
      assert.equal(sek.summary_settlement_currency, 'SEK');
      const sekPayouts = made.filter((p) => p.currency_code === 'SEK');
      assert.equal(sek.summary_total_sale_amount, 15000);
      assert.equal(sek.summary_total_settlement_amount, sekPayouts.reduce((n, p) => n + p.totals.settlement_amount, 0));
      assert.equal(sek.summary_total_fee_amount, sekPayouts.reduce((n, p) => n + p.totals.fee_amount, 0));
      assert.equal(sek.summary_payout_date_start, sekPayouts.at(-1)?.payout_date);
      assert.equal(sek.summary_payout_date_end, sekPayouts[0]?.payout_date);
      const onlyEur = (await t.get('/settlements/v1/payouts/summary?start_date=2000-01-01&end_date=2100-01-01&currency_code=EUR')).json();
      assert.deepEqual(onlyEur, [eur]);
      assert.deepEqual((await t.get('/settlements/v1/payouts/summary?start_date=2100-01-01&end_date=2100-01-01')).json(), []);
      assertError(await t.get('/settlements/v1/payouts/summary?start_date=2000-01-01'), 400, 'BAD_VALUE', /end_date is required/);
    });

    it('lists a payout\'s transactions, or an order\'s (paid or not), with paging', async () => {
      const payout = made[0]!;
      const rows = await transactions(t, `payment_reference=${payout.payment_reference}`);
      assert.equal(rows.length, 3);
      const page = (await t.get(`/settlements/v1/transactions?payment_reference=${payout.payment_reference}&size=2`)).json();
      assert.equal(page.transactions.length, 2);
      assert.deepEqual({ count: page.pagination.count, total: page.pagination.total }, { count: 2, total: 3 });
      assert.ok(page.pagination.next.startsWith(`${PUBLIC_URL}/settlements/v1/transactions?`));
      assert.equal(new URL(page.pagination.next).searchParams.get('payment_reference'), payout.payment_reference);
      assert.equal(sumOf(rows, 'SALE'), payout.totals.sale_amount);
      assert.deepEqual((await t.get('/settlements/v1/transactions?payment_reference=NOSUCHREF1')).json().transactions, []);

      const order = await t.createOrder();
      await capture(t, order.order_id, 500);
      const unpaid = await transactions(t, `order_id=${order.order_id}`);
      assert.equal(unpaid.length, 3);
      assert.ok(unpaid.every((r) => r.payment_reference === undefined));
    });

    it('refuses bad paging, dates and currencies with 400 BAD_VALUE, and an unknown or another merchant\'s payout with 404', async () => {
      for (const query of ['size=0', 'size=501', 'size=ten', 'offset=-1', 'offset=1.5']) {
        assertError(await t.get(`/settlements/v1/payouts?${query}`), 400, 'BAD_VALUE', /size|offset/);
        assertError(await t.get(`/settlements/v1/transactions?${query}`), 400, 'BAD_VALUE', /size|offset/);
      }
      for (const date of ['2024-02-30', '2024-13-01', 'yesterday', '2024-01-01T25:00:00Z', '2024-01-01T10:00:00']) {
        assertError(await t.get(`/settlements/v1/payouts?start_date=${encodeURIComponent(date)}`), 400, 'BAD_VALUE', /start_date/);
      }
      assertError(await t.get('/settlements/v1/payouts?currency_code=KRONOR'), 400, 'BAD_VALUE', /currency_code/);
      assertError(await t.get('/settlements/v1/payouts/NOSUCHREF1'), 404, 'NOT_FOUND', /NOSUCHREF1/);
      const foreign = await t.request({ url: `/settlements/v1/payouts/${made[0]!.payment_reference}`, auth: OTHER_MERCHANT });
      assertError(foreign, 404, 'NOT_FOUND');
      assert.deepEqual((await t.request({ url: '/settlements/v1/payouts', auth: OTHER_MERCHANT })).json().payouts, []);
    });
  });
}
