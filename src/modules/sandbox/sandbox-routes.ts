/**
 * The sandbox's own controls, which no Klarna API has: the server clock (read it, move it forward;
 * what falls due happens before the answer) and the timeline of what the server did for an order or
 * a session. JSON, the merchant's Basic credentials, Klarna's error envelope.
 */
import type { App, ModuleDeps } from '../../platform/app.js';
import { toIso } from '../../platform/clock.js';
import { merchantOf } from '../../platform/http/write.js';
import { callbackEvents, orderTimeline } from './events.js';
import { ClockAdvanceBody, ClockResponse, EventsQuery } from './schemas.js';

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
}
