/**
 * Merchant Card Service v3 (`/merchantcard/v3`): the 7 operations, each a thin edge over its
 * operation. Reads of a settlement need the `KeyId` header: the cards come encrypted for that key.
 */
import type { FastifyRequest } from 'fastify';
import type { App, ModuleDeps } from '../../platform/app.js';
import { merchantOf, requestWrite } from '../../platform/http/write.js';
import { readSettings } from '../merchants/merchant.js';
import { merchantWrites } from '../merchants/writes.js';
import { missingKeyId } from './errors.js';
import { decideIfDue, readCancel, requestCancel } from './operations/cancellation.js';
import { requireEnrolment } from './operations/context.js';
import { createPromise, readPromise } from './operations/promises.js';
import { createSettlement, readSettlement } from './operations/settlements.js';
import { KeyIdHeaders, OrderParams, PromiseBody, PromiseParams, SettlementBody, SettlementParams, presentCancelRequest } from './schemas.js';

const BASE = '/merchantcard/v3';

export function registerMerchantCardRoutes(app: App, deps: ModuleDeps): void {
  const { db } = deps;
  const writes = merchantWrites(deps);
  const config = { validationStyle: 'bad_value' as const };

  /** The merchant of a read, once its enrolment is checked. */
  const enrolledMerchant = async (request: FastifyRequest): Promise<string> => {
    const merchantId = merchantOf(request).merchant_id;
    requireEnrolment(await readSettings(db, merchantId));
    return merchantId;
  };
  const keyIdOf = (headers: { keyid?: string | undefined }): string => {
    const keyId = headers.keyid?.trim();
    if (!keyId) throw missingKeyId();
    return keyId;
  };

  app.post(`${BASE}/promises`, { config, schema: { body: PromiseBody } }, (request, reply) => writes.handle(request, reply, (ctx) => createPromise(ctx, request.body)));

  app.get(`${BASE}/promises/:promise_id`, { config, schema: { params: PromiseParams } }, async (request) =>
    readPromise(db, await enrolledMerchant(request), request.params.promise_id),
  );

  app.post(`${BASE}/settlements`, { config, schema: { body: SettlementBody } }, (request, reply) => writes.handle(request, reply, (ctx) => createSettlement(ctx, request.body)));

  app.get(`${BASE}/settlements/:settlement_id`, { config, schema: { params: SettlementParams, headers: KeyIdHeaders } }, async (request) =>
    readSettlement(db, await enrolledMerchant(request), { settlementId: request.params.settlement_id }, keyIdOf(request.headers)),
  );

  app.get(`${BASE}/settlements/order/:order_id`, { config, schema: { params: OrderParams, headers: KeyIdHeaders } }, async (request) =>
    readSettlement(db, await enrolledMerchant(request), { orderId: request.params.order_id }, keyIdOf(request.headers)),
  );

  app.post(`${BASE}/orders/:order_id/cancel-request`, { config, schema: { params: OrderParams } }, (request, reply) =>
    writes.handle(request, reply, (ctx) => requestCancel(ctx, request.params.order_id)),
  );

  app.get(`${BASE}/orders/:order_id/cancel-request`, { config, schema: { params: OrderParams } }, async (request, reply) => {
    const merchantId = await enrolledMerchant(request);
    const orderId = request.params.order_id;
    let cancel = await readCancel(db, merchantId, orderId);
    if (cancel?.status === 'PENDING' && cancel.check_after <= (await deps.clock.now(merchantId))) {
      // Its time has come: decided now, as the sweep would (the read then shows the outcome).
      await writes.run({ ...requestWrite(request), idempotencyKey: undefined }, async (ctx) => {
        cancel = await decideIfDue(ctx, orderId);
        return { status: 200 };
      });
    }
    if (!cancel) {
      // Klarna's documented body for "no request", with the envelope's fields as well.
      const message = 'No cancellation request found for this order.';
      return reply.code(400).send({
        status: 'NO_REQUEST_FOUND',
        reason_code: 'NO_REQUEST_FOUND',
        reason_message: message,
        error_code: 'NO_REQUEST_FOUND',
        error_messages: [message],
        correlation_id: request.id,
      });
    }
    return presentCancelRequest(cancel);
  });
}
