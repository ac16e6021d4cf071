/**
 * The script of klarna-local's checkout pages (`/checkout/v3/page/checkout.js`), served from its own
 * origin so the pages' Content-Security-Policy can forbid inline code. Every page the snippet frames
 * (checkout, confirmation, the notices) loads it:
 *
 * - Height: the page posts its document height to the merchant's page whenever it changes, and when
 *   the snippet's script asks (protocol.ts), so the snippet's iframe grows with its content.
 * - The form (checkout page of an open order only): when the shopper leaves the address area having
 *   changed something (or picks another country) it sends the details (`api/details`); picking a
 *   shipping option sends it (`api/shipping-option`); Buy sends everything (`api/complete`). Calls go
 *   one at a time, in the order the shopper acted, so the merchant's callbacks see the changes in
 *   that order. Each answer carries the order as it now is, and the cart and shipping options are
 *   re-drawn from it with DOM text nodes only (never markup from data). A finished purchase, or a
 *   merchant's redirect, moves the shopper's top window: the checkout lives in an iframe inside the
 *   merchant's page.
 */
import { HEIGHT_MESSAGE, MAX_HEIGHT, isMeasureMessage } from './protocol.js';
import type { HeightMessage } from './protocol.js';
import type { CheckoutPageView, PageLine, PageShippingOption } from './view.js';
import { isObject } from '../shared/values.js';

// ---------------------------------------------------------------------------------------------
// The page's height, for the snippet's iframe

function reportHeights(): void {
  if (window.parent === window) return;
  const parent = window.parent;
  let reported = 0;

  function report(force: boolean): void {
    // The root element's box is as tall as the content (the body has no margin), never the frame.
    const height = Math.min(Math.ceil(document.documentElement.getBoundingClientRect().height), MAX_HEIGHT);
    if (height <= 0 || (height === reported && !force)) return;
    reported = height;
    const message: HeightMessage = { type: HEIGHT_MESSAGE, height };
    parent.postMessage(message, '*');
  }

  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (event.source === parent && isMeasureMessage(event.data)) report(true);
  });
  if (typeof ResizeObserver === 'function') new ResizeObserver(() => report(false)).observe(document.documentElement);
  report(false);
}

reportHeights();

// ---------------------------------------------------------------------------------------------
// The checkout form

const ADDRESS_FIELDS = ['given_name', 'family_name', 'street_address', 'postal_code', 'city', 'country', 'phone'];
const SHIPPING_REQUIRED = ['given_name', 'family_name', 'street_address', 'postal_code', 'city'];
const GENERIC_ERROR = 'Your purchase could not be completed. Please check your details or contact the store.';

type Tone = 'ok' | 'bad' | null;

interface Answer {
  ok: boolean;
  status: number;
  json: unknown;
}

/** The element with that id when it is of that kind. */
function byId<T extends HTMLElement>(id: string, kind: new () => T): T | null {
  const element = document.getElementById(id);
  return element instanceof kind ? element : null;
}

function startCheckout(form: HTMLFormElement, token: string): void {
  const message = document.getElementById('kc-message');
  const buy = byId('kc-buy', HTMLButtonElement);
  const detailsBlock = document.getElementById('kc-details');
  const shippingAddressBlock = document.getElementById('kc-shipping-address');
  const separate = byId('kc-separate', HTMLInputElement);
  const shippingFields = document.getElementById('kc-shipping-fields');
  const shippingBlock = document.getElementById('kc-shipping');
  const shippingList = document.getElementById('kc-shipping-options');
  const linesBody = document.getElementById('kc-lines');

  let queue: Promise<void> = Promise.resolve();
  let pending = 0;
  let closed = false;

  // -------------------------------------------------------------------------------------------
  // Talking to klarna-local

  function call(path: string, method: string, body?: Record<string, unknown>): Promise<Answer> {
    const headers: Record<string, string> = {};
    const init: RequestInit = { method, credentials: 'omit', cache: 'no-store', headers };
    if (body) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then((response) =>
      response.text().then((text) => {
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : null;
        } catch {
          json = null;
        }
        return { ok: response.ok, status: response.status, json };
      }),
    );
  }

  /** Runs the shopper's actions one after the other; each one's failure stays its own. */
  function enqueue(task: () => Promise<unknown>): Promise<void> {
    pending += 1;
    form.setAttribute('aria-busy', 'true');
    const run = (): Promise<void> =>
      task()
        .catch(() => {
          say('klarna-local could not be reached. Please try again.', 'bad');
        })
        .then(() => {
          pending -= 1;
          if (pending === 0) form.removeAttribute('aria-busy');
        });
    queue = queue.then(run, run);
    return queue;
  }

  // -------------------------------------------------------------------------------------------
  // What the shopper entered

  function control(name: string): Element | RadioNodeList | null {
    return form.elements.namedItem(name);
  }

  function valueOf(name: string): string {
    const element = control(name);
    const value: unknown = element && 'value' in element ? element.value : undefined;
    return typeof value === 'string' ? value.trim() : '';
  }

  function address(prefix: string): Record<string, string> {
    const out: Record<string, string> = {};
    ADDRESS_FIELDS.forEach((field) => {
      if (!control(prefix + '.' + field)) return;
      const value = valueOf(prefix + '.' + field);
      // A country must be two letters; the others may be sent empty (the shopper cleared them).
      if (field !== 'country' || value !== '') out[field] = value;
    });
    return out;
  }

  function entered(): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    const email = valueOf('email');
    const billing = address('billing_address');
    if (email !== '') {
      body.email = email;
      billing.email = email;
    }
    body.billing_address = billing;
    if (separate) {
      // Delivering to the billing address again replaces a delivery address given before.
      const shipping = separate.checked ? address('shipping_address') : address('billing_address');
      delete shipping.email;
      body.shipping_address = shipping;
    }
    return body;
  }

  function selectedOption(): string | null {
    const checked = form.querySelector<HTMLInputElement>('input[name="shipping_option_id"]:checked');
    return checked ? checked.value : null;
  }

  let lastSent = JSON.stringify(entered());

  // -------------------------------------------------------------------------------------------
  // Showing things

  function say(text: string, tone: Tone): void {
    if (!message) return;
    while (message.firstChild) message.removeChild(message.firstChild);
    message.textContent = text;
    message.className = 'kc-message' + (tone ? ' kc-message--' + tone : '');
  }

  function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string | null, text?: unknown): HTMLElementTagNameMap[K] {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function renderLines(lines: PageLine[]): void {
    if (!linesBody) return;
    while (linesBody.firstChild) linesBody.removeChild(linesBody.firstChild);
    lines.forEach((line) => {
      const row = element('tr', line.type === 'shipping_fee' ? 'kc-line kc-line--shipping' : 'kc-line');
      const name = element('td', null, line.name + ' ');
      name.appendChild(element('span', 'kc-quantity', '\u00d7 ' + line.quantity + (line.quantity_unit ? ' ' + line.quantity_unit : '')));
      row.appendChild(name);
      row.appendChild(element('td', 'kc-amount', line.total_amount_formatted));
      linesBody.appendChild(row);
    });
  }

  function renderOptions(options: PageShippingOption[], selectedId: unknown): void {
    if (!shippingList || !shippingBlock) return;
    while (shippingList.firstChild) shippingList.removeChild(shippingList.firstChild);
    options.forEach((option) => {
      const label = element('label', 'kc-option');
      const input = document.createElement('input');
      input.type = 'radio';
      input.name = 'shipping_option_id';
      input.value = option.id;
      input.checked = option.id === selectedId;
      label.appendChild(input);
      const name = element('span', 'kc-option-name', option.name);
      [option.description, option.promo].forEach((detail) => {
        if (detail) name.appendChild(element('small', null, detail));
      });
      label.appendChild(name);
      label.appendChild(element('span', 'kc-option-price', option.price_formatted));
      shippingList.appendChild(label);
    });
    shippingBlock.hidden = options.length === 0;
  }

  /** The order as klarna-local now has it (after the merchant's callbacks). Inputs keep what the shopper typed. */
  function render(data: unknown): void {
    if (!isObject(data)) return;
    const view = data as Partial<CheckoutPageView>;
    renderLines(Array.isArray(view.lines) ? view.lines : []);
    const total = document.getElementById('kc-total');
    if (total) total.textContent = String(view.order_amount_formatted);
    const tax = document.getElementById('kc-tax');
    if (tax) tax.textContent = String(view.order_tax_amount_formatted);
    renderOptions(Array.isArray(view.shipping_options) ? view.shipping_options : [], view.selected_shipping_option_id);
    if (view.status === 'checkout_complete') close('This purchase is complete.', 'ok');
    else if (view.aborted) close('The store has cancelled this checkout. Return to the store to start again.', 'bad');
  }

  function close(text: string, tone: Tone): void {
    closed = true;
    const controls = form.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLButtonElement>('input, select, button');
    for (const item of Array.from(controls)) item.disabled = true;
    say(text, tone);
  }

  function setBusy(busy: boolean): void {
    if (buy) buy.disabled = busy || closed;
  }

  // -------------------------------------------------------------------------------------------
  // Fields a 400 BAD_VALUE names

  function fieldsIn(messages: string[]): string[] {
    const fields: string[] = [];
    messages.forEach((text) => {
      const m = /^Bad value: ([\w.[\]]+)/.exec(text) || /^([\w.[\]]+) is required$/.exec(text);
      if (m && m[1]) fields.push(m[1]);
    });
    return fields;
  }

  function mark(fields: string[]): number {
    let first: HTMLElement | null = null;
    for (const field of fields) {
      const name = field === 'billing_address.email' ? 'email' : field;
      let target: Element | null = null;
      let focusable: HTMLElement | null = null;
      if (name === 'shipping_option_id') {
        target = shippingBlock;
        focusable = shippingList ? shippingList.querySelector('input') : null;
      } else {
        const input = control(name);
        if (input instanceof HTMLElement) {
          input.setAttribute('aria-invalid', 'true');
          target = input.parentElement;
          focusable = input;
        }
      }
      if (target) target.classList.add('kc-invalid');
      if (!first && focusable) first = focusable;
    }
    if (first) first.focus();
    return fields.length;
  }

  function clearMark(input: EventTarget | null): void {
    if (!(input instanceof Element)) return;
    if (input.getAttribute('aria-invalid')) input.removeAttribute('aria-invalid');
    const holder = input.getAttribute('name') === 'shipping_option_id' ? shippingBlock : input.parentElement;
    if (holder) holder.classList.remove('kc-invalid');
  }

  // -------------------------------------------------------------------------------------------
  // Outcomes

  /** The top window leaves for the merchant (confirmation, or where the merchant sends the shopper). */
  function leave(url: unknown): void {
    if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) {
      say(GENERIC_ERROR, 'bad');
      return;
    }
    // A link too, should the browser refuse to move the top window from a frame.
    const link = element('a', null, 'Continue');
    link.href = url;
    link.target = '_top';
    link.rel = 'noopener';
    if (message) {
      message.appendChild(document.createTextNode(' '));
      message.appendChild(link);
    }
    try {
      if (window.top) window.top.location.href = url;
    } catch {
      // The link stays.
    }
  }

  function onAnswer(answer: Answer): void | Promise<void> {
    if (!answer.ok) return onFailure(answer);
    const result = isObject(answer.json) ? answer.json : {};
    const outcome = isObject(result.outcome) ? result.outcome : {};
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
        return say(typeof outcome.error_text === 'string' && outcome.error_text ? outcome.error_text : GENERIC_ERROR, 'bad');
      case 'declined':
        return say('We are sorry, this purchase cannot be accepted. Please choose another way to pay at the store.', 'bad');
      case 'validation_failed':
        return say('The store could not confirm your order right now. Please try again in a moment.', 'bad');
      default:
        return say(GENERIC_ERROR, 'bad');
    }
  }

  function onFailure(answer: Answer): void | Promise<void> {
    const envelope = isObject(answer.json) ? answer.json : {};
    const messages = Array.isArray(envelope.error_messages) ? envelope.error_messages.map(String) : [];
    if (answer.status === 400) {
      const count = mark(fieldsIn(messages));
      return say(count > 0 ? 'Please fill in or correct the marked fields.' : 'Please check your details.', 'bad');
    }
    if (answer.status === 403) {
      // Completed or cancelled meanwhile: the order itself says which.
      return call('api/order?token=' + encodeURIComponent(token), 'GET').then((again) => {
        if (again.ok) render(again.json);
        if (!closed) close('This checkout can no longer be changed.', 'bad');
      });
    }
    if (answer.status === 404) return close('This checkout has expired. Return to the store to start again.', 'bad');
    if (answer.status === 401) return close('This checkout link is not valid. Return to the store to start again.', 'bad');
    return say('Something went wrong. Please try again.', 'bad');
  }

  // -------------------------------------------------------------------------------------------
  // The shopper's actions

  function sendDetails(): void {
    if (closed) return;
    const snapshot = JSON.stringify(entered());
    if (snapshot === lastSent) return;
    lastSent = snapshot;
    void enqueue(() => {
      const body = entered();
      body.token = token;
      return call('api/details', 'POST', body).then(onAnswer);
    });
  }

  function inAddressArea(node: EventTarget | null): boolean {
    if (!(node instanceof Node)) return false;
    return !!((detailsBlock && detailsBlock.contains(node)) || (shippingAddressBlock && shippingAddressBlock.contains(node)));
  }

  // Leaving the address area (not moving within it) sends what changed; so does another country.
  form.addEventListener('focusout', (event) => {
    if (!inAddressArea(event.target) || inAddressArea(event.relatedTarget)) return;
    sendDetails();
  });

  form.addEventListener('change', (event) => {
    const target = event.target;
    if (!(target instanceof Element)) return;
    clearMark(target);
    if (target instanceof HTMLInputElement && target.name === 'shipping_option_id') {
      const optionId = target.value;
      void enqueue(() => call('api/shipping-option', 'POST', { token, shipping_option_id: optionId }).then(onAnswer));
    } else if (target === separate) {
      if (shippingFields) shippingFields.hidden = !separate.checked;
      sendDetails();
    } else if (target.tagName === 'SELECT') {
      sendDetails();
    }
  });

  form.addEventListener('input', (event) => {
    clearMark(event.target);
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (closed || (buy && buy.disabled)) return;
    const invalid = form.querySelectorAll('[aria-invalid="true"]');
    for (const item of Array.from(invalid)) clearMark(item);
    if (shippingBlock) shippingBlock.classList.remove('kc-invalid');
    // A delivery address the shopper chose to give must be whole; klarna-local would otherwise take
    // the empty one as where the goods go.
    if (separate && separate.checked) {
      const missing = SHIPPING_REQUIRED.filter((field) => valueOf('shipping_address.' + field) === '');
      if (missing.length > 0) {
        mark(missing.map((field) => 'shipping_address.' + field));
        say('Please fill in or correct the marked fields.', 'bad');
        return;
      }
    }
    setBusy(true);
    say('Placing your order\u2026', null);
    const body = entered();
    lastSent = JSON.stringify(body);
    body.token = token;
    const option = selectedOption();
    if (option) body.shipping_option_id = option;
    void enqueue(() => call('api/complete', 'POST', body).then(onAnswer)).then(() => {
      setBusy(false);
    });
  });
}

const root = document.getElementById('kc-checkout');
const form = byId('kc-form', HTMLFormElement);
const token = root ? root.getAttribute('data-token') || '' : '';
if (root && form && token !== '') startCheckout(form, token);
