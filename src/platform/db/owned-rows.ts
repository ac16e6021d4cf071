/**
 * How every repository loads one of a merchant's resources by its id: scoped to the merchant, so
 * another merchant's id is simply not found (and answered like an unknown one), and with
 * `forUpdate` locked until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite holds the write
 * lock). The statement text is fixed once per table, so its prepared statement is reused.
 */
import type { Db } from './database.js';
import type { Sql } from './sql.js';

export interface OwnedRowSpec<Row, Out> {
  table: string;
  idColumn: string;
  columns: string;
  /** The row as the module's record (JSON columns parsed, statuses typed). */
  toRecord(row: Row): Out;
}

export type OwnedRowLoader<Out> = (db: Db, sql: Sql, merchantId: string, id: string, forUpdate?: boolean) => Promise<Out | undefined>;

export function ownedRowLoader<Row, Out>(spec: OwnedRowSpec<Row, Out>): OwnedRowLoader<Out> {
  const text = `select ${spec.columns} from ${spec.table} where ${spec.idColumn} = ? and merchant_id = ?`;
  return async (db, sql, merchantId, id, forUpdate = false) => {
    const row = await sql.get<Row>(forUpdate ? text + db.forUpdate : text, [id, merchantId]);
    return row && spec.toRecord(row);
  };
}
