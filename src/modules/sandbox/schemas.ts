/** Bodies and queries of the sandbox's own controls: the clock, the events, the callback inspector, the timeline (not part of Klarna's surface). */
import { Type } from 'typebox';
import type { Static, TSchema } from 'typebox';
import { CLOCK_SCOPES, MAX_CLOCK_ADVANCE_SECONDS } from '../../platform/clock.js';
import { CALLBACK_STATUSES } from '../../platform/outbox/callbacks.js';
import { StringEnum } from '../../kernel/schemas.js';

const opt = Type.Optional;

export const ClockAdvanceBody = Type.Object({
  seconds: Type.Integer({ minimum: 0, maximum: MAX_CLOCK_ADVANCE_SECONDS }),
});

/**
 * A merchant's sandbox time: `offset_seconds` ahead of the wall clock in all, of which
 * `server_offset_seconds` come from server-wide advances; `scope` says whose time an advance moves.
 */
export const ClockResponse = Type.Object({
  now: Type.String(),
  offset_seconds: Type.Integer(),
  server_offset_seconds: Type.Integer(),
  scope: StringEnum(CLOCK_SCOPES),
});

export const EventsQuery = Type.Object({ order_id: opt(Type.String({ maxLength: 255 })), session_id: opt(Type.String({ maxLength: 255 })) });

export const MessagesQuery = Type.Object({
  order_id: opt(Type.String({ maxLength: 255 })),
  session_id: opt(Type.String({ maxLength: 255 })),
  recipient: opt(Type.String({ maxLength: 320 })),
  kind: opt(Type.String({ maxLength: 64 })),
});

/** The callback inspector's filters; `size` 1–100 (default 20), `offset` or `before` (keyset: callbacks older than that id). */
export const CallbacksQuery = Type.Object({
  kind: opt(Type.String({ minLength: 1, maxLength: 64 })),
  status: opt(StringEnum(CALLBACK_STATUSES)),
  order_id: opt(Type.String({ maxLength: 255 })),
  session_id: opt(Type.String({ maxLength: 255 })),
  size: opt(Type.String({ pattern: '^[0-9]{1,4}$' })),
  offset: opt(Type.String({ pattern: '^[0-9]{1,9}$' })),
  before: opt(Type.String({ pattern: '^[0-9]{1,15}$' })),
});

export const CallbackParams = Type.Object({ callback_id: Type.String({ maxLength: 255 }) });

/** One of `order_id` and `session_id`. */
export const TimelineQuery = Type.Object({ order_id: opt(Type.String({ minLength: 1, maxLength: 255 })), session_id: opt(Type.String({ minLength: 1, maxLength: 255 })) });

// ---- responses (the route serialises through them, and typed clients read them: src/client/) ----

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** Open JSON: what was recorded as it was (event payloads, callback bodies). */
const Json = Type.Unknown();
const Payload = Type.Record(Type.String(), Type.Unknown());

/** One thing the server did for an order or a session (`GET /sandbox/v1/events`), oldest first. */
export const SandboxEvent = Type.Object({
  event_id: Type.String(),
  order_id: nullable(Type.String()),
  type: Type.String(),
  created_at: Type.String(),
  payload: Payload,
});
export const EventsResponse = Type.Object({ events: Type.Array(SandboxEvent) });
export type EventsResponse = Static<typeof EventsResponse>;

/** A message klarna-local would have sent to a shopper (`GET /sandbox/v1/messages`). */
export const SandboxMessage = Type.Object({
  message_id: Type.String(),
  kind: Type.String(),
  channel: StringEnum(['email', 'sms'] as const),
  recipient: Type.String(),
  subject: nullable(Type.String()),
  body: Type.String(),
  links: Type.Array(Type.String()),
  order_id: nullable(Type.String()),
  session_id: nullable(Type.String()),
  created_at: Type.String(),
});
export const MessagesResponse = Type.Object({ messages: Type.Array(SandboxMessage) });
export type MessagesResponse = Static<typeof MessagesResponse>;

export const CallbackAttempt = Type.Object({
  attempt: Type.Integer(),
  started_at: Type.String(),
  duration_ms: Type.Number(),
  response_status: nullable(Type.Integer()),
  response_body: nullable(Type.String()),
  error: nullable(Type.String()),
});

/** A merchant callback with every attempt (the callback inspector). */
export const CallbackResponse = Type.Object({
  callback_id: Type.String(),
  kind: Type.String(),
  url: Type.String(),
  status: StringEnum(CALLBACK_STATUSES),
  order_id: nullable(Type.String()),
  session_id: nullable(Type.String()),
  attempt_count: Type.Integer(),
  created_at: Type.String(),
  updated_at: Type.String(),
  finished_at: nullable(Type.String()),
  next_attempt_at: nullable(Type.String()),
  request_body: Json,
  request_body_excerpt: nullable(Type.String()),
  attempts: Type.Array(CallbackAttempt),
});
export type CallbackResponse = Static<typeof CallbackResponse>;

export const CallbacksResponse = Type.Object({
  callbacks: Type.Array(CallbackResponse),
  pagination: Type.Object({
    size: Type.Integer(),
    offset: Type.Integer(),
    next_offset: nullable(Type.Integer()),
    next_before: nullable(Type.String()),
  }),
});
export type CallbacksResponse = Static<typeof CallbacksResponse>;

// The timeline's entries (timeline.ts), told apart by `kind`.
const ApiCallEntry = Type.Object({
  at: Type.String(),
  kind: Type.Literal('api_call'),
  call_id: Type.String(),
  method: Type.String(),
  path: Type.String(),
  route: Type.String(),
  status: Type.Integer(),
  correlation_id: Type.String(),
  duration_ms: Type.Number(),
  order_id: nullable(Type.String()),
  session_id: nullable(Type.String()),
  resource_id: nullable(Type.String()),
});
const StateChangeEntry = Type.Object({ at: Type.String(), kind: Type.Literal('state_change'), event_id: Type.String(), type: Type.String(), payload: Payload });
const CallbackEntry = Type.Object({
  at: Type.String(),
  kind: Type.Literal('callback'),
  callback_id: Type.String(),
  callback_kind: Type.String(),
  url: Type.String(),
  status: StringEnum(CALLBACK_STATUSES),
  attempt_count: Type.Integer(),
  request_body: Json,
  request_body_excerpt: nullable(Type.String()),
});
const CallbackAttemptEntry = Type.Object({
  at: Type.String(),
  kind: Type.Literal('callback_attempt'),
  callback_id: Type.String(),
  callback_kind: Type.String(),
  url: Type.String(),
  attempt: CallbackAttempt,
});
const MessageEntry = Type.Object({
  at: Type.String(),
  kind: Type.Literal('message'),
  message_id: Type.String(),
  message_kind: Type.String(),
  channel: StringEnum(['email', 'sms'] as const),
  recipient: Type.String(),
  subject: nullable(Type.String()),
  body: Type.String(),
  links: Type.Array(Type.String()),
});
const SettlementTransactionEntry = Type.Object({
  at: Type.String(),
  kind: Type.Literal('settlement_transaction'),
  type: Type.String(),
  detailed_type: Type.String(),
  amount: Type.Integer(),
  currency_code: Type.String(),
  capture_id: nullable(Type.String()),
  refund_id: nullable(Type.String()),
  payment_reference: nullable(Type.String()),
  payout_date: nullable(Type.String()),
});
const CardEntry = Type.Object({
  at: Type.String(),
  kind: StringEnum(['card_promise', 'card_settlement'] as const),
  id: Type.String(),
  promise_id: nullable(Type.String()),
  capture_id: nullable(Type.String()),
});
export const TimelineEntry = Type.Union([ApiCallEntry, StateChangeEntry, CallbackEntry, CallbackAttemptEntry, MessageEntry, SettlementTransactionEntry, CardEntry]);
export const TimelineResponse = Type.Object({ entries: Type.Array(TimelineEntry) });
export type TimelineResponse = Static<typeof TimelineResponse>;
