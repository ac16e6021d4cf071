/**
 * Fault injection (sandbox): rules that make the merchant's calls, or its callbacks, fail on purpose
 * (docs/fidelity.md "Fault injection"). Listed first in src/modules/index.ts, so its request hook
 * runs before any other module's. `--no-sandbox` leaves out its routes, its hook and its
 * interceptor: stored rules then do nothing.
 */
import type { ApiModule } from '../../platform/module.js';
import type { App, ModuleDeps } from '../../platform/app.js';
import { ApiRuleCache, callbackInterceptor, registerFaultHook } from './injection.js';
import { registerFaultRoutes } from './sandbox-routes.js';

/** One rule cache per app: its hook reads it, its routes (and the dashboard's) invalidate it. */
const caches = new WeakMap<App, ApiRuleCache>();
export function faultRuleCacheOf(app: App, deps: ModuleDeps): ApiRuleCache {
  let cache = caches.get(app);
  if (!cache) {
    cache = new ApiRuleCache(deps.db, deps.clock, deps.logger);
    caches.set(app, cache);
  }
  return cache;
}

export const faults: ApiModule = {
  name: 'faults',
  hooks(app, deps) {
    if (!deps.config.sandbox) return;
    registerFaultHook(app, deps, faultRuleCacheOf(app, deps));
    deps.dispatcher.intercept(callbackInterceptor(deps));
  },
  sandboxRoutes(app, deps) {
    registerFaultRoutes(app, deps, faultRuleCacheOf(app, deps));
  },
};
