/**
 * Row types of the platform's tables (merchant accounts, events, idempotency keys, the clock,
 * secrets, the callback outbox), as Kysely sees them. Times are epoch milliseconds (BIGINT /
 * INTEGER); money is integer minor units; nested objects are JSON text.
 */
import type { Generated } from 'kysely';

export interface MerchantsTable {
  merchant_id: string;
  username: string;
  password_hash: string;
  /** JSON object of MerchantSettings overrides. */
  settings: string;
  created_at: number;
  updated_at: number;
  /** The merchant's own sandbox clock: milliseconds ahead of (or behind) the server clock. */
  clock_offset_ms: Generated<number>;
}

export interface EventsTable {
  event_id: Generated<number>;
  merchant_id: string;
  order_id: string | null;
  type: string;
  /** JSON object. */
  payload: string;
  created_at: number;
}

export interface IdempotencyKeysTable {
  merchant_id: string;
  idempotency_key: string;
  created_at: number;
  status_code: number;
  /** JSON object of replayed response headers. */
  headers: string;
  body: string | null;
}

export interface SandboxClockTable {
  id: number;
  offset_ms: number;
}

export interface InstanceSecretsTable {
  name: string;
  value: string;
}

export interface CallbacksTable {
  callback_id: Generated<number>;
  merchant_id: string;
  kind: string;
  order_id: string | null;
  session_id: string | null;
  url: string;
  body: string | null;
  /** pending | delivered | failed | cancelled */
  status: string;
  attempts: number;
  /** JSON DeliveryPolicy. */
  policy: string;
  next_attempt_at: number;
  lease_until: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface CallbackAttemptsTable {
  attempt_id: Generated<number>;
  callback_id: number;
  attempt: number;
  started_at: number;
  duration_ms: number;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
}

/**
 * The platform's tables. Each module adds its own to this interface from its `tables.ts`, by
 * declaration merging (`declare module '…/platform/db/schema.js'`), so the platform names none of them.
 */
/** A message klarna-local would send to a shopper (e-mail or SMS), kept for the sandbox's inbox. */
export interface MessagesTable {
  seq: Generated<number>;
  message_id: string;
  merchant_id: string;
  kind: string;
  channel: string;
  recipient: string;
  subject: string | null;
  body: string;
  /** JSON array of the links in the body. */
  links: string;
  order_id: string | null;
  session_id: string | null;
  created_at: number;
}

export interface Database {
  merchants: MerchantsTable;
  messages: MessagesTable;
  events: EventsTable;
  idempotency_keys: IdempotencyKeysTable;
  sandbox_clock: SandboxClockTable;
  instance_secrets: InstanceSecretsTable;
  callbacks: CallbacksTable;
  callback_attempts: CallbackAttemptsTable;
}
