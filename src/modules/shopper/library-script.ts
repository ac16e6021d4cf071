/**
 * `/kp/lib/v1/api.js`: klarna-local's stand-in for Klarna's Payments browser library. A merchant
 * page swaps the script URL and changes nothing else: `Klarna.Payments.init / load / authorize /
 * finalize / reauthorize / on` take the same arguments and call back with the same shapes.
 *
 * The browser code is kept here as a string (no build step, nothing to copy into dist/) and written
 * as plain ES2017 without backticks or `${`, so it can sit inside String.raw unchanged. The only
 * server-side value is the fallback base URL, used when the script cannot see its own URL.
 */

export function libraryScript(fallbackBase: string): string {
  return LIBRARY_SOURCE.replace('__KLARNA_LOCAL_FALLBACK_BASE__', JSON.stringify(fallbackBase).replace(/</g, '\\u003c'));
}

const LIBRARY_SOURCE = String.raw`/* klarna-local: Klarna Payments browser library stand-in (Klarna.Payments). */
(function () {
  'use strict';

  var NS = 'klarna-local';
  var LIBRARY_PATH = '/kp/lib/v1/api.js';
  var DEFAULT_CONTAINER = '#klarna-payments-container';

  // Where klarna-local is: the URL this script was loaded from, so any host name or path prefix the
  // merchant page used keeps working; the server's public URL otherwise.
  var base = (function () {
    var script = document.currentScript;
    var src = script && script.src ? script.src : '';
    var at = src.indexOf(LIBRARY_PATH);
    return at > 0 ? src.slice(0, at) : __KLARNA_LOCAL_FALLBACK_BASE__;
  })();
  var widgetOrigin = new URL(base, window.location.href).origin;

  var state = {
    clientToken: null,
    widgets: [], // one per load() container: {id, iframe, container, categories, data, status, invalidFields, waiting}
    pending: {}, // authorize/finalize requests awaiting the shopper, by request id
    handlers: {},
    counter: 0
  };

  function nextId(prefix) {
    state.counter += 1;
    return prefix + state.counter + '-' + Math.random().toString(36).slice(2, 8);
  }

  // Merchant callbacks run outside our message handling: an exception in one must not break the
  // library, yet should still reach the console like any uncaught error.
  function invoke(callback, result) {
    if (typeof callback !== 'function') return;
    try {
      callback(result);
    } catch (error) {
      setTimeout(function () { throw error; }, 0);
    }
  }

  function later(callback, result) {
    setTimeout(function () { invoke(callback, result); }, 0);
  }

  function emit(event) {
    var list = state.handlers[event] || [];
    for (var i = 0; i < list.length; i += 1) invoke(list[i], undefined);
  }

  // (options, data?, callback?): data may be left out, the callback then comes second.
  function normalize(options, data, callback) {
    if (typeof data === 'function') {
      callback = data;
      data = undefined;
    }
    return { options: options || {}, data: data || {}, callback: callback };
  }

  // Only plain JSON travels to the widget (postMessage refuses functions, and the server wants JSON).
  function plain(value) {
    try {
      return JSON.parse(JSON.stringify(value || {}));
    } catch (error) {
      return {};
    }
  }

  function requireInit(method) {
    if (!state.clientToken) throw new Error('Klarna.Payments.' + method + ': call Klarna.Payments.init({client_token}) first');
  }

  function resolveContainer(container) {
    var target = container || DEFAULT_CONTAINER;
    var element = typeof target === 'string' ? document.querySelector(target) : target;
    if (!element || typeof element.appendChild !== 'function') {
      throw new Error('Klarna.Payments.load: container ' + String(target) + ' was not found');
    }
    return element;
  }

  function categoriesOf(options) {
    if (typeof options.payment_method_category === 'string') return [options.payment_method_category];
    if (Array.isArray(options.payment_method_categories)) {
      return options.payment_method_categories.filter(function (c) { return typeof c === 'string'; });
    }
    return [];
  }

  function removeWidget(widget) {
    state.widgets = state.widgets.filter(function (w) { return w !== widget; });
    Object.keys(state.pending).forEach(function (id) {
      var request = state.pending[id];
      if (request.widget === widget) {
        delete state.pending[id];
        later(request.callback, { approved: false, show_form: false, finalize_required: false });
      }
    });
    if (widget.iframe.parentNode) widget.iframe.parentNode.removeChild(widget.iframe);
  }

  function settleLoad(widget, showForm, invalidFields) {
    if (widget.status !== 'loading') return;
    widget.status = showForm ? 'ready' : 'failed';
    widget.invalidFields = invalidFields || [];
    var result = showForm ? { show_form: true } : { show_form: false, error: { invalid_fields: widget.invalidFields } };
    invoke(widget.loadCallback, result);
    var waiting = widget.waiting;
    widget.waiting = [];
    waiting.forEach(function (run) { run(); });
  }

  function whenLoaded(widget, run) {
    if (widget.status === 'loading') widget.waiting.push(run);
    else run();
  }

  function post(widget, message) {
    message.ns = NS;
    if (widget.iframe.contentWindow) widget.iframe.contentWindow.postMessage(message, widgetOrigin);
  }

  function load(options, data, callback) {
    var args = normalize(options, data, callback);
    requireInit('load');
    var container = resolveContainer(args.options.container);
    state.widgets.filter(function (w) { return w.container === container; }).forEach(removeWidget);
    while (container.firstChild) container.removeChild(container.firstChild);

    var categories = categoriesOf(args.options);
    var widget = {
      id: nextId('klw'),
      container: container,
      categories: categories,
      data: plain(args.data),
      status: 'loading',
      invalidFields: [],
      waiting: [],
      loadCallback: args.callback,
      iframe: document.createElement('iframe')
    };
    var query = [
      'client_token=' + encodeURIComponent(state.clientToken),
      'origin=' + encodeURIComponent(window.location.origin),
      'instance=' + encodeURIComponent(widget.id)
    ];
    if (categories.length > 0) query.push('categories=' + encodeURIComponent(categories.join(',')));
    var iframe = widget.iframe;
    iframe.id = 'klarna-payments-' + widget.id;
    iframe.name = 'klarna-payments-' + widget.id;
    iframe.title = 'Klarna payment';
    iframe.setAttribute('data-payment-method-category', categories.join(','));
    iframe.setAttribute('scrolling', 'no');
    iframe.style.cssText = 'display:block;width:100%;min-width:260px;height:160px;border:0;overflow:hidden;background:transparent;';
    // A widget page that never reports back (klarna-local unreachable, a page that is not ours):
    // the load fails a little after the frame finished loading, as Klarna's would.
    iframe.addEventListener('load', function () {
      setTimeout(function () { settleLoad(widget, false, []); }, 2000);
    });
    iframe.src = base + '/kp/widget?' + query.join('&');
    state.widgets.push(widget);
    container.appendChild(iframe);
  }

  function widgetFor(category) {
    for (var i = state.widgets.length - 1; i >= 0; i -= 1) {
      var widget = state.widgets[i];
      if (!category || widget.categories.length === 0 || widget.categories.indexOf(category) >= 0) return widget;
    }
    return null;
  }

  function merge(first, second) {
    var out = {};
    Object.keys(first).forEach(function (k) { out[k] = first[k]; });
    Object.keys(second).forEach(function (k) { out[k] = second[k]; });
    return out;
  }

  function startAuthorization(mode, options, data, callback) {
    var args = normalize(options, data, callback);
    requireInit(mode);
    var category = categoriesOf(args.options)[0];
    var widget = widgetFor(category);
    if (!widget) {
      later(args.callback, { approved: false, show_form: false, finalize_required: false, error: { invalid_fields: ['payment_method_category'] } });
      return;
    }
    // A new request replaces one the shopper has not answered yet.
    Object.keys(state.pending).forEach(function (id) {
      if (state.pending[id].widget === widget) {
        var previous = state.pending[id];
        delete state.pending[id];
        later(previous.callback, { approved: false, show_form: true, finalize_required: false });
      }
    });
    var requestId = nextId('kla');
    state.pending[requestId] = { widget: widget, callback: args.callback };
    whenLoaded(widget, function () {
      if (!state.pending[requestId]) return;
      if (widget.status !== 'ready') {
        delete state.pending[requestId];
        invoke(args.callback, { approved: false, show_form: false, finalize_required: false, error: { invalid_fields: widget.invalidFields } });
        return;
      }
      post(widget, {
        type: 'authorize',
        mode: mode,
        request_id: requestId,
        payment_method_category: category || null,
        auto_finalize: args.options.auto_finalize !== false,
        data: merge(widget.data, plain(args.data))
      });
    });
  }

  // Exactly Klarna's callback shape: approved, the token only when approved, show_form, finalize_required (and error when there is one).
  function authorizationResult(result) {
    var out = { approved: result.approved === true };
    if (out.approved && typeof result.authorization_token === 'string') out.authorization_token = result.authorization_token;
    out.show_form = result.show_form !== false;
    out.finalize_required = result.finalize_required === true;
    if (result.error && Array.isArray(result.error.invalid_fields)) out.error = { invalid_fields: result.error.invalid_fields.slice() };
    return out;
  }

  window.addEventListener('message', function (event) {
    if (event.origin !== widgetOrigin) return;
    var message = event.data;
    if (!message || typeof message !== 'object' || message.ns !== NS) return;
    var widget = null;
    for (var i = 0; i < state.widgets.length; i += 1) {
      if (state.widgets[i].iframe.contentWindow === event.source) widget = state.widgets[i];
    }
    if (!widget || message.instance !== widget.id) return;

    if (message.type === 'loaded') {
      settleLoad(widget, message.show_form === true, Array.isArray(message.invalid_fields) ? message.invalid_fields : []);
    } else if (message.type === 'resize' && typeof message.height === 'number' && message.height > 0) {
      widget.iframe.style.height = Math.min(Math.ceil(message.height), 4000) + 'px';
    } else if (message.type === 'shown') {
      if (typeof widget.iframe.scrollIntoView === 'function') widget.iframe.scrollIntoView({ block: 'nearest' });
      emit('fullscreenOverlayShown');
    } else if (message.type === 'result' && typeof message.request_id === 'string') {
      var request = state.pending[message.request_id];
      if (!request || request.widget !== widget) return;
      delete state.pending[message.request_id];
      emit('fullscreenOverlayHidden');
      invoke(request.callback, authorizationResult(message.result || {}));
    }
  });

  var Payments = {
    init: function (options) {
      if (!options || typeof options.client_token !== 'string' || options.client_token === '') {
        throw new Error('Klarna.Payments.init: client_token is required');
      }
      state.clientToken = options.client_token;
    },
    load: load,
    authorize: function (options, data, callback) { startAuthorization('authorize', options, data, callback); },
    reauthorize: function (options, data, callback) { startAuthorization('authorize', options, data, callback); },
    finalize: function (options, data, callback) { startAuthorization('finalize', options, data, callback); },
    // Events are accepted so pages that subscribe keep working; the overlay events are emitted when
    // the approval form opens and closes.
    on: function (event, handler) {
      if (typeof event !== 'string' || typeof handler !== 'function') return;
      (state.handlers[event] = state.handlers[event] || []).push(handler);
    },
    off: function (event, handler) {
      var list = state.handlers[event];
      if (list) state.handlers[event] = list.filter(function (h) { return h !== handler; });
    }
  };

  window.Klarna = window.Klarna || {};
  window.Klarna.Payments = Payments;

  // Pages that load the script asynchronously put their init code in klarnaAsyncCallback.
  if (typeof window.klarnaAsyncCallback === 'function' && !window.__klarnaLocalAsyncCalled) {
    window.__klarnaLocalAsyncCalled = true;
    invoke(window.klarnaAsyncCallback, undefined);
  }
})();
`;
