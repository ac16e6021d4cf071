/**
 * Payments' writes: the merchant write pipeline, with the installation's client-token signing key
 * in every context (loaded before the transaction: the first load may need one of its own), and the
 * callback dispatcher woken after each commit (a write may have queued the authorization callback
 * or a fraud notification).
 */
import type { ModuleDeps } from '../../platform/app.js';
import type { WritePipeline } from '../../platform/http/write.js';
import { loadInstanceSecret } from '../../platform/secrets.js';
import { merchantWrites } from '../merchants/writes.js';
import type { PaymentsContext } from './operations/context.js';

const CLIENT_TOKEN_SECRET = 'client_token';

export interface PaymentsWrites extends WritePipeline<PaymentsContext> {
  /** The key client tokens are signed with (one per installation, shared by every process). */
  clientTokenKey(): Promise<Buffer>;
}

export function paymentsWrites(deps: ModuleDeps): PaymentsWrites {
  let key: Promise<Buffer> | null = null;
  const clientTokenKey = () =>
    (key ??= loadInstanceSecret(deps.db, CLIENT_TOKEN_SECRET).catch((error: unknown) => {
      key = null;
      throw error;
    }));
  const pipeline = merchantWrites(deps, {
    prepare: async () => ({ clientTokenKey: await clientTokenKey() }),
    afterCommit: () => deps.dispatcher.wake(),
  });
  return { ...pipeline, clientTokenKey };
}
