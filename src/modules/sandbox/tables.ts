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

/** Calls as the request path writes them: one row per merchant and flush, unpacked into api_calls by readers. */
export interface ApiCallBatchesTable {
  batch_id: Generated<number>;
  merchant_id: string;
  calls: number;
  /** JSON array of rows, each the values of api_calls' columns after call_id, in order. */
  rows_json: string;
  /** The merchant's clock offset at the flush; the rows' `created_at` are wall-clock times until unpacked. */
  offset_ms: number;
  created_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    api_calls: ApiCallsTable;
    api_call_batches: ApiCallBatchesTable;
  }
}
