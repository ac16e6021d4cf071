/**
 * Messages to shoppers: nothing is really sent, so each e-mail or SMS klarna-local would send is
 * kept, with its recipient, subject, rendered body and links, in the transaction of the change that
 * causes it. The sandbox's inbox (`GET /sandbox/v1/messages`) lists them. Modules render their own
 * messages; this only stores and lists them.
 */
import { sql } from 'kysely';
import type { Db } from './db/database.js';
import type { Sql } from './db/sql.js';
import { newSequentialId } from './ids.js';

export type MessageChannel = 'email' | 'sms';

export interface NewMessage {
  merchant_id: string;
  /** What it is, for filtering: `hpp.link`, `order.capture`, `order.send_out`, … */
  kind: string;
  channel: MessageChannel;
  recipient: string;
  subject: string | null;
  body: string;
  links: string[];
  order_id?: string | null;
  session_id?: string | null;
  created_at: number;
}

export interface MessageView {
  message_id: string;
  kind: string;
  channel: MessageChannel;
  recipient: string;
  subject: string | null;
  body: string;
  links: string[];
  order_id: string | null;
  session_id: string | null;
  created_at: number;
}

export async function recordMessage(sql: Sql, message: NewMessage): Promise<string> {
  const id = newSequentialId();
  await sql.run(
    'insert into messages (message_id, merchant_id, kind, channel, recipient, subject, body, links, order_id, session_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [id, message.merchant_id, message.kind, message.channel, message.recipient, message.subject, message.body, JSON.stringify(message.links), message.order_id ?? null, message.session_id ?? null, message.created_at],
  );
  return id;
}

export interface MessageFilter {
  orderId?: string | undefined;
  sessionId?: string | undefined;
  recipient?: string | undefined;
  kind?: string | undefined;
}

export const MAX_MESSAGES_PAGE = 1000;

/** The merchant's messages, oldest first, filtered by order, session, recipient (exact, case-insensitive) and kind. */
export async function listMessages(db: Db, merchantId: string, filter: MessageFilter): Promise<MessageView[]> {
  let query = db.kysely
    .selectFrom('messages')
    .select(['message_id', 'kind', 'channel', 'recipient', 'subject', 'body', 'links', 'order_id', 'session_id', 'created_at'])
    .where('merchant_id', '=', merchantId);
  if (filter.orderId !== undefined) query = query.where('order_id', '=', filter.orderId);
  if (filter.sessionId !== undefined) query = query.where('session_id', '=', filter.sessionId);
  if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
  if (filter.recipient !== undefined) query = query.where(sql<string>`lower(recipient)`, '=', filter.recipient.toLowerCase());
  const rows = await query.orderBy('seq').limit(MAX_MESSAGES_PAGE).execute();
  return rows.map((r) => ({ ...r, channel: r.channel as MessageChannel, created_at: Number(r.created_at), links: JSON.parse(r.links) as string[] }));
}
