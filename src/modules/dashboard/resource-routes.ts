/**
 * The dashboard's pages besides orders: Payments sessions, Checkout orders, HPP sessions, customer
 * tokens and payouts (a list and a page each, only the signed-in merchant's: another merchant's is
 * an unknown one, 404), a payout's CSV and PDF reports (the same report functions as
 * /settlements/v1/reports/*), and the actions: authorize a Payments session and complete a Checkout
 * order as the shopper, and redeliver a callback from a timeline. Each action is a POST with the
 * CSRF token that comes back (303) with a flash; a refusal is shown as text.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Value } from 'typebox/value';
import type { App, ModuleDeps } from '../../platform/app.js';
import { ApiError } from '../../platform/http/errors.js';
import type { CheckoutRecord, ShopperOutcome } from '../checkout/checkout-order.js';
import { isExpired as isCheckoutExpired, isReadOnly } from '../checkout/checkout-order.js';
import { loadCheckoutOrder } from '../checkout/checkout.repository.js';
import { ShopperInput } from '../checkout/schemas.js';
import { loadCustomerToken } from '../customer-token/token.repository.js';
import { hppSessionsOf, loadHppSession } from '../hpp/hpp-session.repository.js';
import { defaultTestAddress } from '../payments/operations/authorize-session.js';
import type { AuthorizationRecord } from '../payments/session.js';
import { loadAuthorization, loadSession } from '../payments/session.repository.js';
import { findCallback, parseCallbackId } from '../sandbox/callbacks.js';
import { csvReport } from '../settlements/reports/csv.js';
import { pdfReport } from '../settlements/reports/pdf.js';
import { REPORT_BATCH_SIZE } from '../settlements/reports/report.js';
import { findPayout, listTransactions, transactionsOfPayouts } from '../settlements/settlement.repository.js';
import type { Actor, DashboardActions } from './actions.js';
import type { Flash } from './html.js';
import type { DashboardKit, MerchantSession } from './kit.js';
import { queryOf, safeNext, withDone } from './kit.js';
import {
  checkoutOrderHref,
  paymentsSessionHref,
  renderCheckoutOrderList,
  renderCheckoutOrderPage,
  renderCustomerTokenList,
  renderCustomerTokenPage,
  renderHppSessionList,
  renderHppSessionPage,
  renderPaymentsSessionList,
  renderPaymentsSessionPage,
  renderPayoutList,
  renderPayoutPage,
} from './pages/resources.js';
import { isIdLike, jsonObject, listPage, orderExists, readListQuery } from './resources.js';
import { dashboardSessionTimeline, dashboardTimeline } from './timeline-source.js';

const config = { auth: false } as const;

/** Transactions a payout page shows; the CSV report has them all. */
export const PAYOUT_PAGE_TRANSACTIONS = 100;

const MESSAGES: Record<string, Flash> = {
  'authorize-approved': { kind: 'ok', text: 'The shopper authorized the session: the authorization token is listed below.' },
  'authorize-declined': { kind: 'error', text: 'The shopper was declined (approved: false): no authorization token.' },
  'complete-done': { kind: 'ok', text: 'The purchase was completed: the Order Management order is linked below.' },
};

/** Pure: what a Checkout completion came to, as a flash key or a refusal's text. */
export function completionFlash(outcome: ShopperOutcome): { done: string } | { error: string } {
  switch (outcome.status) {
    case 'checkout_complete':
      return { done: 'complete-done' };
    case 'declined':
      return { error: `The shopper was declined (${outcome.reason}): the order stays open.` };
    case 'validation_failed':
      return { error: `The merchant's validation refused the purchase (${outcome.reason}): the order stays open.` };
    case 'error':
      return { error: `The merchant answered ${outcome.error_type}${outcome.error_text ? `: ${outcome.error_text}` : ''}. The order stays open.` };
    case 'redirect':
      return { error: `The merchant redirected the shopper to ${outcome.redirect_url}: the order stays open.` };
    case 'updated':
      return { error: 'The details were saved, but the purchase was not completed.' };
  }
}

/** Pure: the completion form's fields as Checkout's shopper input (empty fields left out), or the names of the bad ones. */
export function shopperInputOf(get: (name: string) => string | undefined): ShopperInput | { bad: string[] } {
  const address: Record<string, string> = {};
  for (const name of ['given_name', 'family_name', 'street_address', 'postal_code', 'city', 'phone', 'country'] as const) {
    const value = get(name);
    if (value) address[name] = name === 'country' ? value.toUpperCase() : value;
  }
  const email = get('email');
  if (email) address.email = email;
  const option = get('shipping_option_id');
  const input: Record<string, unknown> = { ...(email && { email }), ...(Object.keys(address).length > 0 && { billing_address: address }), ...(option && { shipping_option_id: option }) };
  if (Value.Check(ShopperInput, input)) return input as ShopperInput;
  const bad = [...Value.Errors(ShopperInput, input)].map((error) => {
    const path = (error as { instancePath?: string; path?: string }).instancePath ?? (error as { path?: string }).path ?? '';
    return path.split('/').filter(Boolean).join('.') || 'form';
  });
  return { bad: [...new Set(bad)] };
}

export function registerResourceRoutes(scope: App, deps: ModuleDeps, kit: DashboardKit, actions: DashboardActions, orderMessages: Readonly<Record<string, Flash>>): void {
  const { db } = deps;
  const { sendPage, seeOther, viewerOf, problem, requireSession, requireAction, flashOf } = kit;
  const messages = { ...orderMessages, ...MESSAGES };
  type Session = MerchantSession & { merchant_username: string | null };

  /** A list route: the signed-in merchant's rows, newest first, one page. */
  const list = (path: string, render: (session: Session, query: ReturnType<typeof readListQuery>) => Promise<string>) =>
    scope.get(path, { config }, async (request, reply) => {
      const session = await requireSession(request, reply);
      if (!session) return reply;
      return sendPage(reply, 200, await render(session, readListQuery(queryOf(request))));
    });

  list('/dashboard/payments-sessions', async (session, query) => {
    const { rows, next } = await listPage(db, 'payments-sessions', session.merchant_id, query);
    return renderPaymentsSessionList(viewerOf(session), query, rows, next);
  });
  list('/dashboard/checkout-orders', async (session, query) => {
    const { rows, next } = await listPage(db, 'checkout-orders', session.merchant_id, query);
    return renderCheckoutOrderList(viewerOf(session), query, rows, next);
  });
  list('/dashboard/hpp-sessions', async (session, query) => {
    const { rows, next } = await listPage(db, 'hpp-sessions', session.merchant_id, query);
    return renderHppSessionList(viewerOf(session), query, rows, next);
  });
  list('/dashboard/customer-tokens', async (session, query) => {
    const { rows, next } = await listPage(db, 'customer-tokens', session.merchant_id, query);
    return renderCustomerTokenList(viewerOf(session), query, rows, next);
  });
  list('/dashboard/payouts', async (session, query) => {
    const { rows, next } = await listPage(db, 'payouts', session.merchant_id, query);
    return renderPayoutList(viewerOf(session), query, rows, next);
  });

  /** A page route: the merchant's resource by id, or the 404 page (another merchant's is an unknown one). */
  const detail = (path: string, what: string, render: (session: Session, id: string, request: FastifyRequest) => Promise<string | undefined>) =>
    scope.get<{ Params: { id: string } }>(path, { config }, async (request, reply) => {
      const session = await requireSession(request, reply);
      if (!session) return reply;
      const html = isIdLike(request.params.id) ? await render(session, request.params.id, request) : undefined;
      return html === undefined ? problem(reply, 404, `There is no such ${what}.`, session) : sendPage(reply, 200, html);
    });

  // Payments sessions.

  async function paymentsSessionPage(session: Session, id: string, flash: Flash | null): Promise<string | undefined> {
    const record = await loadSession(db, db.read, session.merchant_id, id);
    if (!record) return undefined;
    const tokens = await db.read.all<{ authorization_token: string }>(
      'select authorization_token from payment_authorizations where merchant_id = ? and session_id = ? order by created_at desc limit 100',
      [session.merchant_id, id],
    );
    const [authorizations, linked, hpp, timeline, now] = await Promise.all([
      Promise.all(tokens.map((t) => loadAuthorization(db, db.read, session.merchant_id, t.authorization_token))),
      orderExists(db, session.merchant_id, record.order_id),
      hppSessionsOf(db.read, session.merchant_id, 'payments', id),
      dashboardSessionTimeline(db, session.merchant_id, id),
      deps.clock.now(session.merchant_id),
    ]);
    const country = typeof record.data.purchase_country === 'string' ? record.data.purchase_country : 'SE';
    const defaultEmail = record.shopper?.email ?? record.data.billing_address?.email ?? defaultTestAddress(country).email ?? 'customer@email.se';
    return renderPaymentsSessionPage(
      viewerOf(session),
      {
        session: record,
        authorizations: authorizations.filter((a): a is AuthorizationRecord => a !== undefined),
        orderExists: linked,
        hppSessions: hpp.map((h) => h.session_id),
        defaultEmail,
        timeline,
        now,
      },
      flash,
    );
  }

  detail('/dashboard/payments-sessions/:id', 'Payments session', (session, id, request) => paymentsSessionPage(session, id, flashOf(request, messages)));

  // Checkout orders.

  /** The shopper the completion form starts from: what the shopper entered or the merchant prefilled, else Klarna's approved test person. */
  function formShopper(order: CheckoutRecord) {
    const given = order.shopper?.billing_address ?? order.data.billing_address ?? null;
    const country = (given?.country ?? order.data.purchase_country ?? 'SE').toUpperCase();
    const test = defaultTestAddress(country);
    const or = (value: string | undefined, fallback: string | undefined) => value ?? fallback ?? '';
    return {
      email: or(order.shopper?.email ?? given?.email, test.email),
      given_name: or(given?.given_name, test.given_name),
      family_name: or(given?.family_name, test.family_name),
      street_address: or(given?.street_address, test.street_address),
      postal_code: or(given?.postal_code, test.postal_code),
      city: or(given?.city, test.city),
      country,
      phone: or(given?.phone, test.phone),
    };
  }

  async function checkoutOrderPage(session: Session, id: string, flash: Flash | null): Promise<string | undefined> {
    const order = await loadCheckoutOrder(db, db.read, session.merchant_id, id);
    if (!order) return undefined;
    const [linked, timeline, now] = await Promise.all([
      order.status === 'checkout_complete' ? orderExists(db, session.merchant_id, id) : Promise.resolve(false),
      dashboardTimeline(db, session.merchant_id, id),
      deps.clock.now(session.merchant_id),
    ]);
    return renderCheckoutOrderPage(
      viewerOf(session),
      { order, orderExists: linked, shopper: formShopper(order), completable: !isReadOnly(order) && !isCheckoutExpired(order, now), timeline },
      flash,
    );
  }

  detail('/dashboard/checkout-orders/:id', 'Checkout order', (session, id, request) => checkoutOrderPage(session, id, flashOf(request, messages)));

  // HPP sessions.

  detail('/dashboard/hpp-sessions/:id', 'HPP session', async (session, id, request) => {
    const record = await loadHppSession(db, db.read, session.merchant_id, id);
    if (!record) return undefined;
    const payment =
      record.payment_kind === 'checkout'
        ? await db.read.get<{ data: string }>('select data from checkout_orders where merchant_id = ? and order_id = ?', [session.merchant_id, record.payment_id])
        : await db.read.get<{ data: string }>('select data from payment_sessions where merchant_id = ? and session_id = ?', [session.merchant_id, record.payment_id]);
    const [linked, timeline] = await Promise.all([orderExists(db, session.merchant_id, record.order_id), dashboardSessionTimeline(db, session.merchant_id, id)]);
    return renderHppSessionPage(viewerOf(session), { session: record, paymentData: payment ? jsonObject(payment.data) : null, orderExists: linked, timeline }, flashOf(request, messages));
  });

  // Customer tokens.

  detail('/dashboard/customer-tokens/:id', 'customer token', async (session, id) => {
    const token = await loadCustomerToken(db, db.read, session.merchant_id, id);
    return token && renderCustomerTokenPage(viewerOf(session), token);
  });

  // Payouts, and their reports as /settlements/v1/reports/* makes them.

  detail('/dashboard/payouts/:id', 'payout', async (session, id) => {
    const payout = await findPayout(db.read, session.merchant_id, id);
    if (!payout) return undefined;
    const { transactions, total } = await listTransactions(db.read, session.merchant_id, { paymentReference: id }, { size: PAYOUT_PAGE_TRANSACTIONS, offset: 0 });
    return renderPayoutPage(viewerOf(session), payout, transactions, total);
  });

  for (const format of ['csv', 'pdf'] as const) {
    scope.get<{ Params: { id: string } }>(`/dashboard/payouts/:id/report.${format}`, { config }, async (request, reply) => {
      const session = await requireSession(request, reply);
      if (!session) return reply;
      const merchantId = session.merchant_id;
      const payout = isIdLike(request.params.id) ? await findPayout(db.read, merchantId, request.params.id) : undefined;
      if (!payout) return problem(reply, 404, 'There is no such payout.', session);
      const reference = payout.payment_reference;
      const report = {
        merchantId,
        kind: 'payout' as const,
        payouts: [payout],
        transactions: () => transactionsOfPayouts(db.read, merchantId, [reference], REPORT_BATCH_SIZE),
        publicUrl: deps.config.publicUrl,
      };
      const fileName = reference.replace(/[^A-Za-z0-9_-]/g, '_');
      return reply
        .header('cache-control', 'no-store')
        .type(format === 'pdf' ? 'application/pdf' : 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${format === 'pdf' ? `payout-${fileName}.pdf` : `payout-with-transactions-${fileName}.csv`}"`)
        .send(format === 'pdf' ? pdfReport(report) : csvReport(report));
    });
  }

  // Actions.

  /** A refusal of an action on a page: the page again with Klarna's error code and message (or 404 when the resource is not the merchant's). */
  async function refused(reply: FastifyReply, status: number, render: () => Promise<string | undefined>, session: Session): Promise<FastifyReply> {
    const html = await render();
    return html === undefined ? problem(reply, 404, 'There is no such page.', session) : sendPage(reply, status, html);
  }
  const refusalText = (error: ApiError) => `${error.errorCode}: ${error.errorMessages.join('; ')}`;

  scope.post<{ Params: { id: string } }>('/dashboard/payments-sessions/:id/actions/authorize', { config }, async (request, reply) => {
    const allowed = await requireAction(request, reply);
    if (!allowed) return reply;
    const { session, form } = allowed;
    const id = request.params.id;
    if (!isIdLike(id)) return problem(reply, 404, 'There is no such Payments session.', session);
    const email = form.get('email');
    const page = (flash: Flash) => () => paymentsSessionPage(session, id, flash);
    if (email !== undefined && email.length > 99) {
      return refused(reply, 400, page({ kind: 'error', text: 'BAD_VALUE: email' }), session);
    }
    const actor: Actor = { merchantId: session.merchant_id, correlationId: request.id };
    let approved: boolean;
    try {
      approved = (await actions.authorizePayments(actor, id, email ? { email } : {})).approved;
    } catch (error) {
      if (!(error instanceof ApiError) || error.statusCode >= 500) throw error;
      if (error.statusCode === 404) return problem(reply, 404, 'There is no such Payments session.', session);
      return refused(reply, error.statusCode, page({ kind: 'error', text: refusalText(error) }), session);
    }
    return seeOther(reply, withDone(paymentsSessionHref(id), approved ? 'authorize-approved' : 'authorize-declined'));
  });

  scope.post<{ Params: { id: string } }>('/dashboard/checkout-orders/:id/actions/complete', { config }, async (request, reply) => {
    const allowed = await requireAction(request, reply);
    if (!allowed) return reply;
    const { session, form } = allowed;
    const id = request.params.id;
    if (!isIdLike(id)) return problem(reply, 404, 'There is no such Checkout order.', session);
    const page = (flash: Flash) => () => checkoutOrderPage(session, id, flash);
    const input = shopperInputOf((name) => form.get(name));
    if ('bad' in input) return refused(reply, 400, page({ kind: 'error', text: `BAD_VALUE: ${input.bad.join(', ')}` }), session);
    let outcome: ShopperOutcome;
    try {
      outcome = await actions.completeCheckout({ merchantId: session.merchant_id, correlationId: request.id }, id, input);
    } catch (error) {
      if (!(error instanceof ApiError) || error.statusCode >= 500) throw error;
      if (error.statusCode === 404) return problem(reply, 404, 'There is no such Checkout order.', session);
      return refused(reply, error.statusCode, page({ kind: 'error', text: refusalText(error) }), session);
    }
    const result = completionFlash(outcome);
    if ('error' in result) return refused(reply, 409, page({ kind: 'error', text: result.error }), session);
    return seeOther(reply, withDone(checkoutOrderHref(id), result.done));
  });

  scope.post<{ Params: { id: string } }>('/dashboard/callbacks/:id/redeliver', { config }, async (request, reply) => {
    const allowed = await requireAction(request, reply);
    if (!allowed) return reply;
    const { session, form } = allowed;
    const callbackId = parseCallbackId(request.params.id);
    const back = safeNext(form.get('back'));
    const outcome = callbackId === undefined ? 'unknown' : await actions.redeliver({ merchantId: session.merchant_id, correlationId: request.id }, callbackId);
    if (outcome === 'unknown' || callbackId === undefined) return problem(reply, 404, 'There is no such callback.', session);
    if (outcome === 'busy') return seeOther(reply, withDone(back, 'redeliver-busy'));
    const callback = await findCallback(db, session.merchant_id, callbackId);
    const last = callback?.attempts.at(-1);
    const ok = last?.response_status !== null && last?.response_status !== undefined && last.response_status >= 200 && last.response_status < 300;
    return seeOther(reply, withDone(back, ok ? 'redeliver-delivered' : 'redeliver-failed'));
  });
}
