/**
 * The dashboard's one script: live updates. The pages work without it. A page whose <main> names
 * what it shows (`data-live`) listens to /dashboard/events; when the server says something changed,
 * the page fetches itself again and swaps its <main>, unless the user is typing in a form there,
 * in which case a Refresh button appears instead. Focus and the open timeline entries are kept.
 */

const LIVE_STATUS_ID = 'live-status';

function mainElement(): HTMLElement | null {
  return document.getElementById('main');
}

/** Is the user in the middle of something the swap would lose? */
function busy(main: HTMLElement): boolean {
  const active = document.activeElement;
  return active !== null && main.contains(active) && (active instanceof HTMLInputElement || active instanceof HTMLSelectElement || active instanceof HTMLTextAreaElement);
}

function announce(text: string): void {
  const status = document.getElementById(LIVE_STATUS_ID);
  if (status) status.textContent = text;
}

/** Keys of the open <details> (by their summary text), to open them again after a swap. */
function openDetails(main: HTMLElement): Set<string> {
  const open = new Set<string>();
  main.querySelectorAll('details[open] > summary').forEach((summary) => open.add(summary.textContent ?? ''));
  return open;
}

let refreshing = false;

async function refresh(): Promise<void> {
  const main = mainElement();
  if (!main || refreshing) return;
  refreshing = true;
  try {
    const response = await fetch(window.location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } });
    if (!response.ok) return;
    const html = await response.text();
    const next = new DOMParser().parseFromString(html, 'text/html').getElementById('main');
    if (!next) return;
    const open = openDetails(main);
    // The flash of the action that led here was said once already.
    next.querySelector('#flash')?.remove();
    main.innerHTML = next.innerHTML;
    main.querySelectorAll('details > summary').forEach((summary) => {
      if (open.has(summary.textContent ?? '')) summary.parentElement?.setAttribute('open', '');
    });
    hideRefreshButton();
    announce('Updated');
  } finally {
    refreshing = false;
  }
}

function hideRefreshButton(): void {
  document.getElementById('live-refresh')?.remove();
}

function showRefreshButton(): void {
  if (document.getElementById('live-refresh')) return;
  const status = document.getElementById(LIVE_STATUS_ID);
  if (!status) return;
  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'live-refresh';
  button.textContent = 'Refresh: this page has changed';
  button.addEventListener('click', () => void refresh());
  status.after(button);
}

function start(): void {
  const main = mainElement();
  if (!main || !main.dataset.live || typeof EventSource === 'undefined') return;
  const events = new EventSource('/dashboard/events');
  events.addEventListener('change', () => {
    if (busy(main)) showRefreshButton();
    else void refresh();
  });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
