/** The sign-in page: the merchant's API credentials (the username and password of Basic auth). */
import { e, page } from '../html.js';

export function renderSignIn(options: { error?: string | undefined; username?: string | undefined; next?: string | undefined }): string {
  const error = options.error ? `<p class="flash flash-error" role="alert" id="sign-in-error">${e(options.error)}</p>` : '';
  const body = `<section class="sign-in" aria-labelledby="sign-in-title">
<h1 id="sign-in-title">Sign in to the dashboard</h1>
<p>Use the merchant's API credentials: the username and password your shop sends to klarna-local.</p>
${error}
<form method="post" action="/dashboard/sign-in" class="stack">
<input type="hidden" name="next" value="${e(options.next ?? '')}">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required maxlength="255" value="${e(options.username ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">Sign in</button>
</form>
</section>`;
  return page({ title: 'Sign in', body });
}
