/**
 * Disputes on captures: opened by the sandbox (or by test data on every capture), won or lost. A
 * lost dispute books a REVERSAL of the disputed amount (and, under merchant protection, its refund);
 * a won one books nothing. Test-data disputes decide themselves, lost, after the merchant's
 * `settlement_dispute_days`.
 */
import { randomInt } from 'node:crypto';
import type { Db } from '../../platform/db/database.js';
import type { Sql } from '../../platform/db/sql.js';
import { toIso } from '../../platform/clock.js';
import { newId } from '../../platform/ids.js';
import type { OrderMoneyFacts } from '../order-management/facts.js';
import { readSettingsIn } from '../merchants/merchant.js';
import { book } from './ledger.js';
import { bookLostDispute } from './settlement.js';
import type { DisputeRow } from './settlement.repository.js';
import { decideDispute, dueDisputes, findDispute, insertDispute } from './settlement.repository.js';
import type { ClockGroup } from '../../platform/clock.js';

/** The dispute reasons of Klarna's test data (`customer+disputed-{reason}@…`, behaviour reference §9.1). */
export const DISPUTE_REASONS = [
  'return',
  'goods_not_received',
  'already_paid',
  'faulty_goods',
  'incorrect_invoice',
  'unauthorized_purchase',
  'high_risk_order',
  'non_compliance',
  'non_guaranteed_payment_program',
  'return_not_possible',
] as const;
export type DisputeReason = (typeof DISPUTE_REASONS)[number];

const TEST_DATA = /\+disputed-([a-z_]+)@/i;

/** The reason a shopper's test e-mail asks a dispute for, if any. */
export function testDataDisputeReason(email: string | null): DisputeReason | null {
  const reason = email ? TEST_DATA.exec(email)?.[1]?.toLowerCase() : undefined;
  return reason && (DISPUTE_REASONS as readonly string[]).includes(reason) ? (reason as DisputeReason) : null;
}

/** Klarna's region of a purchase country, as its KRNs name it. */
function region(country: string): string {
  if (['US', 'CA', 'MX'].includes(country)) return 'na1';
  if (['AU', 'NZ'].includes(country)) return 'oc1';
  return 'eu1';
}

/** The dispute's KRN (DisputeKRN): its category and a number. */
export const disputeKrn = (country: string, reason: string): string => `krn:klarna:${region(country)}:dispute:${reason}:${String(randomInt(10_000_000, 100_000_000))}`;

export interface OpenDispute {
  order: OrderMoneyFacts;
  capture_id: string;
  captured_at: number;
  amount: number;
  reason: DisputeReason;
  merchant_protection: boolean;
  now: number;
  /** When it decides itself (test data); null: the sandbox decides it. */
  decide_at: number | null;
}

/** The booking a lost dispute needs, kept with the dispute. */
interface DisputeBookingData {
  order: OrderMoneyFacts;
  captured_at: number;
}

export async function openDispute(sql: Sql, merchantId: string, open: OpenDispute): Promise<DisputeRow> {
  const booking: DisputeBookingData = { order: open.order, captured_at: open.captured_at };
  const row: DisputeRow = {
    dispute_id: newId(),
    merchant_id: merchantId,
    order_id: open.order.order_id,
    capture_id: open.capture_id,
    reversal_reference: disputeKrn(open.order.purchase_country, open.reason),
    reason: open.reason,
    amount: open.amount,
    status: 'OPEN',
    merchant_protection: open.merchant_protection ? 1 : 0,
    booking: JSON.stringify(booking),
    opened_at: open.now,
    decide_at: open.decide_at,
    decided_at: null,
  };
  await insertDispute(sql, row);
  return row;
}

/** Decides an open dispute (the caller holds its row); a lost one books its reversal. */
export async function decide(sql: Sql, dispute: DisputeRow, outcome: 'WON' | 'LOST', now: number): Promise<DisputeRow> {
  await decideDispute(sql, dispute.dispute_id, outcome, now, dispute.merchant_protection);
  if (outcome === 'LOST') {
    const data = JSON.parse(dispute.booking) as DisputeBookingData;
    const settings = await readSettingsIn(sql, dispute.merchant_id);
    const bookings = bookLostDispute(
      {
        order: data.order,
        capture_id: dispute.capture_id,
        captured_at: data.captured_at,
        reversal_reference: dispute.reversal_reference,
        amount: dispute.amount,
        merchant_protection: dispute.merchant_protection === 1,
      },
      now,
      settings,
    );
    await book(sql, dispute.merchant_id, settings, bookings, now);
  }
  return { ...dispute, status: outcome, decided_at: now };
}

/** Test-data disputes whose time has come are lost, each in its own transaction. */
export async function decideDueDisputes(db: Db, group: ClockGroup): Promise<void> {
  const { now } = group;
  for (const due of await dueDisputes(db.read, group)) {
    await db.transaction(async (sql) => {
      const dispute = await findDispute(sql, db.forUpdate, due.merchant_id, due.dispute_id);
      if (dispute?.status === 'OPEN') await decide(sql, dispute, 'LOST', now);
    });
  }
}

export function presentDispute(d: DisputeRow) {
  return {
    dispute_id: d.dispute_id,
    order_id: d.order_id,
    capture_id: d.capture_id,
    reversal_reference: d.reversal_reference,
    reason: d.reason,
    amount: d.amount,
    status: d.status,
    merchant_protection: d.merchant_protection === 1,
    opened_at: toIso(d.opened_at),
    ...(d.decide_at !== null && { decides_at: toIso(d.decide_at) }),
    ...(d.decided_at !== null && { decided_at: toIso(d.decided_at) }),
  };
}
