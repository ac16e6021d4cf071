/**
 * Sandbox operations on customer tokens (not part of Klarna's surface): make a token without a
 * Payments flow, and suspend or reinstate one as Klarna would.
 */
import { marketErrors } from '../../../kernel/markets.js';
import { toIso } from '../../../platform/clock.js';
import type { WriteResult } from '../../../platform/http/idempotency.js';
import type { OperationContext } from '../../merchants/writes.js';
import { badFields, sandboxTokenFinal, sandboxTokenNotFound } from '../errors.js';
import type { SandboxTokenBody, SandboxTokenStatusBody, TokenAddress } from '../schemas.js';
import type { CustomerTokenRecord, CustomerTokenView } from '../token.js';
import { TOKEN_TRANSITIONS, newCustomerToken, presentToken } from '../token.js';
import { insertCustomerToken, loadCustomerToken } from '../token.repository.js';
import { changeTokenStatus } from './update-token-status.js';

/** The sandbox's view of a token: the Customer Token read plus what the token was made from. */
export interface SandboxTokenView extends CustomerTokenView {
  token_id: string;
  purchase_country: string;
  purchase_currency: string;
  locale: string;
  description?: string;
  email?: string;
  billing_address?: TokenAddress;
  shipping_address?: TokenAddress;
  created_at: string;
  updated_at: string;
}

export function presentSandboxToken(token: CustomerTokenRecord): SandboxTokenView {
  return {
    token_id: token.token_id,
    ...presentToken(token),
    purchase_country: token.purchase_country,
    purchase_currency: token.purchase_currency,
    locale: token.locale,
    ...(token.description !== null && { description: token.description }),
    ...(token.email !== null && { email: token.email }),
    ...(token.billing_address && { billing_address: token.billing_address }),
    ...(token.shipping_address && { shipping_address: token.shipping_address }),
    created_at: toIso(token.created_at),
    updated_at: toIso(token.updated_at),
  };
}

/** Pure: market rules (§0.5) and the billing country; the offending fields. */
export function sandboxTokenErrors(body: SandboxTokenBody): string[] {
  const errors = marketErrors(body.purchase_country, body.purchase_currency, body.locale);
  const billingCountry = body.billing_address?.country;
  if (billingCountry !== undefined && billingCountry.toUpperCase() !== body.purchase_country.toUpperCase()) errors.push('billing_address.country');
  return errors;
}

export async function createSandboxToken(ctx: OperationContext, body: SandboxTokenBody, tokenUrl: (id: string) => string): Promise<WriteResult> {
  const errors = sandboxTokenErrors(body);
  if (errors.length > 0) throw badFields(errors);
  const country = body.purchase_country.toUpperCase();
  // The e-mail decides later token orders (test data); it may come on its own or in the address.
  const email = body.email ?? body.billing_address?.email ?? null;
  const billing: TokenAddress = { ...body.billing_address, country, ...(email !== null && { email: body.billing_address?.email ?? email }) };
  const type = body.payment_method_type ?? 'INVOICE';
  const token = newCustomerToken(
    {
      merchant_id: ctx.merchantId,
      payment_method_type: type,
      purchase_country: country,
      purchase_currency: body.purchase_currency,
      locale: body.locale ?? `en-${country}`,
      description: body.description ?? null,
      intended_use: 'SUBSCRIPTION',
      billing_address: billing,
      shipping_address: body.shipping_address ?? null,
      customer: body.customer ?? null,
      email,
      source: 'sandbox',
      source_id: null,
    },
    ctx.now,
  );
  await insertCustomerToken(ctx.sql, token);
  return { status: 201, headers: { location: tokenUrl(token.token_id) }, body: presentSandboxToken(token) };
}

/** Emulates Klarna suspending, reinstating or cancelling a token; CANCELLED is final. */
export async function setSandboxTokenStatus(ctx: OperationContext, tokenId: string, body: SandboxTokenStatusBody): Promise<WriteResult> {
  const token = await loadCustomerToken(ctx.db, ctx.sql, ctx.merchantId, tokenId, true);
  if (!token) throw sandboxTokenNotFound();
  if (!TOKEN_TRANSITIONS.allows(token.status, body.status)) throw sandboxTokenFinal(body.status);
  await changeTokenStatus(ctx, token, body.status, 'sandbox');
  return { status: 200, body: presentSandboxToken(token) };
}

export async function readSandboxToken(ctx: Pick<OperationContext, 'db' | 'merchantId'>, tokenId: string): Promise<SandboxTokenView> {
  const token = await loadCustomerToken(ctx.db, ctx.db.read, ctx.merchantId, tokenId);
  if (!token) throw sandboxTokenNotFound();
  return presentSandboxToken(token);
}
