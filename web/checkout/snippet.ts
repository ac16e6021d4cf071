/**
 * `/checkout/v3/page/snippet.js`: the script of the checkout `html_snippet`, in the merchant's
 * page. It makes the snippet's iframe (`#klarna-checkout-iframe`) as tall as the checkout or
 * confirmation page inside it, so nothing is cut and the frame never scrolls on its own.
 *
 * Only a height message (protocol.ts) from klarna-local's origin, the origin this script was loaded
 * from, and from the window of a snippet iframe is applied. A snippet inserted with innerHTML runs
 * no script: its iframe keeps the height the snippet's markup gives it.
 */
import { MEASURE_MESSAGE, isHeightMessage } from './protocol.js';
import type { MeasureMessage } from './protocol.js';

const IFRAMES = 'iframe#klarna-checkout-iframe';

declare global {
  interface Window {
    /** klarna-local origins whose snippet script already listens (a snippet may be inserted twice). */
    __klarnaLocalCheckoutSnippet?: string[];
  }
}

function snippetIframes(): HTMLIFrameElement[] {
  return Array.from(document.querySelectorAll<HTMLIFrameElement>(IFRAMES));
}

function start(origin: string): void {
  const listening = (window.__klarnaLocalCheckoutSnippet = window.__klarnaLocalCheckoutSnippet || []);
  if (listening.indexOf(origin) >= 0) return;
  listening.push(origin);

  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (event.origin !== origin || !isHeightMessage(event.data)) return;
    const iframe = snippetIframes().find((candidate) => candidate.contentWindow !== null && candidate.contentWindow === event.source);
    if (!iframe) return;
    const height = Math.ceil(event.data.height) + 'px';
    if (iframe.style.height !== height) iframe.style.height = height;
  });

  // The page may have reported before this (async) script listened: ask each frame to report again.
  // The request carries nothing, so it goes to whatever document the frame holds right now (one
  // still loading would make a target origin fail with a console error); a page that is not loaded
  // yet reports on its own once it is.
  const measure: MeasureMessage = { type: MEASURE_MESSAGE };
  for (const iframe of snippetIframes()) {
    if (iframe.contentWindow) iframe.contentWindow.postMessage(measure, '*');
  }
}

const script = document.currentScript;
const src = script instanceof HTMLScriptElement ? script.src : '';
if (src) start(new URL(src).origin);
