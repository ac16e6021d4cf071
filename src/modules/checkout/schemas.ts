/** Checkout v3 bodies (TypeBox): the order as merchants create and update it, and merchants' callback answers. */
import { Type } from 'typebox';
import type { Static, TSchema } from 'typebox';
import { MAX_ORDER_LINES, PURCHASE_LINE_LIMITS, SHIPPING_METHODS, StringEnum, orderLineSchema } from '../../kernel/schemas.js';

const opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
const str = (maxLength: number) => Type.String({ maxLength });

/** Checkout's line amounts are bounded at 100 000 000 minor units (Klarna's published limit). */
export const MAX_CHECKOUT_AMOUNT = 100_000_000;

export const CheckoutAddress = Type.Object({
  given_name: opt(str(100)),
  family_name: opt(str(100)),
  email: opt(str(100)),
  title: opt(str(20)),
  street_address: opt(str(100)),
  street_address2: opt(str(100)),
  street_name: opt(str(100)),
  street_number: opt(str(20)),
  house_extension: opt(str(20)),
  postal_code: opt(str(10)),
  city: opt(str(200)),
  region: opt(str(200)),
  phone: opt(str(100)),
  country: opt(Type.String({ pattern: '^[A-Za-z]{2}$' })),
  care_of: opt(str(100)),
  organization_name: opt(str(255)),
  attention: opt(str(255)),
});
export type CheckoutAddress = Static<typeof CheckoutAddress>;
export const CHECKOUT_ADDRESS_FIELDS = Object.keys(CheckoutAddress.properties) as (keyof CheckoutAddress)[];

export const CheckoutCustomer = Type.Object({
  type: opt(StringEnum(['person', 'organization'] as const)),
  gender: opt(str(16)),
  date_of_birth: opt(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
  organization_registration_id: opt(str(255)),
  vat_id: opt(str(255)),
});
export type CheckoutCustomer = Static<typeof CheckoutCustomer>;

const Amount = Type.Integer({ minimum: 0, maximum: 200_000_000 });
const LineAmount = Type.Integer({ minimum: -MAX_CHECKOUT_AMOUNT, maximum: MAX_CHECKOUT_AMOUNT });

/**
 * A Checkout line: a purchase's line (no `return_fee`, name 1–255) with amounts bounded at
 * 100 000 000; tax_rate and total_tax_amount are required here, unlike in Payments.
 */
export const CheckoutOrderLine = Type.Object({
  ...orderLineSchema({ ...PURCHASE_LINE_LIMITS, maxAmount: MAX_CHECKOUT_AMOUNT }).properties,
  tax_rate: Type.Integer({ minimum: 0, maximum: 10000 }),
  total_tax_amount: LineAmount,
  shipping_attributes: opt(
    Type.Object({
      weight: opt(Type.Integer({ minimum: 0 })),
      dimensions: opt(Type.Object({ height: opt(Type.Integer({ minimum: 0 })), width: opt(Type.Integer({ minimum: 0 })), length: opt(Type.Integer({ minimum: 0 })) })),
      tags: opt(Type.Array(str(255), { maxItems: 100 })),
    }),
  ),
});
export type CheckoutOrderLine = Static<typeof CheckoutOrderLine>;

export const ShippingOption = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 255 }),
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: opt(str(255)),
  promo: opt(str(255)),
  price: Type.Integer({ minimum: 0, maximum: MAX_CHECKOUT_AMOUNT }),
  preselected: opt(Type.Boolean()),
  tax_amount: Type.Integer({ minimum: 0, maximum: MAX_CHECKOUT_AMOUNT }),
  tax_rate: Type.Integer({ minimum: 0, maximum: 10000 }),
  shipping_method: opt(StringEnum(SHIPPING_METHODS)),
  delivery_details: opt(Type.Record(Type.String(), Type.Unknown())),
  tms_reference: opt(str(255)),
  selected_addons: opt(Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 50 })),
});
export type ShippingOption = Static<typeof ShippingOption>;

const Url = str(2000);
export const CheckoutMerchantUrls = Type.Object({
  terms: Url,
  checkout: Url,
  confirmation: Url,
  push: Url,
  validation: opt(Url),
  notification: opt(Url),
  cancellation_terms: opt(Url),
  shipping_option_update: opt(Url),
  address_update: opt(Url),
  country_change: opt(Url),
});
export type CheckoutMerchantUrls = Static<typeof CheckoutMerchantUrls>;

const HexColor = Type.String({ pattern: '^#[A-Fa-f0-9]{6}$' });
const Checkbox = Type.Object({ text: str(1000), checked: Type.Boolean(), required: Type.Boolean() });
export const CheckoutOptions = Type.Object({
  require_validate_callback_success: opt(Type.Boolean()),
  acquiring_channel: opt(StringEnum(['ECOMMERCE', 'MOTO', 'IN_STORE', 'TELESALES'] as const)),
  vat_removed: opt(Type.Boolean()),
  allow_separate_shipping_address: opt(Type.Boolean()),
  color_button: opt(HexColor),
  color_button_text: opt(HexColor),
  color_checkbox: opt(HexColor),
  color_checkbox_checkmark: opt(HexColor),
  color_header: opt(HexColor),
  color_link: opt(HexColor),
  date_of_birth_mandatory: opt(Type.Boolean()),
  shipping_details: opt(str(255)),
  title_mandatory: opt(Type.Boolean()),
  additional_checkbox: opt(Checkbox),
  national_identification_number_mandatory: opt(Type.Boolean()),
  additional_merchant_terms: opt(str(2000)),
  phone_mandatory: opt(Type.Boolean()),
  radius_border: opt(str(16)),
  allowed_customer_types: opt(Type.Array(StringEnum(['person', 'organization'] as const), { minItems: 1, maxItems: 2 })),
  show_subtotal_detail: opt(Type.Boolean()),
  additional_checkboxes: opt(Type.Array(Type.Object({ ...Checkbox.properties, id: str(255) }), { maxItems: 10 })),
  verify_national_identification_number: opt(Type.Boolean()),
  auto_capture: opt(Type.Boolean()),
  require_client_validation: opt(Type.Boolean()),
  enable_discount_module: opt(Type.Boolean()),
  show_vat_registration_number_field: opt(Type.Boolean()),
});

const PaymentProvider = Type.Object({
  name: str(255),
  redirect_url: str(2000),
  image_url: opt(str(2000)),
  fee: opt(Type.Integer({ minimum: 0, maximum: MAX_CHECKOUT_AMOUNT })),
  description: opt(str(500)),
  countries: opt(Type.Array(Type.String({ pattern: '^[A-Za-z]{2}$' }), { maxItems: 300 })),
  label: opt(str(255)),
});

const DiscountLine = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  quantity: Type.Integer({ minimum: 0 }),
  unit_price: Type.Integer({ minimum: -MAX_CHECKOUT_AMOUNT, maximum: 0 }),
  tax_rate: Type.Integer({ minimum: 0, maximum: 10000 }),
  total_amount: Type.Integer({ minimum: -MAX_CHECKOUT_AMOUNT, maximum: 0 }),
  total_tax_amount: Type.Integer({ minimum: -MAX_CHECKOUT_AMOUNT, maximum: 0 }),
  reference: opt(str(255)),
  merchant_data: opt(str(1024)),
});

const CountryList = Type.Array(Type.String({ pattern: '^[A-Za-z]{2}$' }), { maxItems: 300 });

/** Every field a merchant may set; all optional (the update body). */
const orderFields = {
  purchase_country: opt(Type.String({ pattern: '^[A-Za-z]{2}$' })),
  purchase_currency: opt(Type.String({ pattern: '^[A-Za-z]{3}$' })),
  locale: opt(Type.String({ pattern: '^[A-Za-z]{2}(?:-[A-Za-z]{2})*$', maxLength: 16 })),
  billing_address: opt(CheckoutAddress),
  shipping_address: opt(CheckoutAddress),
  order_amount: opt(Amount),
  order_tax_amount: opt(Amount),
  order_lines: opt(Type.Array(CheckoutOrderLine, { maxItems: MAX_ORDER_LINES })),
  customer: opt(CheckoutCustomer),
  merchant_urls: opt(CheckoutMerchantUrls),
  merchant_reference1: opt(str(255)),
  merchant_reference2: opt(str(255)),
  options: opt(CheckoutOptions),
  attachment: opt(Type.Object({ content_type: str(255), body: str(100_000) })),
  external_payment_methods: opt(Type.Array(PaymentProvider, { maxItems: 20 })),
  external_checkouts: opt(Type.Array(PaymentProvider, { maxItems: 20 })),
  shipping_countries: opt(CountryList),
  billing_countries: opt(CountryList),
  shipping_options: opt(Type.Array(ShippingOption, { maxItems: 100 })),
  merchant_data: opt(str(6000)),
  gui: opt(Type.Object({ options: opt(Type.Array(StringEnum(['disable_autofocus', 'minimal_confirmation'] as const), { maxItems: 2 })) })),
  selected_shipping_option: opt(ShippingOption),
  recurring: opt(Type.Boolean()),
  tags: opt(Type.Array(str(255), { maxItems: 100 })),
  discount_lines: opt(Type.Array(DiscountLine, { maxItems: 100 })),
};

export const CheckoutUpdateBody = Type.Object(orderFields);
export type CheckoutUpdateBody = Static<typeof CheckoutUpdateBody>;

export const CheckoutCreateBody = Type.Object({
  ...orderFields,
  purchase_country: Type.String({ pattern: '^[A-Za-z]{2}$' }),
  purchase_currency: Type.String({ pattern: '^[A-Za-z]{3}$' }),
  locale: Type.String({ pattern: '^[A-Za-z]{2}(?:-[A-Za-z]{2})*$', maxLength: 16 }),
  order_amount: Amount,
  order_tax_amount: Amount,
  order_lines: Type.Array(CheckoutOrderLine, { maxItems: MAX_ORDER_LINES }),
  merchant_urls: CheckoutMerchantUrls,
});
export type CheckoutCreateBody = Static<typeof CheckoutCreateBody>;

export const CheckoutParams = Type.Object({ order_id: Type.String({ minLength: 1, maxLength: 255 }) });

/**
 * A merchant's 200 answer to address_update, country_change and shipping_option_update
 * (`shipping_service_response`): the cart as it now is, and optionally new shipping options.
 */
export const ShippingServiceResponse = Type.Object({
  order_amount: Amount,
  order_tax_amount: Amount,
  order_lines: Type.Array(CheckoutOrderLine, { maxItems: MAX_ORDER_LINES }),
  purchase_currency: Type.String({ pattern: '^[A-Za-z]{3}$' }),
  shipping_options: opt(Type.Array(ShippingOption, { maxItems: 100 })),
  merchant_data: opt(str(6000)),
  attachment: opt(Type.Object({ content_type: str(255), body: str(100_000) })),
  locale: opt(Type.String({ pattern: '^[A-Za-z]{2}(?:-[A-Za-z]{2})*$', maxLength: 16 })),
  external_payment_methods: opt(Type.Array(PaymentProvider, { maxItems: 20 })),
  tags: opt(Type.Array(str(255), { maxItems: 100 })),
});
export type ShippingServiceResponse = Static<typeof ShippingServiceResponse>;

/** A merchant's 400 answer: an error shown to the shopper. */
export const MERCHANT_ERROR_TYPES = ['address_error', 'unsupported_shipping_address', 'approval_failed'] as const;

/** What the shopper gives (sandbox completion and the checkout page). */
export const ShopperInput = Type.Object({
  email: opt(str(100)),
  billing_address: opt(CheckoutAddress),
  shipping_address: opt(CheckoutAddress),
  customer: opt(CheckoutCustomer),
  shipping_option_id: opt(Type.String({ minLength: 1, maxLength: 255 })),
});
export type ShopperInput = Static<typeof ShopperInput>;

/**
 * What the shopper's purchase led to (`POST /sandbox/v1/checkout/orders/{id}/complete`): completed,
 * or what the merchant's validation answered, or declined by the test shopper's e-mail.
 */
export const CompletionOutcome = Type.Union([
  Type.Object({ status: Type.Literal('updated') }),
  Type.Object({ status: Type.Literal('checkout_complete'), order_id: Type.String(), redirect_url: Type.String() }),
  Type.Object({ status: Type.Literal('redirect'), redirect_url: Type.String(), callback: Type.String() }),
  Type.Object({ status: Type.Literal('error'), error_type: Type.String(), error_text: Type.Union([Type.String(), Type.Null()]), callback: Type.String() }),
  Type.Object({ status: Type.Literal('declined'), reason: StringEnum(['denied', 'pre_screen'] as const) }),
  Type.Object({ status: Type.Literal('validation_failed'), reason: Type.String() }),
]);
export type CompletionOutcome = Static<typeof CompletionOutcome>;
