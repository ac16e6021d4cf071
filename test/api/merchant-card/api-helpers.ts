/**
 * What the Merchant Card Service tests share: a merchant's RSA key pair (the public half enrolled as
 * a JWK through the sandbox, the private half kept to decrypt cards as a merchant would, with
 * node-forge), and the calls every test makes.
 */
import assert from 'node:assert/strict';
import { createDecipheriv, generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import type { TestApp } from '../../helpers/harness.js';
import type { RequestOptions } from '../../helpers/harness.js';

type Auth = RequestOptions['auth'];

export interface MerchantKeyPair {
  jwk: Record<string, unknown>;
  forgeKey: forge.pki.rsa.PrivateKey;
}

/** Key pairs are slow to make: a few made once per test process, reused. */
const pairs = new Map<number, MerchantKeyPair[]>();
export function keyPair(bits = 2048, index = 0): MerchantKeyPair {
  const list = pairs.get(bits) ?? [];
  while (list.length <= index) {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
    list.push({ jwk: publicKey.export({ format: 'jwk' }) as Record<string, unknown>, forgeKey: forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()) });
  }
  pairs.set(bits, list);
  return list[index] as MerchantKeyPair;
}

export interface IssuedCard {
  reference: string;
  card_id: string;
  amount: number;
  currency: string;
  brand: string;
  holder: string;
  pci_data: string;
  iv: string;
  aes_key: string;
}

export interface Settlement {
  settlement_id: string;
  promise_id?: string;
  order_id: string;
  cards: IssuedCard[];
  created_at: string;
  expires_at: string;
}

export interface CardData {
  pan: string;
  expiry_date: string;
  cvv: string;
}

/** A merchant's decryption: unwrap the AES key with the private key (PKCS#1 v1.5), then AES-128-CTR with the iv. */
export function decryptCard(card: Pick<IssuedCard, 'pci_data' | 'iv' | 'aes_key'>, pair: MerchantKeyPair): CardData {
  const aesKey = Buffer.from(pair.forgeKey.decrypt(Buffer.from(card.aes_key, 'base64').toString('binary'), 'RSAES-PKCS1-V1_5'), 'binary');
  assert.equal(aesKey.length, 16, 'a 128-bit AES key');
  const decipher = createDecipheriv('aes-128-ctr', aesKey, Buffer.from(card.iv, 'base64'));
  const json = Buffer.concat([decipher.update(Buffer.from(card.pci_data, 'base64')), decipher.final()]).toString('utf8');
  return JSON.parse(json) as CardData;
}

export function luhnValid(pan: string): boolean {
  let sum = 0;
  for (let i = 0; i < pan.length; i++) {
    let digit = Number(pan[pan.length - 1 - i]);
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return /^\d{12,19}$/.test(pan) && sum % 10 === 0;
}

export async function enroll(t: TestApp, pair: MerchantKeyPair = keyPair(), auth?: Auth): Promise<string> {
  const res = await t.post('/sandbox/v1/merchant-card/keys', pair.jwk, { auth });
  assert.ok(res.status === 201 || res.status === 200, res.body);
  return res.json<{ key_id: string }>().key_id;
}

export async function promise(t: TestApp, orderId: string, cards: unknown[], auth?: Auth): Promise<{ promise_id: string; expires_at: string }> {
  const res = await t.post('/merchantcard/v3/promises', { order_id: orderId, cards }, { auth });
  assert.equal(res.status, 201, res.body);
  return res.json();
}

export async function settle(t: TestApp, body: { order_id: string; key_id: string; promise_id?: string }, auth?: Auth): Promise<Settlement> {
  const res = await t.post('/merchantcard/v3/settlements', body, { auth });
  assert.equal(res.status, 201, res.body);
  return res.json<Settlement>();
}

export async function omOrder(t: TestApp, orderId: string, auth?: Auth) {
  const res = await t.get(`/ordermanagement/v1/orders/${orderId}`, auth);
  assert.equal(res.status, 200, res.body);
  return res.json<{ status: string; order_amount: number; captured_amount: number; refunded_amount: number; remaining_authorized_amount: number; captures: { capture_id: string; captured_amount: number; description?: string }[] }>();
}
