/**
 * The integration report (a sandbox module): what klarna-local saw the merchant's integration do
 * that breaks Klarna's rules or recommendations, from the request journal (the API call log) and the
 * stored state. Served at `GET /sandbox/v1/report`, on the dashboard's report page and by
 * `klarna-local report`.
 */
import type { ApiModule } from '../../platform/module.js';
import { registerReportRoutes } from './routes.js';

export const report: ApiModule = {
  name: 'report',
  sandboxRoutes: registerReportRoutes,
};
