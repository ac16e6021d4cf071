/**
 * Sandbox routes for customer tokens (not part of Klarna's surface): make a token without a
 * Payments flow, read everything it was made from, and suspend, reinstate or cancel it as Klarna
 * would. JSON, the merchant's Basic credentials, Klarna's error envelope, 400 BAD_VALUE for bad bodies.
 */
import type { App, ModuleDeps } from '../../platform/app.js';
import { createSandboxToken, readSandboxToken, setSandboxTokenStatus } from './operations/sandbox-tokens.js';
import { merchantOf } from '../../platform/http/write.js';
import { merchantWrites } from '../merchants/writes.js';
import { tokenUrl } from './routes.js';
import { SandboxTokenBody, SandboxTokenParams, SandboxTokenResponse, SandboxTokenStatusBody } from './schemas.js';

const BASE = '/sandbox/v1/customer-tokens';

export function registerCustomerTokenSandboxRoutes(app: App, deps: ModuleDeps): void {
  const write = merchantWrites(deps).handle;
  const config = { validationStyle: 'bad_value' as const };

  app.post(BASE, { config, schema: { body: SandboxTokenBody, response: { 201: SandboxTokenResponse } } }, async (request, reply) =>
    write(request, reply, (ctx) => createSandboxToken(ctx, request.body, (id) => tokenUrl(ctx.publicUrl, id))),
  );

  app.get(`${BASE}/:token_id`, { config, schema: { params: SandboxTokenParams, response: { 200: SandboxTokenResponse } } }, (request) =>
    readSandboxToken({ db: deps.db, merchantId: merchantOf(request).merchant_id }, request.params.token_id),
  );

  app.post(`${BASE}/:token_id/status`, { config, schema: { params: SandboxTokenParams, body: SandboxTokenStatusBody, response: { 200: SandboxTokenResponse } } }, async (request, reply) =>
    write(request, reply, (ctx) => setSandboxTokenStatus(ctx, request.params.token_id, request.body)),
  );
}
