/**
 * DELETE /payments/v1/authorizations/{authorization_token} (§3.1): 204. The token can no longer
 * become an order. One that already placed its order cannot be deleted (404, Klarna's message).
 */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { authorizationNotDeletable } from '../errors.js';
import { AUTHORIZATION_TRANSITIONS } from '../session.js';
import { saveAuthorization } from '../session.repository.js';
import type { PaymentsContext } from './context.js';
import { lockAuthorization } from './context.js';

export async function cancelAuthorization(ctx: PaymentsContext, token: string): Promise<WriteResult> {
  const authorization = await lockAuthorization(ctx, token);
  if (authorization.status === 'consumed') throw authorizationNotDeletable();
  AUTHORIZATION_TRANSITIONS.assert(authorization.status, 'cancelled');
  authorization.status = 'cancelled';
  await saveAuthorization(ctx.sql, authorization);
  return { status: 204 };
}
