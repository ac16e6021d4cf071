/** GET /hpp/v1/sessions/{session_id} (§5.1): the session's status and what it brought. */
import type { Clock } from '../../../platform/clock.js';
import type { Db } from '../../../platform/db/database.js';
import { presentHppSession } from '../hpp-session.js';
import { loadLiveSession } from './context.js';

export async function readHppSession(deps: { db: Db; clock: Clock }, merchantId: string, sessionId: string): Promise<Record<string, unknown>> {
  const { db, clock } = deps;
  return presentHppSession(await loadLiveSession(db, db.read, merchantId, sessionId, await clock.now(merchantId), false));
}
