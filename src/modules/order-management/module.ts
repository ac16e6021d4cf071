/** Order Management v1 as a module (platform/module.ts). */
import type { ApiModule } from '../../platform/module.js';
import { FRAUD_NOTIFICATION } from './callbacks.js';
import { applyDueFraudDecisions } from './operations/fraud-decision.js';
import { expireDueOrders } from './order.repository.js';
import { registerOrderManagementRoutes } from './routes.js';
import { registerOrderManagementSandboxRoutes } from './sandbox-routes.js';

export const orderManagement: ApiModule = {
  name: 'order-management',
  routes: registerOrderManagementRoutes,
  sandboxRoutes: registerOrderManagementSandboxRoutes,
  callbacks: [FRAUD_NOTIFICATION],
  // Authorizations run out (§1.3); pending fraud decisions are taken and notified (§1.4).
  dueWork: [
    async (db, group) => {
      await expireDueOrders(db.kysely, group);
    },
    async (db, group) => {
      await applyDueFraudDecisions(db, group);
    },
  ],
};
