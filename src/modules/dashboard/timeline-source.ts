/**
 * Where the dashboard's timelines come from: the sandbox module's, the same functions that answer
 * `GET /sandbox/v1/timeline` (the merchant's API calls, state changes, callbacks with each attempt,
 * inbox messages, settlement transactions, Merchant Card promises and settlements), so the page and
 * the API never disagree.
 */
export { orderTimeline as dashboardTimeline, sessionTimeline as dashboardSessionTimeline } from '../sandbox/timeline.js';
export type { TimelineEntry } from '../sandbox/timeline.js';
