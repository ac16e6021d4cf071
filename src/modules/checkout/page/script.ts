/**
 * The checkout page's own script and style sheet, served from klarna-local's origin so the page's
 * Content-Security-Policy can forbid inline code. Plain ES2017 (no build step); inside String.raw
 * there must be no backtick and no dollar-brace.
 *
 * What the script does: when the shopper leaves the address area having changed something (or
 * picks another country) it sends the details (`api/details`); picking a shipping option sends it
 * (`api/shipping-option`); Buy sends everything (`api/complete`). Calls go one at a time, in the
 * order the shopper acted, so the merchant's callbacks see the changes in that order. Each answer
 * carries the order as it now is, and the cart and shipping options are re-drawn from it with DOM
 * text nodes only (never innerHTML). A finished purchase, or a merchant's redirect, moves the
 * shopper's top window: the checkout lives in an iframe inside the merchant's page.
 */

export const CHECKOUT_SCRIPT = String.raw`/* klarna-local checkout page */
(function () {
  'use strict';

  var ADDRESS_FIELDS = ['given_name', 'family_name', 'street_address', 'postal_code', 'city', 'country', 'phone'];
  var SHIPPING_REQUIRED = ['given_name', 'family_name', 'street_address', 'postal_code', 'city'];
  var GENERIC_ERROR = 'Your purchase could not be completed. Please check your details or contact the store.';

  var root = document.getElementById('kc-checkout');
  var form = document.getElementById('kc-form');
  var token = root ? root.getAttribute('data-token') || '' : '';
  if (!root || !form || token === '') return;

  var message = document.getElementById('kc-message');
  var buy = document.getElementById('kc-buy');
  var detailsBlock = document.getElementById('kc-details');
  var shippingAddressBlock = document.getElementById('kc-shipping-address');
  var separate = document.getElementById('kc-separate');
  var shippingFields = document.getElementById('kc-shipping-fields');
  var shippingBlock = document.getElementById('kc-shipping');
  var shippingList = document.getElementById('kc-shipping-options');
  var linesBody = document.getElementById('kc-lines');

  var queue = Promise.resolve();
  var pending = 0;
  var closed = false;

  // ---------------------------------------------------------------------------------------------
  // Talking to klarna-local

  function call(path, method, body) {
    var init = { method: method, credentials: 'omit', cache: 'no-store', headers: {} };
    if (body) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (response) {
      return response.text().then(function (text) {
        var json = null;
        try { json = text ? JSON.parse(text) : null; } catch (ignored) { json = null; }
        return { ok: response.ok, status: response.status, json: json };
      });
    });
  }

  /** Runs the shopper's actions one after the other; each one's failure stays its own. */
  function enqueue(task) {
    pending += 1;
    form.setAttribute('aria-busy', 'true');
    var run = function () {
      return task().catch(function () {
        say('klarna-local could not be reached. Please try again.', 'bad');
      }).then(function () {
        pending -= 1;
        if (pending === 0) form.removeAttribute('aria-busy');
      });
    };
    queue = queue.then(run, run);
    return queue;
  }

  // ---------------------------------------------------------------------------------------------
  // What the shopper entered

  function control(name) {
    return form.elements.namedItem(name);
  }

  function valueOf(name) {
    var element = control(name);
    return element && typeof element.value === 'string' ? element.value.trim() : '';
  }

  function address(prefix) {
    var out = {};
    ADDRESS_FIELDS.forEach(function (field) {
      if (!control(prefix + '.' + field)) return;
      var value = valueOf(prefix + '.' + field);
      // A country must be two letters; the others may be sent empty (the shopper cleared them).
      if (field !== 'country' || value !== '') out[field] = value;
    });
    return out;
  }

  function entered() {
    var body = {};
    var email = valueOf('email');
    var billing = address('billing_address');
    if (email !== '') {
      body.email = email;
      billing.email = email;
    }
    body.billing_address = billing;
    if (separate) {
      // Delivering to the billing address again replaces a delivery address given before.
      var shipping = separate.checked ? address('shipping_address') : address('billing_address');
      delete shipping.email;
      body.shipping_address = shipping;
    }
    return body;
  }

  function selectedOption() {
    var checked = form.querySelector('input[name="shipping_option_id"]:checked');
    return checked ? checked.value : null;
  }

  var lastSent = JSON.stringify(entered());

  // ---------------------------------------------------------------------------------------------
  // Showing things

  function say(text, tone) {
    if (!message) return;
    while (message.firstChild) message.removeChild(message.firstChild);
    message.textContent = text;
    message.className = 'kc-message' + (tone ? ' kc-message--' + tone : '');
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function renderLines(lines) {
    if (!linesBody) return;
    while (linesBody.firstChild) linesBody.removeChild(linesBody.firstChild);
    lines.forEach(function (line) {
      var row = element('tr', line.type === 'shipping_fee' ? 'kc-line kc-line--shipping' : 'kc-line');
      var name = element('td', null, line.name + ' ');
      name.appendChild(element('span', 'kc-quantity', '\u00d7 ' + line.quantity + (line.quantity_unit ? ' ' + line.quantity_unit : '')));
      row.appendChild(name);
      row.appendChild(element('td', 'kc-amount', line.total_amount_formatted));
      linesBody.appendChild(row);
    });
  }

  function renderOptions(options, selectedId) {
    if (!shippingList || !shippingBlock) return;
    while (shippingList.firstChild) shippingList.removeChild(shippingList.firstChild);
    options.forEach(function (option) {
      var label = element('label', 'kc-option');
      var input = document.createElement('input');
      input.type = 'radio';
      input.name = 'shipping_option_id';
      input.value = option.id;
      input.checked = option.id === selectedId;
      label.appendChild(input);
      var name = element('span', 'kc-option-name', option.name);
      [option.description, option.promo].forEach(function (detail) {
        if (detail) name.appendChild(element('small', null, detail));
      });
      label.appendChild(name);
      label.appendChild(element('span', 'kc-option-price', option.price_formatted));
      shippingList.appendChild(label);
    });
    shippingBlock.hidden = options.length === 0;
  }

  /** The order as klarna-local now has it (after the merchant's callbacks). Inputs keep what the shopper typed. */
  function render(view) {
    if (!view || typeof view !== 'object') return;
    renderLines(Array.isArray(view.lines) ? view.lines : []);
    var total = document.getElementById('kc-total');
    if (total) total.textContent = view.order_amount_formatted;
    var tax = document.getElementById('kc-tax');
    if (tax) tax.textContent = view.order_tax_amount_formatted;
    renderOptions(Array.isArray(view.shipping_options) ? view.shipping_options : [], view.selected_shipping_option_id);
    if (view.status === 'checkout_complete') close('This purchase is complete.', 'ok');
    else if (view.aborted) close('The store has cancelled this checkout. Return to the store to start again.', 'bad');
  }

  function close(text, tone) {
    closed = true;
    var controls = form.querySelectorAll('input, select, button');
    for (var i = 0; i < controls.length; i += 1) controls[i].disabled = true;
    say(text, tone);
  }

  function setBusy(busy) {
    if (buy) buy.disabled = busy || closed;
  }

  // ---------------------------------------------------------------------------------------------
  // Fields a 400 BAD_VALUE names

  function fieldsIn(messages) {
    var fields = [];
    messages.forEach(function (text) {
      var m = /^Bad value: ([A-Za-z0-9_.\[\]]+)/.exec(text) || /^([A-Za-z0-9_.\[\]]+) is required$/.exec(text);
      if (m) fields.push(m[1]);
    });
    return fields;
  }

  function mark(fields) {
    var first = null;
    fields.forEach(function (field) {
      var name = field === 'billing_address.email' ? 'email' : field;
      var target = null;
      var focusable = null;
      if (name === 'shipping_option_id') {
        target = shippingBlock;
        focusable = shippingList ? shippingList.querySelector('input') : null;
      } else {
        var input = control(name);
        if (input && input.nodeType === 1) {
          input.setAttribute('aria-invalid', 'true');
          target = input.parentNode;
          focusable = input;
        }
      }
      if (target && target.classList) target.classList.add('kc-invalid');
      if (!first && focusable) first = focusable;
    });
    if (first && typeof first.focus === 'function') first.focus();
    return fields.length;
  }

  function clearMark(input) {
    if (!input || !input.getAttribute) return;
    if (input.getAttribute('aria-invalid')) input.removeAttribute('aria-invalid');
    var holder = input.name === 'shipping_option_id' ? shippingBlock : input.parentNode;
    if (holder && holder.classList) holder.classList.remove('kc-invalid');
  }

  // ---------------------------------------------------------------------------------------------
  // Outcomes

  /** The top window leaves for the merchant (confirmation, or where the merchant sends the shopper). */
  function leave(url) {
    if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) {
      say(GENERIC_ERROR, 'bad');
      return;
    }
    // A link too, should the browser refuse to move the top window from a frame.
    var link = element('a', null, 'Continue');
    link.href = url;
    link.target = '_top';
    link.rel = 'noopener';
    if (message) {
      message.appendChild(document.createTextNode(' '));
      message.appendChild(link);
    }
    try {
      window.top.location.href = url;
    } catch (ignored) {
      // The link stays.
    }
  }

  function onAnswer(answer) {
    if (!answer.ok) return onFailure(answer);
    var result = answer.json || {};
    var outcome = result.outcome || {};
    if (result.order) render(result.order);
    switch (outcome.status) {
      case 'updated':
        if (message && message.className.indexOf('kc-message--bad') >= 0) say('', null);
        return undefined;
      case 'checkout_complete':
        close('Thank you for your purchase! Taking you back to the store\u2026', 'ok');
        return leave(outcome.redirect_url);
      case 'redirect':
        say('Taking you back to the store\u2026', null);
        return leave(outcome.redirect_url);
      case 'error':
        return say(outcome.error_text || GENERIC_ERROR, 'bad');
      case 'declined':
        return say('We are sorry, this purchase cannot be accepted. Please choose another way to pay at the store.', 'bad');
      case 'validation_failed':
        return say('The store could not confirm your order right now. Please try again in a moment.', 'bad');
      default:
        return say(GENERIC_ERROR, 'bad');
    }
  }

  function onFailure(answer) {
    var envelope = answer.json || {};
    var messages = Array.isArray(envelope.error_messages) ? envelope.error_messages.map(String) : [];
    if (answer.status === 400) {
      var count = mark(fieldsIn(messages));
      return say(count > 0 ? 'Please fill in or correct the marked fields.' : 'Please check your details.', 'bad');
    }
    if (answer.status === 403) {
      // Completed or cancelled meanwhile: the order itself says which.
      return call('api/order?token=' + encodeURIComponent(token), 'GET').then(function (again) {
        if (again.ok) render(again.json);
        if (!closed) close('This checkout can no longer be changed.', 'bad');
      });
    }
    if (answer.status === 404) return close('This checkout has expired. Return to the store to start again.', 'bad');
    if (answer.status === 401) return close('This checkout link is not valid. Return to the store to start again.', 'bad');
    return say('Something went wrong. Please try again.', 'bad');
  }

  // ---------------------------------------------------------------------------------------------
  // The shopper's actions

  function sendDetails() {
    if (closed) return;
    var snapshot = JSON.stringify(entered());
    if (snapshot === lastSent) return;
    lastSent = snapshot;
    enqueue(function () {
      var body = entered();
      body.token = token;
      return call('api/details', 'POST', body).then(onAnswer);
    });
  }

  function inAddressArea(node) {
    return !!node && ((detailsBlock && detailsBlock.contains(node)) || (shippingAddressBlock && shippingAddressBlock.contains(node)));
  }

  // Leaving the address area (not moving within it) sends what changed; so does another country.
  form.addEventListener('focusout', function (event) {
    if (!inAddressArea(event.target) || inAddressArea(event.relatedTarget)) return;
    sendDetails();
  });

  form.addEventListener('change', function (event) {
    var target = event.target;
    if (!target) return;
    clearMark(target);
    if (target.name === 'shipping_option_id') {
      var optionId = target.value;
      enqueue(function () {
        return call('api/shipping-option', 'POST', { token: token, shipping_option_id: optionId }).then(onAnswer);
      });
    } else if (target === separate) {
      if (shippingFields) shippingFields.hidden = !separate.checked;
      sendDetails();
    } else if (target.tagName === 'SELECT') {
      sendDetails();
    }
  });

  form.addEventListener('input', function (event) {
    clearMark(event.target);
  });

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (closed || (buy && buy.disabled)) return;
    var invalid = form.querySelectorAll('[aria-invalid="true"]');
    for (var i = 0; i < invalid.length; i += 1) clearMark(invalid[i]);
    if (shippingBlock) shippingBlock.classList.remove('kc-invalid');
    // A delivery address the shopper chose to give must be whole; klarna-local would otherwise take
    // the empty one as where the goods go.
    if (separate && separate.checked) {
      var missing = SHIPPING_REQUIRED.filter(function (field) { return valueOf('shipping_address.' + field) === ''; });
      if (missing.length > 0) {
        mark(missing.map(function (field) { return 'shipping_address.' + field; }));
        say('Please fill in or correct the marked fields.', 'bad');
        return;
      }
    }
    setBusy(true);
    say('Placing your order\u2026', null);
    var body = entered();
    lastSent = JSON.stringify(body);
    body.token = token;
    var option = selectedOption();
    if (option) body.shipping_option_id = option;
    enqueue(function () {
      return call('api/complete', 'POST', body).then(onAnswer);
    }).then(function () {
      setBusy(false);
    });
  });
})();
`;

export const CHECKOUT_STYLES = `/* klarna-local checkout page */
:root { color-scheme: light; --ink: #17120f; --muted: #6b6460; --line: #e6e1dd; --pink: #ffb3c7; --bad: #a3161f; --ok: #0a6b3d; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; background: #fff; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); }
.kc { max-width: 640px; margin: 0 auto; padding: 16px; }
.kc-header { margin-bottom: 12px; }
.kc-header h1 { font-size: 20px; margin: 0; }
.kc-merchant { margin: 0; color: var(--muted); font-size: 13px; text-transform: uppercase; letter-spacing: .04em; }
.kc h2, .kc legend, .kc h3 { font-size: 15px; font-weight: 700; margin: 0 0 8px; padding: 0; }
.kc-cart table { width: 100%; border-collapse: collapse; font-size: 14px; }
.kc-cart td { padding: 4px 0; vertical-align: top; }
.kc-cart td.kc-amount { text-align: right; white-space: nowrap; padding-left: 12px; }
.kc-cart tfoot tr.kc-total td { border-top: 1px solid var(--line); padding-top: 8px; font-weight: 700; }
.kc-cart tfoot tr.kc-tax td { color: var(--muted); font-size: 13px; }
.kc-line--shipping td { color: var(--muted); }
.kc-quantity { color: var(--muted); }
.kc-form { margin-top: 16px; }
.kc-block { border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; margin: 0 0 12px; }
.kc-block[hidden], [hidden] { display: none !important; }
.kc-grid { display: grid; grid-template-columns: 1fr 1fr; gap: 0 10px; }
.kc-field { display: block; font-size: 13px; color: var(--muted); margin-bottom: 8px; }
.kc-field--email, .kc-field--street_address { grid-column: 1 / -1; }
.kc-field input, .kc-field select { display: block; width: 100%; font: inherit; color: var(--ink); padding: 7px 9px; border: 1px solid #c9c2bd; border-radius: 6px; margin-top: 2px; background: #fff; }
.kc-invalid > span, .kc-invalid > legend { color: var(--bad); }
.kc-invalid input[aria-invalid="true"], .kc-invalid select[aria-invalid="true"] { border-color: var(--bad); box-shadow: 0 0 0 1px var(--bad); }
fieldset.kc-invalid { border-color: var(--bad); }
.kc-check { display: flex; gap: 8px; align-items: center; margin-bottom: 8px; }
.kc-option { display: flex; align-items: flex-start; gap: 10px; padding: 8px 10px; border: 1px solid var(--line); border-radius: 8px; margin-bottom: 6px; cursor: pointer; }
.kc-option-name { flex: 1; }
.kc-option-name small { display: block; color: var(--muted); }
.kc-option-price { white-space: nowrap; }
.kc-terms { font-size: 13px; color: var(--muted); }
.kc-terms a { color: var(--ink); }
.kc-buy { display: block; width: 100%; font: inherit; font-weight: 700; padding: 12px 16px; border-radius: 8px; border: 0; background: var(--pink); color: var(--ink); cursor: pointer; }
.kc-buy:disabled { opacity: .6; cursor: progress; }
.kc-form[aria-busy="true"] .kc-buy { cursor: progress; }
.kc-help { font-size: 12px; color: var(--muted); margin-top: 12px; }
.kc-help ul { margin: 4px 0 0; padding-left: 18px; }
.kc-message { margin: 12px 0 0; font-size: 14px; }
.kc-message:empty { display: none; }
.kc-message--ok { color: var(--ok); }
.kc-message--bad { color: var(--bad); }
.kc-notice { margin: 16px 0 0; padding: 12px 14px; border: 1px solid var(--line); border-radius: 10px; }
.kc-notice--bad { color: var(--bad); }
.kc-order-id { margin: 0 0 12px; }
.kc-delivery { font-size: 14px; }
.kc-addresses { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; margin-top: 12px; }
.kc-address address { font-style: normal; font-size: 14px; }
.kc-address address span { display: block; }
`;
