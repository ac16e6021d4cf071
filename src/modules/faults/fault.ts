/**
 * Fault rules: what a rule is, how a request body becomes one (the refusals no schema can express),
 * how a request or a callback is matched, whether a matching call is hit, and how a rule reads in
 * the sandbox API. Pure: no database, no clock of its own.
 */
import { toIso } from '../../platform/clock.js';
import { AUTHORIZATION_CALLBACK } from '../payments/callbacks.js';
import { FRAUD_NOTIFICATION } from '../order-management/callbacks.js';
import { PUSH_CALLBACK } from '../checkout/callbacks.js';
import { STATUS_UPDATE_CALLBACK } from '../hpp/callbacks.js';
import { badField } from './errors.js';

export const FAULT_TARGETS = ['api', 'callbacks'] as const;
export type FaultTarget = (typeof FAULT_TARGETS)[number];

export const FAULT_METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;
export type FaultMethod = (typeof FAULT_METHODS)[number];

/** The statuses an API fault may answer, each with the error code it answers by default. */
export const DEFAULT_ERROR_CODES = {
  400: 'BAD_REQUEST',
  403: 'NOT_ALLOWED',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
  502: 'BAD_GATEWAY',
  503: 'TEMPORARILY_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
} as const;
export type FaultStatus = keyof typeof DEFAULT_ERROR_CODES;
export const FAULT_STATUSES = Object.keys(DEFAULT_ERROR_CODES).map(Number) as FaultStatus[];

const DEFAULT_MESSAGES: Readonly<Record<FaultStatus, string>> = {
  400: 'Bad request',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict: the resource was changed by another request; retry',
  422: 'Unprocessable entity',
  429: 'Rate limit exceeded; retry after the number of seconds in Retry-After',
  500: 'Unexpected server error',
  502: 'Bad gateway',
  503: 'Temporarily unavailable',
  504: 'Gateway timeout',
};

/**
 * The callbacks delivered in the background (the outbox) that a callback fault can hit. The calls
 * Checkout makes while the shopper waits (validation, address and shipping updates) are not among them.
 */
export const FAULT_CALLBACK_KINDS = [AUTHORIZATION_CALLBACK.kind, FRAUD_NOTIFICATION.kind, PUSH_CALLBACK.kind, STATUS_UPDATE_CALLBACK.kind] as const;

/** What a callback fault does to an attempt: the merchant seems not to answer in time, to refuse the connection, or to answer a status. */
export const CALLBACK_EFFECTS = ['timeout', 'refuse'] as const;
export type CallbackEffect = (typeof CALLBACK_EFFECTS)[number] | 'status';

export const MAX_DELAY_MS = 60_000;
export const MAX_TIMES = 1_000_000;
/** A rule may last at most a year of sandbox time. */
export const MAX_EXPIRES_IN_SECONDS = 366 * 24 * 3600;
export const MAX_PATH_LENGTH = 1000;

/** A rule as stored (fault.repository.ts) and matched. */
export interface Fault {
  fault_id: string;
  merchant_id: string;
  target: FaultTarget;
  method: FaultMethod | null;
  /** API faults: the path pattern, split into segments (`*` matches any one). */
  path: string | null;
  callback_kind: string | null;
  effect: CallbackEffect | null;
  status: number | null;
  error_code: string | null;
  error_messages: string[] | null;
  delay_ms: number;
  drop: boolean;
  times: number | null;
  remaining: number | null;
  share: number | null;
  injected: number;
  expires_at: number | null;
  created_at: number;
}

/** The request body of `POST /sandbox/v1/faults`, as the schema (schemas.ts) lets it through. */
export interface FaultInput {
  target?: FaultTarget;
  method?: FaultMethod;
  path?: string;
  status?: number;
  error_code?: string;
  error_messages?: string[];
  delay_ms?: number;
  drop?: boolean;
  callback_kind?: string;
  effect?: string | number;
  times?: number;
  share?: number;
  expires_in_seconds?: number;
}

const API_ONLY = ['method', 'path', 'status', 'error_code', 'error_messages', 'delay_ms', 'drop'] as const;
const CALLBACKS_ONLY = ['callback_kind', 'effect'] as const;
/** A literal path segment: no wildcard but a whole `*`, nothing that is not part of a path. */
const LITERAL_SEGMENT = /^[^/?#*\s\p{Cc}]+$/u;

/** Checks the rules between fields and makes the rule a new fault is; throws 400 BAD_VALUE naming the field. */
export function decideFault(input: FaultInput, ids: { fault_id: string; merchant_id: string }, now: number): Fault {
  const target = input.target ?? 'api';
  const common = {
    ...ids,
    target,
    times: input.times ?? null,
    remaining: input.times ?? null,
    share: input.share ?? null,
    injected: 0,
    expires_at: input.expires_in_seconds === undefined ? null : now + input.expires_in_seconds * 1000,
    created_at: now,
  };
  if (target === 'callbacks') {
    for (const field of API_ONLY) if (input[field] !== undefined) throw badField(field, 'not for target callbacks; use effect');
    if (input.callback_kind !== undefined && !(FAULT_CALLBACK_KINDS as readonly string[]).includes(input.callback_kind)) {
      throw badField('callback_kind', `one of ${FAULT_CALLBACK_KINDS.join(', ')}`);
    }
    const effect = input.effect;
    if (effect === undefined) throw badField('effect', 'required for target callbacks: timeout, refuse or a status 400-599');
    const isStatus = typeof effect === 'number';
    if (!isStatus && !(CALLBACK_EFFECTS as readonly string[]).includes(effect)) throw badField('effect', 'timeout, refuse or a status 400-599');
    return {
      ...common,
      method: null,
      path: null,
      callback_kind: input.callback_kind ?? null,
      effect: isStatus ? 'status' : (effect as CallbackEffect),
      status: isStatus ? effect : null,
      error_code: null,
      error_messages: null,
      delay_ms: 0,
      drop: false,
    };
  }
  for (const field of CALLBACKS_ONLY) if (input[field] !== undefined) throw badField(field, 'only for target callbacks');
  if (input.path === undefined) throw badField('path', 'required: a path such as /ordermanagement/v1/orders/*/captures');
  checkPattern(input.path);
  const status = input.status ?? null;
  if (status !== null && !(FAULT_STATUSES as number[]).includes(status)) throw badField('status', `one of ${FAULT_STATUSES.join(', ')}`);
  const drop = input.drop ?? false;
  const delay = input.delay_ms ?? 0;
  if (status === null && !drop && delay === 0) throw badField('status', 'a fault needs an effect: status, delay_ms or drop');
  if (drop && status !== null) throw badField('drop', 'a dropped connection answers no status');
  if (status === null && (input.error_code !== undefined || input.error_messages !== undefined)) {
    throw badField(input.error_code !== undefined ? 'error_code' : 'error_messages', 'only with a status');
  }
  return {
    ...common,
    method: input.method ?? null,
    path: input.path,
    callback_kind: null,
    effect: null,
    status,
    error_code: status === null ? null : (input.error_code ?? DEFAULT_ERROR_CODES[status as FaultStatus]),
    error_messages: status === null ? null : (input.error_messages ?? [DEFAULT_MESSAGES[status as FaultStatus]]),
    delay_ms: delay,
    drop,
  };
}

function checkPattern(path: string): void {
  if (!path.startsWith('/')) throw badField('path', 'must start with /');
  if (path.includes('//')) throw badField('path', 'no empty segment (//)');
  if (path === '/') return;
  for (const segment of patternSegments(path)) {
    if (segment !== '*' && !LITERAL_SEGMENT.test(segment)) throw badField('path', '* matches one whole segment; no other wildcard, query or fragment');
  }
}

/** A pattern's segments (a trailing slash ignored), ready for matching. */
export function patternSegments(path: string): string[] {
  const segments = path.slice(1).split('/');
  if (segments.at(-1) === '' && segments.length > 1) segments.pop();
  return segments;
}

/** The path of a request URL as segments, without query, trailing slash ignored, each segment percent-decoded where it can be. */
export function requestSegments(url: string): string[] {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const segments = path.slice(1).split('/');
  if (segments.at(-1) === '' && segments.length > 1) segments.pop();
  return segments.map((s) => {
    if (!s.includes('%')) return s;
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
}

/** Whether a pattern's segments match a request's: the same count, each literal equal, `*` any non-empty segment. */
export function matchesPath(pattern: readonly string[], request: readonly string[]): boolean {
  if (pattern.length !== request.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const r = request[i] as string;
    if (p === '*' ? r === '' : p !== r) return false;
  }
  return true;
}

/** A matching call is hit with probability `share` (every one without a share). */
export const hits = (fault: Pick<Fault, 'share'>, random: () => number): boolean => fault.share === null || random() < fault.share;

export const FAULT_STATES = ['active', 'used_up', 'expired'] as const;
export type FaultState = (typeof FAULT_STATES)[number];

export function stateOf(fault: Pick<Fault, 'remaining' | 'expires_at'>, now: number): FaultState {
  if (fault.remaining !== null && fault.remaining <= 0) return 'used_up';
  if (fault.expires_at !== null && fault.expires_at <= now) return 'expired';
  return 'active';
}

/** A rule as the sandbox API answers it. */
export function presentFault(fault: Fault, now: number) {
  return {
    fault_id: fault.fault_id,
    target: fault.target,
    method: fault.method,
    path: fault.path,
    callback_kind: fault.callback_kind,
    effect: fault.effect === 'status' ? fault.status : fault.effect,
    status: fault.target === 'api' ? fault.status : null,
    error_code: fault.error_code,
    error_messages: fault.error_messages,
    times: fault.times,
    remaining: fault.remaining,
    share: fault.share,
    delay_ms: fault.delay_ms,
    drop: fault.drop,
    expires_at: fault.expires_at === null ? null : toIso(fault.expires_at),
    created_at: toIso(fault.created_at),
    injected: fault.injected,
    state: stateOf(fault, now),
  };
}
