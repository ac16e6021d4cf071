/** GET /customer-token/v1/tokens/{customerToken} (§4): the token's status and payment method. */
import type { Db } from '../../../platform/db/database.js';
import { invalidCustomerTokenId } from '../errors.js';
import type { CustomerTokenView } from '../token.js';
import { presentToken } from '../token.js';
import { loadCustomerToken } from '../token.repository.js';

export async function readCustomerToken(db: Db, merchantId: string, tokenId: string): Promise<CustomerTokenView> {
  // Scoped to the merchant: another merchant's token is answered like an unknown id.
  const token = await loadCustomerToken(db, db.read, merchantId, tokenId);
  if (!token) throw invalidCustomerTokenId();
  return presentToken(token);
}
