/**
 * A merchant's write, as every API module runs it: the platform's write pipeline
 * (platform/http/write.ts) with the merchant's settings (docs/fidelity.md) in the context.
 */
import type { SettingsReader, WriteContext, WritePipeline, WritePipelineDeps, WritePipelineOptions } from '../../platform/http/write.js';
import { writePipeline } from '../../platform/http/write.js';
import type { MerchantSettings } from './merchant.js';
import { parseSettings } from './merchant.js';

/** What every merchant operation receives: the transaction, the time, the merchant and its settings. */
export type OperationContext = WriteContext<MerchantSettings>;

export const MERCHANT_SETTINGS: SettingsReader<MerchantSettings> = {
  parse: parseSettings,
  replaysErrors: (settings) => settings.idempotency_replays_errors,
};

/** The write pipeline with the merchant's settings; a module may prepare extras and act after commits. */
export function merchantWrites<Extra extends object = object>(
  deps: WritePipelineDeps,
  options: Omit<WritePipelineOptions<MerchantSettings, Extra>, 'settings'> = {},
): WritePipeline<OperationContext & Extra> {
  return writePipeline<MerchantSettings, Extra>(deps, { settings: MERCHANT_SETTINGS, ...options });
}
