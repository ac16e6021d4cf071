/**
 * Live updates: `GET /dashboard/events` streams `change` when something of the merchant's changes in
 * the database (a capture through the API here), and only to a signed-in browser. Both databases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { signedIn } from './helpers.js';

for (const dialect of await availableDialects()) {
  describe(`dashboard live updates (${dialect})`, () => {
    let t: TestApp;
    let base: string;
    before(async () => {
      t = await buildTestApp({ dialect });
      base = `http://127.0.0.1:${await t.listen()}`;
    });
    after(async () => t.close());

    it('refuses the stream without a session (401)', async () => {
      const res = await fetch(`${base}/dashboard/events`);
      assert.equal(res.status, 401);
      await res.text();
    });

    it('says `change` when the merchant\'s order changes', async () => {
      const browser = await signedIn(t);
      const order = await t.createOrder(orderBody());
      const abort = new AbortController();
      const res = await fetch(`${base}/dashboard/events`, { headers: { cookie: browser.cookie ?? '' }, signal: abort.signal });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const read = async (until: RegExp, ms: number) => {
        const deadline = Date.now() + ms;
        while (!until.test(text)) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${until} in ${JSON.stringify(text)}`);
          const chunk = await reader.read();
          if (chunk.done) throw new Error('the stream ended');
          text += decoder.decode(chunk.value);
        }
      };
      await read(/retry: 3000/, 2000);
      // Let the first marker be read before the change.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const capture = await t.post(`/ordermanagement/v1/orders/${order.order_id as string}/captures`, { captured_amount: 5000 });
      assert.equal(capture.status, 201);
      await read(/event: change\ndata: [\d.]+\n\n/, 4000);
      abort.abort();
    });
  });
}
