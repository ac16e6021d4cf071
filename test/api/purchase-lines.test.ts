/**
 * The line rules every purchase shares (§0.5): a line's `name` is 1–255 characters, and a
 * `return_fee` line belongs to Order Management refunds only. Payments sessions (create, update),
 * Payments create-order, the shopper's authorization, Checkout create and update and the sandbox's
 * orders answer 400 BAD_VALUE naming `order_lines[i].name` / `order_lines[i].type`, and store nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError } from '../helpers/assertions.js';
import { availableDialects } from '../helpers/databases.js';
import { assertUnchanged, fingerprint } from '../helpers/fingerprint.js';
import { buildTestApp, orderBody } from '../helpers/harness.js';
import type { TestApp, TestResponse } from '../helpers/harness.js';
import { LINES as CHECKOUT_LINES, checkoutBody } from './checkout/helpers.js';

type Line = Record<string, unknown>;

const PAYMENTS_LINES = orderBody().order_lines as Line[];
const MERCHANT_URL = 'https://shop.example';

/** The second line changed: the index in the message is the line's own. */
const withSecond = (lines: Line[], change: Line): Line[] => lines.map((line, i) => (i === 1 ? { ...line, ...change } : line));

/** Lines a purchase refuses, and how each refusal names the line's field. */
const REFUSED: { what: string; change: Line; message: RegExp }[] = [
  { what: 'an empty name', change: { name: '' }, message: /^Bad value: order_lines\[1\]\.name\b/ },
  // Over-long values get the size wording of every schema (field path without indexes).
  { what: 'a name of 256 characters', change: { name: 'n'.repeat(256) }, message: /^Bad value: order_lines\[1\]\.name \(must NOT have more than 255 characters\)$/ },
  { what: 'a return_fee line', change: { type: 'return_fee' }, message: /^Bad value: order_lines\[1\]\.type\b/ },
];

/** Names a purchase accepts: the bounds themselves. */
const ACCEPTED_NAMES = ['n', 'n'.repeat(255)];

for (const dialect of await availableDialects()) {
  describe(`purchase lines: name 1–255 characters, no return_fee (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => {
      await t.close();
    });

    async function session(lines: Line[] = PAYMENTS_LINES): Promise<string> {
      const res = await t.post('/payments/v1/sessions', orderBody({ order_lines: lines }));
      assert.equal(res.status, 200, res.body);
      return res.json<{ session_id: string }>().session_id;
    }

    async function authorizedToken(lines: Line[] = PAYMENTS_LINES): Promise<string> {
      const res = await t.post(`/sandbox/v1/payments/sessions/${await session(lines)}/authorize`, {});
      assert.equal(res.status, 200, res.body);
      return res.json<{ authorization_token: string }>().authorization_token;
    }

    /** The create-order body: the session's order data. */
    const createOrderBody = (lines: Line[]) => {
      const { merchant_reference1: _ref, ...body } = orderBody({ order_lines: lines });
      return body;
    };

    async function checkout(lines: Line[] = CHECKOUT_LINES): Promise<string> {
      const res = await t.post('/checkout/v3/orders', checkoutBody(MERCHANT_URL, { order_lines: lines }));
      assert.equal(res.status, 201, res.body);
      return res.json<{ order_id: string }>().order_id;
    }

    /**
     * Each route that takes a purchase's lines: `prepare` makes the session, token or order it needs
     * (its id, or '' for none), `send` posts the lines with `change` on the second one.
     */
    const ROUTES: { route: string; prepare: () => Promise<string>; send: (id: string, change: Line) => Promise<TestResponse> }[] = [
      {
        route: 'POST /payments/v1/sessions',
        prepare: async () => '',
        send: (_id, change) => t.post('/payments/v1/sessions', orderBody({ order_lines: withSecond(PAYMENTS_LINES, change) })),
      },
      {
        route: 'POST /payments/v1/sessions/{id}',
        prepare: () => session(),
        send: (id, change) => t.post(`/payments/v1/sessions/${id}`, { order_lines: withSecond(PAYMENTS_LINES, change) }),
      },
      {
        route: 'POST /sandbox/v1/payments/sessions/{id}/authorize',
        prepare: () => session(),
        send: (id, change) => t.post(`/sandbox/v1/payments/sessions/${id}/authorize`, { order_lines: withSecond(PAYMENTS_LINES, change) }),
      },
      {
        route: 'POST /payments/v1/authorizations/{token}/order',
        prepare: () => authorizedToken(),
        send: (token, change) => t.post(`/payments/v1/authorizations/${token}/order`, createOrderBody(withSecond(PAYMENTS_LINES, change))),
      },
      {
        route: 'POST /checkout/v3/orders',
        prepare: async () => '',
        send: (_id, change) => t.post('/checkout/v3/orders', checkoutBody(MERCHANT_URL, { order_lines: withSecond(CHECKOUT_LINES, change) })),
      },
      {
        route: 'POST /checkout/v3/orders/{id}',
        prepare: () => checkout(),
        send: (id, change) => t.post(`/checkout/v3/orders/${id}`, { order_lines: withSecond(CHECKOUT_LINES, change) }),
      },
      {
        route: 'POST /sandbox/v1/orders',
        prepare: async () => '',
        send: (_id, change) => t.post('/sandbox/v1/orders', orderBody({ order_lines: withSecond(PAYMENTS_LINES, change) })),
      },
    ];

    for (const { what, change, message } of REFUSED) {
      it(`${what}: 400 BAD_VALUE naming the line's field on every purchase route, and nothing is stored`, async () => {
        for (const { route, prepare, send } of ROUTES) {
          const id = await prepare();
          const stateBefore = await fingerprint(t.db, dialect);
          const messages = assertError(await send(id, change), 400, 'BAD_VALUE');
          assert.ok(messages.some((m) => message.test(m)), `${route}: ${messages.join(' | ')}`);
          await assertUnchanged(t.db, dialect, stateBefore, route);
        }
      });
    }

    it('the refused token is still usable: a refusal at create-order consumes nothing', async () => {
      const token = await authorizedToken();
      assertError(await t.post(`/payments/v1/authorizations/${token}/order`, createOrderBody(withSecond(PAYMENTS_LINES, { type: 'return_fee' }))), 400, 'BAD_VALUE', /order_lines\[1\]\.type/);
      const placed = await t.post(`/payments/v1/authorizations/${token}/order`, createOrderBody(PAYMENTS_LINES));
      assert.equal(placed.status, 200, placed.body);
    });

    it('names of 1 and of 255 characters are accepted on every purchase route, through to the Order Management order', async () => {
      for (const name of ACCEPTED_NAMES) {
        const lines = withSecond(PAYMENTS_LINES, { name });
        const checkoutLines = withSecond(CHECKOUT_LINES, { name });

        const sessionId = await session(lines);
        assert.equal((await t.get(`/payments/v1/sessions/${sessionId}`)).json().order_lines[1].name, name);
        const updated = await t.post(`/payments/v1/sessions/${sessionId}`, { order_lines: lines });
        assert.equal(updated.status, 204, updated.body);
        const authorized = await t.post(`/sandbox/v1/payments/sessions/${sessionId}/authorize`, { order_lines: lines });
        assert.equal(authorized.status, 200, authorized.body);
        const placed = await t.post(`/payments/v1/authorizations/${authorized.json().authorization_token}/order`, createOrderBody(lines));
        assert.equal(placed.status, 200, placed.body);
        assert.equal((await t.getOrder(placed.json().order_id)).order_lines[1].name, name);

        const checkoutId = await checkout(checkoutLines);
        const checkoutUpdate = await t.post(`/checkout/v3/orders/${checkoutId}`, { order_lines: checkoutLines });
        assert.equal(checkoutUpdate.status, 200, checkoutUpdate.body);
        assert.equal(checkoutUpdate.json().order_lines[1].name, name);

        const sandbox = await t.post('/sandbox/v1/orders', orderBody({ order_lines: lines }));
        assert.equal(sandbox.status, 201, sandbox.body);
        assert.equal(sandbox.json().order_lines[1].name, name);
      }
    });
  });
}
