/** Hosted Payment Page v1 bodies (TypeBox): create, distribution, and the sandbox shopper's actions. */
import { Type } from 'typebox';
import type { Static, TSchema } from 'typebox';
import { StringEnum } from '../../kernel/schemas.js';
import { PaymentsAddress, PaymentsCustomer } from '../payments/schemas.js';

const opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
const str = (maxLength: number) => Type.String({ maxLength });

export const HPP_CATEGORIES = ['DIRECT_DEBIT', 'DIRECT_BANK_TRANSFER', 'PAY_NOW', 'PAY_LATER', 'PAY_OVER_TIME', 'KLARNA'] as const;
export type HppCategory = (typeof HPP_CATEGORIES)[number];
export const PLACE_ORDER_MODES = ['PLACE_ORDER', 'CAPTURE_ORDER', 'NONE'] as const;
export type PlaceOrderMode = (typeof PLACE_ORDER_MODES)[number];
export const PURCHASE_TYPES = ['BUY', 'RENT', 'BOOK', 'SUBSCRIBE', 'DOWNLOAD', 'ORDER', 'CONTINUE'] as const;

export const HppMerchantUrls = Type.Object({
  success: opt(str(2000)),
  cancel: opt(str(2000)),
  back: opt(str(2000)),
  failure: opt(str(2000)),
  error: opt(str(2000)),
  status_update: opt(str(2000)),
});
export type HppMerchantUrls = Static<typeof HppMerchantUrls>;

export const HppOptions = Type.Object({
  background_images: opt(Type.Array(Type.Object({ url: str(2000), width: opt(Type.Integer({ minimum: 1, maximum: 100_000 })) }), { maxItems: 20 })),
  logo_url: opt(str(2000)),
  page_title: opt(str(255)),
  payment_method_categories: opt(Type.Array(StringEnum(HPP_CATEGORIES), { maxItems: 6 })),
  payment_method_category: opt(StringEnum(HPP_CATEGORIES)),
  place_order_mode: opt(StringEnum(PLACE_ORDER_MODES)),
  purchase_type: opt(StringEnum(PURCHASE_TYPES)),
  show_subtotal_detail: opt(StringEnum(['HIDE'] as const)),
});
export type HppOptions = Static<typeof HppOptions>;

export const HppCreateBody = Type.Object({
  payment_session_url: Type.String({ minLength: 1, maxLength: 2000 }),
  merchant_urls: opt(HppMerchantUrls),
  options: opt(HppOptions),
  profile_id: opt(str(255)),
});
export type HppCreateBody = Static<typeof HppCreateBody>;

export const DistributionBody = Type.Object({
  method: StringEnum(['sms', 'email', 'token'] as const),
  contact_information: Type.Object({
    access_id: opt(str(255)),
    email: opt(str(320)),
    phone: opt(str(64)),
    phone_country: opt(str(2)),
  }),
  template: opt(StringEnum(['INSTORE_PURCHASE'] as const)),
});
export type DistributionBody = Static<typeof DistributionBody>;

export const HppSessionParams = Type.Object({ session_id: Type.String({ minLength: 1, maxLength: 255 }) });

/** What the shopper gives when approving (the hosted page's form, or the sandbox's approve). */
export const HppApproveBody = Type.Object({
  email: opt(str(99)),
  billing_address: opt(PaymentsAddress),
  shipping_address: opt(PaymentsAddress),
  customer: opt(PaymentsCustomer),
  payment_method_category: opt(str(64)),
});
export type HppApproveBody = Static<typeof HppApproveBody>;

export const SHOPPER_ACTIONS = ['open', 'approve', 'decline', 'back', 'cancel'] as const;

/**
 * A session's statuses: hpp-session.ts's HPP_STATUSES, which imports this file (so it is not imported
 * here); the sandbox routes' answers are checked against it by the compiler.
 */
const SESSION_STATUSES = ['WAITING', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'BACK', 'ERROR', 'CANCELLED', 'DISABLED'] as const;

/**
 * The session as the merchant reads it (hpp-session.ts presentHppSession). The fields are optional in the schema because the presenter is typed as an open
 * record, though `session_id`, `status`, `updated_at` and `expires_at` are always there.
 */
export const HppSessionView = Type.Object({
  session_id: opt(Type.String()),
  status: opt(StringEnum(SESSION_STATUSES)),
  updated_at: opt(Type.String()),
  expires_at: opt(Type.String()),
  authorization_token: opt(Type.String()),
  order_id: opt(Type.String()),
  klarna_reference: opt(Type.String()),
  customer: opt(Type.Record(Type.String(), Type.String())),
});

/** What a consumer action led to: the new status, where the page sends the consumer (null: klarna-local's own page), the session. */
export const HppActionResponse = Type.Object({
  status: StringEnum(SESSION_STATUSES),
  redirect_url: Type.Union([Type.String(), Type.Null()]),
  session: HppSessionView,
});
export type HppActionResponse = Static<typeof HppActionResponse>;
export type ShopperActionName = (typeof SHOPPER_ACTIONS)[number];
