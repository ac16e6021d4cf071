/**
 * The shopper's side of Klarna Payments, in a real browser and without any network but klarna-local:
 * the browser library (`/kp/lib/v1/api.js`), the widget page it embeds (`/kp/widget`) with the
 * widget's JSON API, and the payment-method badges (`/kp/assets/…`). None of these take merchant
 * credentials; the widget's API is authenticated by the session's client token
 * (payments/shopper-api.ts).
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { App, ModuleDeps } from '../../platform/app.js';
import { ApiError } from '../../platform/http/errors.js';
import { invalidClientToken, shopperApi } from '../payments/shopper-api.js';
import type { ShopperSessionView } from '../payments/shopper-api.js';
import { sessionCompleted } from '../payments/errors.js';
import { categoryBadge } from './assets.js';
import { parseOrigin } from './html.js';
import { libraryScript } from './library-script.js';
import { AssetParams, ClientTokenQuery, WidgetAuthorizeBody, WidgetQuery } from './schemas.js';
import { CROSS_ORIGIN_HEADERS, CSS, JAVASCRIPT, sendAsset, staticAsset, webFile } from './web-assets.js';
import { renderWidgetPage, widgetCsp } from './widget-page.js';

/** Set before the handler runs, so error answers (Klarna's JSON envelope) carry it too. */
function hardened(_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  reply.header('x-content-type-options', 'nosniff');
  done();
}

/** Badges are loaded cross-origin by merchant pages and change only with a release. */
function sendBadge(reply: FastifyReply, svg: string): FastifyReply {
  return reply.headers({ ...CROSS_ORIGIN_HEADERS, 'cache-control': 'public, max-age=300' }).type('image/svg+xml; charset=utf-8').send(svg);
}

const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

export function registerShopperRoutes(app: App, deps: ModuleDeps): void {
  const shopper = shopperApi(deps);
  const open = { auth: false, validationStyle: 'bad_value' as const };
  const route = { config: open, onRequest: hardened };

  // Built from web/kp/ (web-assets.ts), read now: a missing build stops the start. Every /kp asset
  // carries the cross-origin headers: merchant pages load the library from another origin.
  const widgetScript = staticAsset(webFile('kp/widget.js'), JAVASCRIPT);
  const widgetStyles = staticAsset(webFile('kp/widget.css'), CSS);
  // The public URL is read per request: with port 0 it is only known once the server listens.
  app.get('/kp/lib/v1/api.js', route, (request, reply) => sendAsset(request, reply, libraryScript(deps.config.publicUrl), CROSS_ORIGIN_HEADERS));
  app.get('/kp/widget/widget.js', route, (request, reply) => sendAsset(request, reply, widgetScript, CROSS_ORIGIN_HEADERS));
  app.get('/kp/widget/widget.css', route, (request, reply) => sendAsset(request, reply, widgetStyles, CROSS_ORIGIN_HEADERS));

  app.get('/kp/widget', { ...route, schema: { querystring: WidgetQuery } }, async (request, reply) => {
    const query = request.query;
    const parentOrigin = parseOrigin(query.origin);
    const clientToken = query.client_token ?? '';
    let session: ShopperSessionView | null = null;
    let failure: ApiError | null = null;
    try {
      session = await shopper.session(clientToken);
      if (session.status === 'complete') failure = sessionCompleted();
    } catch (error) {
      if (!(error instanceof ApiError) || error.statusCode >= 500) throw error;
      failure = error;
    }
    let categories = session?.payment_method_categories ?? [];
    let invalidFields: string[] = failure ? ['client_token'] : [];
    let problem: string | null = failure ? problemSentence(failure) : null;
    const wanted = (query.categories ?? '').split(',').filter((c) => c !== '');
    if (session && !failure && wanted.length > 0) {
      const offered = new Map(categories.map((c) => [c.identifier, c]));
      const missing = wanted.filter((c) => !offered.has(c));
      if (missing.length > 0) {
        invalidFields = ['payment_method_category'];
        problem = 'This payment method is not available for this purchase.';
        failure = new ApiError(400, 'BAD_VALUE', ['Bad value: payment_method_category']);
      }
      categories = wanted.flatMap((c) => offered.get(c) ?? []);
    }
    const page = renderWidgetPage({
      session,
      categories,
      invalidFields,
      problem,
      clientToken,
      parentOrigin,
      instance: query.instance ?? 'standalone',
    });
    return noStore(reply)
      .code(failure?.statusCode ?? 200)
      .header('content-security-policy', widgetCsp(parentOrigin))
      .header('referrer-policy', 'no-referrer')
      .type('text/html; charset=utf-8')
      .send(page);
  });

  app.get('/kp/widget/api/session', { ...route, schema: { querystring: ClientTokenQuery } }, async (request, reply) =>
    noStore(reply).send(await shopper.session(request.query.client_token)),
  );

  app.post('/kp/widget/api/authorize', { ...route, schema: { body: WidgetAuthorizeBody } }, async (request, reply) => {
    const { client_token: clientToken, ...input } = request.body;
    return noStore(reply).send(await shopper.authorize(clientToken, input, request.id));
  });

  app.get('/kp/assets/:identifier/:file', { ...route, schema: { params: AssetParams } }, async (request, reply) => {
    const { identifier, file } = request.params;
    const variant = /^(\w+)\.svg$/.exec(file)?.[1];
    const svg = variant === undefined ? null : categoryBadge(identifier, variant);
    if (svg === null) throw new ApiError(404, 'NOT_FOUND', [`No asset ${identifier}/${file}`]);
    return sendBadge(reply, svg);
  });
}

function problemSentence(error: ApiError): string {
  if (error.errorCode === 'SESSION_COMPLETED') return 'This purchase has already been completed.';
  if (error.statusCode === invalidClientToken().statusCode) return 'This payment link is not valid.';
  return 'This payment session has expired or does not exist.';
}
