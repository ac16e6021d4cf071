/** Payments v1 bodies (TypeBox): request validation, types and the answers' shapes. */
import { Type } from 'typebox';
import type { Static, TSchema } from 'typebox';
import { MAX_AMOUNT, MAX_ORDER_LINES, PURCHASE_LINE_LIMITS, StringEnum, orderLineSchema } from '../../kernel/schemas.js';

const opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
const str = (maxLength: number) => Type.String({ maxLength });

export const INTENTS = ['buy', 'tokenize', 'buy_and_tokenize'] as const;
export type Intent = (typeof INTENTS)[number];

export const ACQUIRING_CHANNELS = ['ECOMMERCE', 'IN_STORE', 'TELESALES'] as const;

/** Payments' address (fields up to 99 characters, postal code 10). */
export const PaymentsAddress = Type.Object({
  attention: opt(str(99)),
  city: opt(str(99)),
  country: opt(Type.String({ pattern: '^[A-Za-z]{2}$' })),
  email: opt(str(99)),
  family_name: opt(str(99)),
  given_name: opt(str(99)),
  organization_name: opt(str(99)),
  phone: opt(str(99)),
  postal_code: opt(str(10)),
  region: opt(str(99)),
  street_address: opt(str(99)),
  street_address2: opt(str(99)),
  title: opt(str(20)),
});
export type PaymentsAddress = Static<typeof PaymentsAddress>;
export const ADDRESS_FIELDS = Object.keys(PaymentsAddress.properties) as (keyof PaymentsAddress)[];

export const ORGANIZATION_ENTITY_TYPES = [
  'LIMITED_COMPANY',
  'PUBLIC_LIMITED_COMPANY',
  'ENTREPRENEURIAL_COMPANY',
  'LIMITED_PARTNERSHIP_LIMITED_COMPANY',
  'LIMITED_PARTNERSHIP',
  'GENERAL_PARTNERSHIP',
  'REGISTERED_SOLE_TRADER',
  'SOLE_TRADER',
  'CIVIL_LAW_PARTNERSHIP',
  'PUBLIC_INSTITUTION',
  'OTHER',
] as const;

export const PaymentsCustomer = Type.Object({
  date_of_birth: opt(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
  gender: opt(str(16)),
  last_four_ssn: opt(Type.String({ pattern: '^([0-9]{4}|[0-9]{9})$' })),
  national_identification_number: opt(str(255)),
  organization_entity_type: opt(StringEnum(ORGANIZATION_ENTITY_TYPES)),
  organization_registration_id: opt(str(255)),
  title: opt(str(20)),
  type: opt(Type.String({ pattern: '^(person|organization)$' })),
  vat_id: opt(str(255)),
});
export type PaymentsCustomer = Static<typeof PaymentsCustomer>;

export const MerchantUrls = Type.Object({
  confirmation: opt(str(2000)),
  notification: opt(str(2000)),
  push: opt(str(2000)),
  authorization: opt(str(2000)),
});
export type MerchantUrls = Static<typeof MerchantUrls>;

const HexColor = Type.String({ pattern: '^#[A-Fa-f0-9]{6}$' });
export const Options = Type.Object({
  color_border: opt(HexColor),
  color_border_selected: opt(HexColor),
  color_details: opt(HexColor),
  color_text: opt(HexColor),
  radius_border: opt(str(16)),
});

export const Attachment = Type.Object({ content_type: str(255), body: str(100_000) });

/** Payments' line: a purchase's line with Klarna's Payments bounds (quantity_unit 1–8 characters). */
export const PaymentsOrderLine = orderLineSchema({ ...PURCHASE_LINE_LIMITS, quantityUnit: { minLength: 1, maxLength: 8 } });

const Amount = Type.Integer({ minimum: 0, maximum: MAX_AMOUNT });
const Lines = Type.Array(PaymentsOrderLine, { minItems: 1, maxItems: MAX_ORDER_LINES });

/** Every field a session carries, all optional (the update body; create adds what is required). */
const sessionFields = {
  acquiring_channel: opt(StringEnum(ACQUIRING_CHANNELS)),
  attachment: opt(Attachment),
  billing_address: opt(PaymentsAddress),
  custom_payment_method_ids: opt(Type.Array(str(255), { maxItems: 50 })),
  customer: opt(PaymentsCustomer),
  design: opt(str(255)),
  locale: opt(Type.String({ pattern: '^[A-Za-z]{2}(?:-[A-Za-z]{2})*$', maxLength: 16 })),
  merchant_data: opt(str(6000)),
  merchant_reference1: opt(str(255)),
  merchant_reference2: opt(str(255)),
  merchant_urls: opt(MerchantUrls),
  options: opt(Options),
  order_amount: opt(Amount),
  order_lines: opt(Lines),
  order_tax_amount: opt(Amount),
  purchase_country: opt(Type.String({ pattern: '^[A-Za-z]{2}$' })),
  purchase_currency: opt(Type.String({ pattern: '^[A-Za-z]{3}$' })),
  shipping_address: opt(PaymentsAddress),
  intent: opt(StringEnum(INTENTS)),
};

export const SessionUpdateBody = Type.Object(sessionFields);
export type SessionUpdateBody = Static<typeof SessionUpdateBody>;

export const SessionCreateBody = Type.Object({
  ...sessionFields,
  order_amount: Amount,
  order_lines: Lines,
  purchase_country: Type.String({ pattern: '^[A-Za-z]{2}$' }),
  purchase_currency: Type.String({ pattern: '^[A-Za-z]{3}$' }),
});
export type SessionCreateBody = Static<typeof SessionCreateBody>;

export const CreateOrderBody = Type.Object({
  auto_capture: opt(Type.Boolean()),
  billing_address: opt(PaymentsAddress),
  custom_payment_method_ids: opt(Type.Array(str(255), { maxItems: 50 })),
  customer: opt(PaymentsCustomer),
  locale: opt(Type.String({ pattern: '^[A-Za-z]{2}(?:-[A-Za-z]{2})*$', maxLength: 16 })),
  merchant_data: opt(str(6000)),
  merchant_reference1: opt(str(255)),
  merchant_reference2: opt(str(255)),
  merchant_urls: opt(MerchantUrls),
  order_amount: Amount,
  order_lines: Lines,
  order_tax_amount: opt(Amount),
  purchase_country: Type.String({ pattern: '^[A-Za-z]{2}$' }),
  purchase_currency: Type.String({ pattern: '^[A-Za-z]{3}$' }),
  shipping_address: opt(PaymentsAddress),
  attachment: opt(Attachment),
});
export type CreateOrderBody = Static<typeof CreateOrderBody>;

export const CustomerTokenBody = Type.Object({
  billing_address: opt(PaymentsAddress),
  customer: opt(PaymentsCustomer),
  description: Type.String({ minLength: 1, maxLength: 255 }),
  intended_use: StringEnum(['SUBSCRIPTION'] as const),
  locale: Type.String({ pattern: '^[A-Za-z]{2}(?:-[A-Za-z]{2})*$', maxLength: 16 }),
  purchase_country: Type.String({ pattern: '^[A-Za-z]{2}$' }),
  purchase_currency: Type.String({ pattern: '^[A-Za-z]{3}$' }),
});
export type CustomerTokenBody = Static<typeof CustomerTokenBody>;

/** What the shopper (sandbox or widget) gives when authorizing. */
export const AuthorizeBody = Type.Object({
  email: opt(str(99)),
  billing_address: opt(PaymentsAddress),
  shipping_address: opt(PaymentsAddress),
  customer: opt(PaymentsCustomer),
  payment_method_category: opt(str(64)),
  /** Order data changed at authorization time (Klarna.Payments.authorize's `data`). */
  order_amount: opt(Amount),
  order_tax_amount: opt(Amount),
  order_lines: opt(Lines),
  purchase_currency: opt(Type.String({ pattern: '^[A-Za-z]{3}$' })),
  purchase_country: opt(Type.String({ pattern: '^[A-Za-z]{2}$' })),
  locale: opt(Type.String({ pattern: '^[A-Za-z]{2}(?:-[A-Za-z]{2})*$', maxLength: 16 })),
  merchant_reference1: opt(str(255)),
  merchant_reference2: opt(str(255)),
});
export type AuthorizeBody = Static<typeof AuthorizeBody>;

/**
 * What the shopper's approval led to (the widget's `authorize` callback): declined, or approved with
 * an authorization token valid 60 minutes and the fraud decision.
 */
export const AuthorizeResponse = Type.Object({
  approved: Type.Boolean(),
  show_form: Type.Boolean(),
  finalize_required: Type.Boolean(),
  authorization_token: opt(Type.String()),
  fraud_status: opt(StringEnum(['ACCEPTED', 'PENDING'] as const)),
});
export type AuthorizeResponse = Static<typeof AuthorizeResponse>;

export const SessionParams = Type.Object({ session_id: Type.String({ minLength: 1, maxLength: 255 }) });
export const AuthorizationParams = Type.Object({ authorization_token: Type.String({ minLength: 1, maxLength: 255 }) });
