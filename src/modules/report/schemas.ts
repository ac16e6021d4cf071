/** The integration report's query and answer (`GET /sandbox/v1/report`). */
import { Type } from 'typebox';
import { StringEnum } from '../../kernel/schemas.js';
import { FINDING_CODES, SEVERITIES } from './findings.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const ReportQuery = Type.Object({
  /** ISO 8601 date or date-time: only what happened since. */
  since: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  severity: Type.Optional(StringEnum(SEVERITIES)),
});

export const ExampleSchema = Type.Object({
  at: Type.String(),
  method: Nullable(Type.String()),
  path: Nullable(Type.String()),
  correlation_id: Nullable(Type.String()),
  order_id: Nullable(Type.String()),
  session_id: Nullable(Type.String()),
  detail: Type.String(),
});

export const FindingSchema = Type.Object({
  code: StringEnum(FINDING_CODES),
  severity: StringEnum(SEVERITIES),
  title: Type.String(),
  rule: Type.String(),
  docs: Type.String(),
  count: Type.Integer({ minimum: 1 }),
  examples: Type.Array(ExampleSchema, { maxItems: 5 }),
});

export const ReportResponse = Type.Object({
  merchant: Type.Object({ merchant_id: Type.String(), username: Type.String() }),
  generated_at: Type.String(),
  since: Nullable(Type.String()),
  severity: StringEnum(SEVERITIES),
  journal: Type.Object({ enabled: Type.Boolean(), calls: Type.Integer({ minimum: 0 }), oldest: Nullable(Type.String()) }),
  summary: Type.Object({ error: Type.Integer({ minimum: 0 }), warning: Type.Integer({ minimum: 0 }), info: Type.Integer({ minimum: 0 }) }),
  findings: Type.Array(FindingSchema),
});
