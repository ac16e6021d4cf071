/** What a report is made of: its payouts, read whole (they are few), and their transactions, streamed in batches. */
import type { PayoutRecord, TransactionRow } from '../settlement.repository.js';

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
