/**
 * Secrets of this installation, shared by every process on the same database: created once by
 * whichever process asks first, then read by all.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from './db/database.js';

export async function loadInstanceSecret(db: Db, name: string): Promise<Buffer> {
  const existing = await db.read.get<{ value: string }>('select value from instance_secrets where name = ?', [name]);
  if (existing) return Buffer.from(existing.value, 'base64url');
  return db.transaction(async (sql) => {
    await sql.run('insert into instance_secrets (name, value) values (?, ?) on conflict (name) do nothing', [name, randomBytes(32).toString('base64url')]);
    const row = await sql.get<{ value: string }>('select value from instance_secrets where name = ?', [name]);
    if (!row) throw new Error(`instance secret ${name} could not be stored`);
    return Buffer.from(row.value, 'base64url');
  });
}
