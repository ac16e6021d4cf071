/**
 * The shopper's side of Checkout v3, in a real browser and without any network but klarna-local:
 * the checkout page the merchant's `html_snippet` frames, its script and styles, its JSON API, and
 * the confirmation page the snippet frames once the order is complete. None of these take merchant
 * credentials: the page token in the snippet is the authority, and it acts for its one order only
 * (401 for a token this installation did not sign, 404 once the order expired).
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { App } from '../../../platform/app.js';
import { ApiError } from '../../../platform/http/errors.js';
import { CROSS_ORIGIN_HEADERS, CSS, JAVASCRIPT, sendAsset, staticAsset, webFile } from '../../shopper/web-assets.js';
import type { ShopperOutcome } from '../checkout-order.js';
import type { CheckoutShopperApi, ShopperAction } from '../shopper-api.js';
import { checkoutPageCsp, renderCheckoutPage, renderConfirmationPage, renderProblemPage } from './pages.js';
import { CompleteBody, DetailsBody, PageQuery, ShippingOptionBody, TokenQuery } from './schemas.js';
import type { CheckoutPageView } from './view.js';
import { checkoutPageView } from './view.js';

const BASE = '/checkout/v3/page';

/** What every shopper action answers: the outcome, and the order as it now is (none once bought or gone). */
export interface CheckoutPageAnswer {
  outcome: ShopperOutcome;
  order?: CheckoutPageView;
}

/** Set before the handler runs, so error answers (Klarna's JSON envelope) carry it too. */
function hardened(_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  reply.header('x-content-type-options', 'nosniff');
  done();
}

const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

export function registerCheckoutPageRoutes(app: App, shopper: CheckoutShopperApi): void {
  const route = { config: { auth: false, validationStyle: 'bad_value' as const }, onRequest: hardened };

  /** The order and its view for a page; a refusal (bad token, gone) becomes a page, not an error. */
  async function forPage(token: string | undefined): Promise<{ view: CheckoutPageView } | { failure: ApiError }> {
    try {
      const { order, merchantName } = await shopper.fromPageToken(token ?? '');
      return { view: checkoutPageView(order, merchantName) };
    } catch (error) {
      if (!(error instanceof ApiError) || error.statusCode >= 500) throw error;
      return { failure: error };
    }
  }

  function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
    return noStore(reply)
      .code(status)
      .header('content-security-policy', checkoutPageCsp())
      .header('referrer-policy', 'no-referrer')
      .type('text/html; charset=utf-8')
      .send(html);
  }

  const problem = (failure: ApiError) =>
    renderProblemPage(
      failure.statusCode === 401 ? 'This checkout link is not valid. Return to the store to start again.' : 'This checkout has expired or does not exist. Return to the store to start again.',
    );

  // Built from web/checkout/ (shopper/web-assets.ts), read now: a missing build stops the start.
  // The pages' own script and styles; the snippet's script runs in merchant pages on any origin.
  const pageScript = staticAsset(webFile('checkout/checkout.js'), JAVASCRIPT);
  const pageStyles = staticAsset(webFile('checkout/checkout.css'), CSS);
  const snippetScript = staticAsset(webFile('checkout/snippet.js'), JAVASCRIPT);
  app.get(`${BASE}/checkout.js`, route, (request, reply) => sendAsset(request, reply, pageScript));
  app.get(`${BASE}/checkout.css`, route, (request, reply) => sendAsset(request, reply, pageStyles));
  app.get(`${BASE}/snippet.js`, route, (request, reply) => sendAsset(request, reply, snippetScript, CROSS_ORIGIN_HEADERS));

  app.get(`${BASE}/checkout`, { ...route, schema: { querystring: PageQuery } }, async (request, reply) => {
    const loaded = await forPage(request.query.token);
    if ('failure' in loaded) return sendPage(reply, loaded.failure.statusCode, problem(loaded.failure));
    return sendPage(reply, 200, renderCheckoutPage(loaded.view, request.query.token ?? ''));
  });

  app.get(`${BASE}/confirmation`, { ...route, schema: { querystring: PageQuery } }, async (request, reply) => {
    const loaded = await forPage(request.query.token);
    if ('failure' in loaded) return sendPage(reply, loaded.failure.statusCode, problem(loaded.failure));
    return sendPage(reply, 200, renderConfirmationPage(loaded.view, request.query.token ?? ''));
  });

  app.get(`${BASE}/api/order`, { ...route, schema: { querystring: TokenQuery } }, async (request, reply) => {
    const { order, merchantName } = await shopper.fromPageToken(request.query.token);
    return noStore(reply).send(checkoutPageView(order, merchantName));
  });

  /** Runs a shopper action for the token's order, under the request's correlation id, and answers its outcome with the order re-read. */
  async function act(token: string, correlationId: string, action: (who: ShopperAction) => Promise<ShopperOutcome>): Promise<CheckoutPageAnswer> {
    const { order } = await shopper.fromPageToken(token);
    // Redirect targets arrive absolute (relative ones are resolved against the URL called).
    const outcome = await action({ merchantId: order.merchant_id, orderId: order.order_id, correlationId });
    if (outcome.status === 'checkout_complete') return { outcome };
    try {
      const again = await shopper.fromPageToken(token);
      return { outcome, order: checkoutPageView(again.order, again.merchantName) };
    } catch (error) {
      // Expired between the action and the read: the outcome still stands.
      if (error instanceof ApiError && error.statusCode === 404) return { outcome };
      throw error;
    }
  }

  app.post(`${BASE}/api/details`, { ...route, schema: { body: DetailsBody } }, async (request, reply) => {
    const { token, ...input } = request.body;
    return noStore(reply).send(await act(token, request.id, (who) => shopper.enterDetails(who, input)));
  });

  app.post(`${BASE}/api/shipping-option`, { ...route, schema: { body: ShippingOptionBody } }, async (request, reply) => {
    const { token, shipping_option_id: optionId } = request.body;
    return noStore(reply).send(await act(token, request.id, (who) => shopper.chooseShippingOption(who, optionId)));
  });

  app.post(`${BASE}/api/complete`, { ...route, schema: { body: CompleteBody } }, async (request, reply) => {
    const { token, ...input } = request.body;
    return noStore(reply).send(await act(token, request.id, (who) => shopper.complete(who, input)));
  });
}
