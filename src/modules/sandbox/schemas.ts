/** Bodies of the sandbox's own controls: the clock and the event timeline (not part of Klarna's surface). */
import { Type } from 'typebox';
import { MAX_CLOCK_ADVANCE_SECONDS } from '../../platform/clock.js';

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
