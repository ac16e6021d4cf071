/**
 * The integration report: what the server saw a merchant's integration do that would hurt in
 * production (README "Is my integration ready?"). Built on demand from the request journal and the
 * stored state; nothing is kept. Each finding has its stable code, severity, count, up to five
 * examples, Klarna's rule and where the docs explain it; a finding not seen is not listed.
 */
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { isoMs } from '../sandbox/callbacks.js';
import { callFindings, checkoutReads, readsAfterCompletion } from './call-findings.js';
import type { Finding, FindingCode, Seen, Severity } from './findings.js';
import { FINDING_CODES, FINDINGS, SEVERITIES, atOrAbove, severityRank } from './findings.js';
import { journalSince } from './journal.js';
import { stateFindings } from './state-findings.js';

export interface ReportOptions {
  /** Only what happened at or after this time (epoch ms, the merchant's clock); default: everything kept. */
  since?: number | undefined;
  /** Only findings at or above this severity; default `info` (all). */
  severity?: Severity | undefined;
  /** Whether the server journals calls (`--no-journal` leaves the call findings empty). */
  journal: boolean;
}

export interface IntegrationReport {
  merchant: { merchant_id: string; username: string };
  generated_at: string;
  since: string | null;
  severity: Severity;
  /** The journal the call findings read: whether it is on, the calls read, the oldest one's time. */
  journal: { enabled: boolean; calls: number; oldest: string | null };
  summary: Record<Severity, number>;
  /** Worst first, then by code's order. */
  findings: Finding[];
}

const IN_CHUNK = 500;

/** When each of these Checkout orders was completed (the ones never completed are left out). */
async function completionTimes(db: Db, merchantId: string, orderIds: readonly string[]): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  const unique = [...new Set(orderIds)];
  for (let i = 0; i < unique.length; i += IN_CHUNK) {
    const chunk = unique.slice(i, i + IN_CHUNK);
    const rows = await db.read.all<{ order_id: string; completed_at: number | string }>(
      `select order_id, completed_at from checkout_orders where merchant_id = ? and completed_at is not null and order_id in (${chunk.map(() => '?').join(', ')})`,
      [merchantId, ...chunk],
    );
    for (const row of rows) times.set(row.order_id, Number(row.completed_at));
  }
  return times;
}

export async function buildReport(db: Db, clock: Clock, merchant: { merchant_id: string; username: string }, options: ReportOptions): Promise<IntegrationReport> {
  const merchantId = merchant.merchant_id;
  const now = await clock.now(merchantId);
  const since = options.since ?? 0;
  const severity = options.severity ?? 'info';
  const calls = options.journal ? await journalSince(db, merchantId, since) : [];
  const reads = checkoutReads(calls);
  const seen: Record<FindingCode, Seen> = {
    ...callFindings(calls),
    CHECKOUT_READ_AFTER_COMPLETION: readsAfterCompletion(
      reads,
      await completionTimes(
        db,
        merchantId,
        reads.map((c) => c.order_id ?? ''),
      ),
    ),
    ...(await stateFindings(db, merchantId, since, now)),
  };
  const findings: Finding[] = FINDING_CODES.filter((code) => seen[code].count > 0 && atOrAbove(FINDINGS[code].severity, severity))
    .map((code) => ({ code, ...FINDINGS[code], count: seen[code].count, examples: seen[code].examples }))
    .sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
  const summary = Object.fromEntries(SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length])) as Record<Severity, number>;
  return {
    merchant,
    generated_at: isoMs(now),
    since: options.since === undefined ? null : isoMs(options.since),
    severity,
    journal: { enabled: options.journal, calls: calls.length, oldest: calls[0] ? isoMs(calls[0].created_at) : null },
    summary,
    findings,
  };
}

/** Whether the report holds a finding at or above `threshold` (the CLI's `--fail-on`). */
export const failsAt = (report: IntegrationReport, threshold: Severity): boolean => report.findings.some((f) => atOrAbove(f.severity, threshold));
