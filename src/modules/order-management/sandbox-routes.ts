/**
 * Order Management's sandbox route: `POST /sandbox/v1/orders` makes an AUTHORIZED order directly, as
 * a finished Payments purchase would leave it (a Payments-shaped body, checked with Klarna's
 * arithmetic and market rules).
 */
import type { App, ModuleDeps } from '../../platform/app.js';
import { badValue } from '../../platform/http/errors.js';
import { requestWrite, sendResult } from '../../platform/http/write.js';
import { marketErrors } from '../../kernel/markets.js';
import { orderTotalsErrors } from '../../kernel/order-lines.js';
import { merchantWrites } from '../merchants/writes.js';
import { orderUrl } from './operations/context.js';
import { createAuthorizedOrder } from './operations/create-order.js';
import { OrderResponse, SandboxOrderBody, presentOrder } from './schemas.js';

/** Klarna's line and total arithmetic and market rules on a Payments-shaped order (§0.5). */
export function sandboxOrderErrors(body: SandboxOrderBody): string[] {
  const errors = [...marketErrors(body.purchase_country, body.purchase_currency, body.locale), ...orderTotalsErrors(body)];
  const billingCountry = body.billing_address?.country;
  if (billingCountry !== undefined && billingCountry.toUpperCase() !== body.purchase_country.toUpperCase()) {
    errors.push('billing_address.country');
  }
  return errors;
}

export function registerOrderManagementSandboxRoutes(app: App, deps: ModuleDeps): void {
  const writes = merchantWrites(deps);
  app.post('/sandbox/v1/orders', { config: { validationStyle: 'bad_value' }, schema: { body: SandboxOrderBody, response: { 201: OrderResponse } } }, async (request, reply) => {
    const body = request.body;
    const errors = sandboxOrderErrors(body);
    if (errors.length > 0) throw badValue(...errors.map((f) => `Bad value: ${f}`));
    const result = await writes.run(requestWrite(request), async (ctx) => {
      const order = await createAuthorizedOrder(ctx, { ...body, source: 'sandbox' });
      return { status: 201, headers: { location: orderUrl(ctx, order.order_id) }, body: presentOrder(order, ctx.now) };
    });
    return sendResult(reply, result);
  });
}
