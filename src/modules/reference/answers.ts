/**
 * How an operation's answers are written down for the OpenAPI document: a status, what it means, its
 * media types (each with a body schema, or none for bytes that are not JSON), its headers, and whether
 * it may come without a body. Only the document reads these; no route serialises through them.
 */
import { Type } from 'typebox';
import type { TSchema } from 'typebox';

export interface Answer {
  description: string;
  /** Media type → the body's schema (null: a body of that type, not described further). */
  content?: Readonly<Record<string, TSchema | null>>;
  /** Header name → what it carries. */
  headers?: Readonly<Record<string, string>>;
  /** The status is also answered with no body and no content type (`x-empty` in the document). */
  empty?: boolean;
}

export interface OperationDoc {
  summary: string;
  description?: string;
  /** The operation's own answers by status; the refusals every route shares are added from its facts (document.ts). */
  responses: Readonly<Record<number, Answer>>;
  /** The operation's own refusals in Klarna's envelope, by status: what they mean (error codes in docs/error-codes.md). */
  refusals?: Readonly<Record<number, string>>;
  /** A body may be left out (it then reads as `{}`). */
  optionalBody?: boolean;
  /** The fields of an HTML form it takes (`application/x-www-form-urlencoded`). */
  form?: Readonly<Record<string, string>>;
}

export const JSON_TYPE = 'application/json';

/** Klarna's error envelope (schemas.ts), named once in the document's components. */
export const envelopeRef = Type.Unsafe<unknown>({ $ref: '#/components/schemas/ErrorEnvelope' });

export const json = (description: string, schema: TSchema, headers?: Answer['headers']): Answer => ({ description, content: { [JSON_TYPE]: schema }, ...(headers && { headers }) });
export const noBody = (description: string, headers?: Answer['headers']): Answer => ({ description, ...(headers && { headers }) });
export const bytes = (description: string, type: string, headers?: Answer['headers']): Answer => ({ description, content: { [type]: null }, ...(headers && { headers }) });
export const html = (description: string, headers?: Answer['headers']): Answer => bytes(description, 'text/html', headers);
export const seeOther = (description: string): Answer => noBody(description, { Location: 'Where to go next' });
/** 304 to a conditional GET whose `If-None-Match` names the current ETag. */
export const notModified: Answer = noBody('Not modified: the `If-None-Match` ETag is current', { ETag: 'The asset’s ETag' });
