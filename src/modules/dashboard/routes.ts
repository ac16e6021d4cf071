/**
 * The merchant dashboard at /dashboard: server-rendered pages behind a sign-in with the merchant's
 * API credentials (or the administrator's of the configuration, who chooses the merchant to see). A
 * session is a cookie (HttpOnly, SameSite=Strict, Path=/dashboard, Secure behind an https public URL)
 * naming a row of `dashboard_sessions`, so every process knows it; every form that changes something
 * carries the session's synchronizer token, and a POST without the right one is refused (403) before
 * anything runs. A page asked for without a session leads (303) to the sign-in page. With
 * `--no-sandbox` the pages stay and the actions go (403).
 *
 * The routes live in an encapsulated plugin with their own body parser (HTML forms) and error pages,
 * for these routes only; Basic authentication (the app's hook) is off for them. The orders, sign-in,
 * merchant picker, clock, integration report and live routes are here; the other lists and their
 * actions in resource-routes.ts, the fault rules in fault-routes.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import type { FastifyReply } from 'fastify';
import type { App, ModuleDeps } from '../../platform/app.js';
import { MAX_CLOCK_ADVANCE_SECONDS } from '../../platform/clock.js';
import { ApiError } from '../../platform/http/errors.js';
import { faultRuleCacheOf } from '../faults/module.js';
import { readOrder } from '../order-management/operations/read-order.js';
import type { Severity } from '../report/findings.js';
import { SEVERITIES } from '../report/findings.js';
import { buildReport } from '../report/report.js';
import { parseSince } from '../report/routes.js';
import { CSS, JAVASCRIPT, projectRoot, sendAsset, staticAsset } from '../shopper/web-assets.js';
import type { StaticAsset } from '../shopper/web-assets.js';
import type { Actor } from './actions.js';
import { dashboardActions } from './actions.js';
import { registerFaultPages } from './fault-routes.js';
import { DashboardForm, parseAmount, parseForm } from './form.js';
import type { Flash } from './html.js';
import type { MerchantSession } from './kit.js';
import { dashboardKit, one, queryOf, safeNext, withDone } from './kit.js';
import { LiveStreams } from './live.js';
import { listOrders, readFilter } from './orders.js';
import type { MerchantRow } from './pages/merchants.js';
import { renderMerchants } from './pages/merchants.js';
import { orderHref, renderOrderList, renderOrderPage } from './pages/orders.js';
import { renderProblem } from './pages/problem.js';
import { renderReport } from './pages/report.js';
import { renderSignIn } from './pages/sign-in.js';
import { registerResourceRoutes } from './resource-routes.js';
import { isIdLike } from './resources.js';
import { SESSION_COOKIE, SESSION_TTL_MS, chooseMerchant, createSession, deleteSession, isAdmin } from './sessions.js';
import { dashboardTimeline } from './timeline-source.js';

export { safeNext };

const config = { auth: false } as const;

/** The dashboard's built script and stylesheet (scripts/build-web.mjs), read once at start. */
function dashboardAssets(): { js: StaticAsset; css: StaticAsset } {
  const root = projectRoot() ?? process.cwd();
  const read = (name: string) => {
    const file = path.join(root, 'dist', 'web', 'dashboard', name);
    try {
      return readFileSync(file, 'utf8');
    } catch {
      throw new Error(`the browser code is not built (${file} is missing): run \`npm run build\` first`);
    }
  };
  return { js: staticAsset(read('dashboard.js'), JAVASCRIPT), css: staticAsset(read('dashboard.css'), CSS) };
}

/** Messages after an order action that succeeded, by the key the redirect carries. */
const DONE: Record<string, Flash> = {
  capture: { kind: 'ok', text: 'The capture was made.' },
  refund: { kind: 'ok', text: 'The refund was made.' },
  cancel: { kind: 'ok', text: 'The order was cancelled.' },
  'fraud-decision': { kind: 'ok', text: 'The fraud review was decided.' },
  clock: { kind: 'ok', text: 'The sandbox clock was advanced.' },
  'redeliver-delivered': { kind: 'ok', text: 'The callback was sent again and the merchant answered with success.' },
  'redeliver-failed': { kind: 'error', text: 'The callback was sent again but did not succeed: its newest attempt is in the timeline.' },
  'redeliver-busy': { kind: 'error', text: 'CONFLICT: a delivery of this callback is in flight; retry in a moment.' },
};

const ORDER_ACTIONS = ['capture', 'refund', 'cancel', 'fraud-decision'] as const;
type OrderAction = (typeof ORDER_ACTIONS)[number];

export function registerDashboardRoutes(app: App, deps: ModuleDeps): void {
  const assets = dashboardAssets();
  const actions = dashboardActions(deps);
  const kit = dashboardKit(deps);
  const { sendPage, seeOther, sessionOf, viewerOf, problem, requireSession, requirePost, requireAction, flashOf } = kit;
  const streams = new LiveStreams();
  const faultRuleCache = faultRuleCacheOf(app, deps);
  const secure = deps.config.publicUrl.startsWith('https:');
  app.addHook('preClose', (done) => {
    streams.closeAll();
    done();
  });

  void app.register(async (scope: App) => {
    await scope.register(fastifyCookie);

    scope.addHook('onRequest', (_request, reply, done) => {
      reply.header('x-content-type-options', 'nosniff').header('x-frame-options', 'DENY');
      done();
    });

    // The app's body limit holds here too; a form that is not UTF-8 form encoding is a 400 page.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_request, body, done) => {
      const parsed = parseForm(body as Buffer);
      if (parsed instanceof ApiError) done(parsed, undefined);
      else done(null, parsed);
    });

    // Every refusal is a page; what is not a refusal (a bug) goes on to the app's handler (logged, 500).
    scope.setErrorHandler((error: Error & { statusCode?: number; validation?: unknown }, _request, reply) => {
      const status = error instanceof ApiError ? error.statusCode : (error.statusCode ?? 500);
      if (status >= 500) throw error;
      const message = error instanceof ApiError ? error.errorMessages.join('; ') : 'The request could not be read.';
      return sendPage(reply, status === 413 || status === 415 ? status : status === 404 || status === 403 || status === 401 ? status : 400, renderProblem(status, message));
    });

    scope.get('/dashboard/assets/dashboard.css', { config }, (request, reply) => sendAsset(request, reply, assets.css));
    scope.get('/dashboard/assets/dashboard.js', { config }, (request, reply) => sendAsset(request, reply, assets.js));

    scope.get('/dashboard', { config }, async (request, reply) => {
      const session = await sessionOf(request);
      return seeOther(reply, !session ? '/dashboard/sign-in' : session.merchant_id === null ? '/dashboard/merchants' : '/dashboard/orders');
    });

    scope.get('/dashboard/sign-in', { config }, async (request, reply) => {
      const next = one((request.query as Record<string, unknown> | undefined)?.next);
      if (await sessionOf(request)) return seeOther(reply, safeNext(next));
      return sendPage(reply, 200, renderSignIn({ next: safeNext(next) }));
    });

    scope.post('/dashboard/sign-in', { config }, async (request, reply) => {
      const form = request.body;
      if (!(form instanceof DashboardForm)) throw new ApiError(400, 'BAD_REQUEST', ['Send the sign-in form']);
      const username = form.get('username') ?? '';
      const password = form.get('password') ?? '';
      const next = safeNext(form.get('next'));
      let who: { merchant_id: string | null; username: string; admin?: boolean } | null = null;
      if (isAdmin(deps.config.dashboardAdmin, username, password)) {
        who = { merchant_id: null, username, admin: true };
      } else if (username && password && !username.includes(':')) {
        who = await deps.authenticator.authenticate(`Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`);
      }
      if (!who) return sendPage(reply, 401, renderSignIn({ error: 'The username or password is wrong.', username: username.slice(0, 255), next }));
      const { value } = await createSession(deps.db, who);
      reply.setCookie(SESSION_COOKIE, value, { path: '/dashboard', httpOnly: true, sameSite: 'strict', secure, maxAge: SESSION_TTL_MS / 1000 });
      // The administrator chooses a merchant first, then goes on.
      return seeOther(reply, who.admin ? `/dashboard/merchants?next=${encodeURIComponent(next)}` : next);
    });

    scope.post('/dashboard/sign-out', { config }, async (request, reply) => {
      const allowed = await requirePost(request, reply, { merchant: false });
      if (!allowed) return reply;
      await deleteSession(deps.db, request.cookies[SESSION_COOKIE]);
      reply.clearCookie(SESSION_COOKIE, { path: '/dashboard', httpOnly: true, sameSite: 'strict', secure });
      return seeOther(reply, '/dashboard/sign-in');
    });

    // The administrator's merchant picker; for a merchant there is no such page.
    scope.get('/dashboard/merchants', { config }, async (request, reply) => {
      const session = await sessionOf(request);
      if (!session) return seeOther(reply, `/dashboard/sign-in?next=${encodeURIComponent(request.url)}`);
      if (!session.admin) return problem(reply, 404, 'There is no such page.', session);
      const merchants = await deps.db.read.all<MerchantRow>('select merchant_id, username, created_at from merchants order by username limit 1000');
      return sendPage(reply, 200, renderMerchants(viewerOf(session), merchants, session.merchant_id, safeNext(one(queryOf(request).next))));
    });

    scope.post('/dashboard/merchants/choose', { config }, async (request, reply) => {
      const allowed = await requirePost(request, reply, { merchant: false });
      if (!allowed) return reply;
      const { session, form } = allowed;
      if (!session.admin) return problem(reply, 404, 'There is no such page.', session);
      const merchantId = form.get('merchant_id');
      const merchant = isIdLike(merchantId) ? await deps.db.read.get<{ merchant_id: string }>('select merchant_id from merchants where merchant_id = ?', [merchantId]) : undefined;
      if (!merchant) return problem(reply, 404, 'There is no such merchant.', session);
      await chooseMerchant(deps.db, request.cookies[SESSION_COOKIE], merchant.merchant_id);
      return seeOther(reply, safeNext(form.get('next')));
    });

    scope.get('/dashboard/orders', { config }, async (request, reply) => {
      const session = await requireSession(request, reply);
      if (!session) return reply;
      const filter = readFilter(queryOf(request));
      const [{ rows, next }, now] = await Promise.all([listOrders(deps.db, session.merchant_id, filter), deps.clock.now(session.merchant_id)]);
      return sendPage(reply, 200, renderOrderList(viewerOf(session), filter, rows, next, now));
    });

    async function orderPage(reply: FastifyReply, session: MerchantSession & { merchant_username: string | null }, orderId: string, status: number, flash: Flash | null): Promise<FastifyReply> {
      let order;
      try {
        if (!isIdLike(orderId)) throw new ApiError(404, 'NOT_FOUND', ['no such order']);
        order = await readOrder(deps.db, session.merchant_id, orderId);
      } catch (error) {
        if (error instanceof ApiError && error.statusCode === 404) return problem(reply, 404, 'There is no such order.', session);
        throw error;
      }
      const [timeline, now] = await Promise.all([dashboardTimeline(deps.db, session.merchant_id, orderId), deps.clock.now(session.merchant_id)]);
      return sendPage(reply, status, renderOrderPage(viewerOf(session), order, timeline, now, flash));
    }

    scope.get<{ Params: { order_id: string } }>('/dashboard/orders/:order_id', { config }, async (request, reply) => {
      const session = await requireSession(request, reply);
      if (!session) return reply;
      return orderPage(reply, session, request.params.order_id, 200, flashOf(request, DONE));
    });

    scope.post<{ Params: { order_id: string; action: string } }>('/dashboard/orders/:order_id/actions/:action', { config }, async (request, reply) => {
      const allowed = await requirePost(request, reply);
      if (!allowed) return reply;
      const { form } = allowed;
      const session = allowed.session as MerchantSession & { merchant_username: string | null };
      const { order_id: orderId } = request.params;
      const action = request.params.action as OrderAction;
      if (!ORDER_ACTIONS.includes(action)) return problem(reply, 404, 'There is no such action.', session);
      if (!kit.actionsOn) return problem(reply, 403, 'The sandbox is off (--no-sandbox): the dashboard is read-only.', session);
      if (!isIdLike(orderId)) return problem(reply, 404, 'There is no such order.', session);
      const actor: Actor = { merchantId: session.merchant_id, correlationId: request.id };
      try {
        if (action === 'capture' || action === 'refund') {
          const amount = parseAmount(form.get('amount'));
          if (amount === null) return orderPage(reply, session, orderId, 400, { kind: 'error', text: 'Enter an amount greater than zero, with at most two decimals.' });
          await (action === 'capture' ? actions.capture(actor, orderId, amount) : actions.refund(actor, orderId, amount));
        } else if (action === 'cancel') {
          await actions.cancel(actor, orderId);
        } else {
          const decision = form.get('decision');
          if (decision !== 'ACCEPTED' && decision !== 'REJECTED') return orderPage(reply, session, orderId, 400, { kind: 'error', text: 'Choose Accept or Reject.' });
          await actions.decideFraud(actor, orderId, decision);
        }
      } catch (error) {
        if (!(error instanceof ApiError) || error.statusCode >= 500) throw error;
        // Klarna's refusal, as its API would answer it, on the page.
        return orderPage(reply, session, orderId, error.statusCode, { kind: 'error', text: `${error.errorCode}: ${error.errorMessages.join('; ')}` });
      }
      return seeOther(reply, withDone(orderHref(orderId), action));
    });

    scope.post('/dashboard/clock/advance', { config }, async (request, reply) => {
      const allowed = await requireAction(request, reply);
      if (!allowed) return reply;
      const { session, form } = allowed;
      const text = form.get('seconds') ?? '';
      const seconds = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
      const back = safeNext(form.get('back'));
      if (!(seconds >= 1 && seconds <= MAX_CLOCK_ADVANCE_SECONDS)) {
        return problem(reply, 400, `Enter a whole number of seconds from 1 to ${MAX_CLOCK_ADVANCE_SECONDS}.`, session);
      }
      // The administrator may move every merchant's time; a merchant only its own.
      if (session.admin && form.get('scope') === 'server') await actions.advanceServerClock(seconds);
      else await actions.advanceClock({ merchantId: session.merchant_id }, seconds);
      return seeOther(reply, withDone(back, 'clock'));
    });

    // The integration report (report/report.ts, as GET /sandbox/v1/report): `since` and `severity` as
    // the API takes them; an empty field is no filter, a bad one is the page again (400) saying why.
    scope.get('/dashboard/report', { config }, async (request, reply) => {
      const session = await requireSession(request, reply);
      if (!session) return reply;
      const query = queryOf(request);
      const values = { since: query.since?.slice(0, 64), severity: query.severity?.slice(0, 16) };
      const viewer = viewerOf(session);
      const severity = query.severity || undefined;
      if (severity !== undefined && !(SEVERITIES as readonly string[]).includes(severity)) {
        return sendPage(reply, 400, renderReport(viewer, null, values, { kind: 'error', text: `Bad value: severity (one of ${SEVERITIES.join(', ')})` }));
      }
      let since: number | undefined;
      try {
        since = parseSince(query.since || undefined);
      } catch (error) {
        if (!(error instanceof ApiError) || error.statusCode !== 400) throw error;
        return sendPage(reply, 400, renderReport(viewer, null, values, { kind: 'error', text: error.errorMessages.join('; ') }));
      }
      const merchant = { merchant_id: session.merchant_id, username: session.merchant_username ?? session.username };
      const report = await buildReport(deps.db, deps.clock, merchant, { since, severity: severity as Severity | undefined, journal: deps.config.journal });
      return sendPage(reply, 200, renderReport(viewer, report, values));
    });

    registerResourceRoutes(scope, deps, kit, actions, DONE);
    registerFaultPages(scope, deps, kit, faultRuleCache);

    scope.get('/dashboard/events', { config }, async (request, reply) => {
      const session = await sessionOf(request);
      if (!session || session.merchant_id === null) return reply.code(401).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send('Sign in first');
      const merchantId = session.merchant_id;
      reply.hijack();
      streams.start(deps.db, merchantId, reply.raw, (error) => request.log.warn({ err: error }, 'dashboard change marker could not be read'));
      return reply;
    });
  });
}
