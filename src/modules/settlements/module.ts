/**
 * Settlements v1 as a module (platform/module.ts): books every money event Order Management
 * announces, builds payouts as the clock passes, and serves payouts, transactions and reports.
 */
import type { ApiModule } from '../../platform/module.js';
import { BOOKING_REACTIONS } from './booking.js';
import { decideDueDisputes } from './disputes.js';
import { runDuePayouts } from './payouts.js';
import { registerSettlementsRoutes } from './routes.js';
import { registerSettlementsSandboxRoutes } from './sandbox-routes.js';

export const settlements: ApiModule = {
  name: 'settlements',
  routes: registerSettlementsRoutes,
  sandboxRoutes: registerSettlementsSandboxRoutes,
  reactions: BOOKING_REACTIONS,
  // Test-data disputes are decided (their reversals booked) before the payouts that may pay them.
  dueWork: [
    async (db, group) => {
      await decideDueDisputes(db, group);
    },
    async (db, group) => {
      await runDuePayouts(db, group);
    },
  ],
};
