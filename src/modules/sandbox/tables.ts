/** The sandbox's table: the API call log (migrations/0008_api_calls.ts), added to the platform's Database type. */
import type { Generated } from 'kysely';

export interface ApiCallsTable {
  call_id: Generated<number>;
  merchant_id: string;
  method: string;
  /** Without the query string; secret path segments blanked as in the logs. */
  path: string;
  /** The route pattern (`/ordermanagement/v1/orders/:order_id/captures`). */
  route: string;
  status: number;
  correlation_id: string;
  duration_ms: number;
  /** Server time (sandbox clock) when the request arrived. */
  created_at: number;
  order_id: string | null;
  session_id: string | null;
  /** Another id the call concerns: a capture, refund, token, promise, dispute, callback, … */
  resource_id: string | null;
  /** The `Klarna-Idempotency-Key` the request carried (migrations/0013_request_journal.ts). */
  idempotency_key: string | null;
  /** A fingerprint of a write's JSON body (SHA-256, 32 hex digits): the same write sent again has the same. */
  body_hash: string | null;
  /** A refusal's `error_code` and first error message. */
  error_code: string | null;
  error_message: string | null;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    api_calls: ApiCallsTable;
  }
}
