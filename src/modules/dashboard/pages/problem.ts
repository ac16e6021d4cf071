/** A page for a refusal: not found, a form that could not be read, an expired form. */
import type { Viewer } from '../html.js';
import { e, page } from '../html.js';

const HEADINGS: Record<number, string> = {
  400: 'This request could not be read',
  403: 'This form has expired',
  404: 'Not found',
};

export function renderProblem(status: number, message: string, viewer?: Viewer): string {
  const heading = HEADINGS[status] ?? 'Something went wrong';
  return page({ title: heading, viewer, body: `<h1>${e(heading)}</h1>\n<p id="problem">${e(message)}</p>\n<p><a href="/dashboard/orders">Back to the orders</a></p>` });
}
