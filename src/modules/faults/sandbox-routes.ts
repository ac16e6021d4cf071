/**
 * The sandbox's fault rules: `POST /sandbox/v1/faults` creates one, `GET /sandbox/v1/faults` lists
 * the merchant's active ones (oldest first; used-up and expired ones drop out of the list),
 * `GET /sandbox/v1/faults/{fault_id}` reads one in any state, `DELETE` removes one. The rules
 * never apply to these routes themselves.
 */
import type { App, ModuleDeps } from '../../platform/app.js';
import { newId } from '../../platform/ids.js';
import { merchantOf } from '../../platform/http/write.js';
import { badField, faultNotFound } from './errors.js';
import { decideFault, presentFault } from './fault.js';
import { MAX_ACTIVE_FAULTS, activeFaultsOf, deleteFault, findFault, insertFault } from './fault.repository.js';
import type { ApiRuleCache } from './injection.js';
import { FaultBody, FaultParams } from './schemas.js';

export function registerFaultRoutes(app: App, deps: ModuleDeps, cache: ApiRuleCache): void {
  const { db, clock } = deps;
  const config = { validationStyle: 'bad_value' as const, faults: false };
  const faultUrl = (faultId: string) => `${deps.config.publicUrl}/sandbox/v1/faults/${faultId}`;

  app.post('/sandbox/v1/faults', { config, schema: { body: FaultBody } }, async (request, reply) => {
    const merchantId = merchantOf(request).merchant_id;
    const { fault, now } = await db.transaction(async (sql) => {
      const now = await clock.now(sql);
      const fault = decideFault(request.body, { fault_id: newId(), merchant_id: merchantId }, now);
      if ((await activeFaultsOf(sql, merchantId, now)).length >= MAX_ACTIVE_FAULTS) throw badField('body', `at most ${MAX_ACTIVE_FAULTS} active faults per merchant; delete some first`);
      await insertFault(sql, fault);
      return { fault, now };
    });
    cache.invalidate();
    return reply.code(201).header('location', faultUrl(fault.fault_id)).send(presentFault(fault, now));
  });

  app.get('/sandbox/v1/faults', { config }, async (request) => {
    const now = await clock.now();
    const faults = await activeFaultsOf(db.read, merchantOf(request).merchant_id, now);
    return { faults: faults.map((f) => presentFault(f, now)) };
  });

  app.get('/sandbox/v1/faults/:fault_id', { config, schema: { params: FaultParams } }, async (request) => {
    const now = await clock.now();
    const fault = await findFault(db.read, merchantOf(request).merchant_id, request.params.fault_id);
    if (!fault) throw faultNotFound();
    return presentFault(fault, now);
  });

  app.delete('/sandbox/v1/faults/:fault_id', { config, schema: { params: FaultParams } }, async (request, reply) => {
    const merchantId = merchantOf(request).merchant_id;
    const deleted = await db.transaction((sql) => deleteFault(sql, merchantId, request.params.fault_id));
    if (!deleted) throw faultNotFound();
    cache.invalidate();
    return reply.code(204).send();
  });
}
