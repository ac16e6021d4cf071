/** Fault injection's table, added to the platform's Database type (platform/db/schema.ts). Times are epoch milliseconds (sandbox clock). */

export interface FaultsTable {
  seq: number;
  fault_id: string;
  merchant_id: string;
  target: string;
  method: string | null;
  path: string | null;
  callback_kind: string | null;
  effect: string | null;
  status: number | null;
  error_code: string | null;
  error_messages: string | null;
  delay_ms: number;
  drop_connection: number;
  times: number | null;
  remaining: number | null;
  share: number | null;
  injected: number;
  expires_at: number | null;
  created_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    faults: FaultsTable;
  }
}
