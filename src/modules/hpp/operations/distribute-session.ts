/**
 * POST /hpp/v1/sessions/{session_id}/distribution (§5.1, §5.4): Klarna sends the consumer the link by
 * SMS or e-mail (201), or pairs the session with an in-store device by its access id (`token`, 204).
 * Nothing is really sent: the message goes to the sandbox's inbox (`GET /sandbox/v1/messages`).
 * Contact details are validated (400 BAD_VALUE); a session that no longer takes a consumer is 400;
 * with the merchant's setting `hpp_distribution_limits`, the playground's daily limits (20 SMS, 100
 * e-mails per UTC day of server time) answer 429 beyond them.
 */
import { MS_PER_DAY } from '../../../platform/clock.js';
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { recordMessage } from '../../../platform/messages.js';
import type { MessageChannel } from '../../../platform/messages.js';
import { alreadyCompleted, badFields, distributionLimit, sessionCancelled, sessionDisabled } from '../errors.js';
import type { HppSessionRecord } from '../hpp-session.js';
import { sessionUrls } from '../hpp-session.js';
import type { DistributionBody } from '../schemas.js';
import type { HppContext } from './context.js';
import { loadLiveSession } from './context.js';

/** The playground's daily limits (§5.4), per merchant. */
export const DAILY_LIMITS: Readonly<Record<MessageChannel, number>> = { sms: 20, email: 100 };

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

/** A phone number as a person writes it: digits, optionally a leading +, spaces, dashes, dots and brackets; 6–15 digits. */
function phoneDigits(phone: string): string | null {
  if (!/^\+?[\d\s().-]+$/.test(phone)) return null;
  const digits = phone.replace(/\D/g, '');
  return digits.length >= 6 && digits.length <= 15 ? digits : null;
}

export type Distribution = { channel: MessageChannel; recipient: string } | { channel: 'token' };

/**
 * Pure: where the link goes, or why it cannot: a session that is completed, cancelled or disabled
 * takes no consumer (400); missing or invalid contact information is 400 BAD_VALUE naming the field.
 */
export function decideDistribution(session: Pick<HppSessionRecord, 'status' | 'distribution_token'>, body: DistributionBody): Distribution {
  if (session.status === 'DISABLED') throw sessionDisabled();
  if (session.status === 'COMPLETED') throw alreadyCompleted();
  if (session.status === 'CANCELLED') throw sessionCancelled();
  const contact = body.contact_information;
  switch (body.method) {
    case 'email': {
      const email = contact.email?.trim();
      if (!email || !EMAIL.test(email)) throw badFields(['contact_information.email']);
      return { channel: 'email', recipient: email };
    }
    case 'sms': {
      const errors: string[] = [];
      // Checked as it is sent: without the spaces around it.
      const digits = contact.phone === undefined ? null : phoneDigits(contact.phone.trim());
      if (digits === null) errors.push('contact_information.phone');
      if (contact.phone_country === undefined || !/^[A-Za-z]{2}$/.test(contact.phone_country)) errors.push('contact_information.phone_country');
      if (errors.length > 0 || contact.phone === undefined) throw badFields(errors);
      return { channel: 'sms', recipient: contact.phone.trim() };
    }
    case 'token':
      if (!contact.access_id) throw badFields(['contact_information.access_id']);
      return { channel: 'token' };
  }
}

export async function distributeHppSession(ctx: HppContext, sessionId: string, body: DistributionBody): Promise<WriteResult> {
  const session = await loadLiveSession(ctx.db, ctx.sql, ctx.merchantId, sessionId, ctx.now, true);
  const distribution = decideDistribution(session, body);
  if (distribution.channel === 'token') return { status: 204 };
  if (ctx.settings.hpp_distribution_limits) {
    const dayStart = Math.floor(ctx.now / MS_PER_DAY) * MS_PER_DAY;
    const sent = await ctx.sql.get<{ n: number | string }>("select count(*) as n from messages where merchant_id = ? and kind = 'hpp.link' and channel = ? and created_at >= ?", [
      ctx.merchantId,
      distribution.channel,
      dayStart,
    ]);
    const limit = DAILY_LIMITS[distribution.channel];
    if (Number(sent?.n ?? 0) >= limit) throw distributionLimit(distribution.channel === 'sms' ? 'SMS' : 'e-mail', limit);
  }
  const link = sessionUrls(ctx.publicUrl, session).redirect_url;
  const title = session.options.page_title ?? 'Complete your purchase';
  await recordMessage(ctx.sql, {
    merchant_id: ctx.merchantId,
    kind: 'hpp.link',
    channel: distribution.channel,
    recipient: distribution.recipient,
    subject: distribution.channel === 'email' ? title : null,
    body:
      distribution.channel === 'email'
        ? `Hello,\n\nOpen this link to pay with Klarna:\n${link}\n\nThe link works until ${new Date(session.expires_at).toUTCString()}.\n`
        : `Klarna: pay for your purchase here: ${link}`,
    links: [link],
    session_id: session.session_id,
    created_at: ctx.now,
  });
  return { status: 201 };
}
