/**
 * DELETE /hpp/v1/sessions/{session_id} (§5.1, §5.4): the merchant disables the page (204); old links
 * show an error. A completed session cannot be disabled (400); a disabled or cancelled one stays as
 * it is (204 again, docs/fidelity.md).
 */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { alreadyCompleted } from '../errors.js';
import type { HppSessionRecord } from '../hpp-session.js';
import type { HppContext } from './context.js';
import { changeStatus, loadLiveSession } from './context.js';

/** Pure: whether the session becomes DISABLED now (false: it already is, or was cancelled); 400 once completed. */
export function decideDisable(session: Pick<HppSessionRecord, 'status'>): boolean {
  if (session.status === 'COMPLETED') throw alreadyCompleted();
  return session.status !== 'DISABLED' && session.status !== 'CANCELLED';
}

export async function disableHppSession(ctx: HppContext, sessionId: string): Promise<WriteResult> {
  const session = await loadLiveSession(ctx.db, ctx.sql, ctx.merchantId, sessionId, ctx.now, true);
  if (decideDisable(session)) await changeStatus(ctx.sql, session, 'DISABLED', ctx.now);
  return { status: 204 };
}
