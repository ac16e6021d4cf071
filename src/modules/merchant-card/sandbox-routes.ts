/**
 * The Merchant Card Service's sandbox routes: enroll a public key (`POST /sandbox/v1/merchant-card/keys`
 * with the JWK as the body), list and revoke keys, and mark a virtual card used as the card network
 * would once an acquirer authorizes it.
 */
import type { App, ModuleDeps } from '../../platform/app.js';
import { merchantOf } from '../../platform/http/write.js';
import { merchantWrites } from '../merchants/writes.js';
import { parsePublicJwk } from './card-data.js';
import { badKey } from './errors.js';
import { enrollKey, listKeys, markCardUsed, revokeMerchantKey } from './operations/sandbox.js';
import { CardKeyResponse, CardKeysResponse, CardParams, CardResponse, JwkBody, KeyParams } from './schemas.js';

export function registerMerchantCardSandboxRoutes(app: App, deps: ModuleDeps): void {
  const writes = merchantWrites(deps);
  const config = { validationStyle: 'bad_value' as const };
  const base = '/sandbox/v1/merchant-card';

  // A JWK unfit to receive cards is a malformed body: refused before the idempotency key is read, as a schema violation is.
  app.post(`${base}/keys`, { config, schema: { body: JwkBody, response: { 200: CardKeyResponse, 201: CardKeyResponse } } }, async (request, reply) => {
    const check = parsePublicJwk(request.body);
    if (!check.ok) throw badKey(check.reason);
    return writes.handle(request, reply, (ctx) => enrollKey(ctx, check));
  });
  app.get(`${base}/keys`, { config, schema: { response: { 200: CardKeysResponse } } }, async (request) => listKeys(deps.db, merchantOf(request).merchant_id));
  app.delete(`${base}/keys/:key_id`, { config, schema: { params: KeyParams, response: { 200: CardKeyResponse } } }, async (request, reply) =>
    writes.handle(request, reply, (ctx) => revokeMerchantKey(ctx, request.params.key_id)),
  );
  app.post(`${base}/cards/:card_id/use`, { config, schema: { params: CardParams, response: { 200: CardResponse } } }, async (request, reply) =>
    writes.handle(request, reply, (ctx) => markCardUsed(ctx, request.params.card_id)),
  );
}
