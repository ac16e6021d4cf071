/** Driving the dashboard like a browser: HTML forms, the session cookie, the CSRF token in the pages. */
import assert from 'node:assert/strict';
import type { TestApp } from '../../helpers/harness.js';
import { MERCHANT } from '../../helpers/harness.js';

export interface PageResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

export interface Browser {
  cookie: string | null;
  get(url: string): Promise<PageResponse>;
  post(url: string, fields: Record<string, string>, options?: { csrf?: string | null; contentType?: string; payload?: string }): Promise<PageResponse>;
  /** The CSRF token the last page carried. */
  csrf: string | null;
}

export const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();

export function browserFor(t: TestApp): Browser {
  const browser: Browser = {
    cookie: null,
    csrf: null,
    async get(url) {
      const res = await t.app.inject({ method: 'GET', url, headers: { accept: 'text/html', ...(browser.cookie && { cookie: browser.cookie }) } });
      const token = /name="csrf_token" value="([^"]+)"/.exec(res.body)?.[1];
      if (token) browser.csrf = token;
      return { status: res.statusCode, headers: res.headers, body: res.body };
    },
    async post(url, fields, options = {}) {
      const csrf = options.csrf === undefined ? browser.csrf : options.csrf;
      const body = options.payload ?? form({ ...(csrf !== null && { csrf_token: csrf }), ...fields });
      const res = await t.app.inject({
        method: 'POST',
        url,
        headers: { accept: 'text/html', 'content-type': options.contentType ?? 'application/x-www-form-urlencoded', ...(browser.cookie && { cookie: browser.cookie }) },
        payload: body,
      });
      return { status: res.statusCode, headers: res.headers, body: res.body };
    },
  };
  return browser;
}

/** A browser signed in as `credential` (default: the test merchant), holding its session cookie and CSRF token. */
export async function signedIn(t: TestApp, credential = MERCHANT): Promise<Browser> {
  const browser = browserFor(t);
  const res = await browser.post('/dashboard/sign-in', { username: credential.username, password: credential.password }, { csrf: null });
  assert.equal(res.status, 303, res.body);
  const setCookie = String(res.headers['set-cookie'] ?? '');
  const value = /klarna_local_dashboard=([^;]+)/.exec(setCookie)?.[1];
  assert.ok(value, 'the sign-in sets the session cookie');
  browser.cookie = `klarna_local_dashboard=${value}`;
  await browser.get('/dashboard/orders');
  assert.ok(browser.csrf, 'the pages carry the CSRF token');
  return browser;
}
