/**
 * The settlement engine's bookings: Order Management announces each money event inside its own
 * transaction (order-management/facts.ts) and these rules book its transactions in that same
 * transaction, so a committed capture, refund or fee always has its settlement rows and a rolled
 * back one never does, across crashes too. Test data (`customer+disputed-{reason}@…`) opens a
 * dispute on every capture.
 */
import type { Fact, Reaction } from '../../platform/reactions.js';
import { MS_PER_DAY } from '../../platform/clock.js';
import { CAPTURE_DUE_DATE_EXTENDED, ORDER_CAPTURED, ORDER_REFUNDED } from '../order-management/facts.js';
import type { CapturedFact, DueDateExtendedFact, RefundedFact } from '../order-management/facts.js';
import { openDispute, testDataDisputeReason } from './disputes.js';
import { parseSettings, readSettingsIn } from '../merchants/merchant.js';
import type { Sql } from '../../platform/db/sql.js';
import { book } from './ledger.js';
import { bookCapture, bookDueDateExtension, bookRefund } from './settlement.js';
import { percentageFeesLeft } from './settlement.repository.js';

/** The merchant's settings as the write's transaction read them (read now when it did not). */
const settingsOf = (sql: Sql, fact: Fact) => (fact.settingsJson !== undefined ? Promise.resolve(parseSettings(fact.settingsJson)) : readSettingsIn(sql, fact.merchantId));

const onCapture: Reaction = async (sql, fact: Fact) => {
  const event = fact.data as CapturedFact;
  const settings = await settingsOf(sql, fact);
  await book(sql, fact.merchantId, settings, bookCapture(event, settings), fact.now);
  const reason = testDataDisputeReason(event.order.email);
  if (reason) {
    await openDispute(sql, fact.merchantId, {
      order: event.order,
      capture_id: event.capture_id,
      captured_at: event.captured_at,
      amount: event.captured_amount,
      reason,
      merchant_protection: false,
      now: fact.now,
      decide_at: fact.now + settings.settlement_dispute_days * MS_PER_DAY,
    });
  }
};

const onRefund: Reaction = async (sql, fact: Fact) => {
  const event = fact.data as RefundedFact;
  const settings = await settingsOf(sql, fact);
  const feesLeft = await percentageFeesLeft(sql, fact.merchantId, event.order.order_id);
  await book(sql, fact.merchantId, settings, bookRefund(event, settings, feesLeft), fact.now);
};

const onDueDateExtended: Reaction = async (sql, fact: Fact) => {
  const event = fact.data as DueDateExtendedFact;
  const settings = await settingsOf(sql, fact);
  await book(sql, fact.merchantId, settings, bookDueDateExtension(event, settings), fact.now);
};

export const BOOKING_REACTIONS: Readonly<Record<string, Reaction>> = {
  [ORDER_CAPTURED]: onCapture,
  [ORDER_REFUNDED]: onRefund,
  [CAPTURE_DUE_DATE_EXTENDED]: onDueDateExtended,
};
