/**
 * What the consumer's side of the Hosted Payment Page runs on (operations/consumer.ts): the hosted
 * page (authenticated by the page code in its URL) and the sandbox's routes (by the merchant's
 * credentials) share it, as Payments' widget and Checkout's page share theirs.
 */
import type { ModuleDeps } from '../../platform/app.js';
import { checkoutShopperApi } from '../checkout/shopper-api.js';
import { paymentsWrites } from '../payments/writes.js';
import type { ConsumerDeps } from './operations/consumer.js';

export function consumerDeps(deps: ModuleDeps): ConsumerDeps {
  return { db: deps.db, clock: deps.clock, writes: paymentsWrites(deps), checkout: checkoutShopperApi(deps) };
}
