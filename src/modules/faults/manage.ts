/**
 * Creating and removing a merchant's fault rules, shared by the sandbox API (sandbox-routes.ts) and
 * the dashboard: the rules between fields (decideFault), the cap on active rules, the row, and this
 * process's rule cache refreshed at once after the change.
 */
import type { ModuleDeps } from '../../platform/app.js';
import { newId } from '../../platform/ids.js';
import { badField } from './errors.js';
import type { Fault, FaultInput } from './fault.js';
import { decideFault } from './fault.js';
import { MAX_ACTIVE_FAULTS, activeFaultsOf, deleteFault, insertFault } from './fault.repository.js';
import type { ApiRuleCache } from './injection.js';

/** Stores a new rule for the merchant, or throws the API's refusal (400 BAD_VALUE naming the field) with nothing stored. */
export async function createFault(deps: Pick<ModuleDeps, 'db' | 'clock'>, cache: ApiRuleCache, merchantId: string, input: FaultInput): Promise<{ fault: Fault; now: number }> {
  const result = await deps.db.transaction(async (sql) => {
    const now = await deps.clock.now(merchantId, sql);
    const fault = decideFault(input, { fault_id: newId(), merchant_id: merchantId }, now);
    if ((await activeFaultsOf(sql, merchantId, now)).length >= MAX_ACTIVE_FAULTS) throw badField('body', `at most ${MAX_ACTIVE_FAULTS} active faults per merchant; delete some first`);
    await insertFault(sql, fault);
    return { fault, now };
  });
  cache.invalidate();
  return result;
}

/** Removes one of the merchant's rules; false when it has none by that id (another merchant's included). */
export async function removeFault(deps: Pick<ModuleDeps, 'db'>, cache: ApiRuleCache, merchantId: string, faultId: string): Promise<boolean> {
  const deleted = await deps.db.transaction((sql) => deleteFault(sql, merchantId, faultId));
  if (deleted) cache.invalidate();
  return deleted;
}
