/**
 * The typed client of klarna-local's sandbox API: one method per `/sandbox/v1` route, each typed by
 * the schemas the route itself is registered with (routes.ts). It needs nothing but the global
 * `fetch`, so it also drives a server started elsewhere (`npm start`, a container):
 *
 *   const sandbox = new SandboxClient({ url: 'http://127.0.0.1:3000', username, password });
 *   await sandbox.advanceClock({ days: 29 });
 *
 * A refusal throws KlarnaLocalError with the fields of Klarna's error envelope.
 */
import { SANDBOX_ROUTES } from './routes.js';
import type { RouteBody, RouteParams, RouteQuery, RouteResponse, SandboxRoute, SandboxRouteName } from './routes.js';

export interface SandboxClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  username: string;
  password: string;
  /** Another `fetch` to send requests with (default: the global one). */
  fetch?: typeof fetch;
}

/** A span of sandbox time: seconds, or any mix of seconds, minutes, hours and days. */
export type Duration = number | { seconds?: number; minutes?: number; hours?: number; days?: number };

/** Whole seconds in a duration; a negative, unfinished or fractional total is a RangeError rather than a 400. */
export function durationSeconds(duration: Duration): number {
  const seconds =
    typeof duration === 'number'
      ? duration
      : (duration.seconds ?? 0) + (duration.minutes ?? 0) * 60 + (duration.hours ?? 0) * 3600 + (duration.days ?? 0) * 86_400;
  if (!Number.isFinite(seconds) || seconds < 0 || !Number.isInteger(seconds)) {
    throw new RangeError(`a sandbox duration is a whole, non-negative number of seconds (got ${JSON.stringify(duration)})`);
  }
  return seconds;
}

/** A refusal by the server, with the fields of Klarna's error envelope. */
export class KlarnaLocalError extends Error {
  override readonly name = 'KlarnaLocalError';

  constructor(
    readonly status: number,
    readonly error_code: string,
    readonly error_messages: readonly string[],
    readonly correlation_id: string | null,
    /** `METHOD path` of the request refused. */
    readonly request: string,
  ) {
    super(`${request}: ${status} ${error_code}${error_messages.length > 0 ? `: ${error_messages.join('; ')}` : ''}`);
  }
}

/** What a route takes: its path parameters, query and body, each typed by the route's schema. */
export type RequestInput<K extends SandboxRouteName> = (RouteParams<K> extends undefined ? { params?: undefined } : { params: RouteParams<K> }) &
  (RouteQuery<K> extends undefined ? { query?: undefined } : { query?: RouteQuery<K> }) &
  (RouteBody<K> extends undefined ? { body?: undefined } : { body?: RouteBody<K> });

/** Every route has its method here, answering the route's response type (checked by the compiler). */
type SandboxMethods = { [K in SandboxRouteName]: (...args: never[]) => Promise<RouteResponse<K>> };

const ENVELOPE_FIELDS = (value: unknown): value is { error_code: string; error_messages?: unknown; correlation_id?: unknown } =>
  typeof value === 'object' && value !== null && typeof (value as { error_code?: unknown }).error_code === 'string';

export class SandboxClient implements SandboxMethods {
  readonly url: string;
  readonly username: string;
  private readonly authorization: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: SandboxClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.username = options.username;
    this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** Calls one sandbox route by its table name; the methods below are this with friendlier arguments. */
  async request<K extends SandboxRouteName>(name: K, input: RequestInput<K>, headers: Record<string, string> = {}): Promise<RouteResponse<K>> {
    const route: SandboxRoute = SANDBOX_ROUTES[name];
    const params = (input.params ?? {}) as Record<string, unknown>;
    const path = route.path.replace(/:([A-Za-z_]+)/g, (_match, param: string) => {
      const value = params[param];
      if (typeof value !== 'string' || value === '') throw new TypeError(`${name}: ${param} must be a non-empty string`);
      return encodeURIComponent(value);
    });
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries((input.query ?? {}) as Record<string, unknown>)) {
      if (value !== undefined) query.set(key, String(value));
    }
    const target = `${this.url}${path}${query.size > 0 ? `?${query}` : ''}`;
    const sent: Record<string, string> = { accept: 'application/json', ...headers, authorization: this.authorization };
    let body: string | undefined;
    if (input.body !== undefined) {
      body = JSON.stringify(input.body);
      sent['content-type'] = 'application/json';
    }
    const response = await this.fetchImpl(target, { method: route.method, headers: sent, ...(body !== undefined && { body }) });
    const text = await response.text();
    if (!response.ok) throw refusal(response, text, `${route.method} ${path}`);
    return (text === '' ? undefined : JSON.parse(text)) as RouteResponse<K>;
  }

  // ---- Order Management ----

  /** An AUTHORIZED order, as a finished Payments purchase would leave it (a Payments-shaped body). */
  createOrder(order: RouteBody<'createOrder'>): Promise<RouteResponse<'createOrder'>> {
    return this.request('createOrder', { body: order });
  }

  // ---- The clock, what happened, the merchant's whole state ----

  /** This merchant's sandbox time. */
  getClock(): Promise<RouteResponse<'getClock'>> {
    return this.request('getClock', {});
  }

  /** Moves this merchant's clock (everyone's with `sandboxClock: 'server'`); what falls due happens before it answers. */
  advanceClock(by: Duration): Promise<RouteResponse<'advanceClock'>> {
    return this.request('advanceClock', { body: { seconds: durationSeconds(by) } });
  }

  /** What the server did for an order (`order_id`) or a Payments session (`session_id`), oldest first. */
  events(filter: RouteQuery<'events'> = {}): Promise<RouteResponse<'events'>> {
    return this.request('events', { query: filter });
  }

  /** The inbox: every message klarna-local would have sent to a shopper, oldest first. */
  messages(filter: RouteQuery<'messages'> = {}): Promise<RouteResponse<'messages'>> {
    return this.request('messages', { query: filter });
  }

  /** The merchant's callbacks, newest first, each with every attempt. */
  callbacks(filter: RouteQuery<'callbacks'> = {}): Promise<RouteResponse<'callbacks'>> {
    return this.request('callbacks', { query: filter });
  }

  getCallback(callbackId: string): Promise<RouteResponse<'getCallback'>> {
    return this.request('getCallback', { params: { callback_id: callbackId } });
  }

  /** Sends a callback again now; answers once the attempt is recorded. */
  redeliverCallback(callbackId: string): Promise<RouteResponse<'redeliverCallback'>> {
    return this.request('redeliverCallback', { params: { callback_id: callbackId } });
  }

  /** Everything about one order or one session (exactly one of them), oldest first. */
  timeline(about: RouteQuery<'timeline'>): Promise<RouteResponse<'timeline'>> {
    return this.request('timeline', { query: about });
  }

  /**
   * The integration report: what this merchant's integration did that would hurt in production
   * (findings with their code, severity, count and examples), optionally since a time and at or
   * above a severity, e.g. `expect((await sandbox.report({ severity: 'error' })).findings).toEqual([])`.
   */
  report(filter: RouteQuery<'report'> = {}): Promise<RouteResponse<'report'>> {
    return this.request('report', { query: filter });
  }

  /** Deletes everything of this merchant (orders, sessions, callbacks, …) and puts its clock back. */
  reset(): Promise<RouteResponse<'reset'>> {
    return this.request('reset', {});
  }

  /** This merchant's whole state, to restore later with importSnapshot (here or on another server). */
  exportSnapshot(): Promise<RouteResponse<'exportSnapshot'>> {
    return this.request('exportSnapshot', {});
  }

  /** Replaces this merchant's state with a snapshot's; `keepClock` leaves the merchant's clock as it is. */
  importSnapshot(snapshot: RouteBody<'importSnapshot'>, options: { keepClock?: boolean } = {}): Promise<RouteResponse<'importSnapshot'>> {
    return this.request('importSnapshot', { body: snapshot, query: options.keepClock === undefined ? {} : { keep_clock: options.keepClock ? 'true' : 'false' } });
  }

  // ---- Settings ----

  getSettings(): Promise<RouteResponse<'getSettings'>> {
    return this.request('getSettings', {});
  }

  /** Changes some settings (docs/fidelity.md); an object setting takes the keys given and keeps the others. */
  updateSettings(change: RouteBody<'updateSettings'>): Promise<RouteResponse<'updateSettings'>> {
    return this.request('updateSettings', { body: change });
  }

  // ---- The shopper ----

  /** The shopper approves a Payments session, as Klarna's widget would; the e-mail decides the outcome. */
  authorizePaymentsSession(sessionId: string, shopper: RouteBody<'authorizePaymentsSession'> = {}): Promise<RouteResponse<'authorizePaymentsSession'>> {
    return this.request('authorizePaymentsSession', { params: { session_id: sessionId }, body: shopper });
  }

  /** The shopper buys a Checkout order, as the checkout page would (the same merchant callbacks). */
  completeCheckout(orderId: string, shopper: RouteBody<'completeCheckout'> = {}): Promise<RouteResponse<'completeCheckout'>> {
    return this.request('completeCheckout', { params: { order_id: orderId }, body: shopper });
  }

  openHppSession(sessionId: string): Promise<RouteResponse<'openHppSession'>> {
    return this.request('openHppSession', { params: { session_id: sessionId } });
  }

  approveHppSession(sessionId: string, consumer: RouteBody<'approveHppSession'> = {}): Promise<RouteResponse<'approveHppSession'>> {
    return this.request('approveHppSession', { params: { session_id: sessionId }, body: consumer });
  }

  declineHppSession(sessionId: string): Promise<RouteResponse<'declineHppSession'>> {
    return this.request('declineHppSession', { params: { session_id: sessionId } });
  }

  /** The consumer leaves the hosted page with its back button. */
  backOutOfHppSession(sessionId: string): Promise<RouteResponse<'backOutOfHppSession'>> {
    return this.request('backOutOfHppSession', { params: { session_id: sessionId } });
  }

  cancelHppSession(sessionId: string): Promise<RouteResponse<'cancelHppSession'>> {
    return this.request('cancelHppSession', { params: { session_id: sessionId } });
  }

  // ---- Customer tokens ----

  /** A customer token, as a finished tokenize purchase would leave it. */
  createCustomerToken(token: RouteBody<'createCustomerToken'>): Promise<RouteResponse<'createCustomerToken'>> {
    return this.request('createCustomerToken', { body: token });
  }

  getCustomerToken(tokenId: string): Promise<RouteResponse<'getCustomerToken'>> {
    return this.request('getCustomerToken', { params: { token_id: tokenId } });
  }

  /** Klarna suspends, reinstates or cancels a token. */
  setCustomerTokenStatus(tokenId: string, status: RouteBody<'setCustomerTokenStatus'>['status']): Promise<RouteResponse<'setCustomerTokenStatus'>> {
    return this.request('setCustomerTokenStatus', { params: { token_id: tokenId }, body: { status } });
  }

  // ---- Settlements ----

  /** Builds the payouts due now (`immediately`: everything settleable, whatever the schedule). */
  runPayouts(options: RouteBody<'runPayouts'> = {}): Promise<RouteResponse<'runPayouts'>> {
    return this.request('runPayouts', { body: options });
  }

  openDispute(dispute: RouteBody<'openDispute'>): Promise<RouteResponse<'openDispute'>> {
    return this.request('openDispute', { body: dispute });
  }

  disputes(filter: RouteQuery<'disputes'>): Promise<RouteResponse<'disputes'>> {
    return this.request('disputes', { query: filter });
  }

  winDispute(disputeId: string, options: RouteBody<'winDispute'> = {}): Promise<RouteResponse<'winDispute'>> {
    return this.request('winDispute', { params: { dispute_id: disputeId }, body: options });
  }

  /** Loses a dispute: its REVERSAL is booked. */
  loseDispute(disputeId: string, options: RouteBody<'loseDispute'> = {}): Promise<RouteResponse<'loseDispute'>> {
    return this.request('loseDispute', { params: { dispute_id: disputeId }, body: options });
  }

  // ---- Merchant Card Service ----

  /** Enrolls a public RSA key (a JWK) to receive virtual cards encrypted for it. */
  enrollCardKey(jwk: RouteBody<'enrollCardKey'> & object): Promise<RouteResponse<'enrollCardKey'>> {
    return this.request('enrollCardKey', { body: jwk });
  }

  cardKeys(): Promise<RouteResponse<'cardKeys'>> {
    return this.request('cardKeys', {});
  }

  revokeCardKey(keyId: string): Promise<RouteResponse<'revokeCardKey'>> {
    return this.request('revokeCardKey', { params: { key_id: keyId } });
  }

  /** The card network sees the card used (an acquirer authorized it). */
  markCardUsed(cardId: string): Promise<RouteResponse<'markCardUsed'>> {
    return this.request('markCardUsed', { params: { card_id: cardId } });
  }

  // ---- Fault injection ----

  createFault(rule: RouteBody<'createFault'>): Promise<RouteResponse<'createFault'>> {
    return this.request('createFault', { body: rule });
  }

  /** The active rules, oldest first. */
  faults(): Promise<RouteResponse<'faults'>> {
    return this.request('faults', {});
  }

  getFault(faultId: string): Promise<RouteResponse<'getFault'>> {
    return this.request('getFault', { params: { fault_id: faultId } });
  }

  deleteFault(faultId: string): Promise<RouteResponse<'deleteFault'>> {
    return this.request('deleteFault', { params: { fault_id: faultId } });
  }
}

/** The error for a refused request: Klarna's envelope when the body is one, else the status and the start of the body. */
function refusal(response: Response, text: string, request: string): KlarnaLocalError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const header = response.headers.get('klarna-correlation-id');
  if (ENVELOPE_FIELDS(parsed)) {
    const messages = Array.isArray(parsed.error_messages) ? parsed.error_messages.map(String) : [];
    const correlationId = typeof parsed.correlation_id === 'string' ? parsed.correlation_id : header;
    return new KlarnaLocalError(response.status, parsed.error_code, messages, correlationId, request);
  }
  return new KlarnaLocalError(response.status, `HTTP_${response.status}`, text === '' ? [] : [text.slice(0, 500)], header, request);
}
