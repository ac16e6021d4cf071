/**
 * One merchant write, the same for every API: one transaction with Klarna's idempotency
 * (`Klarna-Idempotency-Key`), the server time and the merchant's settings read in its first
 * statement, and the operation's context. Modules add only what is theirs around it.
 */
import type { FastifyRequest } from 'fastify';
import type { AppDeps } from '../platform/app.js';
import type { WriteResult } from '../platform/http/idempotency.js';
import { readIdempotencyKey, runWrite } from '../platform/http/idempotency.js';
import { parseSettings } from './merchants/merchant.js';
import type { OperationContext } from './order-management/operations/context.js';

export interface MerchantWrite {
  merchantId: string;
  correlationId: string;
  idempotencyKey: string | undefined;
}

/** The write an authenticated request asks for (its merchant, correlation id and idempotency key). */
export function requestWrite(request: FastifyRequest): MerchantWrite {
  if (!request.merchant) throw new Error(`${request.method} ${request.url}: a write without an authenticated merchant`);
  return { merchantId: request.merchant.merchant_id, correlationId: request.id, idempotencyKey: readIdempotencyKey(request.headers['klarna-idempotency-key']) };
}

export function runMerchantWrite(
  deps: Pick<AppDeps, 'db' | 'clock' | 'config'>,
  write: MerchantWrite,
  operation: (ctx: OperationContext) => Promise<WriteResult>,
): Promise<WriteResult> {
  const { db, clock, config } = deps;
  const { merchantId } = write;
  return runWrite(
    db,
    clock,
    { merchantId, idempotencyKey: write.idempotencyKey, correlationId: write.correlationId, replayErrors: (json) => parseSettings(json).idempotency_replays_errors },
    // The public URL is read per write: with port 0 it is only known once the server listens.
    ({ sql, now, settingsJson }) => operation({ db, sql, now, merchantId, settings: parseSettings(settingsJson), publicUrl: config.publicUrl }),
  );
}
