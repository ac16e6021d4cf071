/** Order Management v1: the 18 operations, each a thin edge over its operation. */
import { Type } from 'typebox';
import type { App, ModuleDeps } from '../../platform/app.js';
import { merchantOf } from '../../platform/http/write.js';
import { ErrorEnvelope } from '../../kernel/schemas.js';
import { readSettings } from '../merchants/merchant.js';
import { merchantWrites } from '../merchants/writes.js';
import { acknowledgeOrder } from './operations/acknowledge-order.js';
import { addCaptureShippingInfo, addOrderShippingInfo } from './operations/add-shipping-info.js';
import { cancelOrder } from './operations/cancel-order.js';
import { createCapture } from './operations/create-capture.js';
import { createRefund } from './operations/create-refund.js';
import { extendAuthorizationTime } from './operations/extend-authorization-time.js';
import { extendDueDate } from './operations/extend-due-date.js';
import {
  OrderDocumentCache,
  findCaptureResponse,
  findRefundResponse,
  readDueDateOptions,
  readOrder,
  readOrderDocument,
  readOrderResponse,
} from './operations/read-order.js';
import { releaseRemainingAuthorization } from './operations/release-remaining-authorization.js';
import { triggerSendOut } from './operations/trigger-send-out.js';
import { updateAuthorization } from './operations/update-authorization.js';
import { updateCustomerDetails } from './operations/update-customer-details.js';
import { updateMerchantReferences } from './operations/update-merchant-references.js';
import {
  CaptureBody,
  CaptureParams,
  CaptureResponse,
  ExtendDueDateBody,
  ExtendDueDateOptionsResponse,
  OrderParams,
  RefundBody,
  RefundParams,
  RefundResponse,
  ShippingInfoBody,
  UpdateAuthorizationBody,
  UpdateCustomerDetailsBody,
  UpdateMerchantReferencesBody,
} from './schemas.js';

const BASE = '/ordermanagement/v1/orders/:order_id';
const passThrough = (payload: unknown): string => payload as string;

export function registerOrderManagementRoutes(app: App, deps: ModuleDeps): void {
  const { db, clock } = deps;
  const documents = new OrderDocumentCache(db);

  /** One write on one order (platform/http/write.ts). */
  const write = merchantWrites(deps).handle;
  const errors = { 403: ErrorEnvelope, 404: ErrorEnvelope };

  // The hot read: the stored document goes out as it is, without parsing or serialising.
  app.get(`${BASE}`, { schema: { params: OrderParams } }, async (request, reply) => {
    const document = await readOrderDocument(documents, clock, merchantOf(request).merchant_id, request.params.order_id);
    return reply.type('application/json; charset=utf-8').serializer(passThrough).send(document);
  });

  app.post(`${BASE}/acknowledge`, { schema: { params: OrderParams } }, (request, reply) =>
    write(request, reply, (ctx) => acknowledgeOrder(ctx, request.params.order_id)),
  );

  app.patch(`${BASE}/authorization`, { schema: { params: OrderParams, body: UpdateAuthorizationBody } }, (request, reply) =>
    write(request, reply, (ctx) => updateAuthorization(ctx, request.params.order_id, request.body)),
  );

  app.patch(`${BASE}/customer-details`, { schema: { params: OrderParams, body: UpdateCustomerDetailsBody } }, (request, reply) =>
    write(request, reply, (ctx) => updateCustomerDetails(ctx, request.params.order_id, request.body)),
  );

  app.patch(`${BASE}/merchant-references`, { schema: { params: OrderParams, body: UpdateMerchantReferencesBody } }, (request, reply) =>
    write(request, reply, (ctx) => updateMerchantReferences(ctx, request.params.order_id, request.body)),
  );

  app.post(`${BASE}/extend-authorization-time`, { schema: { params: OrderParams } }, (request, reply) =>
    write(request, reply, (ctx) => extendAuthorizationTime(ctx, request.params.order_id)),
  );

  app.post(`${BASE}/release-remaining-authorization`, { schema: { params: OrderParams } }, (request, reply) =>
    write(request, reply, (ctx) => releaseRemainingAuthorization(ctx, request.params.order_id)),
  );

  app.post(`${BASE}/cancel`, { schema: { params: OrderParams } }, (request, reply) =>
    write(request, reply, (ctx) => cancelOrder(ctx, request.params.order_id)),
  );

  app.post(`${BASE}/shipping-info`, { schema: { params: OrderParams, body: ShippingInfoBody } }, (request, reply) =>
    write(request, reply, (ctx) => addOrderShippingInfo(ctx, request.params.order_id, request.body)),
  );

  app.post(`${BASE}/captures`, { schema: { params: OrderParams, body: CaptureBody } }, (request, reply) =>
    write(request, reply, (ctx) => createCapture(ctx, request.params.order_id, request.body)),
  );

  app.get(`${BASE}/captures`, { schema: { params: OrderParams, response: { 200: Type.Array(CaptureResponse), ...errors } } }, async (request) => {
    const order = await readOrderResponse(documents, clock, merchantOf(request).merchant_id, request.params.order_id);
    return order.captures;
  });

  app.get(`${BASE}/captures/:capture_id`, { schema: { params: CaptureParams, response: { 200: CaptureResponse, ...errors } } }, async (request) => {
    const order = await readOrderResponse(documents, clock, merchantOf(request).merchant_id, request.params.order_id);
    return findCaptureResponse(order, request.params.capture_id);
  });

  app.post(`${BASE}/captures/:capture_id/shipping-info`, { schema: { params: CaptureParams, body: ShippingInfoBody } }, (request, reply) =>
    write(request, reply, (ctx) => addCaptureShippingInfo(ctx, request.params.order_id, request.params.capture_id, request.body)),
  );

  app.post(`${BASE}/captures/:capture_id/trigger-send-out`, { schema: { params: CaptureParams } }, (request, reply) =>
    write(request, reply, (ctx) => triggerSendOut(ctx, request.params.order_id, request.params.capture_id)),
  );

  app.get(
    `${BASE}/captures/:capture_id/extend-due-date-options`,
    { schema: { params: CaptureParams, response: { 200: ExtendDueDateOptionsResponse, ...errors } } },
    async (request) => {
      const merchantId = merchantOf(request).merchant_id;
      const order = await readOrder(db, merchantId, request.params.order_id);
      return readDueDateOptions(order, request.params.capture_id, await readSettings(db, merchantId));
    },
  );

  app.patch(`${BASE}/captures/:capture_id/extend-due-date`, { schema: { params: CaptureParams, body: ExtendDueDateBody } }, (request, reply) =>
    write(request, reply, (ctx) => extendDueDate(ctx, request.params.order_id, request.params.capture_id, request.body)),
  );

  app.post(`${BASE}/refunds`, { schema: { params: OrderParams, body: RefundBody } }, (request, reply) =>
    write(request, reply, (ctx) => createRefund(ctx, request.params.order_id, request.body)),
  );

  app.get(`${BASE}/refunds/:refund_id`, { schema: { params: RefundParams, response: { 200: RefundResponse, ...errors } } }, async (request) => {
    const order = await readOrderResponse(documents, clock, merchantOf(request).merchant_id, request.params.order_id);
    return findRefundResponse(order, request.params.refund_id);
  });
}
