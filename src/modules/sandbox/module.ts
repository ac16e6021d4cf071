/**
 * The sandbox's own controls as a module (platform/module.ts): the clock, the events, the inbox, the
 * callback inspector and the timeline (sandbox routes), and the API call log (a request hook, on
 * with or without --no-sandbox: it costs a buffered append per request and feeds the dashboard and
 * the integration report; `--no-journal` leaves it out).
 */
import type { ApiModule } from '../../platform/module.js';
import { registerApiCallLog } from './api-calls.js';
import { registerSandboxControlRoutes } from './sandbox-routes.js';
import { registerStateRoutes } from './state-routes.js';

export const sandbox: ApiModule = {
  name: 'sandbox',
  hooks(app, deps) {
    if (deps.config.journal) registerApiCallLog(app, deps);
  },
  sandboxRoutes(app, deps) {
    registerSandboxControlRoutes(app, deps);
    // Reset, export and import of the merchant's whole state.
    registerStateRoutes(app, deps);
  },
};
