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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * 401 as Klarna's edge answers its APIs (§0.2): the Basic challenge and an HTML page, no JSON
 * error object, and (klarna-local's addition) the correlation id header.
 */
export function assertEdgeUnauthorized(res: Pick<TestResponse, 'status' | 'headers' | 'body'>, what = ''): void {
  assert.equal(res.status, 401, `${what}: ${res.body}`);
  assert.match(String(res.headers['www-authenticate']), /^Basic realm="[^"]+"$/, what);
  assert.match(String(res.headers['content-type']), /^text\/html/, what);
  assert.match(res.body, /<title>401 Authorization Required<\/title>/, what);
  assert.equal(res.body.includes('error_code'), false, `${what}: no error object`);
  assert.match(String(res.headers['klarna-correlation-id']), UUID, what);
}

/** 401 from the sandbox API (klarna-local's own): the envelope with the Basic challenge. */
export function assertSandboxUnauthorized(res: TestResponse, what = ''): void {
  assert.equal(res.status, 401, `${what}: ${res.body}`);
  assert.match(String(res.headers['www-authenticate']), /^Basic realm="[^"]+"$/, what);
  assert.match(String(res.headers['content-type']), /^application\/json/, what);
  const body = res.json();
  assert.deepEqual(Object.keys(body).sort(), ['correlation_id', 'error_code', 'error_messages'], what);
  assert.equal(body.error_code, 'UNAUTHORIZED', what);
  assert.equal(body.correlation_id, res.headers['klarna-correlation-id'], what);
}

/** The 401 the route at `url` answers: the edge's page on Klarna's APIs, the envelope on the sandbox's. */
export function assertUnauthorized(url: string, res: TestResponse, what = ''): void {
  if (url.startsWith('/sandbox/')) assertSandboxUnauthorized(res, what);
  else assertEdgeUnauthorized(res, what);
}

/** Checkout's 404 for an unknown order: no body, no content type, the correlation id header. */
export function assertBareNotFound(res: Pick<TestResponse, 'status' | 'headers' | 'body'>, what = ''): void {
  assert.equal(res.status, 404, `${what}: ${res.body}`);
  assert.equal(res.body, '', `${what}: no body`);
  assert.equal(res.headers['content-type'], undefined, `${what}: no content type`);
  assert.match(String(res.headers['klarna-correlation-id']), UUID, what);
}
