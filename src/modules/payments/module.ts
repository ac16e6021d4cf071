/** Payments v1 as a module (platform/module.ts), with the shopper's side: the browser library and widget. */
import type { ApiModule } from '../../platform/module.js';
import { registerShopperRoutes } from '../shopper/routes.js';
import { AUTHORIZATION_CALLBACK } from './callbacks.js';
import { registerPaymentsRoutes } from './routes.js';
import { registerPaymentsSandboxRoutes } from './sandbox-routes.js';

export const payments: ApiModule = {
  name: 'payments',
  routes(app, deps) {
    registerPaymentsRoutes(app, deps);
    registerShopperRoutes(app, deps);
  },
  sandboxRoutes: registerPaymentsSandboxRoutes,
  callbacks: [AUTHORIZATION_CALLBACK],
};
