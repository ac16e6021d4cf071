/**
 * The sandbox's own controls, which no Klarna API has: the server clock (read it, move it forward;
 * what falls due happens before the answer), the events of what the server did for an order or
 * a session, the inbox of what it would have sent to shoppers, the callback inspector (list, read,
 * redeliver now) and the timeline of everything about an order or a session. JSON, the merchant's
 * Basic credentials, Klarna's error envelope.
 */
import type { App, ModuleDeps } from '../../platform/app.js';
import { toIso } from '../../platform/clock.js';
import { merchantOf } from '../../platform/http/write.js';
import { badValue } from '../../platform/http/errors.js';
import { callbackEvents, orderTimeline } from './events.js';
import { listMessages } from '../../platform/messages.js';
import { flushApiCalls } from './api-calls.js';
import { DEFAULT_CALLBACKS_PAGE, MAX_CALLBACKS_PAGE, findCallback, listCallbacks, parseCallbackId } from './callbacks.js';
import { callbackBusy, callbackNotFound } from './errors.js';
import { CallbackParams, CallbacksQuery, ClockAdvanceBody, ClockResponse, EventsQuery, MessagesQuery, TimelineQuery } from './schemas.js';
import * as timeline from './timeline.js';

export function registerSandboxControlRoutes(app: App, deps: ModuleDeps): void {
  const { db, clock } = deps;

  app.get('/sandbox/v1/clock', { schema: { response: { 200: ClockResponse } } }, async () => {
    const offset = await clock.offset();
    return { now: toIso(Date.now() + offset), offset_seconds: Math.floor(offset / 1000) };
  });

  app.post('/sandbox/v1/clock/advance', { config: { validationStyle: 'bad_value' }, schema: { body: ClockAdvanceBody, response: { 200: ClockResponse } } }, async (request) => {
    // The calls this process made before the advance are written with the time before it.
    await flushApiCalls(db);
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

  // The callback inspector: the merchant's callbacks, newest first, each with every attempt.
  app.get('/sandbox/v1/callbacks', { config: { validationStyle: 'bad_value' }, schema: { querystring: CallbacksQuery } }, async (request) => {
    const { kind, status, order_id, session_id, size, offset, before } = request.query;
    const pageSize = size === undefined ? DEFAULT_CALLBACKS_PAGE : Number(size);
    if (pageSize < 1 || pageSize > MAX_CALLBACKS_PAGE) throw badValue(`Bad value: size (an integer from 1 to ${MAX_CALLBACKS_PAGE})`);
    if (offset !== undefined && before !== undefined) throw badValue('Bad value: offset (not with before)');
    const pageOffset = offset === undefined ? 0 : Number(offset);
    const filter = { kind, status, orderId: order_id, sessionId: session_id, before: before === undefined ? undefined : Number(before) };
    const { callbacks, more } = await listCallbacks(db, merchantOf(request).merchant_id, filter, { size: pageSize, offset: pageOffset });
    return {
      callbacks,
      pagination: {
        size: pageSize,
        offset: pageOffset,
        next_offset: more ? pageOffset + callbacks.length : null,
        next_before: more ? (callbacks.at(-1)?.callback_id ?? null) : null,
      },
    };
  });

  app.get('/sandbox/v1/callbacks/:callback_id', { config: { validationStyle: 'bad_value' }, schema: { params: CallbackParams } }, async (request) => {
    const id = parseCallbackId(request.params.callback_id);
    const callback = id === undefined ? undefined : await findCallback(db, merchantOf(request).merchant_id, id);
    if (!callback) throw callbackNotFound();
    return callback;
  });

  // Sends the callback again now, through the dispatcher, and answers once the attempt is recorded.
  app.post('/sandbox/v1/callbacks/:callback_id/redeliver', { config: { validationStyle: 'bad_value' }, schema: { params: CallbackParams } }, async (request) => {
    const merchantId = merchantOf(request).merchant_id;
    const id = parseCallbackId(request.params.callback_id);
    if (id === undefined) throw callbackNotFound();
    const outcome = await deps.dispatcher.deliverNow(id, merchantId);
    if (outcome === 'unknown') throw callbackNotFound();
    if (outcome === 'busy') throw callbackBusy();
    const callback = await findCallback(db, merchantId, id);
    if (!callback) throw callbackNotFound();
    return callback;
  });

  // Everything that happened to an order or a session, oldest first (timeline.ts).
  app.get('/sandbox/v1/timeline', { config: { validationStyle: 'bad_value' }, schema: { querystring: TimelineQuery } }, async (request) => {
    const { order_id, session_id } = request.query;
    if ((order_id === undefined) === (session_id === undefined)) throw badValue('Bad value: order_id or session_id (exactly one)');
    const merchantId = merchantOf(request).merchant_id;
    const entries = order_id !== undefined ? await timeline.orderTimeline(db, merchantId, order_id) : await timeline.sessionTimeline(db, merchantId, session_id as string);
    return { entries };
  });
}
