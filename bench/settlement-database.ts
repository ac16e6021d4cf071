/**
 * A SQLite database holding payouts of many settlement transactions, generated directly (a 100 000-
 * transaction payout through HTTP would take tens of thousands of captures) with the server's own
 * code: migrations, merchant provisioning, `bookCapture` (the bookings a capture makes: the SALE and
 * the two purchase fees with their VAT, on the merchant's stored settings), `insertBookings`, and
 * `runMerchantPayouts`, the function behind POST /sandbox/v1/settlements/payouts/run with
 * `immediately`, which gives every unpaid transaction to a new payout and computes its totals. Rows
 * and payouts are therefore shaped exactly like those the server writes; only the orders behind the
 * transactions do not exist (no report reads them).
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { migrateToLatest, openDatabase } from '../src/platform/db/database.js';
import { newKlarnaReference } from '../src/platform/ids.js';
import { provisionMerchants } from '../src/modules/merchants/provision.js';
import type { CapturedFact } from '../src/modules/order-management/facts.js';
import { readSettingsIn } from '../src/modules/merchants/merchant.js';
import { runMerchantPayouts } from '../src/modules/settlements/payouts.js';
import type { Booking } from '../src/modules/settlements/settlement.js';
import { bookCapture } from '../src/modules/settlements/settlement.js';
import { insertBookings } from '../src/modules/settlements/settlement.repository.js';
import { MERCHANT } from './fixtures.js';

export interface GeneratedPayout {
  payment_reference: string;
  transaction_count: number;
}

export interface GeneratedSettlements {
  /** One payout per size asked for, in that order. */
  payouts: GeneratedPayout[];
  milliseconds: number;
}

/** Rows per insert statement (26 parameters each, under SQLite's 32 766) and per transaction. */
const STATEMENT = 1_000;
const TRANSACTION = 20_000;
/** Captures per order: a few, as real orders have. */
const CAPTURES_PER_ORDER = 3;

/** `count` bookings of captures of SEK orders (a capture books 3: the sale and two fees). */
function* captureBookings(count: number, settings: Parameters<typeof bookCapture>[1], now: number): Generator<Booking> {
  let made = 0;
  for (let n = 0; made < count; n++) {
    const order: CapturedFact['order'] = {
      order_id: randomUUID(),
      klarna_reference: newKlarnaReference(),
      purchase_country: 'SE',
      purchase_currency: 'SEK',
      shipping_country: 'SE',
      merchant_reference1: `BENCH-${n}`,
      merchant_reference2: null,
      initial_payment_method_type: 'INVOICE',
      initial_number_of_installments: null,
      email: 'customer@email.se',
      created_at: now,
    };
    for (let k = 0; k < CAPTURES_PER_ORDER && made < count; k++) {
      const fact: CapturedFact = { order, capture_id: randomUUID(), captured_amount: 1_000 + ((n * 7 + k * 13) % 90) * 100, reference: `INV-${n}-${k}`, captured_at: now };
      for (const booking of bookCapture(fact, settings)) {
        if (made++ < count) yield booking;
      }
    }
  }
}

export async function generateSettlementDatabase(file: string, sizes: readonly number[]): Promise<GeneratedSettlements> {
  const started = performance.now();
  const db = openDatabase(`sqlite:${file}`);
  try {
    await migrateToLatest(db);
    await provisionMerchants(db, [MERCHANT], Date.now());
    // Thrown away if generation fails: commits need not wait for the disk (the server opens it with its own settings).
    await sql`pragma synchronous = off`.execute(db.kysely);
    const merchant = await db.kysely.selectFrom('merchants').select('merchant_id').where('username', '=', MERCHANT.username).executeTakeFirstOrThrow();
    const merchantId = merchant.merchant_id;
    const settings = await db.transaction((s) => readSettingsIn(s, merchantId));
    const payouts: GeneratedPayout[] = [];
    for (const size of sizes) {
      const now = Date.now();
      const bookings = captureBookings(size, settings, now);
      for (let done = 0; done < size; ) {
        const inTransaction = Math.min(TRANSACTION, size - done);
        await db.transaction(async (s) => {
          for (let i = 0; i < inTransaction; ) {
            const rows: Booking[] = [];
            for (; rows.length < STATEMENT && i < inTransaction; i++) {
              const next = bookings.next();
              if (next.done) throw new Error('ran out of bookings');
              rows.push(next.value);
            }
            await insertBookings(s, merchantId, rows);
          }
        });
        done += inTransaction;
      }
      const made = await runMerchantPayouts(db, merchantId, async () => now, true);
      const [payout, ...others] = made;
      if (!payout || others.length > 0 || payout.transaction_count !== size) {
        throw new Error(`expected one payout of ${size} transactions, got ${made.map((p) => p.transaction_count).join(', ')}`);
      }
      payouts.push({ payment_reference: payout.payment_reference, transaction_count: payout.transaction_count });
    }
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db.kysely);
    return { payouts, milliseconds: performance.now() - started };
  } finally {
    await db.close();
  }
}
