/**
 * The merchant's settlement terms (`PATCH /sandbox/v1/settings`): a fresh merchant has a typical
 * contract's; object settings (fees per currency, the payout schedule, the holdback) take the keys
 * given and keep the others; bad values are 400 BAD_VALUE and change nothing; new terms apply to
 * the events that follow.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { byType, capture, transactions } from './api-helpers.js';

for (const dialect of await availableDialects()) {
  describe(`settlement terms (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('a fresh merchant has fees, VAT on them, daily payouts 7 days after the event, NET settlement and no reserve', async () => {
      const { settings } = (await t.get('/sandbox/v1/settings')).json();
      assert.deepEqual(settings.settlement_fees.SEK, { percentage: 299, fixed: 300 });
      assert.deepEqual(settings.settlement_fees.EUR, { percentage: 299, fixed: 35 });
      assert.equal(settings.settlement_fee_vat_rate, 2500);
      assert.equal(settings.settlement_fee_refund, true);
      assert.deepEqual(settings.settlement_payout_schedule, { frequency: 'daily', weekday: 'monday', interval_days: 7, delay_days: 7 });
      assert.equal(settings.settlement_type, 'NET');
      assert.deepEqual(settings.settlement_holdback, { percentage: 0, release_days: 90 });
      assert.equal(settings.settlement_dispute_days, 14);
    });

    it('merges object settings by key, and the new terms price the next capture', async () => {
      const res = await t.patch('/sandbox/v1/settings', {
        settlement_fees: { SEK: { percentage: 150, fixed: 0 } },
        settlement_payout_schedule: { delay_days: 2 },
        settlement_fee_vat_rate: 0,
      });
      assert.equal(res.status, 200, res.body);
      const { settings } = res.json();
      assert.deepEqual(settings.settlement_fees.SEK, { percentage: 150, fixed: 0 });
      assert.deepEqual(settings.settlement_fees.EUR, { percentage: 299, fixed: 35 }, 'other currencies kept');
      assert.deepEqual(settings.settlement_payout_schedule, { frequency: 'daily', weekday: 'monday', interval_days: 7, delay_days: 2 });
      const order = await t.createOrder();
      await capture(t, order.order_id, 10000);
      const rows = await transactions(t, `order_id=${order.order_id}`);
      assert.deepEqual(byType(rows), ['SALE/PURCHASE 10000', 'FEE/PURCHASE_FEE_PERCENTAGE 150'], 'no fixed fee of 0');
      assert.equal(rows[1]?.vat_amount, 0);
    });

    it('refuses bad terms with 400 BAD_VALUE, changing nothing', async () => {
      const before = (await t.get('/sandbox/v1/settings')).json().settings;
      const bad = [
        { settlement_fees: { sek: { percentage: 100, fixed: 0 } } },
        { settlement_fees: { SEK: { percentage: 100 } } },
        { settlement_fees: { SEK: { percentage: 10001, fixed: 0 } } },
        { settlement_fee_vat_rate: -1 },
        { settlement_payout_schedule: { frequency: 'hourly' } },
        { settlement_payout_schedule: { interval_days: 0 } },
        { settlement_type: 'NETTO' },
        { settlement_holdback: { percentage: 50.5 } },
      ];
      for (const body of bad) assertError(await t.patch('/sandbox/v1/settings', body), 400, 'BAD_VALUE', /settlement_/);
      assert.deepEqual((await t.get('/sandbox/v1/settings')).json().settings, before);
    });
  });
}
