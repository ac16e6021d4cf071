/**
 * The sandbox's own controls, which no Klarna API has: the server clock (read it, move it forward;
 * what falls due happens before the answer), the timeline of what the server did for an order or
 * a session, and the inbox of what it would have sent to shoppers. JSON, the merchant's Basic
 * credentials, Klarna's error envelope.
 */
import type { App, ModuleDeps } from '../../platform/app.js';
import { toIso } from '../../platform/clock.js';
import { merchantOf } from '../../platform/http/write.js';
import { callbackEvents, orderTimeline } from './events.js';
import { listMessages } from '../../platform/messages.js';
import { ClockAdvanceBody, ClockResponse, EventsQuery, MessagesQuery } from './schemas.js';

export function registerSandboxControlRoutes(app: App, deps: ModuleDeps): void {
  const { db, clock } = deps;

  app.get('/sandbox/v1/clock', { schema: { response: { 200: ClockResponse } } }, async () => {
    const offset = await clock.offset();
    return { now: toIso(Date.now() + offset), offset_seconds: Math.floor(offset / 1000) };
  });

  app.post('/sandbox/v1/clock/advance', { config: { validationStyle: 'bad_value' }, schema: { body: ClockAdvanceBody, response: { 200: ClockResponse } } }, async (request) => {
    const now = await clock.advance(request.body.seconds);
    // Timed behaviour happens as if the time had passed: every module's due work (expiry, fraud
    // decisions, …) and the callbacks due by then are done before the answer.
    await deps.dueWork(db, now);
    await deps.dispatcher.runOnce();
    const offset = await clock.offset();
    return { now: toIso(now), offset_seconds: Math.floor(offset / 1000) };
  });

  app.get('/sandbox/v1/events', { config: { validationStyle: 'bad_value' }, schema: { querystring: EventsQuery } }, async (request) => {
    const merchantId = merchantOf(request).merchant_id;
    const { order_id, session_id } = request.query;
    const events =
      session_id !== undefined && order_id === undefined ? await callbackEvents(db, merchantId, { sessionId: session_id }) : await orderTimeline(db, merchantId, order_id);
    return { events: events.map((e) => ({ ...e, created_at: toIso(e.created_at) })) };
  });

  // Every message klarna-local would have sent to a shopper (nothing is really sent), oldest first.
  app.get('/sandbox/v1/messages', { config: { validationStyle: 'bad_value' }, schema: { querystring: MessagesQuery } }, async (request) => {
    const { order_id, session_id, recipient, kind } = request.query;
    const messages = await listMessages(db, merchantOf(request).merchant_id, { orderId: order_id, sessionId: session_id, recipient, kind });
    return { messages: messages.map((m) => ({ ...m, created_at: toIso(m.created_at) })) };
  });
}
