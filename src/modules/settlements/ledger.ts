/** Booking transactions, and the merchant's settings as a booking reads them inside its transaction. */
import type { Sql } from '../../platform/db/sql.js';
import type { MerchantSettings } from '../merchants/merchant.js';
import type { Booking } from './settlement.js';
import { nextPayoutDate } from './settlement.js';
import { ensureSchedule, insertBookings } from './settlement.repository.js';

/** Books the transactions and puts the merchant on the payout calendar. */
export async function book(sql: Sql, merchantId: string, settings: MerchantSettings, bookings: readonly Booking[], now: number): Promise<void> {
  if (bookings.length === 0) return;
  await insertBookings(sql, merchantId, bookings);
  await ensureSchedule(sql, merchantId, nextPayoutDate(settings.settlement_payout_schedule, now));
}

