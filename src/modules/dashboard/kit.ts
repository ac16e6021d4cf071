/**
 * What every dashboard route shares: answering with a page or a redirect, the signed-in session
 * (a merchant's, or the administrator's acting as the merchant they chose), the CSRF check of a POST,
 * and reading the query string and the `back` of a form.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ModuleDeps } from '../../platform/app.js';
import { DashboardForm } from './form.js';
import type { Flash, Viewer } from './html.js';
import { DASHBOARD_CSP } from './html.js';
import { renderProblem } from './pages/problem.js';
import type { DashboardSession } from './sessions.js';
import { SESSION_COOKIE, csrfMatches, findSession } from './sessions.js';

/** A session that sees a merchant: a merchant's own, or the administrator's once they chose one. */
export type MerchantSession = DashboardSession & { merchant_id: string };

export const READ_ONLY = 'The sandbox is off (--no-sandbox): the dashboard is read-only.';

/** A query-string value as one string (a repeated parameter counts once). */
export function one(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

export function queryOf(request: FastifyRequest): Record<string, string | undefined> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(query).map(([k, v]) => [k, one(v)]));
}

/** Pure: where to go after signing in or an action: a dashboard page only (never another site). */
export function safeNext(next: string | undefined, fallback = '/dashboard/orders'): string {
  return next && /^\/dashboard(?:\/[A-Za-z0-9._~%\-/?=&]*)?$/.test(next) && !next.includes('//') ? next : fallback;
}

/** Pure: a page URL with `done=<key>` added (the flash it shows after the redirect). */
export const withDone = (url: string, key: string): string => `${url}${url.includes('?') ? '&' : '?'}done=${encodeURIComponent(key)}`;

export function dashboardKit(deps: ModuleDeps) {
  const actionsOn = deps.config.sandbox;

  function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
    return reply
      .code(status)
      .header('cache-control', 'no-store')
      .header('content-security-policy', DASHBOARD_CSP)
      .header('referrer-policy', 'same-origin')
      .type('text/html; charset=utf-8')
      .send(html);
  }

  const seeOther = (reply: FastifyReply, location: string): FastifyReply => reply.code(303).header('cache-control', 'no-store').header('location', location).send();

  /**
   * The session the request's cookie names. An administrator's session holds only while the
   * configuration names that administrator (no admin without KLARNA_LOCAL_DASHBOARD_ADMIN).
   */
  async function sessionOf(request: FastifyRequest): Promise<(DashboardSession & { merchant_username: string | null }) | undefined> {
    const session = await findSession(deps.db, request.cookies[SESSION_COOKIE]);
    if (!session) return undefined;
    if (!session.admin) return { ...session, merchant_username: session.username };
    const admin = deps.config.dashboardAdmin;
    if (!admin || admin.username !== session.username) return undefined;
    const merchant =
      session.merchant_id === null ? undefined : await deps.db.read.get<{ username: string }>('select username from merchants where merchant_id = ?', [session.merchant_id]);
    return { ...session, merchant_id: merchant ? session.merchant_id : null, merchant_username: merchant?.username ?? null };
  }

  const viewerOf = (session: DashboardSession & { merchant_username?: string | null }): Viewer => ({
    username: session.username,
    csrf_token: session.csrf_token,
    actions: actionsOn,
    admin: session.admin,
    merchant: session.merchant_username ?? null,
  });

  const problem = (reply: FastifyReply, status: number, message: string, session?: DashboardSession & { merchant_username?: string | null }): FastifyReply =>
    sendPage(reply, status, renderProblem(status, message, session && viewerOf(session)));

  /**
   * The signed-in session that sees a merchant, or a redirect (null: answered): to the sign-in page
   * without a session, to the merchant picker for an administrator who has not chosen one.
   */
  async function requireSession(request: FastifyRequest, reply: FastifyReply): Promise<(MerchantSession & { merchant_username: string | null }) | null> {
    const session = await sessionOf(request);
    const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
    if (!session) {
      await seeOther(reply, `/dashboard/sign-in${next}`);
      return null;
    }
    if (session.merchant_id === null) {
      await seeOther(reply, `/dashboard/merchants${next}`);
      return null;
    }
    return session as MerchantSession & { merchant_username: string | null };
  }

  /**
   * A POST that changes something: the session and its form token, or 403 with nothing changed.
   * `merchant`: the session must see a merchant (every action but choosing one and signing out).
   */
  async function requirePost(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { merchant?: boolean } = {},
  ): Promise<{ session: DashboardSession & { merchant_username: string | null }; form: DashboardForm } | null> {
    const form = request.body;
    const session = await sessionOf(request);
    if (!session) {
      await seeOther(reply, '/dashboard/sign-in');
      return null;
    }
    if (!(form instanceof DashboardForm) || !csrfMatches(session, form.get('csrf_token'))) {
      await problem(reply, 403, 'This form is out of date or was not sent from the dashboard. Open the page again and retry.', session);
      return null;
    }
    if ((options.merchant ?? true) && session.merchant_id === null) {
      await seeOther(reply, '/dashboard/merchants');
      return null;
    }
    return { session, form };
  }

  /** An action's POST: as requirePost, and refused (403) with `--no-sandbox`. */
  async function requireAction(request: FastifyRequest, reply: FastifyReply): Promise<{ session: MerchantSession & { merchant_username: string | null }; form: DashboardForm } | null> {
    const allowed = await requirePost(request, reply);
    if (!allowed) return null;
    if (!actionsOn) {
      await problem(reply, 403, READ_ONLY, allowed.session);
      return null;
    }
    return allowed as { session: MerchantSession & { merchant_username: string | null }; form: DashboardForm };
  }

  /** The flash a page shows after an action's redirect (`?done=<key>`), if the key is one of `messages`. */
  const flashOf = (request: FastifyRequest, messages: Readonly<Record<string, Flash>>): Flash | null => {
    const key = one(queryOf(request).done) ?? '';
    return Object.hasOwn(messages, key) ? (messages[key] ?? null) : null;
  };

  return { actionsOn, sendPage, seeOther, sessionOf, viewerOf, problem, requireSession, requirePost, requireAction, flashOf };
}

export type DashboardKit = ReturnType<typeof dashboardKit>;
