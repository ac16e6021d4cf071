/**
 * The widget page's script (`/kp/widget/widget.js`): the page the Payments library frames in the
 * merchant's container. It reports that it loaded and its height, opens the approval form when the
 * library asks (`authorize`), sends the shopper's answer to klarna-local (`widget/api/authorize`)
 * and posts the outcome back in Klarna's callback shape.
 *
 * It only listens to its parent window at the origin the library declared (`data-origin`, which the
 * server also put in the page's frame-ancestors), and only posts to it (protocol.ts).
 */
import { NS } from './protocol.js';
import type { AuthorizationResult, Envelope, WidgetMessage } from './protocol.js';
import { isObject, objectOr } from '../shared/values.js';

const ORDER_FIELDS = ['order_amount', 'order_tax_amount', 'order_lines', 'purchase_currency', 'purchase_country', 'locale', 'merchant_reference1', 'merchant_reference2'];
const ADDRESS_INPUTS = ['given_name', 'family_name', 'street_address', 'street_address2', 'postal_code', 'city', 'region', 'country', 'phone'];

/** The request being answered. */
interface Current {
  request_id: string;
  data: Record<string, unknown>;
}

function start(root: HTMLElement): void {
  const parentOrigin = root.getAttribute('data-origin') || '';
  const instance = root.getAttribute('data-instance') || '';
  const clientToken = root.getAttribute('data-client-token') || '';
  const embedded = parentOrigin !== '' && window.parent !== window;
  const form = document.getElementById('kl-approve') as HTMLFormElement | null;
  const status = document.getElementById('kl-status');
  let current: Current | null = null;

  function send(message: WidgetMessage): void {
    if (!embedded) return;
    const envelope: Envelope<WidgetMessage> = Object.assign({}, message, { ns: NS, instance });
    window.parent.postMessage(envelope, parentOrigin);
  }

  function reportSize(): void {
    send({ type: 'resize', height: Math.ceil(document.body.getBoundingClientRect().height) + 2 });
  }

  function say(text: string, tone: 'ok' | 'bad' | null): void {
    if (!status) return;
    status.textContent = text;
    status.className = 'kl-status' + (tone ? ' kl-status--' + tone : '');
  }

  function field(name: string): HTMLInputElement | null {
    const element = form ? form.elements.namedItem(name) : null;
    return element instanceof HTMLInputElement ? element : null;
  }

  function selectedCategory(): string | null {
    const checked = document.querySelector<HTMLInputElement>('input[name="payment_method_category"]:checked');
    return checked ? checked.value : null;
  }

  function selectCategory(identifier: unknown): boolean {
    const inputs = document.querySelectorAll<HTMLInputElement>('input[name="payment_method_category"]');
    for (const input of Array.from(inputs)) {
      if (input.value === identifier) {
        input.checked = true;
        return true;
      }
    }
    return false;
  }

  // The merchant's data given to authorize() wins over the session's prefill already in the form.
  function prefill(data: Record<string, unknown>): void {
    const address = objectOr(data.billing_address);
    ADDRESS_INPUTS.forEach((name) => {
      const input = field(name);
      const value = address[name];
      if (input && typeof value === 'string') input.value = value;
    });
    const email = field('email');
    if (email && typeof address.email === 'string' && address.email !== '') email.value = address.email;
  }

  function requestBody(data: Record<string, unknown>): Record<string, unknown> {
    const body: Record<string, unknown> = { client_token: clientToken };
    ORDER_FIELDS.forEach((name) => {
      if (data[name] !== undefined && data[name] !== null) body[name] = data[name];
    });
    const category = selectedCategory();
    if (category) body.payment_method_category = category;
    const billing: Record<string, unknown> = {};
    const given = objectOr(data.billing_address);
    Object.keys(given).forEach((k) => (billing[k] = given[k]));
    // What the shopper typed; empty fields are left out rather than sent as "".
    ADDRESS_INPUTS.forEach((name) => {
      const input = field(name);
      const value = input ? input.value.trim() : '';
      if (value !== '') billing[name] = value;
    });
    const emailInput = field('email');
    const email = emailInput ? emailInput.value.trim() : '';
    if (email !== '') {
      body.email = email;
      billing.email = email;
    }
    if (Object.keys(billing).length > 0) body.billing_address = billing;
    if (isObject(data.shipping_address)) body.shipping_address = data.shipping_address;
    if (isObject(data.customer)) body.customer = data.customer;
    return body;
  }

  // klarna-local's error envelope → Klarna's callback: BAD_VALUE names the fields and keeps the
  // form; a token or session that is gone hides it.
  function failure(httpStatus: number, envelope: unknown): AuthorizationResult {
    const messages: unknown[] = isObject(envelope) && Array.isArray(envelope.error_messages) ? envelope.error_messages : [];
    if (httpStatus === 400) {
      const fields: string[] = [];
      messages.forEach((m) => {
        const match = /^Bad value: ([^ ]+)/.exec(String(m));
        if (match && match[1]) fields.push(match[1]);
      });
      return { approved: false, show_form: true, finalize_required: false, error: { invalid_fields: fields } };
    }
    return { approved: false, show_form: false, finalize_required: false, error: { invalid_fields: httpStatus === 401 ? ['client_token'] : [] } };
  }

  function setBusy(busy: boolean): void {
    const buttons = form ? Array.from(form.querySelectorAll('button')) : [];
    for (const button of buttons) button.disabled = busy;
  }

  function finish(result: AuthorizationResult): void {
    setBusy(false);
    if (embedded && form) form.hidden = true;
    const request = current;
    current = null;
    if (request) send({ type: 'result', request_id: request.request_id, result });
    reportSize();
  }

  /** An `authorize` request from the library (AuthorizeMessage), read as untrusted. */
  function open(message: Record<string, unknown>): void {
    if (current) finish({ approved: false, show_form: true, finalize_required: false });
    const data = objectOr(message.data);
    current = { request_id: String(message.request_id), data };
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
    const email = field('email');
    if (email) email.focus();
    send({ type: 'shown' });
    reportSize();
  }

  function approve(event: Event): void {
    event.preventDefault();
    if (embedded && !current) return;
    const data = current ? current.data : {};
    setBusy(true);
    say('Checking your purchase\u2026', null);
    fetch('widget/api/authorize', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'omit',
      body: JSON.stringify(requestBody(data)),
    })
      .then((response) => response.json().then((json: unknown) => ({ ok: response.ok, status: response.status, json })))
      .then((answer) => {
        const result = answer.ok ? (objectOr(answer.json) as unknown as AuthorizationResult) : failure(answer.status, answer.json);
        if (result.approved) say('Approved. You can close this step; the shop completes your order.', 'ok');
        else if (result.show_form === false) say('Your purchase could not be accepted.', 'bad');
        else say('Some details need attention: ' + ((result.error && result.error.invalid_fields) || []).join(', '), 'bad');
        if (!embedded && result.authorization_token) say('Approved. authorization_token: ' + result.authorization_token, 'ok');
        finish(result);
      })
      .catch(() => {
        say('klarna-local could not be reached.', 'bad');
        finish({ approved: false, show_form: true, finalize_required: false, error: { invalid_fields: [] } });
      });
  }

  function cancel(): void {
    say('Cancelled.', null);
    finish({ approved: false, show_form: true, finalize_required: false });
  }

  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (!embedded || event.source !== window.parent || event.origin !== parentOrigin) return;
    const message = event.data;
    if (!isObject(message) || message.ns !== NS) return;
    if (message.type === 'authorize') open(message);
  });

  if (form) {
    form.addEventListener('submit', approve);
    const cancelButton = document.getElementById('kl-cancel');
    if (cancelButton) cancelButton.addEventListener('click', cancel);
    // Opened on its own (not in a merchant page), the widget shows the form straight away.
    if (!embedded) form.hidden = false;
  }

  if (typeof ResizeObserver === 'function') new ResizeObserver(reportSize).observe(document.body);
  const invalid = (root.getAttribute('data-invalid-fields') || '').split(',').filter((f) => f !== '');
  const ready = root.getAttribute('data-state') === 'ready';
  send(ready ? { type: 'loaded', show_form: true } : { type: 'loaded', show_form: false, invalid_fields: invalid });
  reportSize();
}

const root = document.getElementById('kl-widget');
if (root) start(root);
