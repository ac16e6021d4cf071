/** Bodies and queries of the sandbox's own controls: the clock, the events, the callback inspector, the timeline (not part of Klarna's surface). */
import { Type } from 'typebox';
import { MAX_CLOCK_ADVANCE_SECONDS } from '../../platform/clock.js';
import { CALLBACK_STATUSES } from '../../platform/outbox/callbacks.js';
import { StringEnum } from '../../kernel/schemas.js';

const opt = Type.Optional;

export const ClockAdvanceBody = Type.Object({
  seconds: Type.Integer({ minimum: 0, maximum: MAX_CLOCK_ADVANCE_SECONDS }),
});

export const ClockResponse = Type.Object({ now: Type.String(), offset_seconds: Type.Integer() });

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
