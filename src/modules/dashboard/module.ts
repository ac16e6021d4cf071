/** The merchant dashboard at /dashboard: what the server did, and the sandbox's actions. */
import type { ApiModule } from '../../platform/module.js';
import { registerDashboardRoutes } from './routes.js';

export const dashboard: ApiModule = {
  name: 'dashboard',
  routes: registerDashboardRoutes,
};
