/** What may be written to logs: nothing that authenticates whoever holds it. */

/** A shopper page's or widget's token in a query string: it authenticates whoever holds it. */
const QUERY_TOKEN = /([?&](?:client_)?token=)[^&#]*/gi;

/** A URL as it may be logged: shopper tokens in the query string blanked. */
export const loggableUrl = (url: string): string => url.replace(QUERY_TOKEN, '$1[redacted]');
