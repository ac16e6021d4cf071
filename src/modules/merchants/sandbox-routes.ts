/** The merchant's settings (docs/fidelity.md): `GET` and `PATCH /sandbox/v1/settings`. */
import type { FastifyRequest } from 'fastify';
import type { App, ModuleDeps } from '../../platform/app.js';
import { merchantOf } from '../../platform/http/write.js';
import { DEFAULT_SETTINGS, findMerchantById, mergeSettings } from './merchant.js';
import { SettingsBody, SettingsResponse } from './schemas.js';

export function registerMerchantSandboxRoutes(app: App, deps: ModuleDeps): void {
  const { db, authenticator } = deps;
  const merchantFor = async (request: FastifyRequest) => {
    const merchant = await findMerchantById(db.kysely, merchantOf(request).merchant_id);
    if (!merchant) throw new Error('the authenticated merchant vanished');
    return merchant;
  };

  app.get('/sandbox/v1/settings', { schema: { response: { 200: SettingsResponse } } }, async (request) => {
    const merchant = await merchantFor(request);
    return { merchant_id: merchant.merchant_id, username: merchant.username, settings: merchant.settings, defaults: DEFAULT_SETTINGS };
  });

  app.patch('/sandbox/v1/settings', { config: { validationStyle: 'bad_value' }, schema: { body: SettingsBody, response: { 200: SettingsResponse } } }, async (request) => {
    const merchant = await merchantFor(request);
    const settings = mergeSettings(merchant.settings, request.body as Partial<typeof merchant.settings>);
    await db.kysely
      .updateTable('merchants')
      .set({ settings: JSON.stringify(settings), updated_at: Date.now() })
      .where('merchant_id', '=', merchant.merchant_id)
      .execute();
    authenticator.invalidate();
    return { merchant_id: merchant.merchant_id, username: merchant.username, settings, defaults: DEFAULT_SETTINGS };
  });
}
