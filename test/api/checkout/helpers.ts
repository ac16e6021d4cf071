/** Shared Checkout test data: a valid order body, and merchant URLs pointing at a fake merchant. */
export const SHIPPING_OPTIONS = [
  { id: 'standard', name: 'Standard', price: 0, tax_amount: 0, tax_rate: 0, preselected: true, shipping_method: 'Home' },
  { id: 'express', name: 'Express', price: 4900, tax_amount: 980, tax_rate: 2500, shipping_method: 'Home' },
];

export const LINES = [
  { type: 'physical', reference: 'SKU-1', name: 'T-shirt', quantity: 2, unit_price: 5000, tax_rate: 2500, total_amount: 10000, total_tax_amount: 2000 },
  { type: 'physical', reference: 'SKU-2', name: 'Socks', quantity: 1, unit_price: 2500, tax_rate: 2500, total_amount: 2500, total_tax_amount: 500 },
];

export function merchantUrls(base: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    terms: `${base}/terms`,
    checkout: `${base}/checkout?id={checkout.order.id}`,
    confirmation: `${base}/confirmation?id={checkout.order.id}`,
    push: `${base}/push?id={checkout.order.id}`,
    ...extra,
  };
}

export function checkoutBody(base: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    purchase_country: 'SE',
    purchase_currency: 'SEK',
    locale: 'sv-SE',
    order_amount: 12500,
    order_tax_amount: 2500,
    order_lines: LINES,
    merchant_urls: merchantUrls(base),
    merchant_reference1: 'CART-1',
    ...overrides,
  };
}

export const SHOPPER = {
  email: 'customer@email.se',
  billing_address: {
    given_name: 'Testperson-se',
    family_name: 'Approved',
    street_address: 'Stårgatan 1',
    postal_code: '12345',
    city: 'Ankeborg',
    country: 'SE',
    phone: '+46765260000',
  },
};

/** The merchant's answer to a shipping callback: the cart plus the chosen shipping as a line. */
export function cartWithShipping(option: { id: string; name: string; price: number; tax_amount: number; tax_rate: number }) {
  const lines = [...LINES, { type: 'shipping_fee', reference: option.id, name: option.name, quantity: 1, unit_price: option.price, tax_rate: option.tax_rate, total_amount: option.price, total_tax_amount: option.tax_amount }];
  return {
    order_amount: 12500 + option.price,
    order_tax_amount: 2500 + option.tax_amount,
    order_lines: lines,
    purchase_currency: 'SEK',
  };
}
