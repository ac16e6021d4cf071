/**
 * `/kp/lib/v1/api.js`: klarna-local's stand-in for Klarna's Payments browser library. A merchant
 * page swaps the script URL and changes nothing else: `Klarna.Payments.init / load / authorize /
 * finalize / reauthorize / on` take the same arguments and call back with the same shapes.
 *
 * `load` frames klarna-local's widget page in the merchant's container and talks to it by
 * postMessage (protocol.ts), only with klarna-local's origin and only with the frames it created.
 *
 * The one server-side value is the fallback base URL, used when the script cannot see its own URL:
 * the built file keeps the free identifier `__KLARNA_LOCAL_FALLBACK_BASE__`, which the server
 * replaces with the public URL as a JSON string literal (src/modules/shopper/library-script.ts).
 */
import { NS } from './protocol.js';
import type { AuthorizationMode, AuthorizationResult, AuthorizeMessage, Envelope, LoadResult } from './protocol.js';
import { isObject, objectOr } from '../shared/values.js';

declare const __KLARNA_LOCAL_FALLBACK_BASE__: string;

/** What the merchant's page sees as `window.Klarna.Payments`. */
interface KlarnaPayments {
  init(options: unknown): void;
  load(options: unknown, data?: unknown, callback?: unknown): void;
  authorize(options: unknown, data?: unknown, callback?: unknown): void;
  reauthorize(options: unknown, data?: unknown, callback?: unknown): void;
  finalize(options: unknown, data?: unknown, callback?: unknown): void;
  on(event: unknown, handler: unknown): void;
  off(event: unknown, handler: unknown): void;
}

declare global {
  interface Window {
    Klarna?: { Payments?: KlarnaPayments } & Record<string, unknown>;
    /** Pages that load the script asynchronously put their init code here. */
    klarnaAsyncCallback?: unknown;
    __klarnaLocalAsyncCalled?: boolean;
  }
}

const LIBRARY_PATH = '/kp/lib/v1/api.js';
const DEFAULT_CONTAINER = '#klarna-payments-container';

/** One per load() container. */
interface Widget {
  id: string;
  container: Node;
  categories: string[];
  data: Record<string, unknown>;
  status: 'loading' | 'ready' | 'failed';
  invalidFields: string[];
  /** Requests waiting for the widget to finish loading. */
  waiting: (() => void)[];
  loadCallback: unknown;
  iframe: HTMLIFrameElement;
}

/** An authorize/finalize request awaiting the shopper. */
interface Pending {
  widget: Widget;
  callback: unknown;
}

// Where klarna-local is: the URL this script was loaded from, so any host name or path prefix the
// merchant page used keeps working; the server's public URL otherwise.
const base = ((): string => {
  const script = document.currentScript;
  const src = script instanceof HTMLScriptElement && script.src ? script.src : '';
  const at = src.indexOf(LIBRARY_PATH);
  return at > 0 ? src.slice(0, at) : __KLARNA_LOCAL_FALLBACK_BASE__;
})();
const widgetOrigin = new URL(base, window.location.href).origin;

const state = {
  clientToken: null as string | null,
  widgets: [] as Widget[],
  pending: new Map<string, Pending>(),
  handlers: new Map<string, unknown[]>(),
  counter: 0,
};

function nextId(prefix: string): string {
  state.counter += 1;
  return prefix + state.counter + '-' + Math.random().toString(36).slice(2, 8);
}

// Merchant callbacks run outside our message handling: an exception in one must not break the
// library, yet should still reach the console like any uncaught error.
function invoke(callback: unknown, result: unknown): void {
  if (typeof callback !== 'function') return;
  try {
    (callback as (result: unknown) => unknown)(result);
  } catch (error) {
    setTimeout(() => {
      throw error;
    }, 0);
  }
}

function later(callback: unknown, result: unknown): void {
  setTimeout(() => invoke(callback, result), 0);
}

function emit(event: string): void {
  for (const handler of state.handlers.get(event) ?? []) invoke(handler, undefined);
}

interface Arguments {
  options: Record<string, unknown>;
  data: unknown;
  callback: unknown;
}

// (options, data?, callback?): data may be left out, the callback then comes second.
function normalize(options: unknown, data: unknown, callback: unknown): Arguments {
  if (typeof data === 'function') {
    callback = data;
    data = undefined;
  }
  return { options: objectOr(options), data: data || {}, callback };
}

// Only plain JSON travels to the widget (postMessage refuses functions, and the server wants JSON).
function plain(value: unknown): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(value || {})) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function requireInit(method: string): void {
  if (!state.clientToken) throw new Error('Klarna.Payments.' + method + ': call Klarna.Payments.init({client_token}) first');
}

function resolveContainer(container: unknown): Node {
  const target = container || DEFAULT_CONTAINER;
  const element: unknown = typeof target === 'string' ? document.querySelector(target) : target;
  if (!isObject(element) || typeof element.appendChild !== 'function') {
    throw new Error('Klarna.Payments.load: container ' + String(target) + ' was not found');
  }
  return element as unknown as Node;
}

function categoriesOf(options: Record<string, unknown>): string[] {
  if (typeof options.payment_method_category === 'string') return [options.payment_method_category];
  if (Array.isArray(options.payment_method_categories)) {
    return options.payment_method_categories.filter((c): c is string => typeof c === 'string');
  }
  return [];
}

function removeWidget(widget: Widget): void {
  state.widgets = state.widgets.filter((w) => w !== widget);
  for (const [id, request] of Array.from(state.pending)) {
    if (request.widget === widget) {
      state.pending.delete(id);
      later(request.callback, { approved: false, show_form: false, finalize_required: false } satisfies AuthorizationResult);
    }
  }
  if (widget.iframe.parentNode) widget.iframe.parentNode.removeChild(widget.iframe);
}

function settleLoad(widget: Widget, showForm: boolean, invalidFields: string[]): void {
  if (widget.status !== 'loading') return;
  widget.status = showForm ? 'ready' : 'failed';
  widget.invalidFields = invalidFields;
  const result: LoadResult = showForm ? { show_form: true } : { show_form: false, error: { invalid_fields: widget.invalidFields } };
  invoke(widget.loadCallback, result);
  const waiting = widget.waiting;
  widget.waiting = [];
  waiting.forEach((run) => run());
}

function whenLoaded(widget: Widget, run: () => void): void {
  if (widget.status === 'loading') widget.waiting.push(run);
  else run();
}

function post(widget: Widget, message: AuthorizeMessage): void {
  const envelope: Envelope<AuthorizeMessage> = Object.assign({}, message, { ns: NS });
  if (widget.iframe.contentWindow) widget.iframe.contentWindow.postMessage(envelope, widgetOrigin);
}

function load(options: unknown, data?: unknown, callback?: unknown): void {
  const args = normalize(options, data, callback);
  requireInit('load');
  const container = resolveContainer(args.options.container);
  state.widgets.filter((w) => w.container === container).forEach(removeWidget);
  while (container.firstChild) container.removeChild(container.firstChild);

  const categories = categoriesOf(args.options);
  const widget: Widget = {
    id: nextId('klw'),
    container,
    categories,
    data: plain(args.data),
    status: 'loading',
    invalidFields: [],
    waiting: [],
    loadCallback: args.callback,
    iframe: document.createElement('iframe'),
  };
  const query = [
    'client_token=' + encodeURIComponent(state.clientToken ?? ''),
    'origin=' + encodeURIComponent(window.location.origin),
    'instance=' + encodeURIComponent(widget.id),
  ];
  if (categories.length > 0) query.push('categories=' + encodeURIComponent(categories.join(',')));
  const iframe = widget.iframe;
  iframe.id = 'klarna-payments-' + widget.id;
  iframe.name = 'klarna-payments-' + widget.id;
  iframe.title = 'Klarna payment';
  iframe.setAttribute('data-payment-method-category', categories.join(','));
  iframe.setAttribute('scrolling', 'no');
  iframe.style.cssText = 'display:block;width:100%;min-width:260px;height:160px;border:0;overflow:hidden;background:transparent;';
  // A widget page that never reports back (klarna-local unreachable, a page that is not ours):
  // the load fails a little after the frame finished loading, as Klarna's would.
  iframe.addEventListener('load', () => {
    setTimeout(() => settleLoad(widget, false, []), 2000);
  });
  iframe.src = base + '/kp/widget?' + query.join('&');
  state.widgets.push(widget);
  container.appendChild(iframe);
}

function widgetFor(category: string | undefined): Widget | null {
  for (let i = state.widgets.length - 1; i >= 0; i -= 1) {
    const widget = state.widgets[i];
    if (!widget) continue;
    if (!category || widget.categories.length === 0 || widget.categories.indexOf(category) >= 0) return widget;
  }
  return null;
}

function merge(first: Record<string, unknown>, second: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  Object.keys(first).forEach((k) => (out[k] = first[k]));
  Object.keys(second).forEach((k) => (out[k] = second[k]));
  return out;
}

function startAuthorization(mode: AuthorizationMode, options: unknown, data: unknown, callback: unknown): void {
  const args = normalize(options, data, callback);
  requireInit(mode);
  const category = categoriesOf(args.options)[0];
  const widget = widgetFor(category);
  if (!widget) {
    later(args.callback, { approved: false, show_form: false, finalize_required: false, error: { invalid_fields: ['payment_method_category'] } } satisfies AuthorizationResult);
    return;
  }
  // A new request replaces one the shopper has not answered yet.
  for (const [id, previous] of Array.from(state.pending)) {
    if (previous.widget === widget) {
      state.pending.delete(id);
      later(previous.callback, { approved: false, show_form: true, finalize_required: false } satisfies AuthorizationResult);
    }
  }
  const requestId = nextId('kla');
  state.pending.set(requestId, { widget, callback: args.callback });
  whenLoaded(widget, () => {
    if (!state.pending.has(requestId)) return;
    if (widget.status !== 'ready') {
      state.pending.delete(requestId);
      invoke(args.callback, { approved: false, show_form: false, finalize_required: false, error: { invalid_fields: widget.invalidFields } } satisfies AuthorizationResult);
      return;
    }
    post(widget, {
      type: 'authorize',
      mode,
      request_id: requestId,
      payment_method_category: category || null,
      auto_finalize: args.options.auto_finalize !== false,
      data: merge(widget.data, plain(args.data)),
    });
  });
}

// Exactly Klarna's callback shape: approved, the token only when approved, show_form, finalize_required (and error when there is one).
function authorizationResult(result: Record<string, unknown>): AuthorizationResult {
  // Built in this order: merchant pages (and the browser tests) see the keys as Klarna sends them.
  const out: Partial<AuthorizationResult> & Pick<AuthorizationResult, 'approved'> = { approved: result.approved === true };
  if (out.approved && typeof result.authorization_token === 'string') out.authorization_token = result.authorization_token;
  out.show_form = result.show_form !== false;
  out.finalize_required = result.finalize_required === true;
  const error = result.error;
  if (isObject(error) && Array.isArray(error.invalid_fields)) out.error = { invalid_fields: (error.invalid_fields as string[]).slice() };
  return out as AuthorizationResult;
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (event.origin !== widgetOrigin) return;
  const message = event.data;
  if (!isObject(message) || message.ns !== NS) return;
  let widget: Widget | null = null;
  for (const candidate of state.widgets) {
    if (candidate.iframe.contentWindow === event.source) widget = candidate;
  }
  if (!widget || message.instance !== widget.id) return;

  if (message.type === 'loaded') {
    settleLoad(widget, message.show_form === true, Array.isArray(message.invalid_fields) ? (message.invalid_fields as string[]) : []);
  } else if (message.type === 'resize' && typeof message.height === 'number' && message.height > 0) {
    widget.iframe.style.height = Math.min(Math.ceil(message.height), 4000) + 'px';
  } else if (message.type === 'shown') {
    if (typeof widget.iframe.scrollIntoView === 'function') widget.iframe.scrollIntoView({ block: 'nearest' });
    emit('fullscreenOverlayShown');
  } else if (message.type === 'result' && typeof message.request_id === 'string') {
    const request = state.pending.get(message.request_id);
    if (!request || request.widget !== widget) return;
    state.pending.delete(message.request_id);
    emit('fullscreenOverlayHidden');
    invoke(request.callback, authorizationResult(objectOr(message.result)));
  }
});

const Payments: KlarnaPayments = {
  init(options) {
    const clientToken = isObject(options) ? options.client_token : undefined;
    if (typeof clientToken !== 'string' || clientToken === '') {
      throw new Error('Klarna.Payments.init: client_token is required');
    }
    state.clientToken = clientToken;
  },
  load,
  authorize: (options, data, callback) => startAuthorization('authorize', options, data, callback),
  reauthorize: (options, data, callback) => startAuthorization('authorize', options, data, callback),
  finalize: (options, data, callback) => startAuthorization('finalize', options, data, callback),
  // Events are accepted so pages that subscribe keep working; the overlay events are emitted when
  // the approval form opens and closes.
  on(event, handler) {
    if (typeof event !== 'string' || typeof handler !== 'function') return;
    const list = state.handlers.get(event) ?? [];
    list.push(handler);
    state.handlers.set(event, list);
  },
  off(event, handler) {
    if (typeof event !== 'string') return;
    const list = state.handlers.get(event);
    if (list) state.handlers.set(event, list.filter((h) => h !== handler));
  },
};

window.Klarna = window.Klarna || {};
window.Klarna.Payments = Payments;

// Pages that load the script asynchronously put their init code in klarnaAsyncCallback.
if (typeof window.klarnaAsyncCallback === 'function' && !window.__klarnaLocalAsyncCalled) {
  window.__klarnaLocalAsyncCalled = true;
  invoke(window.klarnaAsyncCallback, undefined);
}
