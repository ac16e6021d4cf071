/**
 * What the consumer does on the hosted page (§5.4), shared by the page and the sandbox's routes:
 * open it (WAITING → IN_PROGRESS), approve, decline (FAILED), go back (BACK) or cancel (CANCELLED).
 * Every action on a page that was not open yet opens it first, so the merchant sees IN_PROGRESS
 * before the outcome. Approving a Payments session authorizes it as Klarna's widget would (the test
 * e-mails decide), and with `place_order_mode` PLACE_ORDER or CAPTURE_ORDER places the Order
 * Management order (captured whole with CAPTURE_ORDER), all in one transaction. Approving a Checkout
 * order completes it through the same code as the checkout page (its merchant calls included).
 */
import type { Clock } from '../../../platform/clock.js';
import type { Db } from '../../../platform/db/database.js';
import { ApiError } from '../../../platform/http/errors.js';
import type { WritePipeline } from '../../../platform/http/write.js';
import type { CheckoutShopperApi } from '../../checkout/shopper-api.js';
import { captureWholeOrder } from '../../order-management/operations/create-order.js';
import { loadOrder, loadOrderRecord } from '../../order-management/order.repository.js';
import { authorizeSession } from '../../payments/operations/authorize-session.js';
import { createOrderFromAuthorization } from '../../payments/operations/create-order.js';
import { badFields, shopperActionNotAllowed } from '../errors.js';
import type { HppSessionRecord, HppStatus } from '../hpp-session.js';
import { isFinal, landingUrl, offeredCategories, placeOrderMode } from '../hpp-session.js';
import type { HppApproveBody } from '../schemas.js';
import type { HppContext } from './context.js';
import { changeStatus, loadLiveSession } from './context.js';

export interface ConsumerDeps {
  db: Db;
  clock: Clock;
  writes: WritePipeline<HppContext>;
  checkout: CheckoutShopperApi;
}

/** A consumer's action on one session, under the correlation id of the request that carries it. */
export interface ConsumerAction {
  merchantId: string;
  sessionId: string;
  correlationId: string;
}

/** Where the consumer stands after an action, and where the page sends them (null: klarna-local's own page). */
export interface ConsumerOutcome {
  status: HppStatus;
  redirect_url: string | null;
  session: HppSessionRecord;
}

export type EndingAction = 'decline' | 'back' | 'cancel';
const ENDINGS: Readonly<Record<EndingAction, HppStatus>> = { decline: 'FAILED', back: 'BACK', cancel: 'CANCELLED' };

/** Pure: a final session (COMPLETED, CANCELLED, DISABLED) takes no action; 403 NOT_ALLOWED. */
export function assertActive(session: Pick<HppSessionRecord, 'status'>): void {
  if (isFinal(session.status)) throw shopperActionNotAllowed(session.status);
}

/** Pure: whether an action first opens the page (every status but IN_PROGRESS moves to it). */
export const opensFirst = (session: Pick<HppSessionRecord, 'status'>): boolean => session.status !== 'IN_PROGRESS';

/** Pure: the status an ending action leaves. */
export const endingStatus = (action: EndingAction): HppStatus => ENDINGS[action];

/** Who paid: the billing address and the customer as authorized (or as the order holds them). */
export interface PayingShopper {
  billing_address?: { given_name?: string; family_name?: string; title?: string } | null;
  customer?: { date_of_birth?: string } | null;
}

/**
 * Pure: the customer a completed session reads back (§5.1 `customer`): names and title from the
 * billing address, date of birth from the customer; null when nothing is known. It is the shopper
 * who was authorized (the Payments session's details merged with the consumer's), not only what the
 * consumer typed on the page.
 */
export function customerOf(input: PayingShopper): Record<string, string> | null {
  const billing = input.billing_address ?? {};
  const customer: Record<string, string> = {};
  if (billing.given_name) customer.given_name = billing.given_name;
  if (billing.family_name) customer.family_name = billing.family_name;
  if (billing.title) customer.title = billing.title;
  if (input.customer?.date_of_birth) customer.date_of_birth = input.customer.date_of_birth;
  return Object.keys(customer).length > 0 ? customer : null;
}

const outcome = (session: HppSessionRecord): ConsumerOutcome => ({ status: session.status, redirect_url: landingUrl(session, session.status), session });

/**
 * Runs one write on the consumer's session: locked, live, not final, opened first. `afterPurchase`:
 * the payment session was just completed through this page, which does not end the session.
 */
async function onOpenSession(
  deps: ConsumerDeps,
  who: ConsumerAction,
  act: (ctx: HppContext, session: HppSessionRecord) => Promise<void>,
  afterPurchase = false,
): Promise<HppSessionRecord> {
  const result = await deps.writes.run({ merchantId: who.merchantId, correlationId: who.correlationId, idempotencyKey: undefined }, async (ctx) => {
    const session = await loadLiveSession(ctx.db, ctx.sql, who.merchantId, who.sessionId, ctx.now, true, afterPurchase);
    assertActive(session);
    if (opensFirst(session)) await changeStatus(ctx.sql, session, 'IN_PROGRESS', ctx.now);
    await act(ctx, session);
    return { status: 200, body: session };
  });
  return result.body as HppSessionRecord;
}

/** The consumer opens the page (WAITING, FAILED, BACK or ERROR → IN_PROGRESS; an open page stays as it is). */
export async function openHppSession(deps: ConsumerDeps, who: ConsumerAction): Promise<ConsumerOutcome> {
  return outcome(await onOpenSession(deps, who, async () => undefined));
}

/** The consumer declines (FAILED, retriable), goes back (BACK, retriable) or cancels (CANCELLED, final). */
export async function endHppAttempt(deps: ConsumerDeps, who: ConsumerAction, action: EndingAction): Promise<ConsumerOutcome> {
  return outcome(await onOpenSession(deps, who, (ctx, session) => changeStatus(ctx.sql, session, endingStatus(action), ctx.now)));
}

export async function approveHppSession(deps: ConsumerDeps, who: ConsumerAction, input: HppApproveBody): Promise<ConsumerOutcome> {
  const opened = await onOpenSession(deps, who, async () => undefined);
  if (opened.payment_kind === 'payments') return outcome(await onOpenSession(deps, who, (ctx, session) => approvePayments(ctx, session, input)));
  return approveCheckout(deps, who, opened, input);
}

/** Payments: authorize, then (PLACE_ORDER, CAPTURE_ORDER) place the order, in the one transaction. */
async function approvePayments(ctx: HppContext, session: HppSessionRecord, input: HppApproveBody): Promise<void> {
  const { payment_method_category: category, ...shopper } = input;
  // The page offers the merchant's HPP restriction within what the Payments session offers.
  const offered = offeredCategories(session.options, ctx.settings.payment_method_categories);
  const chosen = category?.toLowerCase() ?? offered[0];
  if (chosen === undefined || !offered.includes(chosen)) throw badFields(['payment_method_category']);
  const authorized = await authorizeSession(ctx, session.payment_id, { ...shopper, payment_method_category: chosen });
  if (!authorized.approved || !authorized.authorization_token) {
    await changeStatus(ctx.sql, session, 'FAILED', ctx.now);
    return;
  }
  // What was authorized: the session's data and the shopper (its details merged with the consumer's).
  const snapshot = await ctx.sql.get<{ snapshot: string }>('select snapshot from payment_authorizations where authorization_token = ?', [authorized.authorization_token]);
  const { data, shopper: paying, intent } = JSON.parse(snapshot?.snapshot ?? '{}') as { data: Record<string, unknown>; shopper?: PayingShopper; intent?: string };
  const customer = customerOf(paying ?? input);
  // A `tokenize` session places no order (Payments refuses one, §3.2): the merchant gets the
  // authorization token for its customer token, whatever place_order_mode says.
  const mode = intent === 'tokenize' ? 'NONE' : placeOrderMode(session);
  if (mode === 'NONE') {
    await changeStatus(ctx.sql, session, 'COMPLETED', ctx.now, { authorization_token: authorized.authorization_token, customer });
    return;
  }
  // The order is placed with the data the consumer just authorized, so it always matches (§3.2).
  const placed = await createOrderFromAuthorization(ctx, authorized.authorization_token, {
    purchase_country: data.purchase_country as string,
    purchase_currency: data.purchase_currency as string,
    locale: data.locale as string,
    order_amount: data.order_amount as number,
    order_tax_amount: data.order_tax_amount as number,
    order_lines: data.order_lines as never,
    auto_capture: mode === 'CAPTURE_ORDER',
  });
  const orderId = (placed.body as { order_id: string }).order_id;
  const order = await loadOrderRecord(ctx.db, ctx.sql, ctx.merchantId, orderId);
  // With PLACE_ORDER the merchant gets the order, not the authorization token (§5.2).
  await changeStatus(ctx.sql, session, 'COMPLETED', ctx.now, { order_id: orderId, klarna_reference: order?.klarna_reference ?? null, customer });
}

/**
 * Checkout: the order completes through the checkout page's code (validation and address calls to
 * the merchant included), then the session records what happened: the order (captured whole with
 * CAPTURE_ORDER), a decline (FAILED), or the merchant's refusal (ERROR). Missing details are the
 * consumer's to fix (400, the session stays open).
 */
async function approveCheckout(deps: ConsumerDeps, who: ConsumerAction, session: HppSessionRecord, input: HppApproveBody): Promise<ConsumerOutcome> {
  // The checkout's own shopper input: e-mail, addresses, and the customer's date of birth.
  const details = {
    ...(input.email !== undefined && { email: input.email }),
    ...(input.billing_address && { billing_address: input.billing_address }),
    ...(input.shipping_address && { shipping_address: input.shipping_address }),
    ...(input.customer?.date_of_birth !== undefined && { customer: { date_of_birth: input.customer.date_of_birth } }),
  };
  const completed = await deps.checkout.complete({ merchantId: who.merchantId, orderId: session.payment_id, correlationId: who.correlationId }, details);
  const status: HppStatus = completed.status === 'checkout_complete' ? 'COMPLETED' : completed.status === 'declined' ? 'FAILED' : 'ERROR';
  return outcome(
    await onOpenSession(deps, who, async (ctx, locked) => {
      if (status !== 'COMPLETED') return changeStatus(ctx.sql, locked, status, ctx.now);
      const order = await loadOrder(ctx.db, ctx.sql, ctx.merchantId, session.payment_id, true);
      if (order && placeOrderMode(locked) === 'CAPTURE_ORDER' && order.captured_amount === 0) await captureWholeOrder(ctx, order);
      // The customer is the one the order was placed for (the checkout's details, the consumer's included).
      const customer = customerOf(order ?? input);
      await changeStatus(ctx.sql, locked, 'COMPLETED', ctx.now, { order_id: session.payment_id, klarna_reference: order?.klarna_reference ?? null, customer });
    }, status === 'COMPLETED'),
  );
}

/** Whether an error from approving is the consumer's input (the page shows it; the session stays open). */
export const isConsumerError = (error: unknown): error is ApiError => error instanceof ApiError && error.statusCode >= 400 && error.statusCode < 500;
