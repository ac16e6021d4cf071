/**
 * PATCH /customer-token/v1/tokens/{customerToken}/status (§4): the merchant cancels a token. Only
 * CANCELLED can be asked for (the body schema), and a cancellation is final. Cancelling a token that
 * is already cancelled answers 202 again and changes nothing (docs/fidelity.md).
 */
import { recordEvent } from '../../../platform/events.js';
import type { WriteResult } from '../../../platform/http/idempotency.js';
import type { OperationContext } from '../../merchants/writes.js';
import { invalidTokenId } from '../errors.js';
import type { UpdateTokenStatusBody } from '../schemas.js';
import type { CustomerTokenRecord, TokenStatus } from '../token.js';
import { TOKEN_TRANSITIONS } from '../token.js';
import { loadCustomerToken, updateCustomerTokenStatus } from '../token.repository.js';

/**
 * Stores a status change of a locked token and records it as a sandbox event; returns whether the
 * status changed. The caller has checked the change against TOKEN_TRANSITIONS; anything else is a bug.
 */
export async function changeTokenStatus(ctx: OperationContext, token: CustomerTokenRecord, to: TokenStatus, by: 'merchant' | 'sandbox'): Promise<boolean> {
  if (token.status === to) return false;
  TOKEN_TRANSITIONS.assert(token.status, to);
  await updateCustomerTokenStatus(ctx.sql, token.token_id, to, ctx.now);
  await recordEvent(ctx.sql, {
    merchant_id: ctx.merchantId,
    order_id: null,
    type: 'customer_token.status_changed',
    payload: { token_id: token.token_id, from: token.status, to, by },
    created_at: ctx.now,
  });
  token.status = to;
  token.updated_at = ctx.now;
  return true;
}

export async function updateTokenStatus(ctx: OperationContext, tokenId: string, body: UpdateTokenStatusBody): Promise<WriteResult> {
  const token = await loadCustomerToken(ctx.db, ctx.sql, ctx.merchantId, tokenId, true);
  if (!token) throw invalidTokenId();
  // Every status may become CANCELLED (ACTIVE, SUSPENDED; CANCELLED stays as it is).
  await changeTokenStatus(ctx, token, body.status, 'merchant');
  // "Accepted and being processed": Klarna answers 202 with no body; here the change is already done.
  return { status: 202 };
}
