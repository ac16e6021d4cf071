/** Operations endpoints, no credentials: liveness and readiness. */
import type { App, AppDeps } from '../../app.js';
import { ping } from '../../platform/db/database.js';
import { temporarilyUnavailable } from '../../platform/http/errors.js';

export function registerOperationsRoutes(app: App, deps: AppDeps): void {
  // Registered only once the app is built and migrated, so 200 means "can serve".
  app.get('/healthz', { config: { auth: false } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { auth: false } }, async () => {
    try {
      await ping(deps.db);
    } catch {
      throw temporarilyUnavailable();
    }
    return { status: 'ready' };
  });
}
