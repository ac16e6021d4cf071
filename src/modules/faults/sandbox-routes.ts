/**
 * The sandbox's fault rules: `POST /sandbox/v1/faults` creates one, `GET /sandbox/v1/faults` lists
 * the merchant's active ones (oldest first; used-up and expired ones drop out of the list),
 * `GET /sandbox/v1/faults/{fault_id}` reads one in any state, `DELETE` removes one. The rules
 * never apply to these routes themselves.
 */
import type { App, ModuleDeps } from '../../platform/app.js';
import { merchantOf } from '../../platform/http/write.js';
import { faultNotFound } from './errors.js';
import { presentFault } from './fault.js';
import { activeFaultsOf, findFault } from './fault.repository.js';
import type { ApiRuleCache } from './injection.js';
import { createFault, removeFault } from './manage.js';
import { FaultBody, FaultParams, FaultResponse, FaultsResponse } from './schemas.js';

export function registerFaultRoutes(app: App, deps: ModuleDeps, cache: ApiRuleCache): void {
  const { db, clock } = deps;
  const config = { validationStyle: 'bad_value' as const, faults: false };
  const faultUrl = (faultId: string) => `${deps.config.publicUrl}/sandbox/v1/faults/${faultId}`;

  app.post('/sandbox/v1/faults', { config, schema: { body: FaultBody, response: { 201: FaultResponse } } }, async (request, reply) => {
    const { fault, now } = await createFault(deps, cache, merchantOf(request).merchant_id, request.body);
    return reply.code(201).header('location', faultUrl(fault.fault_id)).send(presentFault(fault, now));
  });

  app.get('/sandbox/v1/faults', { config, schema: { response: { 200: FaultsResponse } } }, async (request) => {
    const merchantId = merchantOf(request).merchant_id;
    const now = await clock.now(merchantId);
    const faults = await activeFaultsOf(db.read, merchantId, now);
    return { faults: faults.map((f) => presentFault(f, now)) };
  });

  app.get('/sandbox/v1/faults/:fault_id', { config, schema: { params: FaultParams, response: { 200: FaultResponse } } }, async (request) => {
    const merchantId = merchantOf(request).merchant_id;
    const now = await clock.now(merchantId);
    const fault = await findFault(db.read, merchantId, request.params.fault_id);
    if (!fault) throw faultNotFound();
    return presentFault(fault, now);
  });

  app.delete('/sandbox/v1/faults/:fault_id', { config, schema: { params: FaultParams } }, async (request, reply) => {
    if (!(await removeFault(deps, cache, merchantOf(request).merchant_id, request.params.fault_id))) throw faultNotFound();
    return reply.code(204).send();
  });
}
