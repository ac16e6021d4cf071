/**
 * What the shopper's browser may do, authenticated only by the session's client_token (never the
 * merchant's credentials): see the session it is for, and authorize it. Used by klarna-local's
 * widget (src/modules/shopper).
 */
import type { ModuleDeps } from '../../platform/app.js';
import { ApiError } from '../../platform/http/errors.js';
import type { WriteResult } from '../../platform/http/idempotency.js';
import { readSettings } from '../merchants/merchant.js';
import { verifyClientToken } from './client-token.js';
import { invalidSession } from './errors.js';
import type { AuthorizeResult } from './operations/authorize-session.js';
import { authorizeSession } from './operations/authorize-session.js';
import { paymentsWrites } from './writes.js';
import type { AuthorizeBody } from './schemas.js';
import type { PaymentMethodCategory } from './session.js';
import { categoryDefinition, isExpired, paymentMethodCategories } from './session.js';
import { loadSession } from './session.repository.js';

export const invalidClientToken = () => new ApiError(401, 'UNAUTHORIZED', ['Invalid client token']);

/** The session as the widget shows it to the shopper. */
export interface ShopperSessionView {
  session_id: string;
  status: 'incomplete' | 'complete';
  intent: string;
  purchase_country: string;
  purchase_currency: string;
  locale: string;
  order_amount: number;
  order_tax_amount: number;
  order_lines: { name: string; quantity: number; total_amount: number; type?: string | undefined; image_url?: string | undefined }[];
  /** The merchant's prefill for the shopper's form. */
  billing_address: Record<string, string> | null;
  shipping_address: Record<string, string> | null;
  payment_method_categories: (PaymentMethodCategory & { description: string })[];
  expires_at: number;
}

export interface ShopperApi {
  /** The session a client token is for; 401 for a token this installation did not issue, 404 when gone. */
  session(clientToken: string): Promise<ShopperSessionView>;
  /** The shopper approves in the widget: the same authorization as the sandbox's. */
  authorize(clientToken: string, input: AuthorizeBody, correlationId: string): Promise<AuthorizeResult>;
}

export function shopperApi(deps: ModuleDeps): ShopperApi {
  const { db, clock, config } = deps;
  const writes = paymentsWrites(deps);
  const clientTokenKey = writes.clientTokenKey;
  const claimsOf = async (clientToken: string) => {
    const claims = verifyClientToken(await clientTokenKey(), clientToken);
    if (!claims) throw invalidClientToken();
    return claims;
  };
  return {
    async session(clientToken) {
      const claims = await claimsOf(clientToken);
      const now = await clock.now(claims.merchant_id);
      const session = await loadSession(db, db.read, claims.merchant_id, claims.session_id);
      if (!session || isExpired(session, now)) throw invalidSession();
      const settings = await readSettings(db, claims.merchant_id);
      return {
        session_id: session.session_id,
        status: session.status,
        intent: session.intent,
        purchase_country: session.data.purchase_country,
        purchase_currency: session.data.purchase_currency,
        locale: session.data.locale,
        order_amount: session.data.order_amount,
        order_tax_amount: session.data.order_tax_amount,
        order_lines: session.data.order_lines.map((l) => ({ name: l.name, quantity: l.quantity, total_amount: l.total_amount, type: l.type, image_url: l.image_url })),
        billing_address: (session.shopper?.billing_address ?? session.data.billing_address ?? null) as Record<string, string> | null,
        shipping_address: (session.shopper?.shipping_address ?? session.data.shipping_address ?? null) as Record<string, string> | null,
        payment_method_categories: paymentMethodCategories(settings.payment_method_categories, config.publicUrl).map((c) => ({
          ...c,
          description: categoryDefinition(c.identifier).initial.description ?? c.name,
        })),
        expires_at: session.expires_at,
      };
    },
    async authorize(clientToken, input, correlationId) {
      const claims = await claimsOf(clientToken);
      const result: WriteResult = await writes.run({ merchantId: claims.merchant_id, correlationId, idempotencyKey: undefined }, async (ctx) => ({
        status: 200,
        body: await authorizeSession(ctx, claims.session_id, input),
      }));
      return result.body as AuthorizeResult;
    },
  };
}
