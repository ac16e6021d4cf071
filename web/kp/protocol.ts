/**
 * The messages between klarna-local's Payments library (api.ts, in the merchant's page) and its
 * widget (widget.ts, in the iframe the library creates). Every message carries `ns: 'klarna-local'`;
 * the widget's also carry the `instance` the library gave it in the iframe's URL.
 *
 * widget → page: `loaded {show_form, invalid_fields?}`, `resize {height}`, `shown`, `result {request_id, result}`
 * page → widget: `authorize {request_id, mode, payment_method_category, auto_finalize, data}`
 *
 * Both sides check the other's origin (and window) before reading a message, and read every field as
 * untrusted: the types below say what a well-behaved peer sends, not what arrives.
 */

export const NS = 'klarna-local' as const;

/** What `load`'s callback gets (Klarna's shape). */
export interface LoadResult {
  show_form: boolean;
  error?: { invalid_fields: string[] };
}

/** What `authorize`/`finalize`'s callback gets (Klarna's shape); the widget sends the same fields. */
export interface AuthorizationResult {
  approved: boolean;
  authorization_token?: string;
  show_form: boolean;
  finalize_required: boolean;
  error?: { invalid_fields: string[] };
}

export type WidgetMessage =
  | { type: 'loaded'; show_form: true }
  | { type: 'loaded'; show_form: false; invalid_fields: string[] }
  | { type: 'resize'; height: number }
  | { type: 'shown' }
  | { type: 'result'; request_id: string; result: AuthorizationResult };

export type AuthorizationMode = 'authorize' | 'finalize';

export interface AuthorizeMessage {
  type: 'authorize';
  mode: AuthorizationMode;
  request_id: string;
  payment_method_category: string | null;
  auto_finalize: boolean;
  data: Record<string, unknown>;
}

/** As posted: the namespace added (and, from the widget, its instance). */
export type Envelope<T> = T & { ns: typeof NS; instance?: string };
