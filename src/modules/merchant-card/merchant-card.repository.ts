/** The Merchant Card Service's rows, in plain SQL; JSON parsed and statuses typed at the edge. */
import type { Db } from '../../platform/db/database.js';
import { ownedRowLoader } from '../../platform/db/owned-rows.js';
import type { Sql } from '../../platform/db/sql.js';
import type { PublicRsaJwk } from './card-data.js';
import type { CancelRequestRecord, CancelStatus, CancelReason, CardRecord, CardStatus, KeyStatus, PromiseRecord, PromiseStatus, SettlementRecord } from './merchant-card.js';
import type { MerchantCardCancelRequestsTable, MerchantCardCardsTable, MerchantCardKeysTable, MerchantCardPromisesTable, MerchantCardSettlementsTable } from './tables.js';
import { inGroup } from '../../platform/clock.js';
import type { ClockGroup } from '../../platform/clock.js';

// Keys.

export interface KeyRecord {
  key_id: string;
  merchant_id: string;
  jwk: PublicRsaJwk;
  thumbprint: string;
  bits: number;
  status: KeyStatus;
  created_at: number;
  revoked_at: number | null;
}

const KEY_COLUMNS = 'key_id, merchant_id, jwk, thumbprint, bits, status, created_at, revoked_at';
const toKey = (row: MerchantCardKeysTable): KeyRecord => ({
  ...row,
  jwk: JSON.parse(row.jwk) as PublicRsaJwk,
  bits: Number(row.bits),
  status: row.status as KeyStatus,
  created_at: Number(row.created_at),
  revoked_at: row.revoked_at === null ? null : Number(row.revoked_at),
});

export const loadKey = ownedRowLoader<MerchantCardKeysTable, KeyRecord>({ table: 'merchant_card_keys', idColumn: 'key_id', columns: KEY_COLUMNS, toRecord: toKey });

export async function insertKey(sql: Sql, key: KeyRecord): Promise<void> {
  await sql.run(`insert into merchant_card_keys (${KEY_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?)`, [
    key.key_id,
    key.merchant_id,
    JSON.stringify(key.jwk),
    key.thumbprint,
    key.bits,
    key.status,
    key.created_at,
    key.revoked_at,
  ]);
}

export async function activeKeyByThumbprint(sql: Sql, merchantId: string, thumbprint: string): Promise<KeyRecord | undefined> {
  const row = await sql.get<MerchantCardKeysTable>(`select ${KEY_COLUMNS} from merchant_card_keys where merchant_id = ? and thumbprint = ? and status = 'ACTIVE'`, [merchantId, thumbprint]);
  return row && toKey(row);
}

export async function keysOf(sql: Sql, merchantId: string): Promise<KeyRecord[]> {
  return (await sql.all<MerchantCardKeysTable>(`select ${KEY_COLUMNS} from merchant_card_keys where merchant_id = ? order by created_at, key_id`, [merchantId])).map(toKey);
}

export async function revokeKey(sql: Sql, keyId: string, now: number): Promise<void> {
  await sql.run("update merchant_card_keys set status = 'REVOKED', revoked_at = ? where key_id = ? and status = 'ACTIVE'", [now, keyId]);
}

// Promises.

const PROMISE_COLUMNS = 'promise_id, merchant_id, order_id, cards, status, created_at, expires_at';
const toPromise = (row: MerchantCardPromisesTable): PromiseRecord => ({
  ...row,
  cards: JSON.parse(row.cards) as PromiseRecord['cards'],
  status: row.status as PromiseStatus,
  created_at: Number(row.created_at),
  expires_at: Number(row.expires_at),
});

export const loadPromise = ownedRowLoader<MerchantCardPromisesTable, PromiseRecord>({ table: 'merchant_card_promises', idColumn: 'promise_id', columns: PROMISE_COLUMNS, toRecord: toPromise });

export async function insertPromise(sql: Sql, promise: PromiseRecord): Promise<void> {
  await sql.run(`insert into merchant_card_promises (${PROMISE_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?)`, [
    promise.promise_id,
    promise.merchant_id,
    promise.order_id,
    JSON.stringify(promise.cards),
    promise.status,
    promise.created_at,
    promise.expires_at,
  ]);
}

/** The order's active promise (at most one: a new one invalidates it). */
export async function activePromiseOf(sql: Sql, merchantId: string, orderId: string): Promise<PromiseRecord | undefined> {
  const row = await sql.get<MerchantCardPromisesTable>(`select ${PROMISE_COLUMNS} from merchant_card_promises where merchant_id = ? and order_id = ? and status = 'ACTIVE'`, [
    merchantId,
    orderId,
  ]);
  return row && toPromise(row);
}

export async function setPromiseStatus(sql: Sql, promiseId: string, status: PromiseStatus): Promise<void> {
  await sql.run('update merchant_card_promises set status = ? where promise_id = ?', [status, promiseId]);
}

// Settlements and cards.

const SETTLEMENT_COLUMNS = 'settlement_id, merchant_id, order_id, promise_id, capture_id, created_at, expires_at';
const toSettlement = (row: MerchantCardSettlementsTable): SettlementRecord => ({ ...row, created_at: Number(row.created_at), expires_at: Number(row.expires_at) });

export const loadSettlement = ownedRowLoader<MerchantCardSettlementsTable, SettlementRecord>({
  table: 'merchant_card_settlements',
  idColumn: 'settlement_id',
  columns: SETTLEMENT_COLUMNS,
  toRecord: toSettlement,
});

export async function settlementOfOrder(db: Db, sql: Sql, merchantId: string, orderId: string, forUpdate = false): Promise<SettlementRecord | undefined> {
  const text = `select ${SETTLEMENT_COLUMNS} from merchant_card_settlements where order_id = ? and merchant_id = ?`;
  const row = await sql.get<MerchantCardSettlementsTable>(forUpdate ? text + db.forUpdate : text, [orderId, merchantId]);
  return row && toSettlement(row);
}

export async function insertSettlement(sql: Sql, settlement: SettlementRecord, cards: readonly CardRecord[]): Promise<void> {
  await sql.run(`insert into merchant_card_settlements (${SETTLEMENT_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?)`, [
    settlement.settlement_id,
    settlement.merchant_id,
    settlement.order_id,
    settlement.promise_id,
    settlement.capture_id,
    settlement.created_at,
    settlement.expires_at,
  ]);
  for (const card of cards) {
    await sql.run(`insert into merchant_card_cards (${CARD_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      card.card_id,
      card.settlement_id,
      card.merchant_id,
      card.seq,
      card.reference,
      card.amount,
      card.currency,
      card.brand,
      card.holder,
      card.pan,
      card.expiry_date,
      card.cvv,
      card.status,
      card.used_at,
    ]);
  }
}

const CARD_COLUMNS = 'card_id, settlement_id, merchant_id, seq, reference, amount, currency, brand, holder, pan, expiry_date, cvv, status, used_at';
const toCard = (row: MerchantCardCardsTable): CardRecord => ({
  ...row,
  seq: Number(row.seq),
  amount: Number(row.amount),
  status: row.status as CardStatus,
  used_at: row.used_at === null ? null : Number(row.used_at),
});

export async function cardsOf(sql: Sql, settlementId: string): Promise<CardRecord[]> {
  return (await sql.all<MerchantCardCardsTable>(`select ${CARD_COLUMNS} from merchant_card_cards where settlement_id = ? order by seq`, [settlementId])).map(toCard);
}

export const loadCard = ownedRowLoader<MerchantCardCardsTable, CardRecord>({ table: 'merchant_card_cards', idColumn: 'card_id', columns: CARD_COLUMNS, toRecord: toCard });

export async function setCardStatus(sql: Sql, cardId: string, status: CardStatus, usedAt: number | null): Promise<void> {
  await sql.run('update merchant_card_cards set status = ?, used_at = coalesce(?, used_at) where card_id = ?', [status, usedAt, cardId]);
}

// Cancel requests.

const CANCEL_COLUMNS = 'order_id, merchant_id, status, reason_code, reason_message, requested_at, check_after, decided_at';
const toCancel = (row: MerchantCardCancelRequestsTable): CancelRequestRecord => ({
  ...row,
  status: row.status as CancelStatus,
  reason_code: row.reason_code as CancelReason | null,
  requested_at: Number(row.requested_at),
  check_after: Number(row.check_after),
  decided_at: row.decided_at === null ? null : Number(row.decided_at),
});

export const loadCancelRequest = ownedRowLoader<MerchantCardCancelRequestsTable, CancelRequestRecord>({
  table: 'merchant_card_cancel_requests',
  idColumn: 'order_id',
  columns: CANCEL_COLUMNS,
  toRecord: toCancel,
});

/** Stores the order's request (a new one replaces a rejected one). */
export async function saveCancelRequest(sql: Sql, request: CancelRequestRecord): Promise<void> {
  await sql.run(
    `insert into merchant_card_cancel_requests (${CANCEL_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?) ` +
      'on conflict (order_id) do update set status = excluded.status, reason_code = excluded.reason_code, reason_message = excluded.reason_message, ' +
      'requested_at = excluded.requested_at, check_after = excluded.check_after, decided_at = excluded.decided_at',
    [request.order_id, request.merchant_id, request.status, request.reason_code, request.reason_message, request.requested_at, request.check_after, request.decided_at],
  );
}

/** Pending requests whose decision time has come, across merchants. */
export async function dueCancelRequests(sql: Sql, group: ClockGroup): Promise<{ order_id: string; merchant_id: string }[]> {
  const scope = inGroup(group);
  return sql.all(`select order_id, merchant_id from merchant_card_cancel_requests where status = 'PENDING' and check_after <= ?${scope.text} order by check_after`, [
    group.now,
    ...scope.params,
  ]);
}
