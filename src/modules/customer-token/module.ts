/** Customer Token v1 as a module (platform/module.ts). */
import type { ApiModule } from '../../platform/module.js';
import { registerCustomerTokenRoutes } from './routes.js';
import { registerCustomerTokenSandboxRoutes } from './sandbox-routes.js';

export const customerToken: ApiModule = {
  name: 'customer-token',
  routes: registerCustomerTokenRoutes,
  sandboxRoutes: registerCustomerTokenSandboxRoutes,
};
