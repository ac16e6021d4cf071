/** Merchants as a module (platform/module.ts): their settings, read and changed through the sandbox. */
import type { ApiModule } from '../../platform/module.js';
import { registerMerchantSandboxRoutes } from './sandbox-routes.js';

export const merchants: ApiModule = {
  name: 'merchants',
  sandboxRoutes: registerMerchantSandboxRoutes,
};
