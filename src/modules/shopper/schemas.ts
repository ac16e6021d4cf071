/** Inputs of the shopper-side routes (TypeBox): the browser sends these, authenticated by the client token only. */
import { Type } from 'typebox';
import type { Static } from 'typebox';
import { AuthorizeBody } from '../payments/schemas.js';

/** Klarna's client tokens are at most 4096 characters; a little slack costs nothing. */
const ClientToken = Type.String({ minLength: 1, maxLength: 8192 });

export const ClientTokenQuery = Type.Object({ client_token: ClientToken });
export type ClientTokenQuery = Static<typeof ClientTokenQuery>;

/**
 * The widget page is loaded by an iframe the library creates; a bad or missing token still gets a
 * page (which tells the library that loading failed), so only the sizes are checked here.
 */
export const WidgetQuery = Type.Object({
  client_token: Type.Optional(Type.String({ maxLength: 8192 })),
  /** The embedding page's origin: the only one the widget talks to. */
  origin: Type.Optional(Type.String({ maxLength: 2048 })),
  /** Comma-separated category identifiers the merchant asked `load` for. */
  categories: Type.Optional(Type.String({ maxLength: 1024 })),
  /** Which of the page's widgets this is, echoed in every message. */
  instance: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
});
export type WidgetQuery = Static<typeof WidgetQuery>;

export const WidgetAuthorizeBody = Type.Object({ client_token: ClientToken, ...AuthorizeBody.properties });
export type WidgetAuthorizeBody = Static<typeof WidgetAuthorizeBody>;

export const AssetParams = Type.Object({
  identifier: Type.String({ maxLength: 64 }),
  file: Type.String({ maxLength: 64 }),
});
