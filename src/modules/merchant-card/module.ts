/**
 * Merchant Card Service v3 as a module (platform/module.ts): card promises, settlements that issue
 * encrypted virtual cards (capturing the order in Order Management), and cancel requests decided on
 * the sandbox clock.
 */
import type { ApiModule } from '../../platform/module.js';
import { decideDueCancellations } from './operations/cancellation.js';
import { registerMerchantCardRoutes } from './routes.js';
import { registerMerchantCardSandboxRoutes } from './sandbox-routes.js';

export const merchantCard: ApiModule = {
  name: 'merchant-card',
  routes: registerMerchantCardRoutes,
  sandboxRoutes: registerMerchantCardSandboxRoutes,
  dueWork: [decideDueCancellations],
};
