/**
 * The Hosted Payment Page in a browser, behind the URLs a session hands out (hpp-session.ts
 * sessionUrls): the page (`redirect_url`, `/hpp/pay/{page_code}`), its buttons (plain form posts),
 * its QR code (`qr_code_url`) and the in-store distribution page (`standalone_url`). None of them
 * take merchant credentials: the page code (128 random bits) is the consumer's capability, and the
 * distribution token the in-store screen's.
 *
 * Opening the page opens the session (WAITING, FAILED, BACK, ERROR → IN_PROGRESS; a HEAD request
 * opens nothing); each button runs the consumer's action (operations/consumer.ts) and answers
 * 303 See Other to where the outcome leads: the merchant's success, failure, back, cancel or error
 * URL, or, without one, the page again (a relative Location), which then says what happened. A DISABLED, unknown or
 * ended session is a 404 page; a COMPLETED or CANCELLED one shows its final page, also to a
 * button pressed late. Browsers (Accept: text/html) get every refusal as a page; other clients get
 * Klarna's envelope.
 *
 * The routes live in an encapsulated plugin, which adds the one body parser the buttons need
 * (application/x-www-form-urlencoded, form.ts) and the error pages, for these routes only.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { StringEnum } from '../../../kernel/schemas.js';
import type { App, ModuleDeps } from '../../../platform/app.js';
import { ApiError } from '../../../platform/http/errors.js';
import { CSS, sendAsset, staticAsset, webFile } from '../../shopper/web-assets.js';
import { consumerDeps } from '../consumer-api.js';
import type { HppSessionRecord } from '../hpp-session.js';
import { isFinal, sessionUrls } from '../hpp-session.js';
import { findHppSessionByCode } from '../hpp-session.repository.js';
import type { ConsumerAction, ConsumerOutcome } from '../operations/consumer.js';
import { approveHppSession, endHppAttempt, isConsumerError, openHppSession } from '../operations/consumer.js';
import { loadLiveSession } from '../operations/context.js';
import type { EnteredValues } from './form.js';
import { BILLING_INPUTS, PageForm, approvalInput, enteredValues, fieldsOf, notAPageForm, parsePageForm } from './form.js';
import type { PageAction, PageError } from './pages.js';
import { PAGE_ACTIONS, hppPageCsp, landingOrigins, problemPageCsp, renderDistributionPage, renderFinalPage, renderOpenPage, renderProblemPage } from './pages.js';
import { QR_FORMATS, qrPng, qrSvg } from './qr.js';
import type { HppPageView } from './view.js';
import { hppPageView } from './view.js';

const PAGE = '/hpp/pay';

const CodeParams = Type.Object({ code: Type.String() });
const TokenParams = Type.Object({ token: Type.String() });
const QrQuery = Type.Object({ format: Type.Optional(StringEnum(QR_FORMATS)) });

/** Every refusal of these routes to a browser: what its page says. */
export const pageNotFound = () => new ApiError(404, 'NOT_FOUND', ['This payment link has expired or does not exist']);

/** Does the client read pages (a browser navigating or posting a form)? Others get the envelope. */
const wantsHtml = (request: FastifyRequest): boolean => /\btext\/html\b/i.test(request.headers.accept ?? '');

/**
 * The relative path from a page back to `/hpp/`: `../` from `/hpp/pay/{code}` and
 * `/hpp/distribution/{token}`, `../../` from `/hpp/pay/{code}/approve` (where a refused approval is
 * shown again).
 */
function baseOf(request: FastifyRequest): string {
  const segments = (request.routeOptions.url ?? `${PAGE}/:code`).split('/').length - 3;
  return '../'.repeat(Math.max(0, segments));
}

const PROBLEMS: Record<number, [string, string]> = {
  404: ['Page not found', 'This payment link has expired or does not exist. Ask the store for a new one.'],
};
const DEFAULT_PROBLEM: [string, string] = ['This form could not be sent', 'Go back to the payment page and try again.'];

/** The consumer's own input the page shows its fields for. */
function formFields(view: Pick<HppPageView, 'kind'>): Set<string> {
  if (view.kind === 'payments') return new Set(['payment_method_category', 'email']);
  return new Set(['email', ...BILLING_INPUTS.map(([name]) => `billing_address.${name}`), 'billing_address.country']);
}

/** Pure: what the page says about a refused approval, and the fields it marks. */
export function pageError(view: Pick<HppPageView, 'kind'>, fields: string[], messages: readonly string[]): PageError {
  const onForm = formFields(view);
  const marked = fields.filter((f) => onForm.has(f));
  const parts: string[] = [];
  if (marked.includes('payment_method_category')) parts.push('Choose one of the payment methods offered.');
  if (marked.some((f) => f !== 'payment_method_category')) parts.push('Please fill in or correct the marked fields.');
  if (marked.length < fields.length || fields.length === 0) parts.push(`The purchase cannot be completed: ${messages.join('; ')}`);
  return { message: parts.join(' '), fields: marked };
}

export function registerHppPageRoutes(app: App, deps: ModuleDeps): void {
  const consumer = consumerDeps(deps);
  const publicUrl = deps.config.publicUrl;
  // Built from web/hpp/ (shopper/web-assets.ts), read now: a missing build stops the start.
  const styles = staticAsset(webFile('hpp/hpp.css'), CSS);

  void app.register(async (scope: App) => {
    const config = { auth: false, validationStyle: 'bad_value' as const };

    scope.addHook('onRequest', (_request, reply, done) => {
      // Set before the handler runs, so error answers carry it too.
      reply.header('x-content-type-options', 'nosniff');
      done();
    });

    // The app's body limit holds here too (413 beyond it), so a large body of another shape is refused as every other media type is (415).
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_request, body, done) => {
      const parsed = parsePageForm(body as Buffer);
      if (parsed instanceof ApiError) done(parsed, undefined);
      else done(null, parsed);
    });

    // Browsers get a page for a refusal; everything else goes on to the app's handler (the envelope, logging 5xx).
    scope.setErrorHandler((error, request, reply) => {
      if (!(error instanceof ApiError) || error.statusCode >= 500 || error.page !== null || !wantsHtml(request)) throw error;
      const [heading, message] = PROBLEMS[error.statusCode] ?? DEFAULT_PROBLEM;
      return sendPage(reply, error.statusCode, problemPageCsp(), renderProblemPage(baseOf(request), heading, message));
    });

    function sendPage(reply: FastifyReply, status: number, csp: string, html: string): FastifyReply {
      return reply
        .code(status)
        .header('cache-control', 'no-store')
        .header('content-security-policy', csp)
        .header('referrer-policy', 'no-referrer')
        .type('text/html; charset=utf-8')
        .send(html);
    }

    /** 303 to the next page; the merchant's page gets no Referer (it would carry the page code). */
    function seeOther(reply: FastifyReply, location: string): FastifyReply {
      return reply.code(303).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').header('location', location).send();
    }

    const cspOf = (session: HppSessionRecord, view: HppPageView) => hppPageCsp(landingOrigins(session), view.image_origins);
    const pageUrl = (session: HppSessionRecord) => sessionUrls(publicUrl, session).redirect_url;
    /**
     * The page again, from a button's URL (`/hpp/pay/{code}/{action}`): relative, so the browser
     * comes back to the host and path prefix it posted to, whatever the public URL says.
     */
    const backToPage = (session: HppSessionRecord) => `../${encodeURIComponent(session.page_code)}`;
    const who = (session: HppSessionRecord, request: FastifyRequest): ConsumerAction => ({ merchantId: session.merchant_id, sessionId: session.session_id, correlationId: request.id });

    /** The session a link names, if the consumer may still see it: DISABLED, unknown and ended ones are 404. */
    async function liveSession(column: 'page_code' | 'distribution_token', code: string): Promise<HppSessionRecord> {
      const found = code.length > 0 && code.length <= 255 ? await findHppSessionByCode(deps.db.read, column, code) : undefined;
      if (!found || found.status === 'DISABLED') throw pageNotFound();
      try {
        return await loadLiveSession(deps.db, deps.db.read, found.merchant_id, found.session_id, await deps.clock.now(found.merchant_id), false);
      } catch (error) {
        if (error instanceof ApiError && error.statusCode === 404) throw pageNotFound();
        throw error;
      }
    }

    async function viewOf(session: HppSessionRecord): Promise<HppPageView> {
      const view = await hppPageView(deps.db, session);
      if (!view) throw pageNotFound();
      return view;
    }

    async function finalPage(reply: FastifyReply, request: FastifyRequest, session: HppSessionRecord): Promise<FastifyReply> {
      if (session.status === 'DISABLED') throw pageNotFound();
      const view = await viewOf(session);
      return sendPage(reply, 200, cspOf(session, view), renderFinalPage(view, session, baseOf(request)));
    }

    /** The open page, with a refused approval's message and the consumer's input when there is one. */
    async function openPage(reply: FastifyReply, request: FastifyRequest, session: HppSessionRecord, status: number, extra: { previous?: HppSessionRecord['status']; error?: PageError; values?: EnteredValues; view?: HppPageView } = {}) {
      const view = extra.view ?? (await viewOf(session));
      const html = renderOpenPage(view, { code: session.page_code, base: baseOf(request), previous: extra.previous ?? null, error: extra.error ?? null, values: extra.values ?? null });
      return sendPage(reply, status, cspOf(session, view), html);
    }

    /** Returns when a consumer action found the session final meanwhile (it shows its final page); throws otherwise (gone: 404). */
    function finalMeanwhile(error: unknown): void {
      if (error instanceof ApiError && error.statusCode === 403 && error.errorCode === 'NOT_ALLOWED') return;
      if (error instanceof ApiError && error.statusCode === 404) throw pageNotFound();
      throw error;
    }

    scope.get(`${PAGE}/assets/hpp.css`, { config }, (request, reply) => sendAsset(request, reply, styles));

    scope.get(`${PAGE}/:code`, { config, schema: { params: CodeParams } }, async (request, reply) => {
      const session = await liveSession('page_code', request.params.code);
      if (isFinal(session.status)) return finalPage(reply, request, session);
      // A HEAD (a link preview, a checker) looks without opening; an open page (a reload) needs no write.
      if (request.method === 'HEAD' || session.status === 'IN_PROGRESS') return openPage(reply, request, session, 200);
      let opened: ConsumerOutcome;
      try {
        opened = await openHppSession(consumer, who(session, request));
      } catch (error) {
        finalMeanwhile(error);
        return finalPage(reply, request, await liveSession('page_code', request.params.code));
      }
      // What the last attempt ended in is said once, as the page opens again.
      return openPage(reply, request, opened.session, 200, { previous: session.status });
    });

    for (const action of PAGE_ACTIONS) {
      scope.post(`${PAGE}/:code/${action}`, { config, schema: { params: CodeParams } }, async (request, reply) => {
        const form = request.body;
        if (!(form instanceof PageForm)) throw notAPageForm();
        const session = await liveSession('page_code', request.params.code);
        // A button pressed again (or late) on a final session: its final page, no error.
        if (isFinal(session.status)) return seeOther(reply, backToPage(session));
        try {
          const outcome = await act(action, session, form, request);
          if ('refused' in outcome) return openPage(reply, request, session, 400, outcome.refused);
          return seeOther(reply, outcome.redirect_url ?? backToPage(session));
        } catch (error) {
          if (action === 'approve' && isConsumerError(error) && error.statusCode === 400) {
            const view = await viewOf(session);
            return openPage(reply, request, session, 400, { view, error: pageError(view, fieldsOf(error), error.errorMessages), values: enteredValues(form) });
          }
          finalMeanwhile(error);
          return seeOther(reply, backToPage(session));
        }
      });
    }

    /** Runs a button's action; an approval the form cannot send as it is comes back refused, with the fields to mark. */
    async function act(action: PageAction, session: HppSessionRecord, form: PageForm, request: FastifyRequest): Promise<ConsumerOutcome | { refused: { view: HppPageView; error: PageError; values: EnteredValues } }> {
      if (action !== 'approve') return endHppAttempt(consumer, who(session, request), action);
      const view = await viewOf(session);
      const values = enteredValues(form);
      const approval = approvalInput(view, values);
      if ('invalid' in approval) return { refused: { view, values, error: pageError(view, approval.invalid, approval.invalid.map((f) => `Bad value: ${f}`)) } };
      return approveHppSession(consumer, who(session, request), approval.input);
    }

    scope.get(`${PAGE}/:code/qr`, { config, schema: { params: CodeParams, querystring: QrQuery } }, async (request, reply) => {
      const session = await liveSession('page_code', request.params.code);
      const link = pageUrl(session);
      // Merchants show it on their own pages and screens: any origin may embed it.
      reply.header('cache-control', 'no-store').header('content-security-policy', "default-src 'none'").header('cross-origin-resource-policy', 'cross-origin');
      if (request.query.format === 'svg') return reply.type('image/svg+xml').send(await qrSvg(link));
      return reply.type('image/png').send(await qrPng(link));
    });

    scope.get('/hpp/distribution/:token', { config, schema: { params: TokenParams } }, async (request, reply) => {
      const session = await liveSession('distribution_token', request.params.token);
      const view = await viewOf(session);
      const link = pageUrl(session);
      const svg = isFinal(session.status) ? '' : await qrSvg(link);
      return sendPage(reply, 200, cspOf(session, view), renderDistributionPage(view, session, link, svg, baseOf(request)));
    });
  });
}
