/** What a report is made of: its payouts, read whole (they are few), and their transactions, streamed in batches. */
import type { PayoutRecord, TransactionRow } from '../settlement.repository.js';

/**
 * Transactions per batch a report reads. A batch stays alive until the client has taken its bytes
 * (the query's generator holds it until it is asked for the next): at 1 000 rows that outlived two
 * young-generation collections, so V8 promoted every batch to the old generation and a server
 * sending a 100 000-transaction report grew by 100–130 MiB between full collections (bench group
 * `reports`); at 200 rows its memory stays flat, for one query per 200 rows.
 */
export const REPORT_BATCH_SIZE = 200;

export interface Report {
  merchantId: string;
  /** `payout`: one payout; `summary`: every payout of a period. */
  kind: 'payout' | 'summary';
  /** The payouts it covers, oldest first. */
  payouts: readonly PayoutRecord[];
  /** Summary reports: the period asked for ([start, end), epoch ms). */
  period?: { start: number; end: number };
  /** The payouts' transactions, a batch at a time, in payout order and booking order within each. */
  transactions(): AsyncIterable<readonly TransactionRow[]>;
  publicUrl: string;
}
