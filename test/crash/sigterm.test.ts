/**
 * Graceful shutdown: on SIGTERM the server stops accepting, lets the request in flight finish (here a
 * checkout completion waiting on a slow validation callback), stops its background work, closes the
 * database and exits 0; what that request did is there after a restart.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestDatabase } from '../helpers/databases.js';
import { MERCHANT, basicAuth } from '../helpers/harness.js';
import { startFakeMerchant } from '../helpers/merchant-server.js';
import { startServerProcess } from '../helpers/process.js';
import { SHOPPER, checkoutBody, merchantUrls } from '../api/checkout/helpers.js';

const HEADERS = { authorization: basicAuth(MERCHANT), 'content-type': 'application/json' };
const env = { KLARNA_LOCAL_MERCHANTS: `${MERCHANT.username}:${MERCHANT.password}` };

describe('SIGTERM', () => {
  it('finishes the request in flight, refuses new connections, exits 0, and keeps what it did', async () => {
    const database = await createTestDatabase('sqlite');
    const merchant = await startFakeMerchant();
    let server = await startServerProcess(['--database-url', database.url], { env });
    try {
      const created = await fetch(`${server.url}/checkout/v3/orders`, {
        method: 'POST',
        headers: HEADERS,
        body: JSON.stringify(checkoutBody(merchant.url, { merchant_urls: merchantUrls(merchant.url, { validation: `${merchant.url}/validate` }) })),
      });
      const { order_id } = (await created.json()) as { order_id: string };
      merchant.answer({ status: 200, delayMs: 1200 });

      const inFlight = fetch(`${server.url}/sandbox/v1/checkout/orders/${order_id}/complete`, { method: 'POST', headers: HEADERS, body: JSON.stringify(SHOPPER) });
      await merchant.waitFor(1, (r) => r.url === '/validate');
      const url = server.url;
      const exited = server.stop('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 200));
      await assert.rejects(fetch(`${url}/healthz`), 'no new connections once shutting down');

      const answer = await inFlight;
      assert.equal(answer.status, 200);
      assert.equal(((await answer.json()) as { status: string }).status, 'checkout_complete');
      assert.equal(await exited, 0);

      server = await startServerProcess(['--database-url', database.url], { env });
      const read = await fetch(`${server.url}/ordermanagement/v1/orders/${order_id}`, { headers: HEADERS });
      assert.equal(read.status, 200);
      assert.equal(((await read.json()) as { status: string }).status, 'AUTHORIZED');
    } finally {
      await server.stop();
      await merchant.close();
      await database.drop();
    }
  });
});
