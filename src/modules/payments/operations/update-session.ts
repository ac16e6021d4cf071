/**
 * POST /payments/v1/sessions/{session_id} (§3.1): 204. Present keys replace the stored ones; the
 * merged session must still satisfy Klarna's arithmetic. A completed session refuses (404
 * SESSION_COMPLETED). Authorizations already given keep what they froze: an order placed with one
 * must match it, so a changed cart needs a new authorization, as with Klarna.
 */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { badFields } from '../errors.js';
import type { SessionUpdateBody } from '../schemas.js';
import { merchantUrlErrors, sessionDataErrors } from '../session.js';
import { saveSession } from '../session.repository.js';
import type { PaymentsContext } from './context.js';
import { lockOpenSession } from './context.js';
import { toSessionData } from './create-session.js';

export async function updateSession(ctx: PaymentsContext, sessionId: string, body: SessionUpdateBody | undefined): Promise<WriteResult> {
  const session = await lockOpenSession(ctx, sessionId);
  const { intent, ...changes } = body ?? {};
  const data = toSessionData({ ...session.data, ...changes });
  const errors = [...sessionDataErrors(data), ...merchantUrlErrors(data.merchant_urls)];
  if (errors.length > 0) throw badFields(errors);
  session.data = data;
  if (intent !== undefined) session.intent = intent;
  session.updated_at = ctx.now;
  await saveSession(ctx.sql, session);
  return { status: 204 };
}
