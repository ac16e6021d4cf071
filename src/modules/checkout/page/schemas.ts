/** Inputs of the checkout page's routes (TypeBox): the browser sends these, authenticated by the page token only. */
import { Type } from 'typebox';
import type { Static } from 'typebox';
import { ShopperInput } from '../schemas.js';

/** A page token is a short signed claim (checkout-order.ts); anything much longer is not one. */
const PageToken = Type.String({ minLength: 1, maxLength: 2048 });

/** The pages answer a missing or bad token with a page that says so, not with a JSON error. */
export const PageQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 2048 })) });
export type PageQuery = Static<typeof PageQuery>;

export const TokenQuery = Type.Object({ token: PageToken });
export type TokenQuery = Static<typeof TokenQuery>;

const { shipping_option_id: _shippingOptionId, ...detailFields } = ShopperInput.properties;

export const DetailsBody = Type.Object({ token: PageToken, ...detailFields });
export type DetailsBody = Static<typeof DetailsBody>;

export const ShippingOptionBody = Type.Object({ token: PageToken, shipping_option_id: Type.String({ minLength: 1, maxLength: 255 }) });
export type ShippingOptionBody = Static<typeof ShippingOptionBody>;

export const CompleteBody = Type.Object({ token: PageToken, ...ShopperInput.properties });
export type CompleteBody = Static<typeof CompleteBody>;
