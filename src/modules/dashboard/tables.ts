/** The dashboard's table, added to the platform's Database type (platform/db/schema.ts). */

export interface DashboardSessionsTable {
  /** SHA-256 (hex) of the session cookie's value. */
  session_hash: string;
  /** The merchant the session sees: the signed-in one, or the one the administrator chose (null until then). */
  merchant_id: string | null;
  /** 1 for the administrator of the configuration, 0 for a merchant. */
  admin: number;
  username: string;
  /** The session's synchronizer token, carried by every form that changes something. */
  csrf_token: string;
  /** Wall-clock epoch milliseconds (not the sandbox clock: advancing it must not sign anyone out). */
  created_at: number;
  expires_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    dashboard_sessions: DashboardSessionsTable;
  }
}
