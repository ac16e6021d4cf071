/**
 * Checkout's writes: the merchant write pipeline with the installation's page-token key in every
 * context (the snippet in every answer carries a page token; the first load of the key may need a
 * transaction of its own, so it happens before), and the dispatcher woken after each commit (a
 * completion queues the push).
 */
import type { ModuleDeps } from '../../platform/app.js';
import type { WritePipeline } from '../../platform/http/write.js';
import { loadInstanceSecret } from '../../platform/secrets.js';
import { merchantWrites } from '../merchants/writes.js';
import type { CheckoutContext } from './operations/context.js';

const PAGE_SECRET = 'checkout_page';

export interface CheckoutWrites extends WritePipeline<CheckoutContext> {
  /** The key page tokens are signed with (one per installation, shared by every process). */
  pageKey(): Promise<Buffer>;
}

export function checkoutWrites(deps: ModuleDeps): CheckoutWrites {
  let key: Promise<Buffer> | null = null;
  const pageKey = () =>
    (key ??= loadInstanceSecret(deps.db, PAGE_SECRET).catch((error: unknown) => {
      key = null;
      throw error;
    }));
  const pipeline = merchantWrites(deps, {
    prepare: async () => ({ pageKey: await pageKey() }),
    afterCommit: () => deps.dispatcher.wake(),
  });
  return { ...pipeline, pageKey };
}
