/** Checkout v3 as a module (platform/module.ts), with its checkout page. */
import type { ApiModule } from '../../platform/module.js';
import { ORDER_ACKNOWLEDGED } from '../order-management/facts.js';
import { ADDRESS_UPDATE_CALL, COUNTRY_CHANGE_CALL, PUSH_CALLBACK, SHIPPING_OPTION_UPDATE_CALL, VALIDATION_CALL, endPushOnAcknowledgement } from './callbacks.js';
import { registerCheckoutPageRoutes } from './page/routes.js';
import { registerCheckoutRoutes } from './routes.js';
import { registerCheckoutSandboxRoutes } from './sandbox-routes.js';
import { checkoutShopperApi } from './shopper-api.js';
import { checkoutWrites } from './writes.js';

export const checkout: ApiModule = {
  name: 'checkout',
  routes(app, deps) {
    const writes = checkoutWrites(deps);
    registerCheckoutRoutes(app, deps, writes);
    registerCheckoutPageRoutes(app, checkoutShopperApi(deps, writes));
  },
  sandboxRoutes(app, deps) {
    registerCheckoutSandboxRoutes(app, checkoutShopperApi(deps));
  },
  callbacks: [PUSH_CALLBACK, VALIDATION_CALL, ADDRESS_UPDATE_CALL, COUNTRY_CHANGE_CALL, SHIPPING_OPTION_UPDATE_CALL],
  // A push is no longer wanted once the order is acknowledged or captured (§2.3).
  reactions: { [ORDER_ACKNOWLEDGED]: endPushOnAcknowledgement },
};
