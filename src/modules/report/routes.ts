/** `GET /sandbox/v1/report`: the merchant's integration report as JSON (`since`, `severity`). */
import type { App, ModuleDeps } from '../../platform/app.js';
import { badValue } from '../../platform/http/errors.js';
import { merchantOf } from '../../platform/http/write.js';
import { buildReport } from './report.js';
import { ReportQuery, ReportResponse } from './schemas.js';

/** `since` as ISO 8601 (a date, or a date-time with its zone), epoch ms; a Bad value otherwise. */
export function parseSince(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(ms)) throw badValue('Bad value: since (an ISO 8601 date such as 2026-12-01 or date-time such as 2026-12-01T10:00:00Z)');
  return ms;
}

export function registerReportRoutes(app: App, deps: ModuleDeps): void {
  app.get(
    '/sandbox/v1/report',
    { config: { validationStyle: 'bad_value' }, schema: { querystring: ReportQuery, response: { 200: ReportResponse } } },
    async (request) => buildReport(deps.db, deps.clock, merchantOf(request), { since: parseSince(request.query.since), severity: request.query.severity, journal: deps.config.journal }),
  );
}
