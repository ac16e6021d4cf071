/** Hosted Payment Page v1 as a module (platform/module.ts), with the hosted page. */
import type { ApiModule } from '../../platform/module.js';
import { STATUS_UPDATE_CALLBACK } from './callbacks.js';
import { registerHppPageRoutes } from './page/routes.js';
import { registerHppRoutes } from './routes.js';
import { registerHppSandboxRoutes } from './sandbox-routes.js';

export const hpp: ApiModule = {
  name: 'hpp',
  routes: (app, deps) => {
    registerHppRoutes(app, deps);
    registerHppPageRoutes(app, deps);
  },
  sandboxRoutes: registerHppSandboxRoutes,
  callbacks: [STATUS_UPDATE_CALLBACK],
  // The page code and the distribution token open the consumer's page: never in the logs.
  secretPaths: [/(\/hpp\/(?:pay|distribution)\/)[^/?#]+/],
};
