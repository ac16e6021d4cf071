/**
 * Payouts, built on the merchant's schedule as the (sandbox) clock passes: at each payout date every
 * transaction that has become payable is given to exactly one payout per currency (two where fees
 * are paid apart), whose totals follow Klarna's arithmetic over them and carry the merchant's debt.
 * One merchant's payouts are built in one transaction holding its schedule row, so two processes
 * never build the same payout; a transaction is taken by an update that only takes unpaid ones.
 */
import type { Db } from '../../platform/db/database.js';
import type { Sql } from '../../platform/db/sql.js';
import type { MerchantSettings } from '../merchants/merchant.js';
import { readSettingsIn } from '../merchants/merchant.js';
import { computeTotals, nextPayoutDate, payoutStreams } from './settlement.js';
import type { PayoutRecord } from './settlement.repository.js';
import {
  assignToPayout,
  dueSchedules,
  insertPayout,
  lockSchedule,
  newPaymentReference,
  openingDebt,
  payableCurrencies,
  setNextPayout,
  sumsByType,
} from './settlement.repository.js';
import type { ClockGroup } from '../../platform/clock.js';

/** The (sandbox) time, read in the payout's transaction. */
export type ReadNow = (sql: Sql) => Promise<number>;

/**
 * The payouts of one date: what is payable by `cutoff` (the payout date itself on schedule), per
 * currency and stream.
 */
async function payOut(sql: Sql, merchantId: string, settings: MerchantSettings, payoutDate: number, cutoff: number, streams: ReturnType<typeof payoutStreams>, now: number): Promise<PayoutRecord[]> {
  const made: PayoutRecord[] = [];
  for (const currency of await payableCurrencies(sql, merchantId, cutoff)) {
    for (const { types } of streams) {
      const paymentReference = newPaymentReference();
      const count = await assignToPayout(sql, merchantId, currency, cutoff, types, paymentReference, payoutDate);
      if (count === 0) continue;
      const totals = computeTotals(await sumsByType(sql, paymentReference), await openingDebt(sql, merchantId, currency));
      const payout: PayoutRecord = {
        payment_reference: paymentReference,
        merchant_id: merchantId,
        currency_code: currency,
        payout_date: payoutDate,
        merchant_settlement_type: settings.settlement_type,
        totals,
        transaction_count: count,
      };
      await insertPayout(sql, payout, now);
      made.push(payout);
    }
  }
  return made;
}

/**
 * Every payout date of the merchant's that has come, in order. `now` is read once the schedule row
 * is held, so payouts are dated in the order they are built, whoever waited for the row.
 */
async function payOutDue(db: Db, sql: Sql, merchantId: string, readNow: ReadNow): Promise<{ made: PayoutRecord[]; now: number }> {
  let next = await lockSchedule(sql, db.forUpdate, merchantId);
  const now = await readNow(sql);
  if (next === undefined || next > now) return { made: [], now };
  const settings = await readSettingsIn(sql, merchantId);
  const schedule = settings.settlement_payout_schedule;
  const made: PayoutRecord[] = [];
  while (next <= now) {
    made.push(...(await payOut(sql, merchantId, settings, next, next, payoutStreams(settings.settlement_type, schedule, next), now)));
    next = nextPayoutDate(schedule, next);
  }
  await setNextPayout(sql, merchantId, next);
  return { made, now };
}

/**
 * The background step: every merchant whose payout date has come (each in its own transaction).
 * Its `now` may be older than a run's that built payouts meanwhile; it only builds dates up to it.
 */
export async function runDuePayouts(db: Db, group: ClockGroup): Promise<PayoutRecord[]> {
  const { now } = group;
  const made: PayoutRecord[] = [];
  for (const merchantId of await dueSchedules(db.read, group)) {
    made.push(...(await db.transaction(async (sql) => (await payOutDue(db, sql, merchantId, async () => now)).made)));
  }
  return made;
}

/**
 * The sandbox's run: the merchant's due payouts, and with `immediately` one more payout now of
 * everything not yet paid out, whatever its delay (fees included, for every settlement type).
 */
export async function runMerchantPayouts(db: Db, merchantId: string, readNow: ReadNow, immediately: boolean): Promise<PayoutRecord[]> {
  return db.transaction(async (sql) => {
    const { made, now } = await payOutDue(db, sql, merchantId, readNow);
    if (!immediately) return made;
    const settings = await readSettingsIn(sql, merchantId);
    const streams = settings.settlement_type === 'NET' ? [{ types: 'all' as const }] : [{ types: 'sales' as const }, { types: 'fees' as const }];
    return [...made, ...(await payOut(sql, merchantId, settings, now, Number.MAX_SAFE_INTEGER, streams, now))];
  });
}
