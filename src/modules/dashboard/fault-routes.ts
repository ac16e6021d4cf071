/**
 * The dashboard's fault rules (docs/fidelity.md "Fault injection"): `GET /dashboard/faults` lists the
 * signed-in merchant's active rules with the form that adds one; `POST /dashboard/faults` adds one and
 * `POST /dashboard/faults/:fault_id/remove` removes one, through the same code as
 * `POST /sandbox/v1/faults` and `DELETE /sandbox/v1/faults/{fault_id}` (faults/manage.ts, which
 * refreshes this process's rule cache). A refusal is the page again (400) with the reason; another
 * merchant's rule is an unknown one (404). With `--no-sandbox` the actions are refused (403).
 */
import { Value } from 'typebox/value';
import type { App, ModuleDeps } from '../../platform/app.js';
import { ApiError } from '../../platform/http/errors.js';
import type { FaultInput } from '../faults/fault.js';
import { activeFaultsOf } from '../faults/fault.repository.js';
import type { ApiRuleCache } from '../faults/injection.js';
import { createFault, removeFault } from '../faults/manage.js';
import { FaultBody } from '../faults/schemas.js';
import type { DashboardForm } from './form.js';
import type { Flash } from './html.js';
import type { DashboardKit, MerchantSession } from './kit.js';
import { withDone } from './kit.js';
import type { FaultFormValues } from './pages/faults.js';
import { FAULT_FORM_FIELDS, renderFaults } from './pages/faults.js';
import { isIdLike } from './resources.js';

const config = { auth: false } as const;
const FAULTS_PAGE = '/dashboard/faults';

const MESSAGES: Record<string, Flash> = {
  'fault-created': { kind: 'ok', text: 'The fault rule was added: it applies to the next matching calls.' },
  'fault-removed': { kind: 'ok', text: 'The fault rule was removed.' },
};

const WHOLE = /^\d{1,10}$/;
const DECIMAL = /^\d{0,10}(?:[.,]\d{1,10})?$/;

/**
 * Pure: the create form's fields as the sandbox API's body (empty fields left out), or what is wrong
 * with them. `effect=status` makes a callback rule answer the chosen status.
 */
export function faultInputOf(get: (name: string) => string | undefined): FaultInput | { error: string } {
  const value = (name: string): string | undefined => {
    const text = get(name);
    return text === undefined || text === '' ? undefined : text;
  };
  const input: Record<string, unknown> = {};
  for (const name of ['target', 'method', 'path', 'error_code', 'callback_kind'] as const) {
    const text = value(name);
    if (text !== undefined) input[name] = text;
  }
  for (const name of ['status', 'times', 'delay_ms', 'expires_in_seconds'] as const) {
    const text = value(name);
    if (text === undefined) continue;
    if (!WHOLE.test(text)) return { error: `Bad value: ${name} (a whole number)` };
    input[name] = Number(text);
  }
  const share = value('share');
  if (share !== undefined) {
    if (!DECIMAL.test(share) || share === '.' || share === ',') return { error: 'Bad value: share (a number greater than 0, at most 1)' };
    input.share = Number(share.replace(',', '.'));
  }
  if (value('drop') !== undefined) input.drop = true;
  const effect = value('effect');
  if (effect === 'status') {
    if (input.status === undefined) return { error: 'Bad value: effect (choose the status the callback is answered with)' };
    input.effect = input.status;
    delete input.status;
  } else if (effect !== undefined) {
    input.effect = effect;
  }
  if (Value.Check(FaultBody, input)) return input as FaultInput;
  const fields = [...Value.Errors(FaultBody, input)].map((error) => {
    const path = (error as { instancePath?: string; path?: string }).instancePath ?? (error as { path?: string }).path ?? '';
    return path.split('/').filter(Boolean)[0] ?? 'form';
  });
  return { error: `Bad value: ${[...new Set(fields)].join(', ')}` };
}

export function registerFaultPages(scope: App, deps: ModuleDeps, kit: DashboardKit, cache: ApiRuleCache): void {
  const { db, clock } = deps;
  const { sendPage, seeOther, viewerOf, problem, requireSession, requireAction, flashOf } = kit;
  type Session = MerchantSession & { merchant_username: string | null };

  async function faultsPage(session: Session, flash: Flash | null, values: FaultFormValues = {}) {
    const faults = await activeFaultsOf(db.read, session.merchant_id, await clock.now(session.merchant_id));
    return renderFaults(viewerOf(session), faults, flash, values);
  }

  const valuesOf = (form: DashboardForm): FaultFormValues => Object.fromEntries(FAULT_FORM_FIELDS.map((name) => [name, form.get(name)?.slice(0, 1000)]));

  scope.get(FAULTS_PAGE, { config }, async (request, reply) => {
    const session = await requireSession(request, reply);
    if (!session) return reply;
    return sendPage(reply, 200, await faultsPage(session, flashOf(request, MESSAGES)));
  });

  scope.post(FAULTS_PAGE, { config }, async (request, reply) => {
    const allowed = await requireAction(request, reply);
    if (!allowed) return reply;
    const { session, form } = allowed;
    const refused = async (status: number, text: string) => sendPage(reply, status, await faultsPage(session, { kind: 'error', text }, valuesOf(form)));
    const input = faultInputOf((name) => form.get(name));
    if ('error' in input) return refused(400, input.error);
    try {
      await createFault(deps, cache, session.merchant_id, input);
    } catch (error) {
      if (!(error instanceof ApiError) || error.statusCode >= 500) throw error;
      return refused(error.statusCode, `${error.errorCode}: ${error.errorMessages.join('; ')}`);
    }
    return seeOther(reply, withDone(FAULTS_PAGE, 'fault-created'));
  });

  scope.post<{ Params: { fault_id: string } }>(`${FAULTS_PAGE}/:fault_id/remove`, { config }, async (request, reply) => {
    const allowed = await requireAction(request, reply);
    if (!allowed) return reply;
    const { session } = allowed;
    const faultId = request.params.fault_id;
    if (!isIdLike(faultId) || !(await removeFault(deps, cache, session.merchant_id, faultId))) return problem(reply, 404, 'There is no such fault rule.', session);
    return seeOther(reply, withDone(FAULTS_PAGE, 'fault-removed'));
  });
}
