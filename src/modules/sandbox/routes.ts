/**
 * The sandbox API: what tests need that Klarna keeps behind its own walls. JSON, the merchant's
 * Basic credentials, answered with Klarna's error envelope.
 */
import type { App, ModuleDeps } from '../../platform/app.js';
import { toIso } from '../../platform/clock.js';
import { callbackEvents, orderTimeline } from './events.js';
import { badValue } from '../../platform/http/errors.js';
import { merchantOf, requestWrite, sendResult } from '../../platform/http/write.js';
import { merchantWrites } from '../merchants/writes.js';
import { marketErrors } from '../../kernel/markets.js';
import { orderTotalsErrors } from '../../kernel/order-lines.js';
import { DEFAULT_SETTINGS, findMerchantById } from '../merchants/merchant.js';
import { createAuthorizedOrder } from '../order-management/operations/create-order.js';
import { orderUrl } from '../order-management/operations/context.js';
import { presentOrder } from '../order-management/schemas.js';
import { runDueWorkNow } from '../due-work.js';
import { ClockAdvanceBody, ClockResponse, EventsQuery, SandboxOrderBody, SettingsBody } from './schemas.js';
import type { SandboxOrderBody as SandboxOrder } from './schemas.js';

/** Klarna's line and total arithmetic and market rules on a Payments-shaped order (§0.5). */
export function sandboxOrderErrors(body: SandboxOrder): string[] {
  const errors = [...marketErrors(body.purchase_country, body.purchase_currency, body.locale), ...orderTotalsErrors(body)];
  const billingCountry = body.billing_address?.country;
  if (billingCountry !== undefined && billingCountry.toUpperCase() !== body.purchase_country.toUpperCase()) {
    errors.push('billing_address.country');
  }
  return errors;
}

export function registerSandboxRoutes(app: App, deps: ModuleDeps): void {
  const { db, clock, authenticator } = deps;
  const bad = { validationStyle: 'bad_value' as const };
  const requireMerchant = async (request: Parameters<typeof merchantOf>[0]) => {
    const merchant = await findMerchantById(db.kysely, merchantOf(request).merchant_id);
    if (!merchant) throw new Error('the authenticated merchant vanished');
    return merchant;
  };

  app.post('/sandbox/v1/orders', { config: bad, schema: { body: SandboxOrderBody } }, async (request, reply) => {
    const body = request.body;
    const errors = sandboxOrderErrors(body);
    if (errors.length > 0) throw badValue(...errors.map((f) => `Bad value: ${f}`));
    const result = await merchantWrites(deps).run(requestWrite(request), async (ctx) => {
      const order = await createAuthorizedOrder(ctx, { ...body, source: 'sandbox' });
      return { status: 201, headers: { location: orderUrl(ctx, order.order_id) }, body: presentOrder(order, ctx.now) };
    });
    return sendResult(reply, result);
  });

  app.get('/sandbox/v1/clock', { schema: { response: { 200: ClockResponse } } }, async () => {
    const offset = await clock.offset();
    return { now: toIso(Date.now() + offset), offset_seconds: Math.floor(offset / 1000) };
  });

  app.post('/sandbox/v1/clock/advance', { config: bad, schema: { body: ClockAdvanceBody, response: { 200: ClockResponse } } }, async (request) => {
    const now = await clock.advance(request.body.seconds);
    // Timed behaviour happens as if the time had passed: what is now due is done before the answer
    // (expiry, fraud decisions, callbacks).
    await runDueWorkNow(db, deps.dispatcher, now);
    const offset = await clock.offset();
    return { now: toIso(now), offset_seconds: Math.floor(offset / 1000) };
  });

  app.get('/sandbox/v1/events', { config: bad, schema: { querystring: EventsQuery } }, async (request) => {
    const merchant = await requireMerchant(request);
    const { order_id, session_id } = request.query;
    const events =
      session_id !== undefined && order_id === undefined
        ? await callbackEvents(db, merchant.merchant_id, { sessionId: session_id })
        : await orderTimeline(db, merchant.merchant_id, order_id);
    return { events: events.map((e) => ({ ...e, created_at: toIso(e.created_at) })) };
  });

  app.get('/sandbox/v1/settings', async (request) => {
    const merchant = await requireMerchant(request);
    return { merchant_id: merchant.merchant_id, username: merchant.username, settings: merchant.settings, defaults: DEFAULT_SETTINGS };
  });

  app.patch('/sandbox/v1/settings', { config: bad, schema: { body: SettingsBody } }, async (request) => {
    const merchant = await requireMerchant(request);
    const settings = { ...merchant.settings, ...request.body };
    await db.kysely
      .updateTable('merchants')
      .set({ settings: JSON.stringify(settings), updated_at: Date.now() })
      .where('merchant_id', '=', merchant.merchant_id)
      .execute();
    authenticator.invalidate();
    return { merchant_id: merchant.merchant_id, username: merchant.username, settings, defaults: DEFAULT_SETTINGS };
  });

}
