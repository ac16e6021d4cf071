/** The sandbox's own controls as a module (platform/module.ts): the clock and the event timeline. */
import type { ApiModule } from '../../platform/module.js';
import { registerSandboxControlRoutes } from './sandbox-routes.js';

export const sandbox: ApiModule = {
  name: 'sandbox',
  sandboxRoutes: registerSandboxControlRoutes,
};
