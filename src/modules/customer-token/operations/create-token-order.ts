/**
 * POST /customer-token/v1/tokens/{customerToken}/order (§4): charges the shopper behind a token.
 * The result is an Order Management order, AUTHORIZED (or CAPTURED at once with `auto_capture`), on
 * the token's shopper and payment method, in the same transaction that checked the token.
 */
import { LOCALE_PATTERN } from '../../../kernel/markets.js';
import { orderTotalsErrors } from '../../../kernel/order-lines.js';
import type { Customer } from '../../../kernel/schemas.js';
import type { FraudOutcome } from '../../../kernel/test-data.js';
import { shopperOutcome } from '../../../kernel/test-data.js';
import { recordEvent } from '../../../platform/events.js';
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { substitutePlaceholders } from '../../../platform/outbox/callbacks.js';
import type { OperationContext } from '../../merchants/writes.js';
import { orderUrl } from '../../order-management/operations/context.js';
import { placeOrder } from '../../order-management/operations/place-order.js';
import type { MerchantUrls } from '../../order-management/order.js';
import {
  badFields,
  currencyMismatch,
  notMatching,
  paymentMethodFailed,
  tokenCancelled,
  tokenNotFound,
  tokenSuspended,
  unavailablePaymentMethod,
} from '../errors.js';
import type { CreateTokenOrderBody } from '../schemas.js';
import type { CustomerTokenRecord } from '../token.js';
import { tokenPaymentMethod } from '../token.js';
import { loadCustomerToken } from '../token.repository.js';

export interface TokenOrderResponse {
  order_id: string;
  redirect_url: string;
  fraud_status: string;
  authorized_payment_method?: { type: string; number_of_days?: number; number_of_installments?: number };
}

/**
 * Merchant URLs that are not absolute http(s) URLs (placeholders such as `{order.id}` allowed): the
 * shopper could not be sent to them, nor a notification delivered. Same rule as Payments.
 */
function merchantUrlErrors(urls: CreateTokenOrderBody['merchant_urls']): string[] {
  const errors: string[] = [];
  for (const [name, value] of Object.entries(urls ?? {})) {
    if (typeof value !== 'string') continue;
    let protocol: string | undefined;
    try {
      protocol = new URL(value.replace(/\{[a-z.]+\}/g, 'x')).protocol;
    } catch {
      protocol = undefined;
    }
    if (protocol !== 'http:' && protocol !== 'https:') errors.push(`merchant_urls.${name}`);
  }
  return errors;
}

/** Pure: Klarna's line and total arithmetic (§0.5), the locale and the merchant URLs; the offending fields. */
export function tokenOrderFieldErrors(body: CreateTokenOrderBody): string[] {
  const errors = orderTotalsErrors(body);
  if (body.locale !== undefined && !LOCALE_PATTERN.test(body.locale)) errors.push('locale');
  errors.push(...merchantUrlErrors(body.merchant_urls));
  return errors;
}

/**
 * Pure: refuses the order with Klarna's reason, or returns the fraud outcome it gets. Order of the
 * checks (docs/fidelity.md): the body's own rules, the token's status, what the body must share with
 * the token (currency, then country), and last the shopper's test-data outcome.
 */
export function decideTokenOrder(token: CustomerTokenRecord, body: CreateTokenOrderBody): FraudOutcome {
  const errors = tokenOrderFieldErrors(body);
  if (errors.length > 0) throw badFields(errors);
  switch (token.status) {
    case 'CANCELLED':
      throw tokenCancelled();
    case 'SUSPENDED':
      throw tokenSuspended();
    case 'ACTIVE':
      break;
  }
  const currency = body.purchase_currency.toUpperCase();
  if (currency !== token.purchase_currency.toUpperCase()) throw currencyMismatch(currency, token.purchase_currency.toUpperCase());
  if (body.purchase_country !== undefined && body.purchase_country.toUpperCase() !== token.purchase_country.toUpperCase()) {
    throw notMatching(['purchase_country']);
  }
  const outcome = shopperOutcome(token.email);
  if (!outcome.approved) throw outcome.reason === 'denied' ? paymentMethodFailed() : unavailablePaymentMethod();
  return outcome.fraud;
}

/** Only the fields an Order Management customer has. */
function orderCustomer(token: CustomerTokenRecord): Customer | undefined {
  const customer = token.customer;
  if (!customer) return undefined;
  const out: Customer = {};
  if (customer.date_of_birth !== undefined) out.date_of_birth = customer.date_of_birth;
  if (customer.national_identification_number !== undefined) out.national_identification_number = customer.national_identification_number;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Where the shopper goes after the purchase: the merchant's confirmation page with `{order.id}`
 * filled in. Without one there is no page to send the shopper to, so the URL names the order
 * itself (its Order Management resource); Klarna's cookie-setting bounce is not emulated.
 */
function redirectUrl(ctx: OperationContext, orderId: string, urls: MerchantUrls | undefined): string {
  if (urls?.confirmation) return substitutePlaceholders(urls.confirmation, { 'order.id': orderId });
  return orderUrl(ctx, orderId);
}

export async function createTokenOrder(ctx: OperationContext, tokenId: string, body: CreateTokenOrderBody): Promise<WriteResult> {
  // The row stays locked until commit, so a concurrent cancellation waits for this order (or this
  // order sees the cancellation).
  const token = await loadCustomerToken(ctx.db, ctx.sql, ctx.merchantId, tokenId, true);
  if (!token) throw tokenNotFound();
  const fraud = decideTokenOrder(token, body);

  const method = tokenPaymentMethod(token.payment_method_type);
  const merchantUrls: MerchantUrls | undefined = body.merchant_urls && {
    confirmation: body.merchant_urls.confirmation,
    push: body.merchant_urls.push,
    notification: body.merchant_urls.notification,
  };
  const order = await placeOrder(ctx, {
    purchase_country: token.purchase_country,
    purchase_currency: body.purchase_currency,
    locale: body.locale ?? token.locale,
    order_amount: body.order_amount,
    order_lines: body.order_lines,
    billing_address: token.billing_address ?? undefined,
    // The body's shipping address, else the token's; createAuthorizedOrder falls back to billing.
    shipping_address: body.shipping_address ?? token.shipping_address ?? undefined,
    customer: orderCustomer(token),
    merchant_reference1: body.merchant_reference1,
    merchant_reference2: body.merchant_reference2,
    merchant_data: body.merchant_data,
    initial_payment_method: method.initial,
    fraud,
    // A PENDING order is left AUTHORIZED: captures wait for the fraud decision (docs/fidelity.md).
    auto_capture: body.auto_capture,
    merchant_urls: merchantUrls,
    source: 'customer_token',
  });
  // Which token an order was charged on has no column of its own; the event keeps the link.
  await recordEvent(ctx.sql, {
    merchant_id: ctx.merchantId,
    order_id: order.order_id,
    type: 'customer_token.order_created',
    payload: { token_id: token.token_id, auto_capture: body.auto_capture === true },
    created_at: ctx.now,
  });

  const response: TokenOrderResponse = {
    order_id: order.order_id,
    redirect_url: redirectUrl(ctx, order.order_id, merchantUrls),
    fraud_status: order.fraud_status,
    ...(method.authorized && { authorized_payment_method: method.authorized }),
  };
  return { status: 200, body: response };
}
