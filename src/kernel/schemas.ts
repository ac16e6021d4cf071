/**
 * Klarna vocabulary shared by several APIs, as TypeBox schemas (request validation, response
 * serialisation and TypeScript types from one declaration). Limits follow Klarna's published field
 * sizes; see docs/api-coverage.md.
 */
import { Type } from 'typebox';
import type { Static, TSchema } from 'typebox';

export const MAX_AMOUNT = 200_000_000;
export const MAX_ORDER_LINES = 1000;
export const MAX_SHIPPING_INFO_ITEMS = 500;
/** No Klarna bound is published for quantity; this keeps quantity × unit_price far inside safe integers. */
export const MAX_QUANTITY = 100_000_000;

const str = (maxLength: number) => Type.String({ maxLength });

/** A closed set of strings, as one JSON-schema `enum` (clearer validation errors than a union). */
export const StringEnum = <const T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
const opt = <T extends TSchema>(schema: T) => Type.Optional(schema);

/** The line types of a purchase (Payments, Checkout, Customer Token orders, sandbox orders), §0.5. */
export const PURCHASE_LINE_TYPES = ['physical', 'discount', 'shipping_fee', 'sales_tax', 'digital', 'gift_card', 'store_credit', 'surcharge'] as const;

/** Order Management's line types: a purchase's, and `return_fee`, which only a refund may carry (§0.5, §1.6). */
export const ORDER_LINE_TYPES = [...PURCHASE_LINE_TYPES, 'return_fee'] as const;
export type OrderLineType = (typeof ORDER_LINE_TYPES)[number];

export const ProductIdentifiers = Type.Object({
  brand: opt(str(70)),
  category_path: opt(str(750)),
  global_trade_item_number: opt(str(50)),
  manufacturer_part_number: opt(str(70)),
  color: opt(str(64)),
  size: opt(str(64)),
});

export const Subscription = Type.Object({
  name: str(255),
  interval: StringEnum(['DAY', 'WEEK', 'MONTH', 'YEAR'] as const),
  interval_count: Type.Integer({ minimum: 1, maximum: 1000 }),
});

/**
 * Where the APIs' order lines differ (§0.5): which types they take, whether a name may be empty, the
 * bound on amounts, and a few lengths. Everything else about a line is the same everywhere.
 */
export interface LineLimits<T extends readonly string[]> {
  types: T;
  /** 0 in Order Management's document, 1 in Payments', Checkout's and Customer Token's. */
  nameMinLength: number;
  /** Bound on unit price and totals, in minor units (200 000 000; 100 000 000 in Checkout and Customer Token). */
  maxAmount: number;
  referenceMaxLength: number;
  /** 0–10 in Order Management and Checkout, 1–8 in Payments and Customer Token. */
  quantityUnit: { minLength: number; maxLength: number };
  merchantDataMaxLength: number;
}

/** The order-line schema with one API's limits. */
export function orderLineSchema<const T extends readonly string[]>(limits: LineLimits<T>) {
  const amount = Type.Integer({ minimum: -limits.maxAmount, maximum: limits.maxAmount });
  return Type.Object({
    type: opt(StringEnum(limits.types)),
    reference: opt(str(limits.referenceMaxLength)),
    name: Type.String({ ...(limits.nameMinLength > 0 && { minLength: limits.nameMinLength }), maxLength: 255 }),
    quantity: Type.Integer({ minimum: 0, maximum: MAX_QUANTITY }),
    quantity_unit: opt(Type.String({ ...(limits.quantityUnit.minLength > 0 && { minLength: limits.quantityUnit.minLength }), maxLength: limits.quantityUnit.maxLength })),
    unit_price: amount,
    tax_rate: opt(Type.Integer({ minimum: 0, maximum: 10000 })),
    total_amount: amount,
    total_discount_amount: opt(Type.Integer({ minimum: 0, maximum: limits.maxAmount })),
    total_tax_amount: opt(amount),
    merchant_data: opt(str(limits.merchantDataMaxLength)),
    product_url: opt(str(1024)),
    image_url: opt(str(1024)),
    product_identifiers: opt(ProductIdentifiers),
    subscription: opt(Subscription),
  });
}

/** Order Management's limits: every line type, return fees included (§1.6). */
export const OM_LINE_LIMITS: LineLimits<typeof ORDER_LINE_TYPES> = {
  types: ORDER_LINE_TYPES,
  nameMinLength: 0,
  maxAmount: MAX_AMOUNT,
  referenceMaxLength: 255,
  quantityUnit: { minLength: 0, maxLength: 10 },
  merchantDataMaxLength: 1024,
};

/** A purchase's limits (Payments, Checkout, Customer Token, sandbox orders): no `return_fee`, a name of 1–255 characters. */
export const PURCHASE_LINE_LIMITS: LineLimits<typeof PURCHASE_LINE_TYPES> = { ...OM_LINE_LIMITS, types: PURCHASE_LINE_TYPES, nameMinLength: 1 };

/** An order line as Order Management accepts and returns it (§0.5). */
export const OrderLine = orderLineSchema(OM_LINE_LIMITS);
export type OrderLine = Static<typeof OrderLine>;

/**
 * A line of a purchase, as the sandbox's orders accept it (§0.5): `name` is 1–255 characters, and
 * `return_fee` is refused (it belongs to Order Management refunds), both 400 BAD_VALUE naming
 * `order_lines[i].name` / `order_lines[i].type`.
 */
export const PurchaseOrderLine = orderLineSchema(PURCHASE_LINE_LIMITS);
export type PurchaseOrderLine = Static<typeof PurchaseOrderLine>;

/** Address as Order Management stores and returns it. */
export const Address = Type.Object({
  title: opt(str(20)),
  given_name: opt(str(100)),
  family_name: opt(str(100)),
  street_address: opt(str(100)),
  street_address2: opt(str(100)),
  postal_code: opt(str(10)),
  city: opt(str(200)),
  region: opt(str(200)),
  country: opt(str(2)),
  email: opt(str(100)),
  phone: opt(str(100)),
  organization_name: opt(str(255)),
  attention: opt(str(255)),
});
export type Address = Static<typeof Address>;

const ADDRESS_FIELDS = Object.keys(Address.properties) as (keyof Address)[];

/** Only the address fields Klarna knows: unknown properties are ignored, never stored. */
export function knownAddressFields(address: Address): Address {
  const known: Record<string, string> = {};
  for (const field of ADDRESS_FIELDS) {
    const value = address[field];
    if (value !== undefined) known[field] = value;
  }
  return known as Address;
}

export const SHIPPING_METHODS = [
  'PickUpStore',
  'Home',
  'BoxReg',
  'BoxUnreg',
  'PickUpPoint',
  'Own',
  'Postal',
  'DHLPackstation',
  'Digital',
  'Undefined',
  'PickUpWarehouse',
  'ClickCollect',
  'PalletDelivery',
] as const;

export const ShippingInfo = Type.Object({
  shipping_company: opt(str(100)),
  shipping_method: opt(StringEnum(SHIPPING_METHODS)),
  tracking_number: opt(str(100)),
  tracking_uri: opt(str(1024)),
  return_shipping_company: opt(str(100)),
  return_tracking_number: opt(str(100)),
  return_tracking_uri: opt(str(1024)),
});
export type ShippingInfo = Static<typeof ShippingInfo>;

export const Customer = Type.Object({
  date_of_birth: opt(Type.String({ maxLength: 10, pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
  national_identification_number: opt(str(255)),
});
export type Customer = Static<typeof Customer>;

export const INITIAL_PAYMENT_METHOD_TYPES = [
  'ACCOUNT',
  'ALTERNATIVE_PAYMENT_METHOD',
  'BANK_TRANSFER',
  'CARD',
  'DEFERRED_INTEREST',
  'DIRECT_DEBIT',
  'FIXED_AMOUNT_BY_CARD',
  'FIXED_AMOUNT',
  'FIXED_SUM_CREDIT',
  'INVOICE_BUSINESS',
  'INVOICE',
  'MOBILEPAY',
  'PAY_BY_CARD',
  'PAY_IN_X',
  'PAY_LATER_BY_CARD',
  'PAY_LATER_IN_PARTS',
  'SWISH',
  'OTHER',
] as const;
export type InitialPaymentMethodType = (typeof INITIAL_PAYMENT_METHOD_TYPES)[number];

export const InitialPaymentMethod = Type.Object({
  type: StringEnum(INITIAL_PAYMENT_METHOD_TYPES),
  description: opt(str(255)),
  number_of_installments: opt(Type.Integer({ minimum: 0, maximum: 1000 })),
});
export type InitialPaymentMethod = Static<typeof InitialPaymentMethod>;

export const ErrorEnvelope = Type.Object({
  error_code: Type.String(),
  error_messages: Type.Array(Type.String()),
  correlation_id: Type.String(),
});
