/**
 * Every `/sandbox/v1` route as the typed client calls it: its method and path, and the very schema
 * objects the route is registered with (imported from the modules' own schema files), so the client's
 * types are the routes' types. test/embed/client-coverage.test.ts checks this table against the
 * routes the app registers, schema object by schema object: a route added, removed or changed
 * without its entry here fails that test.
 */
import type { Static, TSchema } from 'typebox';
import { CheckoutParams, CompletionOutcome, ShopperInput } from '../modules/checkout/schemas.js';
import { SandboxTokenBody, SandboxTokenParams, SandboxTokenResponse, SandboxTokenStatusBody } from '../modules/customer-token/schemas.js';
import { FaultBody, FaultParams, FaultResponse, FaultsResponse } from '../modules/faults/schemas.js';
import { HppActionResponse, HppApproveBody, HppSessionParams } from '../modules/hpp/schemas.js';
import { CardKeyResponse, CardKeysResponse, CardParams, CardResponse, JwkBody, KeyParams } from '../modules/merchant-card/schemas.js';
import { SettingsBody, SettingsResponse } from '../modules/merchants/schemas.js';
import { OrderResponse, SandboxOrderBody } from '../modules/order-management/schemas.js';
import { AuthorizeBody, AuthorizeResponse, SessionParams } from '../modules/payments/schemas.js';
import {
  CallbackParams,
  CallbackResponse,
  CallbacksQuery,
  CallbacksResponse,
  ClockAdvanceBody,
  ClockResponse,
  EventsQuery,
  EventsResponse,
  MessagesQuery,
  MessagesResponse,
  TimelineQuery,
  TimelineResponse,
} from '../modules/sandbox/schemas.js';
import { ReportQuery, ReportResponse } from '../modules/report/schemas.js';
import { ImportQuery, ImportResponse, MerchantSnapshot, ResetBody, ResetResponse } from '../modules/sandbox/state-schemas.js';
import {
  DisputeBody,
  DisputeOutcomeBody,
  DisputeParams,
  DisputeResponse,
  DisputesQuery,
  DisputesResponse,
  PayoutRunBody,
  PayoutRunResponse,
} from '../modules/settlements/schemas.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface SandboxRoute {
  readonly method: HttpMethod;
  /** Fastify's pattern: `:name` for each path parameter (filled from `params`). */
  readonly path: `/sandbox/v1/${string}`;
  readonly params?: TSchema;
  readonly query?: TSchema;
  readonly body?: TSchema;
  /** The status of success. */
  readonly status: number;
  /** The answer's schema (registered for `status`); none when the answer is empty (204). */
  readonly response?: TSchema;
}

const HPP = '/sandbox/v1/hpp/sessions/:session_id';
const DISPUTE = '/sandbox/v1/settlements/disputes/:dispute_id';

/** One entry per sandbox route, named as the client's method that calls it. */
export const SANDBOX_ROUTES = {
  // Order Management
  createOrder: { method: 'POST', path: '/sandbox/v1/orders', body: SandboxOrderBody, status: 201, response: OrderResponse },

  // The clock, what happened, and the merchant's whole state
  getClock: { method: 'GET', path: '/sandbox/v1/clock', status: 200, response: ClockResponse },
  advanceClock: { method: 'POST', path: '/sandbox/v1/clock/advance', body: ClockAdvanceBody, status: 200, response: ClockResponse },
  events: { method: 'GET', path: '/sandbox/v1/events', query: EventsQuery, status: 200, response: EventsResponse },
  messages: { method: 'GET', path: '/sandbox/v1/messages', query: MessagesQuery, status: 200, response: MessagesResponse },
  callbacks: { method: 'GET', path: '/sandbox/v1/callbacks', query: CallbacksQuery, status: 200, response: CallbacksResponse },
  getCallback: { method: 'GET', path: '/sandbox/v1/callbacks/:callback_id', params: CallbackParams, status: 200, response: CallbackResponse },
  redeliverCallback: { method: 'POST', path: '/sandbox/v1/callbacks/:callback_id/redeliver', params: CallbackParams, status: 200, response: CallbackResponse },
  timeline: { method: 'GET', path: '/sandbox/v1/timeline', query: TimelineQuery, status: 200, response: TimelineResponse },
  report: { method: 'GET', path: '/sandbox/v1/report', query: ReportQuery, status: 200, response: ReportResponse },
  reset: { method: 'POST', path: '/sandbox/v1/reset', body: ResetBody, status: 200, response: ResetResponse },
  exportSnapshot: { method: 'GET', path: '/sandbox/v1/snapshot', status: 200, response: MerchantSnapshot },
  importSnapshot: { method: 'PUT', path: '/sandbox/v1/snapshot', query: ImportQuery, body: MerchantSnapshot, status: 200, response: ImportResponse },

  // Settings
  getSettings: { method: 'GET', path: '/sandbox/v1/settings', status: 200, response: SettingsResponse },
  updateSettings: { method: 'PATCH', path: '/sandbox/v1/settings', body: SettingsBody, status: 200, response: SettingsResponse },

  // The shopper: Payments, Checkout, the Hosted Payment Page
  authorizePaymentsSession: {
    method: 'POST',
    path: '/sandbox/v1/payments/sessions/:session_id/authorize',
    params: SessionParams,
    body: AuthorizeBody,
    status: 200,
    response: AuthorizeResponse,
  },
  completeCheckout: {
    method: 'POST',
    path: '/sandbox/v1/checkout/orders/:order_id/complete',
    params: CheckoutParams,
    body: ShopperInput,
    status: 200,
    response: CompletionOutcome,
  },
  openHppSession: { method: 'POST', path: `${HPP}/open`, params: HppSessionParams, status: 200, response: HppActionResponse },
  approveHppSession: { method: 'POST', path: `${HPP}/approve`, params: HppSessionParams, body: HppApproveBody, status: 200, response: HppActionResponse },
  declineHppSession: { method: 'POST', path: `${HPP}/decline`, params: HppSessionParams, status: 200, response: HppActionResponse },
  backOutOfHppSession: { method: 'POST', path: `${HPP}/back`, params: HppSessionParams, status: 200, response: HppActionResponse },
  cancelHppSession: { method: 'POST', path: `${HPP}/cancel`, params: HppSessionParams, status: 200, response: HppActionResponse },

  // Customer tokens
  createCustomerToken: { method: 'POST', path: '/sandbox/v1/customer-tokens', body: SandboxTokenBody, status: 201, response: SandboxTokenResponse },
  getCustomerToken: { method: 'GET', path: '/sandbox/v1/customer-tokens/:token_id', params: SandboxTokenParams, status: 200, response: SandboxTokenResponse },
  setCustomerTokenStatus: {
    method: 'POST',
    path: '/sandbox/v1/customer-tokens/:token_id/status',
    params: SandboxTokenParams,
    body: SandboxTokenStatusBody,
    status: 200,
    response: SandboxTokenResponse,
  },

  // Settlements
  runPayouts: { method: 'POST', path: '/sandbox/v1/settlements/payouts/run', body: PayoutRunBody, status: 200, response: PayoutRunResponse },
  openDispute: { method: 'POST', path: '/sandbox/v1/settlements/disputes', body: DisputeBody, status: 201, response: DisputeResponse },
  disputes: { method: 'GET', path: '/sandbox/v1/settlements/disputes', query: DisputesQuery, status: 200, response: DisputesResponse },
  winDispute: { method: 'POST', path: `${DISPUTE}/win`, params: DisputeParams, body: DisputeOutcomeBody, status: 200, response: DisputeResponse },
  loseDispute: { method: 'POST', path: `${DISPUTE}/lose`, params: DisputeParams, body: DisputeOutcomeBody, status: 200, response: DisputeResponse },

  // Merchant Card Service
  enrollCardKey: { method: 'POST', path: '/sandbox/v1/merchant-card/keys', body: JwkBody, status: 201, response: CardKeyResponse },
  cardKeys: { method: 'GET', path: '/sandbox/v1/merchant-card/keys', status: 200, response: CardKeysResponse },
  revokeCardKey: { method: 'DELETE', path: '/sandbox/v1/merchant-card/keys/:key_id', params: KeyParams, status: 200, response: CardKeyResponse },
  markCardUsed: { method: 'POST', path: '/sandbox/v1/merchant-card/cards/:card_id/use', params: CardParams, status: 200, response: CardResponse },

  // Fault injection
  createFault: { method: 'POST', path: '/sandbox/v1/faults', body: FaultBody, status: 201, response: FaultResponse },
  faults: { method: 'GET', path: '/sandbox/v1/faults', status: 200, response: FaultsResponse },
  getFault: { method: 'GET', path: '/sandbox/v1/faults/:fault_id', params: FaultParams, status: 200, response: FaultResponse },
  deleteFault: { method: 'DELETE', path: '/sandbox/v1/faults/:fault_id', params: FaultParams, status: 204 },
} as const satisfies Record<string, SandboxRoute>;

type Routes = typeof SANDBOX_ROUTES;
export type SandboxRouteName = keyof Routes;

/** The TypeScript type of one part of a route (`params`, `query`, `body`, `response`): its schema's Static type, or undefined. */
export type RoutePart<K extends SandboxRouteName, Part extends 'params' | 'query' | 'body' | 'response'> = Routes[K] extends Record<Part, infer S extends TSchema>
  ? Static<S>
  : undefined;
export type RouteParams<K extends SandboxRouteName> = RoutePart<K, 'params'>;
export type RouteQuery<K extends SandboxRouteName> = RoutePart<K, 'query'>;
export type RouteBody<K extends SandboxRouteName> = RoutePart<K, 'body'>;
/** What the route answers on success (undefined for an empty answer). */
export type RouteResponse<K extends SandboxRouteName> = RoutePart<K, 'response'>;
