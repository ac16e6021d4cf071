/** Fault injection (sandbox): rules that make the merchant's calls, or its callbacks, fail on purpose. */
import type { ApiModule } from '../../platform/module.js';

export const faults: ApiModule = {
  name: 'faults',
};
