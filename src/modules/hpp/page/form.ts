/**
 * The hosted page's buttons are plain HTML forms (`application/x-www-form-urlencoded`), so the page
 * works without JavaScript. Their bodies are read here, for the page's routes only (the app's own
 * parser takes JSON and refuses other media types, 415). A body is one of the page's forms only if
 * it is well-formed UTF-8 form encoding and carries the page's hidden marker field: anything else is
 * not something this route can act on (415, as any other media type), so a stray or hand-made post
 * never declines, cancels or approves a session by accident.
 */
import { ApiError, badRequest } from '../../../platform/http/errors.js';
import { readFormFields } from '../../../platform/http/forms.js';
import type { HppApproveBody } from '../schemas.js';
import type { HppPageView } from './view.js';

/** The hidden field every form of the page carries, and its value. */
export const FORM_MARKER = { name: 'hpp_form', value: 'page' } as const;

/** A parsed form body of the page (the route handlers tell it from a JSON body by its class). */
export class PageForm {
  constructor(private readonly fields: ReadonlyMap<string, string>) {}

  /** The field's value ('' when absent), trimmed. */
  get(name: string): string {
    return (this.fields.get(name) ?? '').trim();
  }

  has(name: string): boolean {
    return this.fields.has(name);
  }
}

export const notAPageForm = () =>
  new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', ['This route takes the hosted page\'s own forms only (application/x-www-form-urlencoded, as the page sends them)']);

/**
 * Pure: the fields of a form body, or the refusal: 415 when it is not one of the page's forms
 * (not UTF-8, a broken %-escape, no marker), 400 for a NUL character (which PostgreSQL cannot
 * store; the same refusal as for JSON). The first value of a repeated field counts.
 */
export function parsePageForm(body: Buffer): PageForm | ApiError {
  const fields = readFormFields(body);
  if (!fields) return notAPageForm();
  if (fields.get(FORM_MARKER.name) !== FORM_MARKER.value) return notAPageForm();
  for (const [name, value] of fields) {
    if (name.includes('\u0000') || value.includes('\u0000')) return badRequest('The form contains a NUL character');
  }
  return new PageForm(fields);
}

/** The billing fields the page asks for on a Checkout order: name, label, autocomplete token, limit. */
export const BILLING_INPUTS = [
  ['given_name', 'First name', 'given-name', 99],
  ['family_name', 'Last name', 'family-name', 99],
  ['street_address', 'Street address', 'address-line1', 99],
  ['postal_code', 'Postal code', 'postal-code', 10],
  ['city', 'City', 'address-level2', 99],
] as const;

export const EMAIL_LIMIT = 99;

/** What the consumer typed, to show again after a refusal. */
export interface EnteredValues {
  email: string;
  payment_method_category: string;
  billing: Record<string, string>;
}

export function enteredValues(form: PageForm): EnteredValues {
  const billing: Record<string, string> = {};
  for (const [field] of BILLING_INPUTS) billing[field] = form.get(`billing_address.${field}`);
  billing.country = form.get('billing_address.country').toUpperCase();
  return { email: form.get('email'), payment_method_category: form.get('payment_method_category'), billing };
}

/**
 * Pure: the approval the form asks for, or the names of the fields that cannot be sent as they
 * are (too long, a country that is not two letters). Empty fields are left out, so the
 * operation's own rules decide what is missing (a Checkout order needs the address; a Payments
 * session without an e-mail is the default approved shopper).
 */
export function approvalInput(view: Pick<HppPageView, 'kind'>, entered: EnteredValues): { input: HppApproveBody } | { invalid: string[] } {
  const invalid: string[] = [];
  if (entered.email.length > EMAIL_LIMIT) invalid.push('email');
  const input: HppApproveBody = {};
  if (entered.email) input.email = entered.email;
  if (view.kind === 'payments') {
    if (entered.payment_method_category) input.payment_method_category = entered.payment_method_category.slice(0, 64);
  } else {
    const address: Record<string, string> = {};
    for (const [field, , , limit] of BILLING_INPUTS) {
      const value = entered.billing[field] ?? '';
      if (value.length > limit) invalid.push(`billing_address.${field}`);
      if (value) address[field] = value;
    }
    const country = entered.billing.country ?? '';
    if (country && !/^[A-Z]{2}$/.test(country)) invalid.push('billing_address.country');
    if (country) address.country = country;
    if (entered.email) address.email = entered.email;
    input.billing_address = address;
  }
  return invalid.length > 0 ? { invalid } : { input };
}

/**
 * Pure: the fields a consumer error names (`Bad value: billing_address.city`), as the page's input
 * names: the billing e-mail is the page's e-mail field.
 */
export function fieldsOf(error: ApiError): string[] {
  return error.errorMessages.flatMap((message) => {
    const field = /^Bad value: ([A-Za-z_.]+)/.exec(message)?.[1];
    if (!field) return [];
    return [field === 'billing_address.email' ? 'email' : field];
  });
}
