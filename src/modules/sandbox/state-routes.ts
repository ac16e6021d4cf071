/**
 * The merchant's whole state through the sandbox (merchant-state.ts): `POST /sandbox/v1/reset`
 * deletes it, `GET /sandbox/v1/snapshot` exports it, `PUT /sandbox/v1/snapshot` replaces it with a
 * snapshot's. Each acts on the calling merchant alone. JSON, the merchant's Basic credentials,
 * Klarna's error envelope.
 */
import type { App, ModuleDeps } from '../../platform/app.js';
import { toIso } from '../../platform/clock.js';
import { merchantOf } from '../../platform/http/write.js';
import { faultRuleCacheOf } from '../faults/module.js';
import { checkSnapshotHead, exportMerchantState, importMerchantState, resetMerchantState } from './merchant-state.js';
import { ImportQuery, ImportResponse, MerchantSnapshot, ResetBody, ResetResponse } from './state-schemas.js';

/** A snapshot may be far larger than any Klarna body (5 MiB): every order, call and callback of a merchant. */
export const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;

export function registerStateRoutes(app: App, deps: ModuleDeps): void {
  const { db, clock } = deps;
  const config = { validationStyle: 'bad_value' as const };

  const clockOf = async (merchantId: string) => {
    const offset = await clock.offset(merchantId);
    return { now: toIso(clock.wallClock() + offset), offset_seconds: Math.floor(offset / 1000) };
  };
  // The rows changed under this process's caches: fault rules are read again at once, and imported
  // callbacks that are due go out now rather than at the next poll.
  const changed = () => {
    faultRuleCacheOf(app, deps).invalidate();
    deps.dispatcher.wake();
  };

  // No body, or an empty object.
  const optionalBody = async (request: { body: unknown }) => {
    if (request.body === undefined) request.body = {};
  };

  app.post('/sandbox/v1/reset', { config, preValidation: optionalBody, schema: { body: ResetBody, response: { 200: ResetResponse } } }, async (request) => {
    const merchantId = merchantOf(request).merchant_id;
    const deleted = await resetMerchantState(db, clock, merchantId);
    changed();
    return { deleted, clock: await clockOf(merchantId) };
  });

  app.get('/sandbox/v1/snapshot', { config, schema: { response: { 200: MerchantSnapshot } } }, async (request, reply) => {
    const snapshot = await exportMerchantState(db, clock, merchantOf(request).merchant_id);
    // JSON.stringify rather than the schema's serializer: the rows are plain values already, and a
    // snapshot can be large (the schema's serializer picks a branch of the cell union per value).
    reply.type('application/json; charset=utf-8').serializer((payload: unknown) => JSON.stringify(payload));
    return snapshot;
  });

  app.put(
    '/sandbox/v1/snapshot',
    {
      config,
      bodyLimit: MAX_SNAPSHOT_BYTES,
      // Another format or version is named as such, before the schema's field-by-field refusal.
      preValidation: async (request) => {
        if (request.body !== null && typeof request.body === 'object' && !Array.isArray(request.body)) checkSnapshotHead(request.body);
      },
      schema: { querystring: ImportQuery, body: MerchantSnapshot, response: { 200: ImportResponse } },
    },
    async (request) => {
      const merchantId = merchantOf(request).merchant_id;
      const imported = await importMerchantState(db, clock, merchantId, request.body, { keepClock: request.query.keep_clock === 'true' });
      changed();
      return { imported, clock: await clockOf(merchantId) };
    },
  );
}
