/**
 * The widget iframe's own script and style sheet, served from klarna-local's origin so the page's
 * Content-Security-Policy can forbid inline code. Same rules as library-script.ts: plain ES2017, no
 * backticks or `${` inside String.raw.
 *
 * Protocol with the library (all messages carry `ns: 'klarna-local'` and the widget's `instance`):
 * widget → page: `loaded {show_form, invalid_fields?}`, `resize {height}`, `shown`,
 * `result {request_id, result}`; page → widget: `authorize {request_id, mode, payment_method_category, data}`.
 * The widget only listens to its parent window at the origin the library declared, and only posts to it.
 */

export const WIDGET_SCRIPT = String.raw`/* klarna-local payment widget */
(function () {
  'use strict';

  var NS = 'klarna-local';
  var ORDER_FIELDS = ['order_amount', 'order_tax_amount', 'order_lines', 'purchase_currency', 'purchase_country', 'locale', 'merchant_reference1', 'merchant_reference2'];
  var ADDRESS_INPUTS = ['given_name', 'family_name', 'street_address', 'street_address2', 'postal_code', 'city', 'region', 'country', 'phone'];

  var root = document.getElementById('kl-widget');
  var parentOrigin = root.getAttribute('data-origin') || '';
  var instance = root.getAttribute('data-instance') || '';
  var clientToken = root.getAttribute('data-client-token') || '';
  var embedded = parentOrigin !== '' && window.parent !== window;
  var form = document.getElementById('kl-approve');
  var status = document.getElementById('kl-status');
  var current = null; // the request being answered: {request_id, data}

  function send(message) {
    if (!embedded) return;
    message.ns = NS;
    message.instance = instance;
    window.parent.postMessage(message, parentOrigin);
  }

  function reportSize() {
    send({ type: 'resize', height: Math.ceil(document.body.getBoundingClientRect().height) + 2 });
  }

  function say(text, tone) {
    if (!status) return;
    status.textContent = text;
    status.className = 'kl-status' + (tone ? ' kl-status--' + tone : '');
  }

  function field(name) {
    return form ? form.elements.namedItem(name) : null;
  }

  function selectedCategory() {
    var checked = document.querySelector('input[name="payment_method_category"]:checked');
    return checked ? checked.value : null;
  }

  function selectCategory(identifier) {
    var inputs = document.querySelectorAll('input[name="payment_method_category"]');
    for (var i = 0; i < inputs.length; i += 1) {
      if (inputs[i].value === identifier) {
        inputs[i].checked = true;
        return true;
      }
    }
    return false;
  }

  // The merchant's data given to authorize() wins over the session's prefill already in the form.
  function prefill(data) {
    var address = data.billing_address && typeof data.billing_address === 'object' ? data.billing_address : {};
    ADDRESS_INPUTS.forEach(function (name) {
      var input = field(name);
      if (input && typeof address[name] === 'string') input.value = address[name];
    });
    var email = field('email');
    if (email && typeof address.email === 'string' && address.email !== '') email.value = address.email;
  }

  function requestBody(data) {
    var body = { client_token: clientToken };
    ORDER_FIELDS.forEach(function (name) {
      if (data[name] !== undefined && data[name] !== null) body[name] = data[name];
    });
    var category = selectedCategory();
    if (category) body.payment_method_category = category;
    var billing = {};
    var given = data.billing_address && typeof data.billing_address === 'object' ? data.billing_address : {};
    Object.keys(given).forEach(function (k) { billing[k] = given[k]; });
    // What the shopper typed; empty fields are left out rather than sent as "".
    ADDRESS_INPUTS.forEach(function (name) {
      var input = field(name);
      var value = input ? input.value.trim() : '';
      if (value !== '') billing[name] = value;
    });
    var email = field('email') ? field('email').value.trim() : '';
    if (email !== '') {
      body.email = email;
      billing.email = email;
    }
    if (Object.keys(billing).length > 0) body.billing_address = billing;
    if (data.shipping_address && typeof data.shipping_address === 'object') body.shipping_address = data.shipping_address;
    if (data.customer && typeof data.customer === 'object') body.customer = data.customer;
    return body;
  }

  // klarna-local's error envelope → Klarna's callback: BAD_VALUE names the fields and keeps the
  // form; a token or session that is gone hides it.
  function failure(httpStatus, envelope) {
    var messages = envelope && Array.isArray(envelope.error_messages) ? envelope.error_messages : [];
    if (httpStatus === 400) {
      var fields = [];
      messages.forEach(function (m) {
        var match = /^Bad value: ([^ ]+)/.exec(String(m));
        if (match) fields.push(match[1]);
      });
      return { approved: false, show_form: true, finalize_required: false, error: { invalid_fields: fields } };
    }
    return { approved: false, show_form: false, finalize_required: false, error: { invalid_fields: httpStatus === 401 ? ['client_token'] : [] } };
  }

  function setBusy(busy) {
    var buttons = form ? form.querySelectorAll('button') : [];
    for (var i = 0; i < buttons.length; i += 1) buttons[i].disabled = busy;
  }

  function finish(result) {
    setBusy(false);
    if (embedded && form) form.hidden = true;
    var request = current;
    current = null;
    if (request) send({ type: 'result', request_id: request.request_id, result: result });
    reportSize();
  }

  function open(message) {
    if (current) finish({ approved: false, show_form: true, finalize_required: false });
    var data = message.data && typeof message.data === 'object' ? message.data : {};
    current = { request_id: String(message.request_id), data: data };
    if (message.payment_method_category && !selectCategory(message.payment_method_category)) {
      finish({ approved: false, show_form: false, finalize_required: false, error: { invalid_fields: ['payment_method_category'] } });
      return;
    }
    if (!form) {
      finish({ approved: false, show_form: false, finalize_required: false, error: { invalid_fields: ['client_token'] } });
      return;
    }
    prefill(data);
    say('', null);
    form.hidden = false;
    var email = field('email');
    if (email) email.focus();
    send({ type: 'shown' });
    reportSize();
  }

  function approve(event) {
    event.preventDefault();
    if (embedded && !current) return;
    var data = current ? current.data : {};
    setBusy(true);
    say('Checking your purchase…', null);
    fetch('widget/api/authorize', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'omit',
      body: JSON.stringify(requestBody(data))
    })
      .then(function (response) {
        return response.json().then(function (json) { return { ok: response.ok, status: response.status, json: json }; });
      })
      .then(function (answer) {
        var result = answer.ok ? answer.json : failure(answer.status, answer.json);
        if (result.approved) say('Approved. You can close this step; the shop completes your order.', 'ok');
        else if (result.show_form === false) say('Your purchase could not be accepted.', 'bad');
        else say('Some details need attention: ' + ((result.error && result.error.invalid_fields) || []).join(', '), 'bad');
        if (!embedded && result.authorization_token) say('Approved. authorization_token: ' + result.authorization_token, 'ok');
        finish(result);
      })
      .catch(function () {
        say('klarna-local could not be reached.', 'bad');
        finish({ approved: false, show_form: true, finalize_required: false, error: { invalid_fields: [] } });
      });
  }

  function cancel() {
    say('Cancelled.', null);
    finish({ approved: false, show_form: true, finalize_required: false });
  }

  window.addEventListener('message', function (event) {
    if (!embedded || event.source !== window.parent || event.origin !== parentOrigin) return;
    var message = event.data;
    if (!message || typeof message !== 'object' || message.ns !== NS) return;
    if (message.type === 'authorize') open(message);
  });

  if (form) {
    form.addEventListener('submit', approve);
    var cancelButton = document.getElementById('kl-cancel');
    if (cancelButton) cancelButton.addEventListener('click', cancel);
    // Opened on its own (not in a merchant page), the widget shows the form straight away.
    if (!embedded) form.hidden = false;
  }

  if (typeof ResizeObserver === 'function') new ResizeObserver(reportSize).observe(document.body);
  var invalid = (root.getAttribute('data-invalid-fields') || '').split(',').filter(function (f) { return f !== ''; });
  var ready = root.getAttribute('data-state') === 'ready';
  send(ready ? { type: 'loaded', show_form: true } : { type: 'loaded', show_form: false, invalid_fields: invalid });
  reportSize();
})();
`;

export const WIDGET_STYLES = `/* klarna-local payment widget */
:root { color-scheme: light; --ink: #17120f; --muted: #6b6460; --line: #e6e1dd; --pink: #ffb3c7; --accent: #17120f; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; background: transparent; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); }
.kl { border: 1px solid var(--line); border-radius: 12px; padding: 14px 16px; background: #fff; }
.kl h1, .kl h2 { font-size: 15px; margin: 0 0 8px; }
.kl-cart table { width: 100%; border-collapse: collapse; font-size: 14px; }
.kl-cart td { padding: 3px 0; vertical-align: top; }
.kl-cart td.kl-amount { text-align: right; white-space: nowrap; padding-left: 12px; }
.kl-cart tr.kl-total td { border-top: 1px solid var(--line); padding-top: 6px; font-weight: 700; }
.kl-quantity { color: var(--muted); }
.kl-categories { border: 0; padding: 0; margin: 12px 0 0; }
.kl-categories legend { font-weight: 700; padding: 0; margin-bottom: 6px; }
.kl-category { display: flex; align-items: center; gap: 10px; padding: 8px 10px; border: 1px solid var(--line); border-radius: 8px; margin-bottom: 6px; cursor: pointer; }
.kl-category img { width: 54px; height: 24px; flex: none; }
.kl-category small { display: block; color: var(--muted); }
.kl-form { margin-top: 14px; border-top: 1px solid var(--line); padding-top: 12px; }
.kl-form[hidden] { display: none; }
.kl-form label { display: block; font-size: 13px; color: var(--muted); margin-bottom: 8px; }
.kl-form input { display: block; width: 100%; font: inherit; color: var(--ink); padding: 7px 9px; border: 1px solid #c9c2bd; border-radius: 6px; margin-top: 2px; }
.kl-row { display: flex; gap: 8px; }
.kl-row > label { flex: 1; }
.kl-actions { display: flex; gap: 8px; margin-top: 8px; }
.kl-actions button { font: inherit; font-weight: 700; padding: 9px 16px; border-radius: 8px; border: 1px solid var(--accent); cursor: pointer; }
.kl-approve { background: var(--pink); color: var(--ink); border-color: var(--pink) !important; }
.kl-cancel { background: #fff; color: var(--ink); }
.kl-actions button:disabled { opacity: .6; cursor: progress; }
.kl-help { font-size: 12px; color: var(--muted); margin-top: 10px; }
.kl-help ul { margin: 4px 0 0; padding-left: 18px; }
.kl-help code { font-size: 12px; }
.kl-status { margin: 10px 0 0; font-size: 14px; min-height: 1em; }
.kl-status:empty { display: none; }
.kl-status--ok { color: #0a6b3d; }
.kl-status--bad { color: #a3161f; }
.kl-error { color: #a3161f; margin: 0; }
`;
