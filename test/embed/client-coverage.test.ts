/**
 * The typed client cannot drift from the routes: its table (src/client/routes.ts) names exactly the
 * `/sandbox/v1` routes the app registers, each with the very schema objects the route was registered
 * with, and the client has one method per entry. Fastify serialises answers through response schemas
 * and drops what they do not describe, so the walk through every method also checks that no sandbox
 * answer loses or changes a field on its way through its schema (the object the route returned,
 * against the bytes sent).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import type { FastifySchema } from 'fastify';
import { buildApp } from '../../src/app.js';
import { SANDBOX_ROUTES } from '../../src/client/routes.js';
import type { SandboxRoute } from '../../src/client/routes.js';
import { SandboxClient } from '../../src/client/sandbox-client.js';
import { loadConfig } from '../../src/config.js';
import { MODULES } from '../../src/modules/index.js';
import { provisionMerchants } from '../../src/modules/merchants/provision.js';
import type { App } from '../../src/platform/app.js';
import { Clock } from '../../src/platform/clock.js';
import { migrateToLatest, openDatabase } from '../../src/platform/db/database.js';
import type { Db } from '../../src/platform/db/database.js';
import { Authenticator } from '../../src/platform/http/auth.js';
import type { ApiModule } from '../../src/platform/module.js';
import { availableDialects, createTestDatabase } from '../helpers/databases.js';
import type { TestDatabase } from '../helpers/databases.js';
import { PUBLIC_URL } from '../helpers/harness.js';
import { startFakeMerchant } from '../helpers/merchant-server.js';
import type { FakeMerchant } from '../helpers/merchant-server.js';
import { registeredRoutes } from '../helpers/routes.js';
import { walkEveryRoute } from './walkthrough.js';

const CREDENTIALS = { username: 'coverage_merchant', password: 'coverage-secret' };

interface Registered {
  key: string;
  schema: FastifySchema;
}

/** Compares what a route returned with the bytes sent, for every answer serialised through a schema. */
interface Fidelity {
  compared: Set<string>;
  mismatches: string[];
}

type Hook = (...args: never[]) => unknown;
const hooksOf = (value: unknown): Hook[] => (value === undefined ? [] : Array.isArray(value) ? (value as Hook[]) : [value as Hook]);

/** A module listed first: it sees every route as it is added (its schemas) and watches each sandbox answer's serialisation. */
function recorder(registered: Registered[], fidelity: Fidelity): ApiModule {
  const returned = new WeakMap<object, string>();
  return {
    name: 'recorder',
    hooks(app) {
      app.addHook('onRoute', (route) => {
        if (!route.url.startsWith('/sandbox/v1')) return;
        for (const method of [route.method].flat()) if (method !== 'HEAD') registered.push({ key: `${method} ${route.url}`, schema: route.schema ?? {} });
        const key = `${[route.method].flat().join(',')} ${route.url}`;
        route.preSerialization = [
          ...hooksOf(route.preSerialization),
          async (request: object, _reply: unknown, payload: unknown) => {
            returned.set(request, JSON.stringify(payload));
            return payload;
          },
        ] as typeof route.preSerialization;
        route.onSend = [
          ...hooksOf(route.onSend),
          async (request: object, reply: { statusCode: number }, payload: unknown) => {
            const raw = returned.get(request);
            // Strings (the write pipeline's answers) are sent as they are: only serialised answers are compared.
            if (raw !== undefined && reply.statusCode < 300) {
              fidelity.compared.add(key);
              try {
                assert.deepStrictEqual(JSON.parse(String(payload)), JSON.parse(raw));
              } catch (error) {
                fidelity.mismatches.push(`${key}: ${(error as Error).message.slice(0, 2000)}`);
              }
            }
            return payload;
          },
        ] as typeof route.onSend;
      });
    },
  };
}

for (const dialect of await availableDialects()) {
  describe(`the sandbox client's route table (${dialect})`, () => {
    let database: TestDatabase;
    let db: Db;
    let app: App;
    let url: string;
    let merchant: FakeMerchant;
    const registered: Registered[] = [];
    const fidelity: Fidelity = { compared: new Set(), mismatches: [] };

    before(async () => {
      database = await createTestDatabase(dialect);
      const config = loadConfig({ databaseUrl: database.url, publicUrl: PUBLIC_URL, port: '0', logLevel: 'silent' }, {});
      db = openDatabase(config.databaseUrl);
      await migrateToLatest(db);
      await provisionMerchants(db, [CREDENTIALS], Date.now());
      app = await buildApp({ config, db, clock: new Clock(db), authenticator: new Authenticator(db), logger: pino({ level: 'silent' }) }, [recorder(registered, fidelity), ...MODULES]);
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      assert.ok(address !== null && typeof address === 'object');
      url = `http://127.0.0.1:${address.port}`;
      merchant = await startFakeMerchant();
    });
    after(async () => {
      await app.close();
      await db.close();
      await database.drop();
      await merchant.close();
    });

    test('one entry per /sandbox/v1 route the app registers, and one route per entry', () => {
      const table = Object.values(SANDBOX_ROUTES)
        .map((r) => `${r.method} ${r.path}`)
        .sort();
      assert.equal(new Set(table).size, table.length, 'no route twice in the table');
      assert.deepEqual(table, registered.map((r) => r.key).sort());
      assert.deepEqual(
        table,
        registeredRoutes(app).filter((r) => r.split(' ')[1]?.startsWith('/sandbox/v1')),
        'the recorder saw every route of the router',
      );
    });

    test("each entry holds its route's own schema objects: params, query, body, and the answer of every success status", () => {
      for (const [name, entry] of Object.entries(SANDBOX_ROUTES) as [string, SandboxRoute][]) {
        const route = registered.find((r) => r.key === `${entry.method} ${entry.path}`);
        assert.ok(route, name);
        const schema = route.schema as FastifySchema & { response?: Record<string, unknown> };
        assert.equal(entry.params, schema.params, `${name}: params`);
        assert.equal(entry.query, schema.querystring, `${name}: query`);
        assert.equal(entry.body, schema.body, `${name}: body`);
        const successes = Object.keys(schema.response ?? {}).filter((status) => status.startsWith('2'));
        if (entry.response === undefined) {
          assert.deepEqual(successes, [], `${name}: an empty answer has no schema`);
          assert.equal(entry.status, 204, `${name}: an empty answer is 204`);
          continue;
        }
        assert.ok(successes.includes(String(entry.status)), `${name}: a schema for ${entry.status}`);
        for (const status of successes) assert.equal(schema.response?.[status], entry.response, `${name}: the answer of ${status}`);
      }
    });

    test('the client has one method per entry', () => {
      const methods = Object.getOwnPropertyNames(SandboxClient.prototype).filter((n) => n !== 'constructor' && n !== 'request');
      assert.deepEqual(methods.sort(), Object.keys(SANDBOX_ROUTES).sort());
    });

    test('no sandbox answer loses or changes a field through its response schema (every method called)', async () => {
      const client = new SandboxClient({ url, ...CREDENTIALS });
      await walkEveryRoute(client, CREDENTIALS, PUBLIC_URL, merchant);
      assert.deepEqual(fidelity.mismatches, []);
      // Every serialised answer of the walk was compared, among them the open-ended and the union-shaped ones.
      for (const key of ['GET /sandbox/v1/events', 'GET /sandbox/v1/timeline', 'GET /sandbox/v1/callbacks', 'GET /sandbox/v1/settings', 'POST /sandbox/v1/checkout/orders/:order_id/complete', 'GET /sandbox/v1/faults']) {
        assert.ok(fidelity.compared.has(key), `${key} was compared (${[...fidelity.compared].join(', ')})`);
      }
    });
  });
}
