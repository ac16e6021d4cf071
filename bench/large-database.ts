/**
 * A SQLite database holding many orders, generated directly (HTTP would take an hour for a million)
 * with the server's own code: migrations, merchant provisioning and `createAuthorizedOrder`, the
 * function the sandbox's POST /sandbox/v1/orders calls, so every row and stored document is shaped
 * exactly like one the server wrote.
 */
import { sql } from 'kysely';
import { migrateToLatest, openDatabase } from '../src/platform/db/database.js';
import { provisionMerchants } from '../src/modules/merchants/provision.js';
import { DEFAULT_SETTINGS } from '../src/modules/merchants/merchant.js';
import { createAuthorizedOrder } from '../src/modules/order-management/operations/create-order.js';
import { MERCHANT, orderBody } from './fixtures.js';

export interface GeneratedDatabase {
  /** A uniform random sample of the generated order ids. */
  sample: string[];
  milliseconds: number;
}

/** Rows per transaction: large enough that commits cost nothing, small enough to keep the WAL modest. */
const BATCH = 20_000;

export async function generateOrderDatabase(file: string, count: number, sampleSize: number, progress?: (done: number) => void): Promise<GeneratedDatabase> {
  const started = performance.now();
  const db = openDatabase(`sqlite:${file}`);
  try {
    await migrateToLatest(db);
    await provisionMerchants(db, [MERCHANT], Date.now());
    // The file is thrown away if generation fails, so its commits need not wait for the disk; the
    // server opens it with its own settings.
    await sql`pragma synchronous = off`.execute(db.kysely);
    const merchant = await db.kysely.selectFrom('merchants').select('merchant_id').where('username', '=', MERCHANT.username).executeTakeFirstOrThrow();
    const input = { ...orderBody(12_500), source: 'sandbox' };
    const sample: string[] = [];
    for (let done = 0; done < count; ) {
      const size = Math.min(BATCH, count - done);
      await db.transaction(async (sql) => {
        // Creating orders announces nothing; no other module reacts here.
        const ctx = { db, sql, now: Date.now(), merchantId: merchant.merchant_id, settings: DEFAULT_SETTINGS, publicUrl: 'http://127.0.0.1', announce: async () => undefined };
        for (let i = 0; i < size; i++) {
          const order = await createAuthorizedOrder(ctx, input);
          // Reservoir sampling: every order has the same chance to be read.
          const seen = done + i;
          if (seen < sampleSize) sample.push(order.order_id);
          else {
            const slot = Math.floor(Math.random() * (seen + 1));
            if (slot < sampleSize) sample[slot] = order.order_id;
          }
        }
      });
      done += size;
      progress?.(done);
    }
    // A server that ran this long would have checkpointed its WAL as it went (SQLite does so every
    // 1000 pages); leaving the last batches in the WAL would make every read search it.
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db.kysely);
    return { sample, milliseconds: performance.now() - started };
  } finally {
    await db.close();
  }
}
