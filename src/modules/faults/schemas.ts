/** The sandbox API's bodies, parameters and answers for fault rules (TypeBox). Rules between fields are fault.ts's. */
import { Type } from 'typebox';
import type { Static, TSchema } from 'typebox';
import { StringEnum } from '../../kernel/schemas.js';
import { CALLBACK_EFFECTS, FAULT_METHODS, FAULT_STATES, FAULT_TARGETS, MAX_DELAY_MS, MAX_EXPIRES_IN_SECONDS, MAX_PATH_LENGTH, MAX_TIMES } from './fault.js';

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

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A rule as the sandbox answers it (presentFault): what it matches, what it does, how often it has and may still hit. */
export const FaultResponse = Type.Object({
  fault_id: Type.String(),
  target: StringEnum(FAULT_TARGETS),
  method: nullable(StringEnum(FAULT_METHODS)),
  path: nullable(Type.String()),
  callback_kind: nullable(Type.String()),
  /** Callback rules: `timeout`, `refuse` or the status answered instead of the merchant. */
  effect: Type.Union([StringEnum(CALLBACK_EFFECTS), Type.Integer(), Type.Null()]),
  status: nullable(Type.Integer()),
  error_code: nullable(Type.String()),
  error_messages: nullable(Type.Array(Type.String())),
  times: nullable(Type.Integer()),
  remaining: nullable(Type.Integer()),
  share: nullable(Type.Number()),
  delay_ms: Type.Integer(),
  drop: Type.Boolean(),
  expires_at: nullable(Type.String()),
  created_at: Type.String(),
  injected: Type.Integer(),
  state: StringEnum(FAULT_STATES),
});
export type FaultResponse = Static<typeof FaultResponse>;
export const FaultsResponse = Type.Object({ faults: Type.Array(FaultResponse) });
