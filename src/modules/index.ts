/**
 * Every module of the server, listed once. `src/app.ts` registers their routes and callback kinds and
 * `src/main.ts` runs their background steps from this list; a new API is one more entry.
 */
import type { ApiModule } from '../platform/module.js';
import { checkout } from './checkout/module.js';
import { customerToken } from './customer-token/module.js';
import { dashboard } from './dashboard/module.js';
import { faults } from './faults/module.js';
import { hpp } from './hpp/module.js';
import { merchantCard } from './merchant-card/module.js';
import { merchants } from './merchants/module.js';
import { orderManagement } from './order-management/module.js';
import { payments } from './payments/module.js';
import { report } from './report/module.js';
import { sandbox } from './sandbox/module.js';
import { settlements } from './settlements/module.js';

export const MODULES: readonly ApiModule[] = [faults, orderManagement, payments, checkout, customerToken, hpp, settlements, merchantCard, merchants, sandbox, report, dashboard];
