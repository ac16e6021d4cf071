/**
 * Payments' sandbox route: the shopper authorizes a session, as Klarna's widget would, with the
 * merchant's credentials instead of a browser (the same operation as the widget's).
 */
import type { App, ModuleDeps } from '../../platform/app.js';
import { requestWrite, sendResult } from '../../platform/http/write.js';
import { authorizeSession } from './operations/authorize-session.js';
import { AuthorizeBody, AuthorizeResponse, SessionParams } from './schemas.js';
import { paymentsWrites } from './writes.js';

/** The sandbox's shopper: authorizes a session as the widget would, with the merchant's credentials. */
export function registerPaymentsSandboxRoutes(app: App, deps: ModuleDeps): void {
  const writes = paymentsWrites(deps);
  app.post(
    '/sandbox/v1/payments/sessions/:session_id/authorize',
    { config: { validationStyle: 'bad_value' }, schema: { params: SessionParams, body: AuthorizeBody, response: { 200: AuthorizeResponse } } },
    async (request, reply) => {
      const result = await writes.run(requestWrite(request), async (ctx) => ({
        status: 200,
        body: await authorizeSession(ctx, request.params.session_id, request.body ?? {}),
      }));
      return sendResult(reply, result);
    },
  );
}
