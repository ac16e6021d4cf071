/**
 * Klarna's playground test data (behaviour reference §9.1): the shopper's e-mail address decides the
 * outcome of a purchase, here as in Klarna's playground, so merchants' tests can reach every branch.
 *
 * - `customer@email.se` (anything without a pattern below): approved, fraud status ACCEPTED.
 * - `customer+denied@…`: declined (Klarna's hard decline; the payment method is hidden).
 * - `customer+red@…`: declined before the form is shown (pre-screen).
 * - `customer+pend-accept-NN@…` / `customer+pend-reject-NN@…`: approved with fraud status PENDING;
 *   the decision (ACCEPTED / REJECTED) is taken NN minutes (00–99) of server time later.
 *
 * Klarna's playground honours the pending patterns in the US and the UK only; klarna-local honours
 * them in every market (docs/fidelity.md).
 */
export type FraudOutcome = { fraud_status: 'ACCEPTED' } | { fraud_status: 'PENDING'; decision: 'ACCEPTED' | 'REJECTED'; after_minutes: number };

export type ShopperOutcome =
  | { approved: true; fraud: FraudOutcome }
  | { approved: false; reason: 'denied' | 'pre_screen'; show_form: false };

const PENDING = /\+pend-(accept|reject)-(\d{2})(?:\+|@)/i;

/** The outcome a shopper with this e-mail gets; no e-mail means the default approved shopper. */
export function shopperOutcome(email: string | null | undefined): ShopperOutcome {
  const local = (email ?? '').toLowerCase();
  if (/\+denied(?:\+|@)/.test(local)) return { approved: false, reason: 'denied', show_form: false };
  if (/\+red(?:\+|@)/.test(local)) return { approved: false, reason: 'pre_screen', show_form: false };
  const pending = PENDING.exec(local);
  if (pending) {
    return {
      approved: true,
      fraud: { fraud_status: 'PENDING', decision: pending[1] === 'accept' ? 'ACCEPTED' : 'REJECTED', after_minutes: Number(pending[2]) },
    };
  }
  return { approved: true, fraud: { fraud_status: 'ACCEPTED' } };
}

/** The supported patterns, for documentation and the widget's help text. */
export const TEST_EMAIL_PATTERNS: readonly { example: string; outcome: string }[] = [
  { example: 'customer@email.se', outcome: 'approved, fraud_status ACCEPTED' },
  { example: 'customer+denied@email.se', outcome: 'declined (approved: false, show_form: false)' },
  { example: 'customer+red@email.se', outcome: 'declined before the form (approved: false, show_form: false)' },
  { example: 'customer+pend-accept-05@email.us', outcome: 'approved, fraud_status PENDING, ACCEPTED 5 minutes later' },
  { example: 'customer+pend-reject-10@email.us', outcome: 'approved, fraud_status PENDING, REJECTED 10 minutes later' },
];
