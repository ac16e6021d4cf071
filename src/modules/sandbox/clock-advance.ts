/**
 * Moving sandbox time, for the sandbox route and the dashboard alike: what falls due by the new time
 * happens before the answer (every module's due work, then the callbacks due by then).
 */
import type { ModuleDeps } from '../../platform/app.js';
import { flushApiCalls } from './api-calls.js';

type Deps = Pick<ModuleDeps, 'db' | 'clock' | 'dueWork' | 'dispatcher'>;

/** A merchant's advance (with `--sandbox-clock server`, everyone's); returns the merchant's new now. */
export async function advanceMerchantClock(deps: Deps, merchantId: string, seconds: number): Promise<number> {
  // The calls this process logged before the advance keep the time before it.
  await flushApiCalls(deps.db);
  const now = await deps.clock.advance(merchantId, seconds);
  if (deps.clock.scope === 'server') await runAllDueWork(deps);
  else await deps.dueWork(deps.db, { now, merchantIds: [merchantId] });
  await deps.dispatcher.runOnce();
  return now;
}

/** Every merchant's time forward (an administrator's choice); returns the server's new now. */
export async function advanceServerClock(deps: Deps, seconds: number): Promise<number> {
  await flushApiCalls(deps.db);
  const now = await deps.clock.advanceServer(seconds);
  await runAllDueWork(deps);
  await deps.dispatcher.runOnce();
  return now;
}

async function runAllDueWork(deps: Deps): Promise<void> {
  for (const group of await deps.clock.groups()) await deps.dueWork(deps.db, group);
}
