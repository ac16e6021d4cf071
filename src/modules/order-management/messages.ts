/**
 * The e-mail Klarna sends the shopper for a capture (the invoice or payment instruction), which
 * trigger-send-out sends again (§1.7). Nothing is really sent: it goes to the sandbox's inbox
 * (platform/messages.ts) in the transaction of the capture or the send-out.
 */
import type { Sql } from '../../platform/db/sql.js';
import { recordMessage } from '../../platform/messages.js';
import { formatMoney } from '../../kernel/money.js';
import type { CaptureRecord, OrderRecord } from './order.js';

/** The shopper's e-mail: the billing address's, else the shipping address's; none, no message. */
export const shopperEmail = (order: Pick<OrderRecord, 'billing_address' | 'shipping_address'>): string | null =>
  order.billing_address?.email ?? order.shipping_address?.email ?? null;

/** Records the capture e-mail; `kind` tells the first send (`order.capture`) from a send-out (`order.send_out`). */
export async function recordCaptureEmail(sql: Sql, order: OrderRecord, capture: Pick<CaptureRecord, 'capture_id' | 'klarna_reference' | 'captured_amount'>, kind: 'order.capture' | 'order.send_out', now: number): Promise<void> {
  const recipient = shopperEmail(order);
  if (recipient === null) return;
  const name = order.billing_address?.given_name;
  const amount = formatMoney(capture.captured_amount, order.purchase_currency, order.locale);
  const method = order.initial_payment_method?.description ?? order.initial_payment_method?.type ?? 'Klarna';
  await recordMessage(sql, {
    merchant_id: order.merchant_id,
    kind,
    channel: 'email',
    recipient,
    subject: `${kind === 'order.send_out' ? 'Reminder: ' : ''}Your purchase ${capture.klarna_reference}: ${amount}`,
    body:
      `Hello${name ? ` ${name}` : ''},\n\n` +
      `The store has sent your order ${order.klarna_reference}. ${amount} is now due with ${method} (reference ${capture.klarna_reference}).\n` +
      (order.merchant_reference1 ? `The store's reference: ${order.merchant_reference1}.\n` : '') +
      '\nThis message was not sent: klarna-local keeps it in its sandbox inbox.\n',
    links: [],
    order_id: order.order_id,
    created_at: now,
  });
}
