/**
 * Checkout v3's operations: the merchant's four (create, read, update, abort) and the shopper's
 * (enter details, choose a shipping option, buy), shared by the sandbox's completion route and the
 * checkout page. Merchant writes are one transaction each; shopper actions call the merchant first
 * (outside any transaction, as the shopper waits) and then apply the answer in one transaction.
 */
import { Value } from 'typebox/value';
import type { ModuleDeps } from '../../platform/app.js';
import { MS_PER_SECOND } from '../../platform/clock.js';
import type { Sql } from '../../platform/db/sql.js';
import type { WriteResult } from '../../platform/http/idempotency.js';
import type { ApiError } from '../../platform/http/errors.js';
import { readIdempotencyKey } from '../../platform/http/idempotency.js';
import { merchantWrites } from '../merchants/writes.js';
import { newId } from '../../platform/ids.js';
import { enqueueCallback, substitutePlaceholders } from '../../platform/outbox/callbacks.js';
import type { CallbackKind } from '../../platform/outbox/callbacks.js';
import { ADDRESS_UPDATE_CALL, COUNTRY_CHANGE_CALL, PUSH_CALLBACK, PUSH_FIRST_DELAY_MS, REQUIRED_VALIDATION_TIMEOUTS, SHIPPING_CALLBACK_TIMEOUTS, SHIPPING_OPTION_UPDATE_CALL, VALIDATION_CALL, VALIDATION_TIMEOUTS } from './callbacks.js';
import { loadInstanceSecret } from '../../platform/secrets.js';
import { shopperOutcome } from '../../kernel/test-data.js';
import type { FraudOutcome } from '../../kernel/test-data.js';
import { orderTotalsErrors } from '../../kernel/order-lines.js';
import type { OrderLine } from '../../kernel/schemas.js';
import { testPaymentDetails } from '../customer-token/token.js';
import { insertCustomerToken } from '../customer-token/token.repository.js';
import type { OperationContext } from '../merchants/writes.js';
import { captureWholeOrder, createAuthorizedOrder } from '../order-management/operations/create-order.js';
import type { CheckoutRecord, CheckoutShopper } from './checkout-order.js';
import {
  CHECKOUT_LIFETIME_MS,
  checkoutErrors,
  htmlSnippet,
  isExpired,
  isReadOnly,
  issuePageToken,
  presentCheckoutOrder,
  selectedShippingOption,
  verifyPageToken,
} from './checkout-order.js';
import { insertCheckoutOrder, loadCheckoutOrder, saveCheckoutOrder } from './checkout.repository.js';
import { badFields, checkoutNotFound, invalidPageToken, merchantOrderNotFound, readOnlyOrder } from './errors.js';
import type { MerchantAnswer } from './merchant-calls.js';
import { callMerchant } from './merchant-calls.js';
import type { CheckoutAddress, CheckoutCreateBody, CheckoutUpdateBody, ShippingOption, ShopperInput } from './schemas.js';
import { CHECKOUT_ADDRESS_FIELDS, ShippingServiceResponse } from './schemas.js';

const PAGE_SECRET = 'checkout_page';

/** What a shopper action led to. */
export type ShopperOutcome =
  | { status: 'updated' }
  | { status: 'checkout_complete'; order_id: string; redirect_url: string }
  | { status: 'redirect'; redirect_url: string; callback: string }
  | { status: 'error'; error_type: string; error_text: string | null; callback: string }
  | { status: 'declined'; reason: 'denied' | 'pre_screen' }
  | { status: 'validation_failed'; reason: string };

/** The address fields a purchase needs from the shopper. */
const REQUIRED_BILLING_FIELDS = ['given_name', 'family_name', 'email', 'street_address', 'postal_code', 'city', 'country'] as const;
const REQUIRED_SHIPPING_FIELDS = ['given_name', 'family_name', 'street_address', 'postal_code', 'city', 'country'] as const;

export class CheckoutService {
  private key: Promise<Buffer> | null = null;

  constructor(private readonly deps: ModuleDeps) {}

  pageKey(): Promise<Buffer> {
    return (this.key ??= loadInstanceSecret(this.deps.db, PAGE_SECRET).catch((error: unknown) => {
      this.key = null;
      throw error;
    }));
  }

  // -------------------------------------------------------------------------------------------
  // Merchant operations

  private async write(merchantId: string, correlationId: string, idempotencyKey: string | undefined, operation: (ctx: OperationContext) => Promise<WriteResult>) {
    // The page key may need its own transaction the first time: never inside the operation's.
    await this.pageKey();
    const result = await merchantWrites(this.deps).run({ merchantId, correlationId, idempotencyKey }, operation);
    // Completion queues the push; send what is due.
    this.deps.dispatcher.wake();
    return result;
  }

  orderUrl(orderId: string): string {
    return `${this.deps.config.publicUrl}/checkout/v3/orders/${encodeURIComponent(orderId)}`;
  }

  async present(order: CheckoutRecord, merchantName: string): Promise<Record<string, unknown>> {
    const token = issuePageToken(await this.pageKey(), order);
    return presentCheckoutOrder(order, merchantName, htmlSnippet(this.deps.config.publicUrl, order, token));
  }

  async create(merchant: { merchant_id: string; username: string }, body: CheckoutCreateBody, correlationId: string, idempotencyHeader: unknown): Promise<WriteResult> {
    const errors = checkoutErrors(normalize(body));
    if (errors.length > 0) throw badFields(errors);
    return this.write(merchant.merchant_id, correlationId, readIdempotencyKey(idempotencyHeader as string | undefined), async (ctx) => {
      const order: CheckoutRecord = {
        order_id: newId(),
        merchant_id: ctx.merchantId,
        status: 'checkout_incomplete',
        data: normalize(body),
        shopper: null,
        recurring_token: null,
        aborted_at: null,
        created_at: ctx.now,
        updated_at: ctx.now,
        completed_at: null,
        expires_at: ctx.now + CHECKOUT_LIFETIME_MS,
      };
      await insertCheckoutOrder(ctx.sql, order);
      return { status: 201, headers: { location: this.orderUrl(order.order_id) }, body: await this.present(order, merchant.username) };
    });
  }

  async read(merchant: { merchant_id: string; username: string }, orderId: string): Promise<Record<string, unknown>> {
    const { db, clock } = this.deps;
    const now = await clock.now();
    const order = await loadCheckoutOrder(db, db.read, merchant.merchant_id, orderId);
    if (!order || isExpired(order, now)) throw merchantOrderNotFound();
    return this.present(order, merchant.username);
  }

  /** Partial update: present properties replace the stored ones; only while incomplete (403 READ_ONLY_ORDER). */
  async update(merchant: { merchant_id: string; username: string }, orderId: string, body: CheckoutUpdateBody | undefined, correlationId: string, idempotencyHeader: unknown) {
    return this.write(merchant.merchant_id, correlationId, readIdempotencyKey(idempotencyHeader as string | undefined), async (ctx) => {
      const order = await this.lockUsable(ctx.sql, ctx.merchantId, orderId, ctx.now, merchantOrderNotFound);
      const data = normalize({ ...order.data, ...(body ?? {}) } as CheckoutCreateBody);
      const errors = checkoutErrors(data);
      if (errors.length > 0) throw badFields(errors);
      order.data = data;
      touch(order, ctx.now);
      await saveCheckoutOrder(ctx.sql, order);
      return { status: 200, body: await this.present(order, merchant.username) };
    });
  }

  /** Abort: the order can no longer be bought or changed; the read still answers it. */
  async abort(merchant: { merchant_id: string; username: string }, orderId: string, correlationId: string, idempotencyHeader: unknown) {
    return this.write(merchant.merchant_id, correlationId, readIdempotencyKey(idempotencyHeader as string | undefined), async (ctx) => {
      const order = await loadCheckoutOrder(ctx.db, ctx.sql, ctx.merchantId, orderId, true);
      if (!order || isExpired(order, ctx.now)) throw merchantOrderNotFound();
      if (order.status !== 'checkout_incomplete') throw readOnlyOrder();
      if (order.aborted_at === null) {
        order.aborted_at = ctx.now;
        order.updated_at = ctx.now;
        await saveCheckoutOrder(ctx.sql, order);
      }
      return { status: 200, body: await this.present(order, merchant.username) };
    });
  }

  /** Locks an order a merchant or shopper may still change. */
  private async lockUsable(sql: Sql, merchantId: string, orderId: string, now: number, notFound: () => ApiError = checkoutNotFound): Promise<CheckoutRecord> {
    const order = await loadCheckoutOrder(this.deps.db, sql, merchantId, orderId, true);
    if (!order || isExpired(order, now)) throw notFound();
    if (isReadOnly(order)) throw readOnlyOrder();
    return order;
  }

  // -------------------------------------------------------------------------------------------
  // Shopper actions

  /** The order a checkout page token is for (401 for anything klarna-local did not sign). */
  async fromPageToken(token: string): Promise<{ order: CheckoutRecord; merchantName: string }> {
    const claims = verifyPageToken(await this.pageKey(), token);
    if (!claims) throw invalidPageToken();
    const { db, clock } = this.deps;
    const order = await loadCheckoutOrder(db, db.read, claims.merchant_id, claims.order_id);
    if (!order || isExpired(order, await clock.now())) throw checkoutNotFound();
    const merchant = await db.read.get<{ username: string }>('select username from merchants where merchant_id = ?', [claims.merchant_id]);
    return { order, merchantName: merchant?.username ?? '' };
  }

  private async loadForShopper(merchantId: string, orderId: string): Promise<CheckoutRecord> {
    const { db, clock } = this.deps;
    const order = await loadCheckoutOrder(db, db.read, merchantId, orderId);
    if (!order || isExpired(order, await clock.now())) throw checkoutNotFound();
    if (isReadOnly(order)) throw readOnlyOrder();
    return order;
  }

  /**
   * The shopper enters or changes e-mail and addresses. A billing country other than the one known
   * before (the shopper's earlier billing country, else the merchant's prefilled one, else the
   * purchase country) is announced to `country_change`; entering or changing an address otherwise,
   * including a first address in the purchase country, to `address_update` (§2.4: never both for
   * one change). The merchant's 200 answer updates the cart and shipping options.
   */
  async enterDetails(merchantId: string, orderId: string, input: Omit<ShopperInput, 'shipping_option_id'>): Promise<ShopperOutcome> {
    const order = await this.loadForShopper(merchantId, orderId);
    const before = shopperOf(order);
    const after = mergeShopper(order, before, input);
    const knownCountry = before.billing_address?.country ?? order.data.billing_address?.country ?? order.data.purchase_country;
    const billingCountryChanged = (after.billing_address?.country ?? knownCountry).toUpperCase() !== knownCountry.toUpperCase();
    const addressChanged = !sameAddress(before.billing_address, after.billing_address) || !sameAddress(before.shipping_address, after.shipping_address);
    const urls = order.data.merchant_urls;
    let call: { kind: CallbackKind; url: string } | null = null;
    if (billingCountryChanged && urls.country_change) call = { kind: COUNTRY_CHANGE_CALL, url: urls.country_change };
    else if (addressChanged && urls.address_update) call = { kind: ADDRESS_UPDATE_CALL, url: urls.address_update };
    const answer = call ? await this.shippingCall(order, after, call.kind, call.url) : null;
    return this.applyAnswer(merchantId, orderId, after, answer, call?.kind.kind ?? null);
  }

  /** The shopper picks a shipping option; `shipping_option_update` lets the merchant reprice the cart. */
  async chooseShippingOption(merchantId: string, orderId: string, optionId: string): Promise<ShopperOutcome> {
    const order = await this.loadForShopper(merchantId, orderId);
    if (!(order.data.shipping_options ?? []).some((o) => o.id === optionId)) throw badFields(['shipping_option_id']);
    const after: CheckoutShopper = { ...shopperOf(order), selected_shipping_option_id: optionId };
    const url = order.data.merchant_urls.shipping_option_update;
    const answer = url ? await this.shippingCall(order, after, SHIPPING_OPTION_UPDATE_CALL, url) : null;
    return this.applyAnswer(merchantId, orderId, after, answer, url ? SHIPPING_OPTION_UPDATE_CALL.kind : null);
  }

  private async shippingCall(order: CheckoutRecord, shopper: CheckoutShopper, kind: CallbackKind, url: string) {
    const view = { ...order, shopper };
    const selected = selectedShippingOption(view);
    const billing = shopper.billing_address;
    const body = {
      order_amount: order.data.order_amount,
      order_tax_amount: order.data.order_tax_amount,
      order_lines: order.data.order_lines,
      purchase_currency: order.data.purchase_currency,
      ...(billing && { billing_address: billing }),
      ...((shopper.shipping_address ?? billing) && { shipping_address: shopper.shipping_address ?? billing }),
      ...(selected && { selected_shipping_option: selected }),
      ...((shopper.customer ?? order.data.customer) && { customer: shopper.customer ?? order.data.customer }),
      ...(order.data.merchant_data !== undefined && { merchant_data: order.data.merchant_data }),
      ...(order.data.merchant_reference1 !== undefined && { merchant_reference1: order.data.merchant_reference1 }),
      ...(order.data.merchant_reference2 !== undefined && { merchant_reference2: order.data.merchant_reference2 }),
      locale: order.data.locale,
      ...(order.data.tags && { tags: order.data.tags }),
    };
    return callMerchant(this.deps.db, this.deps.clock, {
      merchantId: order.merchant_id,
      orderId: order.order_id,
      kind,
      url: this.substitute(url, order.order_id),
      body,
      timeouts: SHIPPING_CALLBACK_TIMEOUTS,
    });
  }

  /** Stores the shopper's details and applies the merchant's answer, in one transaction. */
  private async applyAnswer(merchantId: string, orderId: string, shopper: CheckoutShopper, answer: MerchantAnswer | null, kind: string | null): Promise<ShopperOutcome> {
    if (answer?.kind === 'redirect') return { status: 'redirect', redirect_url: answer.location, callback: kind ?? '' };
    if (answer?.kind === 'error') return { status: 'error', error_type: answer.error_type, error_text: answer.error_text, callback: kind ?? '' };
    let update: ShippingServiceResponse | null = null;
    if (answer?.kind === 'ok' && answer.body !== undefined) {
      if (!Value.Check(ShippingServiceResponse, answer.body) || orderTotalsErrors(answer.body).length > 0) {
        return { status: 'error', error_type: 'merchant_error', error_text: 'The store answered with an order that is not valid.', callback: kind ?? '' };
      }
      update = answer.body;
    }
    // No answer (timeout, unreachable, another status): the shopper goes on with the cart as it was.
    await this.write(merchantId, '', undefined, async (ctx) => {
      const order = await this.lockUsable(ctx.sql, merchantId, orderId, ctx.now);
      order.shopper = shopper;
      if (update) {
        const { shipping_options, ...cart } = update;
        order.data = { ...order.data, ...cart, purchase_currency: cart.purchase_currency.toUpperCase(), ...(shipping_options && { shipping_options }) };
        const chosen = order.shopper.selected_shipping_option_id;
        if (chosen !== null && !(order.data.shipping_options ?? []).some((o) => o.id === chosen)) order.shopper = { ...order.shopper, selected_shipping_option_id: null };
      }
      touch(order, ctx.now);
      await saveCheckoutOrder(ctx.sql, order);
      return { status: 204 };
    });
    return { status: 'updated' };
  }

  /**
   * The shopper buys. Details and a shipping choice given with the purchase go through their
   * callbacks first; then the test e-mail decides credit, the merchant's validation callback may
   * deny, and the purchase completes: the same order_id becomes an AUTHORIZED Order Management order,
   * the push is scheduled, and a recurring order gets its customer token.
   */
  async complete(merchantId: string, orderId: string, input: ShopperInput): Promise<ShopperOutcome> {
    const { shipping_option_id, ...details } = input;
    // Bad input changes nothing: the shopper's details are checked before any is stored or sent.
    const current = await this.loadForShopper(merchantId, orderId);
    const missing = missingDetails(mergeShopper(current, shopperOf(current), details));
    if (missing.length > 0) throw badFields(missing);
    // (A shipping choice is checked after the address step: the merchant's answer may bring new options.)
    if (Object.values(details).some((v) => v !== undefined)) {
      const entered = await this.enterDetails(merchantId, orderId, details);
      if (entered.status !== 'updated') return entered;
    }
    if (shipping_option_id !== undefined) {
      const chosen = await this.chooseShippingOption(merchantId, orderId, shipping_option_id);
      if (chosen.status !== 'updated') return chosen;
    }
    const order = await this.loadForShopper(merchantId, orderId);
    const shopper = shopperOf(order);
    // The merchant's answers may have changed the shipping options: a choice must still exist.
    if ((order.data.shipping_options ?? []).length > 0 && !selectedShippingOption(order)) throw badFields(['shipping_option_id']);

    const outcome = shopperOutcome(shopper.billing_address?.email ?? shopper.email);
    if (!outcome.approved) return { status: 'declined', reason: outcome.reason };

    const validationUrl = order.data.merchant_urls.validation;
    if (validationUrl) {
      const required = order.data.options?.require_validate_callback_success === true;
      const merchant = await this.deps.db.read.get<{ username: string }>('select username from merchants where merchant_id = ?', [merchantId]);
      const answer = await callMerchant(this.deps.db, this.deps.clock, {
        merchantId,
        orderId,
        kind: VALIDATION_CALL,
        url: this.substitute(validationUrl, orderId),
        body: await this.present(order, merchant?.username ?? ''),
        timeouts: required ? REQUIRED_VALIDATION_TIMEOUTS : VALIDATION_TIMEOUTS,
      });
      if (answer.kind === 'redirect') return { status: 'redirect', redirect_url: answer.location, callback: VALIDATION_CALL.kind };
      if (answer.kind === 'error') return { status: 'error', error_type: answer.error_type, error_text: answer.error_text, callback: VALIDATION_CALL.kind };
      if (answer.kind === 'no_answer' && required) return { status: 'validation_failed', reason: answer.reason };
    }

    let completed: CheckoutRecord | null = null;
    await this.write(merchantId, '', undefined, async (ctx) => {
      const locked = await this.lockUsable(ctx.sql, merchantId, orderId, ctx.now);
      completed = await this.place(ctx, locked, outcome.fraud);
      return { status: 204 };
    });
    const done = completed as CheckoutRecord | null;
    if (!done) throw new Error('checkout completion left no order');
    return { status: 'checkout_complete', order_id: done.order_id, redirect_url: this.substitute(done.data.merchant_urls.confirmation, done.order_id) };
  }

  /** The purchase itself, inside the completing transaction. */
  private async place(ctx: OperationContext, order: CheckoutRecord, fraud: FraudOutcome): Promise<CheckoutRecord> {
    const shopper = shopperOf(order);
    const billing = shopper.billing_address as CheckoutAddress;
    // A shipping address the shopper gave is used; the page offers one only with allow_separate_shipping_address.
    const shipping = shopper.shipping_address ?? billing;
    const { lines, amount } = linesWithShipping(order);
    const urls = order.data.merchant_urls;
    const selected = selectedShippingOption(order);
    const placed = await createAuthorizedOrder(ctx, {
      order_id: order.order_id,
      purchase_country: order.data.purchase_country,
      purchase_currency: order.data.purchase_currency,
      locale: order.data.locale,
      order_amount: amount,
      order_lines: lines,
      billing_address: omsAddress(billing),
      shipping_address: omsAddress(shipping),
      ...((shopper.customer ?? order.data.customer)?.date_of_birth !== undefined && { customer: { date_of_birth: (shopper.customer ?? order.data.customer)?.date_of_birth } }),
      merchant_reference1: order.data.merchant_reference1,
      merchant_reference2: order.data.merchant_reference2,
      merchant_data: order.data.merchant_data,
      fraud_status: fraud.fraud_status,
      ...(fraud.fraud_status === 'PENDING' && { fraud_decision: fraud.decision, fraud_decision_after_ms: fraud.after_minutes * 60 * MS_PER_SECOND }),
      initial_payment_method: { type: 'INVOICE', description: 'Pay later in 30 days' },
      ...(selected && { selected_shipping_option: selected as unknown as Record<string, unknown> }),
      merchant_urls: {
        confirmation: this.substitute(urls.confirmation, order.order_id),
        push: this.substitute(urls.push, order.order_id),
        ...(urls.notification && { notification: this.substitute(urls.notification, order.order_id) }),
      },
      source: 'checkout',
    });
    if (order.data.recurring === true) {
      const tokenId = newId();
      await insertCustomerToken(ctx.sql, {
        token_id: tokenId,
        merchant_id: ctx.merchantId,
        status: 'ACTIVE',
        payment_method_type: 'INVOICE',
        purchase_country: order.data.purchase_country,
        purchase_currency: order.data.purchase_currency,
        locale: order.data.locale,
        description: null,
        intended_use: 'SUBSCRIPTION',
        billing_address: billing,
        shipping_address: shipping,
        customer: shopper.customer ? { ...(shopper.customer.date_of_birth && { date_of_birth: shopper.customer.date_of_birth }), ...(shopper.customer.type && { type: shopper.customer.type }) } : null,
        email: billing.email ?? shopper.email,
        payment_details: testPaymentDetails('INVOICE', ctx.now),
        source: 'checkout',
        source_id: order.order_id,
        created_at: ctx.now,
        updated_at: ctx.now,
      });
      order.recurring_token = tokenId;
    }
    if (order.data.options?.auto_capture === true) {
      await captureWholeOrder(ctx, placed);
    }
    await enqueueCallback(ctx.sql, {
      merchant_id: ctx.merchantId,
      kind: PUSH_CALLBACK,
      order_id: order.order_id,
      url: this.substitute(urls.push, order.order_id),
      due_at: ctx.now + PUSH_FIRST_DELAY_MS,
      now: ctx.now,
    });
    order.status = 'checkout_complete';
    order.completed_at = ctx.now;
    order.updated_at = ctx.now;
    await saveCheckoutOrder(ctx.sql, order);
    return order;
  }

  /** `{checkout.order.id}` filled in, as in every merchant URL. */
  substitute(url: string, orderId: string): string {
    return substitutePlaceholders(url, { 'checkout.order.id': orderId });
  }
}

function normalize(data: CheckoutCreateBody): CheckoutCreateBody {
  return { ...data, purchase_country: data.purchase_country.toUpperCase(), purchase_currency: data.purchase_currency.toUpperCase() };
}

function touch(order: CheckoutRecord, now: number): void {
  order.updated_at = now;
  order.expires_at = now + CHECKOUT_LIFETIME_MS;
}

function shopperOf(order: CheckoutRecord): CheckoutShopper {
  return (
    order.shopper ?? {
      email: order.data.billing_address?.email ?? null,
      billing_address: order.data.billing_address ?? null,
      shipping_address: order.data.shipping_address ?? null,
      customer: order.data.customer ?? null,
      selected_shipping_option_id: null,
    }
  );
}

function mergeShopper(order: CheckoutRecord, before: CheckoutShopper, input: Omit<ShopperInput, 'shipping_option_id'>): CheckoutShopper {
  const email = input.email ?? input.billing_address?.email ?? before.email;
  const billing: CheckoutAddress = { ...(before.billing_address ?? {}), ...(input.billing_address ?? {}), ...(email ? { email } : {}) };
  if (billing.country === undefined) billing.country = order.data.purchase_country;
  return {
    email: email ?? null,
    billing_address: billing,
    shipping_address: input.shipping_address ? { ...(before.shipping_address ?? {}), ...input.shipping_address } : before.shipping_address,
    customer: input.customer ?? before.customer,
    selected_shipping_option_id: before.selected_shipping_option_id,
  };
}

/** The details a purchase needs that the shopper has not given. */
function missingDetails(shopper: CheckoutShopper): string[] {
  const missing = REQUIRED_BILLING_FIELDS.filter((field) => !shopper.billing_address?.[field]).map((field) => `billing_address.${field}`);
  const shipping = shopper.shipping_address;
  if (shipping) missing.push(...REQUIRED_SHIPPING_FIELDS.filter((field) => !shipping[field]).map((field) => `shipping_address.${field}`));
  return missing;
}

function sameAddress(a: CheckoutAddress | null, b: CheckoutAddress | null): boolean {
  return CHECKOUT_ADDRESS_FIELDS.every((field) => (a?.[field] ?? '') === (b?.[field] ?? ''));
}

/** Checkout's address as Order Management stores it (OM has no street_name/number or care_of). */
function omsAddress(address: CheckoutAddress) {
  const { street_name, street_number, house_extension, care_of: _careOf, ...rest } = address;
  const street = rest.street_address ?? [street_name, street_number, house_extension].filter(Boolean).join(' ');
  return { ...rest, ...(street && { street_address: street }) };
}

/**
 * The order's lines as Order Management receives them: the chosen shipping option becomes a
 * `shipping_fee` line when the merchant has not put one in the cart itself (docs/fidelity.md).
 */
export function linesWithShipping(order: CheckoutRecord): { lines: OrderLine[]; amount: number } {
  const lines = order.data.order_lines as OrderLine[];
  const selected: ShippingOption | undefined = selectedShippingOption(order);
  if (!selected || selected.price === 0 || lines.some((l) => l.type === 'shipping_fee')) return { lines, amount: order.data.order_amount };
  const shippingLine: OrderLine = {
    type: 'shipping_fee',
    reference: selected.id,
    name: selected.name,
    quantity: 1,
    unit_price: selected.price,
    tax_rate: selected.tax_rate,
    total_amount: selected.price,
    total_tax_amount: selected.tax_amount,
  };
  return { lines: [...lines, shippingLine], amount: order.data.order_amount + selected.price };
}
