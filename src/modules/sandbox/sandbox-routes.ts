/**
 * The sandbox's own controls, which no Klarna API has: the server clock (read it, move it forward;
 * what falls due happens before the answer), the events of what the server did for an order or
 * a session, the inbox of what it would have sent to shoppers, the callback inspector (list, read,
 * redeliver now) and the timeline of everything about an order or a session. JSON, the merchant's
 * Basic credentials, Klarna's error envelope.
 */
import type { App, ModuleDeps } from '../../platform/app.js';
import { toIso } from '../../platform/clock.js';
import type { Clock } from '../../platform/clock.js';
import { merchantOf } from '../../platform/http/write.js';
import { badValue } from '../../platform/http/errors.js';
import { callbackEvents, orderTimeline } from './events.js';
import { listMessages } from '../../platform/messages.js';
import { advanceMerchantClock } from './clock-advance.js';
import { DEFAULT_CALLBACKS_PAGE, MAX_CALLBACKS_PAGE, findCallback, listCallbacks, parseCallbackId } from './callbacks.js';
import { callbackBusy, callbackNotFound } from './errors.js';
import {
  CallbackParams,
  CallbackResponse,
  CallbacksQuery,
  CallbacksResponse,
  ClockAdvanceBody,
  ClockResponse,
  EventsQuery,
  EventsResponse,
  MessagesQuery,
  MessagesResponse,
  TimelineQuery,
  TimelineResponse,
} from './schemas.js';
import * as timeline from './timeline.js';

export function registerSandboxControlRoutes(app: App, deps: ModuleDeps): void {
  const { db, clock } = deps;

  // The calling merchant's clock: its own unless the server runs with `--sandbox-clock server`.
  app.get('/sandbox/v1/clock', { schema: { response: { 200: ClockResponse } } }, async (request) => clockView(clock, merchantOf(request).merchant_id));

  app.post('/sandbox/v1/clock/advance', { config: { validationStyle: 'bad_value' }, schema: { body: ClockAdvanceBody, response: { 200: ClockResponse } } }, async (request) => {
    // Timed behaviour happens as if the time had passed: the merchant's due work (expiry, fraud
    // decisions, …) and its callbacks due by then are done before the answer.
    const merchantId = merchantOf(request).merchant_id;
    await advanceMerchantClock(deps, merchantId, request.body.seconds);
    return clockView(clock, merchantId);
  });

  app.get('/sandbox/v1/events', { config: { validationStyle: 'bad_value' }, schema: { querystring: EventsQuery, response: { 200: EventsResponse } } }, async (request) => {
    const merchantId = merchantOf(request).merchant_id;
    const { order_id, session_id } = request.query;
    const events =
      session_id !== undefined && order_id === undefined ? await callbackEvents(db, merchantId, { sessionId: session_id }) : await orderTimeline(db, merchantId, order_id);
    return { events: events.map((e) => ({ ...e, created_at: toIso(e.created_at) })) };
  });

  // Every message klarna-local would have sent to a shopper (nothing is really sent), oldest first.
  app.get('/sandbox/v1/messages', { config: { validationStyle: 'bad_value' }, schema: { querystring: MessagesQuery, response: { 200: MessagesResponse } } }, async (request) => {
    const { order_id, session_id, recipient, kind } = request.query;
    const messages = await listMessages(db, merchantOf(request).merchant_id, { orderId: order_id, sessionId: session_id, recipient, kind });
    return { messages: messages.map((m) => ({ ...m, created_at: toIso(m.created_at) })) };
  });

  // The callback inspector: the merchant's callbacks, newest first, each with every attempt.
  app.get('/sandbox/v1/callbacks', { config: { validationStyle: 'bad_value' }, schema: { querystring: CallbacksQuery, response: { 200: CallbacksResponse } } }, async (request) => {
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

  app.get('/sandbox/v1/callbacks/:callback_id', { config: { validationStyle: 'bad_value' }, schema: { params: CallbackParams, response: { 200: CallbackResponse } } }, async (request) => {
    const id = parseCallbackId(request.params.callback_id);
    const callback = id === undefined ? undefined : await findCallback(db, merchantOf(request).merchant_id, id);
    if (!callback) throw callbackNotFound();
    return callback;
  });

  // Sends the callback again now, through the dispatcher, and answers once the attempt is recorded.
  app.post('/sandbox/v1/callbacks/:callback_id/redeliver', { config: { validationStyle: 'bad_value' }, schema: { params: CallbackParams, response: { 200: CallbackResponse } } }, async (request) => {
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
  app.get('/sandbox/v1/timeline', { config: { validationStyle: 'bad_value' }, schema: { querystring: TimelineQuery, response: { 200: TimelineResponse } } }, async (request) => {
    const { order_id, session_id } = request.query;
    if ((order_id === undefined) === (session_id === undefined)) throw badValue('Bad value: order_id or session_id (exactly one)');
    const merchantId = merchantOf(request).merchant_id;
    const entries = order_id !== undefined ? await timeline.orderTimeline(db, merchantId, order_id) : await timeline.sessionTimeline(db, merchantId, session_id as string);
    return { entries };
  });
}

/** A merchant's time as the clock routes show it: its now, its whole offset and the server's part of it. */
export async function clockView(clock: Clock, merchantId: string): Promise<{ now: string; offset_seconds: number; server_offset_seconds: number; scope: 'merchant' | 'server' }> {
  const wall = clock.wallClock();
  const [offset, serverOffset] = await Promise.all([clock.offset(merchantId), clock.serverOffset()]);
  return { now: toIso(wall + offset), offset_seconds: Math.floor(offset / 1000), server_offset_seconds: Math.floor(serverOffset / 1000), scope: clock.scope };
}
