/** What the benchmark's requests and generated rows have in common: the merchant and the order. */

export const MERCHANT = { username: 'bench', password: 'bench' };
export const AUTH = `Basic ${Buffer.from(`${MERCHANT.username}:${MERCHANT.password}`).toString('base64')}`;
/** Largest amount of one line and of an order (src/kernel/schemas.ts MAX_AMOUNT). */
export const MAX_AMOUNT = 200_000_000;

/** A valid sandbox order (Swedish market, 25% VAT) of `amount` in one line. */
export function orderBody(amount: number) {
  const tax = amount / 5; // 25% VAT included: tax = total × 2500 / 12500
  if (!Number.isInteger(tax)) throw new Error('amount must be a multiple of 5');
  return {
    purchase_country: 'SE',
    purchase_currency: 'SEK',
    locale: 'sv-SE',
    order_amount: amount,
    order_tax_amount: tax,
    order_lines: [{ type: 'physical' as const, reference: 'SKU-1', name: 'Bench item', quantity: 1, unit_price: amount, tax_rate: 2500, total_amount: amount, total_tax_amount: tax }],
    billing_address: {
      given_name: 'Testperson-se',
      family_name: 'Approved',
      email: 'customer@email.se',
      street_address: 'Stårgatan 1',
      postal_code: '12345',
      city: 'Ankeborg',
      country: 'SE',
      phone: '+46765260000',
    },
    merchant_reference1: 'BENCH',
  };
}
