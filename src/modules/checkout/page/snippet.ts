/**
 * The `html_snippet` of a Checkout order: what the merchant puts in its page, as Klarna's. An iframe
 * of klarna-local's checkout page (or, once the order is complete, its confirmation page) and a
 * script that grows the iframe with the page inside it (web/checkout/snippet.ts: the page posts its
 * height, the script checks the message's origin and window and sets the iframe's height).
 *
 * The script is a file of klarna-local's origin, loaded with `async`: nothing inline, so a merchant
 * page whose CSP forbids inline code keeps it working. Inserted with innerHTML the script does not
 * run; the iframe then keeps its default height and scrolls inside, as before.
 */
import { escapeHtml as e } from '../../shopper/html.js';
import type { CheckoutRecord } from '../checkout-order.js';

/** The iframe's height until the page reports its own (and for good without the snippet's script). */
export const SNIPPET_DEFAULT_HEIGHT_PX = 720;

export function htmlSnippet(publicUrl: string, order: CheckoutRecord, pageToken: string): string {
  const page = order.status === 'checkout_complete' ? 'confirmation' : 'checkout';
  const src = `${publicUrl}/checkout/v3/page/${page}?token=${encodeURIComponent(pageToken)}`;
  return (
    '<div id="klarna-checkout-container" style="overflow: hidden;">' +
    `<iframe id="klarna-checkout-iframe" name="klarna-checkout-iframe" title="Klarna Checkout" src="${e(src)}" ` +
    `style="width: 100%; height: ${SNIPPET_DEFAULT_HEIGHT_PX}px; border: 0; display: block;" scrolling="auto" frameborder="0"></iframe>` +
    `<script async src="${e(publicUrl)}/checkout/v3/page/snippet.js"></script>` +
    '</div>'
  );
}
