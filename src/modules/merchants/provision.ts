/**
 * Start-up provisioning: the merchants named in configuration are created or get their password
 * updated; with none configured and none stored, one merchant is created and its credentials shown.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Db } from '../../platform/db/database.js';
import { inTransaction } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { hashPassword, verifyPassword } from '../../platform/passwords.js';
import type { MerchantCredential } from '../../config.js';

export interface ProvisionResult {
  /** Credentials created on this start whose password is shown once (generated merchant). */
  generated: MerchantCredential | null;
  usernames: string[];
}

export async function upsertMerchant(db: Db, credential: MerchantCredential, now: number): Promise<'created' | 'updated' | 'unchanged'> {
  const existing = await db.kysely.selectFrom('merchants').select(['merchant_id', 'password_hash']).where('username', '=', credential.username).executeTakeFirst();
  if (existing && (await verifyPassword(credential.password, existing.password_hash))) return 'unchanged';
  const passwordHash = await hashPassword(credential.password);
  return inTransaction(db, async (trx) => {
    // Insert-or-nothing, then update: two processes provisioning the same username at once (PostgreSQL)
    // no longer both insert; the second waits on the unique index, inserts nothing and updates.
    const inserted = await trx
      .insertInto('merchants')
      .values({ merchant_id: newId(), username: credential.username, password_hash: passwordHash, settings: '{}', created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('username').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return 'created';
    await trx.updateTable('merchants').set({ password_hash: passwordHash, updated_at: now }).where('username', '=', credential.username).execute();
    return 'updated';
  });
}

/** A username in the style of Klarna's API usernames (`PK12345_…`) and a random password. */
export function generateCredential(): MerchantCredential {
  return { username: `PK${randomInt(10000, 99999)}_${randomBytes(6).toString('hex')}`, password: randomBytes(12).toString('base64url') };
}

export async function provisionMerchants(db: Db, configured: readonly MerchantCredential[], now: number): Promise<ProvisionResult> {
  for (const credential of configured) await upsertMerchant(db, credential, now);
  let generated: MerchantCredential | null = null;
  if (configured.length === 0) {
    const any = await db.kysely.selectFrom('merchants').select('merchant_id').limit(1).executeTakeFirst();
    if (!any) {
      generated = generateCredential();
      await upsertMerchant(db, generated, now);
    }
  }
  const rows = await db.kysely.selectFrom('merchants').select('username').orderBy('created_at').limit(20).execute();
  return { generated, usernames: rows.map((r) => r.username) };
}
