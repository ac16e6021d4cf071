/** Assertions and paths shared by the API tests. */
import assert from 'node:assert/strict';
import type { TestResponse } from './harness.js';

export const om = (orderId: string, path = ''): string => `/ordermanagement/v1/orders/${orderId}${path}`;

/** A well-formed id that no order has. */
export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

export function assertNoContent(res: TestResponse): void {
  assert.equal(res.status, 204, res.body);
  assert.equal(res.body, '');
  assert.equal(res.headers['content-type'], undefined, 'a 204 carries no content type');
}

/** Asserts Klarna's envelope with this status and code (and messages matching `message`); returns the messages. */
export function assertError(res: TestResponse, status: number, code: string, message?: RegExp): string[] {
  assert.equal(res.status, status, res.body);
  const body = res.json<{ error_code: string; error_messages: string[] }>();
  assert.equal(body.error_code, code, res.body);
  if (message) assert.match(body.error_messages.join(' '), message);
  return body.error_messages;
}
