/**
 * What the checkout page's script reads from the JSON API's order (`api/order`, and `order` in every
 * action's answer): the shopper's view built by src/modules/checkout/page/view.ts (CheckoutPageView),
 * reduced to the fields the script redraws. It arrives over the network, so the script still checks
 * what it uses.
 */

export interface PageLine {
  type: string | null;
  name: string;
  quantity: number;
  quantity_unit: string | null;
  total_amount_formatted: string;
}

export interface PageShippingOption {
  id: string;
  name: string;
  description: string | null;
  promo: string | null;
  price_formatted: string;
}

export interface CheckoutPageView {
  status: 'checkout_incomplete' | 'checkout_complete';
  aborted: boolean;
  lines: PageLine[];
  shipping_options: PageShippingOption[];
  selected_shipping_option_id: string | null;
  order_amount_formatted: string;
  order_tax_amount_formatted: string;
}
