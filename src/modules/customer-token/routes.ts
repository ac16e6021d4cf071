/** Customer Token API v1: the three operations, each a thin edge over its operation. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, ModuleDeps } from '../../platform/app.js';
import type { WriteResult } from '../../platform/http/idempotency.js';
import { requestWrite, runMerchantWrite } from '../merchant-write.js';
import type { OperationContext } from '../order-management/operations/context.js';
import { sendResult } from '../order-management/routes.js';
import { createTokenOrder } from './operations/create-token-order.js';
import { readCustomerToken } from './operations/read-customer-token.js';
import { updateTokenStatus } from './operations/update-token-status.js';
import { CreateTokenOrderBody, CustomerTokenResponse, TokenParams, UpdateTokenStatusBody } from './schemas.js';

const BASE = '/customer-token/v1/tokens/:customerToken';

export type TokenWrite = (request: FastifyRequest, reply: FastifyReply, operation: (ctx: OperationContext) => Promise<WriteResult>) => Promise<FastifyReply>;

/** One write (modules/merchant-write.ts), answered as Klarna answers it. */
export function tokenWriter(deps: ModuleDeps): TokenWrite {
  return async (request, reply, operation) => sendResult(reply, await runMerchantWrite(deps, requestWrite(request), operation));
}

export function merchantOf(request: FastifyRequest): string {
  if (!request.merchant) throw new Error('customer token request without an authenticated merchant');
  return request.merchant.merchant_id;
}

export const tokenUrl = (publicUrl: string, tokenId: string): string => `${publicUrl}/customer-token/v1/tokens/${encodeURIComponent(tokenId)}`;

export function registerCustomerTokenRoutes(app: App, deps: ModuleDeps): void {
  const write = tokenWriter(deps);
  // Customer Token bodies are Payments-shaped: schema violations are 400 BAD_VALUE naming the field.
  const config = { validationStyle: 'bad_value' as const };

  app.get(BASE, { config, schema: { params: TokenParams, response: { 200: CustomerTokenResponse } } }, (request) =>
    readCustomerToken(deps.db, merchantOf(request), request.params.customerToken),
  );

  app.post(`${BASE}/order`, { config, schema: { params: TokenParams, body: CreateTokenOrderBody } }, (request, reply) =>
    write(request, reply, (ctx) => createTokenOrder(ctx, request.params.customerToken, request.body)),
  );

  app.patch(`${BASE}/status`, { config, schema: { params: TokenParams, body: UpdateTokenStatusBody } }, (request, reply) =>
    write(request, reply, (ctx) => updateTokenStatus(ctx, request.params.customerToken, request.body)),
  );
}
