/** Customer Token API v1: the three operations, each a thin edge over its operation. */
import type { App, ModuleDeps } from '../../platform/app.js';
import { merchantOf } from '../../platform/http/write.js';
import { merchantWrites } from '../merchants/writes.js';
import { createTokenOrder } from './operations/create-token-order.js';
import { readCustomerToken } from './operations/read-customer-token.js';
import { updateTokenStatus } from './operations/update-token-status.js';
import { CreateTokenOrderBody, CustomerTokenResponse, TokenParams, UpdateTokenStatusBody } from './schemas.js';

const BASE = '/customer-token/v1/tokens/:customerToken';

export const tokenUrl = (publicUrl: string, tokenId: string): string => `${publicUrl}/customer-token/v1/tokens/${encodeURIComponent(tokenId)}`;

export function registerCustomerTokenRoutes(app: App, deps: ModuleDeps): void {
  const write = merchantWrites(deps).handle;
  // Customer Token bodies are Payments-shaped: schema violations are 400 BAD_VALUE naming the field.
  const config = { validationStyle: 'bad_value' as const };

  app.get(BASE, { config, schema: { params: TokenParams, response: { 200: CustomerTokenResponse } } }, (request) =>
    readCustomerToken(deps.db, merchantOf(request).merchant_id, request.params.customerToken),
  );

  app.post(`${BASE}/order`, { config, schema: { params: TokenParams, body: CreateTokenOrderBody } }, (request, reply) =>
    write(request, reply, (ctx) => createTokenOrder(ctx, request.params.customerToken, request.body)),
  );

  app.patch(`${BASE}/status`, { config, schema: { params: TokenParams, body: UpdateTokenStatusBody } }, (request, reply) =>
    write(request, reply, (ctx) => updateTokenStatus(ctx, request.params.customerToken, request.body)),
  );
}
