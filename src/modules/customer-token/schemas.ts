/**
 * Customer Token API v1 bodies (TypeBox): request validation, types and the answers' shapes. Field
 * bounds follow Klarna's published Customer Token document; schema violations answer 400 BAD_VALUE
 * (route config `validationStyle: 'bad_value'`). Unknown properties are accepted and ignored.
 */
import { Type } from 'typebox';
import type { Static, TSchema } from 'typebox';
import { Customer, MAX_AMOUNT, MAX_ORDER_LINES, PURCHASE_LINE_LIMITS, StringEnum, orderLineSchema } from '../../kernel/schemas.js';
import { TOKEN_PAYMENT_METHOD_TYPES, TOKEN_STATUSES } from './token.js';

const opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
const str = (maxLength: number) => Type.String({ maxLength });
const Country = Type.String({ pattern: '^[A-Za-z]{2}$' });
const Currency = Type.String({ pattern: '^[A-Za-z]{3}$' });
/** Checked against Klarna's locale rule by the operation, which answers `Bad value: locale`. */
const Locale = Type.String({ minLength: 1, maxLength: 16 });

// Ids are not length-checked: a malformed id is answered exactly like an unknown one (404).
export const TokenParams = Type.Object({ customerToken: Type.String() });
export const SandboxTokenParams = Type.Object({ token_id: Type.String() });

/** The token API's address: fields up to 99 characters, postal code 10, title 20, phone 5–99. */
export const TokenAddress = Type.Object({
  attention: opt(str(99)),
  city: opt(str(99)),
  country: opt(Country),
  email: opt(str(99)),
  family_name: opt(str(99)),
  given_name: opt(str(99)),
  organization_name: opt(str(99)),
  phone: opt(Type.String({ minLength: 5, maxLength: 99 })),
  postal_code: opt(str(10)),
  region: opt(str(99)),
  street_address: opt(str(99)),
  street_address2: opt(str(99)),
  title: opt(str(20)),
});
export type TokenAddress = Static<typeof TokenAddress>;

/** A line of a token order: a purchase's, with amounts bounded at 100 000 000 minor units (§4). */
export const TokenOrderLine = orderLineSchema({
  ...PURCHASE_LINE_LIMITS,
  maxAmount: 100_000_000,
  referenceMaxLength: 256,
  quantityUnit: { minLength: 1, maxLength: 8 },
  merchantDataMaxLength: 255,
});
export type TokenOrderLine = Static<typeof TokenOrderLine>;

/**
 * `confirmation` is required whenever `merchant_urls` is sent (Klarna's document). `notification`
 * is not in that document but is where Klarna reports a pending order's fraud decision, so it is
 * accepted and used.
 */
export const TokenMerchantUrls = Type.Object({
  confirmation: str(2000),
  push: opt(str(2000)),
  notification: opt(str(2000)),
});

export const Attachment = Type.Object({ body: str(100_000), content_type: str(255) });

export const CreateTokenOrderBody = Type.Object({
  order_amount: Type.Integer({ minimum: 1, maximum: MAX_AMOUNT }),
  order_tax_amount: Type.Integer({ minimum: 0, maximum: MAX_AMOUNT }),
  order_lines: Type.Array(TokenOrderLine, { minItems: 1, maxItems: MAX_ORDER_LINES }),
  purchase_currency: Currency,
  purchase_country: opt(Country),
  locale: opt(Locale),
  auto_capture: opt(Type.Boolean()),
  merchant_reference1: opt(str(255)),
  merchant_reference2: opt(str(255)),
  merchant_data: opt(str(6000)),
  merchant_urls: opt(TokenMerchantUrls),
  shipping_address: opt(TokenAddress),
  attachment: opt(Attachment),
});
export type CreateTokenOrderBody = Static<typeof CreateTokenOrderBody>;

export const UpdateTokenStatusBody = Type.Object({ status: StringEnum(['CANCELLED'] as const) });
export type UpdateTokenStatusBody = Static<typeof UpdateTokenStatusBody>;

const CardInformation = Type.Object({ brand: Type.String(), expiry_date: Type.String(), masked_number: Type.String() });
const DirectDebitInformation = Type.Object({ masked_number: Type.String() });

export const CustomerTokenResponse = Type.Object({
  status: Type.String(),
  payment_method_type: Type.String(),
  card: opt(CardInformation),
  direct_debit: opt(DirectDebitInformation),
});

// ---- Sandbox ----

/** What the sandbox needs to make a token without a Payments flow. */
export const SandboxTokenBody = Type.Object({
  purchase_country: Country,
  purchase_currency: Currency,
  locale: opt(Locale),
  /** The shopper's e-mail; its test-data pattern decides later token orders (§9.1). */
  email: opt(str(99)),
  billing_address: opt(TokenAddress),
  shipping_address: opt(TokenAddress),
  customer: opt(Customer),
  payment_method_type: opt(StringEnum(TOKEN_PAYMENT_METHOD_TYPES)),
  description: opt(Type.String({ minLength: 1, maxLength: 255 })),
});
export type SandboxTokenBody = Static<typeof SandboxTokenBody>;

export const SandboxTokenStatusBody = Type.Object({ status: StringEnum(TOKEN_STATUSES) });
export type SandboxTokenStatusBody = Static<typeof SandboxTokenStatusBody>;

/** An address as a token keeps it: the token API's fields, and whatever else the purchase that made it gave. */
const StoredTokenAddress = Type.Object(TokenAddress.properties, { additionalProperties: true });

/** The sandbox's view of a token: the Customer Token read plus what the token was made from. */
export const SandboxTokenResponse = Type.Object({
  token_id: Type.String(),
  status: StringEnum(TOKEN_STATUSES),
  payment_method_type: StringEnum(TOKEN_PAYMENT_METHOD_TYPES),
  card: opt(CardInformation),
  direct_debit: opt(DirectDebitInformation),
  purchase_country: Type.String(),
  purchase_currency: Type.String(),
  locale: Type.String(),
  description: opt(Type.String()),
  email: opt(Type.String()),
  billing_address: opt(StoredTokenAddress),
  shipping_address: opt(StoredTokenAddress),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type SandboxTokenResponse = Static<typeof SandboxTokenResponse>;
