/** The fault rules page: the merchant's active rules, each removable, and the form that creates one. Pure. */
import type { Fault } from '../../faults/fault.js';
import { FAULT_CALLBACK_KINDS, FAULT_METHODS, FAULT_STATUSES, FAULT_TARGETS } from '../../faults/fault.js';
import type { Flash, Viewer } from '../html.js';
import { csrfField, e, page, table } from '../html.js';
import { timeCell } from './common.js';

/** The create form's fields as typed, shown again after a refusal. */
export type FaultFormValues = Readonly<Record<string, string | undefined>>;

export const FAULT_FORM_FIELDS = ['target', 'method', 'path', 'status', 'error_code', 'times', 'share', 'delay_ms', 'drop', 'callback_kind', 'effect', 'expires_in_seconds'] as const;

/** The effects a callback rule may have in the form: `status` answers the status chosen above. */
export const FORM_CALLBACK_EFFECTS = [
  ['timeout', 'Time out'],
  ['refuse', 'Refuse the connection'],
  ['status', 'Answer the status above'],
] as const;

const removeHref = (faultId: string): string => `/dashboard/faults/${encodeURIComponent(faultId)}/remove`;

function select(name: string, label: string, options: readonly (readonly [string, string])[], current: string | undefined): string {
  const html = options.map(([value, text]) => `<option value="${e(value)}"${value === (current ?? '') ? ' selected' : ''}>${e(text)}</option>`);
  return `<div class="field"><label for="fault-${name}">${e(label)}</label><select id="fault-${name}" name="${name}">${html.join('')}</select></div>`;
}

function input(name: string, label: string, value: string | undefined, extra: string): string {
  return `<div class="field"><label for="fault-${name}">${e(label)}</label><input id="fault-${name}" name="${name}" type="text" value="${e(value ?? '')}"${extra}></div>`;
}

function row(viewer: Viewer, fault: Fault): string {
  const what = fault.target === 'api' ? (fault.path ?? '') : `callback ${fault.callback_kind ?? '(any kind)'}`;
  const answer =
    fault.target === 'api'
      ? fault.status === null
        ? ''
        : `${fault.status} ${fault.error_code ?? ''}`
      : fault.effect === 'status'
        ? `${fault.status ?? ''}`
        : (fault.effect ?? '');
  const count = fault.times === null ? 'every call' : `${fault.remaining ?? 0} of ${fault.times}`;
  const remove = viewer.actions
    ? `<form method="post" action="${e(removeHref(fault.fault_id))}">${csrfField(viewer)}<button type="submit" aria-label="${e(`Remove the rule for ${what}`)}">Remove</button></form>`
    : '';
  return `<tr id="fault-${e(fault.fault_id)}"><td>${e(fault.method ?? (fault.target === 'api' ? 'any' : ''))}</td><th scope="row">${e(what)}</th><td>${e(answer)}</td><td class="num">${e(fault.delay_ms > 0 ? `${fault.delay_ms} ms` : '')}</td><td>${fault.drop ? 'yes' : ''}</td><td>${e(fault.target)}</td><td>${e(count)}</td><td class="num">${e(fault.share === null ? '' : String(fault.share))}</td><td>${fault.expires_at === null ? 'never' : timeCell(fault.expires_at)}</td><td class="num">${e(fault.injected)}</td><td>${remove}</td></tr>`;
}

function createForm(viewer: Viewer, values: FaultFormValues): string {
  const optional = (list: readonly string[], none: string) => [['', none] as const, ...list.map((v) => [v, v] as const)];
  return `<section aria-labelledby="create-fault"><h2 id="create-fault">Add a rule</h2>
<form method="post" action="/dashboard/faults" class="filters" id="fault-form">${csrfField(viewer)}
${select('target', 'Target', FAULT_TARGETS.map((t) => [t, t === 'api' ? 'api (the merchant\u2019s calls)' : 'callbacks (sent to the merchant)'] as const), values.target ?? 'api')}
${select('method', 'Method', optional(FAULT_METHODS, 'Any'), values.method)}
${input('path', 'Path (* matches one segment)', values.path, ' maxlength="1000" placeholder="/ordermanagement/v1/orders/*/captures"')}
${select('status', 'Status', optional(FAULT_STATUSES.map(String), 'None'), values.status)}
${input('error_code', 'Error code', values.error_code, ' maxlength="64" placeholder="default for the status"')}
${input('times', 'Times', values.times, ' inputmode="numeric"')}
${input('share', 'Share (0 to 1)', values.share, ' inputmode="decimal"')}
${input('delay_ms', 'Delay (ms)', values.delay_ms, ' inputmode="numeric"')}
<div class="field"><label for="fault-drop"><input id="fault-drop" name="drop" type="checkbox" value="1"${values.drop ? ' checked' : ''}> Drop the connection</label></div>
${select('callback_kind', 'Callback kind', optional(FAULT_CALLBACK_KINDS, 'Any'), values.callback_kind)}
${select('effect', 'Callback effect', [['', 'None'] as const, ...FORM_CALLBACK_EFFECTS], values.effect)}
${input('expires_in_seconds', 'Expires in (seconds)', values.expires_in_seconds, ' inputmode="numeric"')}
<div class="field field-button"><button type="submit">Add the rule</button></div>
</form></section>`;
}

export function renderFaults(viewer: Viewer, faults: readonly Fault[], flash: Flash | null, values: FaultFormValues = {}): string {
  const rows = faults.map((f) => row(viewer, f));
  const body = `<h1>Fault injection</h1>
<p>Rules that make the merchant's calls, or its callbacks, fail on purpose, before anything changes (the same rules as <code>/sandbox/v1/faults</code>).</p>
${table('Active fault rules, oldest first', ['Method', 'Path', 'Status / error code', 'Delay', 'Drop', 'Target', 'Remaining / times', 'Share', 'Expires (UTC)', 'Injected', 'Remove'], rows, { id: 'faults', empty: 'No active fault rules.' })}
${viewer.actions ? createForm(viewer, values) : ''}`;
  return page({ title: 'Fault injection', viewer, section: 'faults', flash, body });
}
