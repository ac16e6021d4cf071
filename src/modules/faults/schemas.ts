/** The sandbox API's bodies and parameters for fault rules (TypeBox). Rules between fields are fault.ts's. */
import { Type } from 'typebox';
import { StringEnum } from '../../kernel/schemas.js';
import { FAULT_METHODS, FAULT_TARGETS, MAX_DELAY_MS, MAX_EXPIRES_IN_SECONDS, MAX_PATH_LENGTH, MAX_TIMES } from './fault.js';

const opt = Type.Optional;

export const FaultBody = Type.Object(
  {
    target: opt(StringEnum(FAULT_TARGETS)),
    method: opt(StringEnum(FAULT_METHODS)),
    path: opt(Type.String({ minLength: 1, maxLength: MAX_PATH_LENGTH })),
    status: opt(Type.Integer({ minimum: 100, maximum: 599 })),
    error_code: opt(Type.String({ pattern: '^[A-Z][A-Z0-9_]{0,63}$', maxLength: 64 })),
    error_messages: opt(Type.Array(Type.String({ maxLength: 500 }), { minItems: 1, maxItems: 10 })),
    delay_ms: opt(Type.Integer({ minimum: 0, maximum: MAX_DELAY_MS })),
    drop: opt(Type.Boolean()),
    callback_kind: opt(Type.String({ maxLength: 64 })),
    effect: opt(Type.Union([Type.String({ maxLength: 16 }), Type.Integer({ minimum: 400, maximum: 599 })])),
    times: opt(Type.Integer({ minimum: 1, maximum: MAX_TIMES })),
    share: opt(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    expires_in_seconds: opt(Type.Integer({ minimum: 1, maximum: MAX_EXPIRES_IN_SECONDS })),
  },
  { additionalProperties: false },
);

export const FaultParams = Type.Object({ fault_id: Type.String({ maxLength: 64 }) });
