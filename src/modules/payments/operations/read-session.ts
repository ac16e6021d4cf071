/** GET /payments/v1/sessions/{session_id} (§3.1): the session, with the shopper's details once authorized. */
import type { Db } from '../../../platform/db/database.js';
import type { MerchantSettings } from '../../merchants/merchant.js';
import { invalidSession } from '../errors.js';
import { isExpired, paymentMethodCategories, presentSession } from '../session.js';
import type { SessionView } from '../session.js';
import { latestActiveAuthorization, loadSession } from '../session.repository.js';
import { clientTokenFor } from './context.js';

export async function readSession(
  db: Db,
  input: { merchantId: string; sessionId: string; now: number; settings: MerchantSettings; publicUrl: string; clientTokenKey: Buffer },
): Promise<SessionView> {
  const session = await loadSession(db, db.read, input.merchantId, input.sessionId);
  if (!session || isExpired(session, input.now)) throw invalidSession();
  const latest = session.status === 'incomplete' ? await latestActiveAuthorization(db.read, session.session_id, input.now) : null;
  return presentSession(
    session,
    clientTokenFor(input.clientTokenKey, session),
    paymentMethodCategories(input.settings.payment_method_categories, input.publicUrl),
    latest,
  );
}
