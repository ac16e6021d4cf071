/**
 * The server's own OpenAPI document (src/modules/reference), with the sandbox and with `--no-sandbox`:
 *
 *  - `GET /openapi.json` is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator, offline);
 *  - every route the app registers is in it with its methods (read from the app's route tree, as the
 *    fuzz test reads it), and so is every entry of the route table (test/helpers/routes.ts) the app serves;
 *  - every operation says what it answers: a summary, a success answer, no placeholder;
 *  - `GET /openapi.yaml` parses to the same document;
 *  - `GET /docs` is an HTML page whose scripts and styles load from this server, naming no other
 *    site, under its own Content-Security-Policy; in Chromium (when present) it renders the document
 *    with no request leaving the server and no CSP violation.
 *
 * That every response the test suite sees matches the document is checked by the harness itself
 * (test/helpers/harness.ts → own-openapi.ts), for every request of every suite.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { chromium } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import { buildTestApp } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';
import { ROUTES, registeredRoutes } from '../helpers/routes.js';
import { CHROMIUM, skipWithoutChromium } from '../helpers/browser.js';
import { ownDocument } from '../helpers/own-openapi.js';

interface Operation {
  summary?: string;
  responses?: Record<string, { description?: string; $ref?: string }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

/** Every schema of the document (components, parameters, bodies, headers), with where it is. */
function schemasIn(value: unknown, where = '#'): [string, unknown][] {
  if (value === null || typeof value !== 'object') return [];
  const found: [string, unknown][] = [];
  for (const [key, inner] of Object.entries(value)) {
    const at = `${where}/${key}`;
    if (key === 'schema' || where.endsWith('/components/schemas')) found.push([at, inner]);
    else found.push(...schemasIn(inner, at));
  }
  return found;
}

const openapiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*/g, '{*}');
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

for (const sandbox of [true, false]) {
  describe(`its own OpenAPI document (${sandbox ? 'with the sandbox' : '--no-sandbox'})`, () => {
    let t: TestApp;
    let text: string;
    let document: Document;

    before(async () => {
      t = await buildTestApp({ dialect: 'sqlite', config: sandbox ? {} : { sandbox: false as unknown as string } });
      const res = await t.request({ url: '/openapi.json', auth: null });
      assert.equal(res.status, 200, res.body);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      text = res.body;
      document = JSON.parse(text) as Document;
    });
    after(async () => t.close());

    it('is valid OpenAPI 3.1', async () => {
      const validator = new Validator();
      const result = await validator.validate(JSON.parse(text) as Record<string, unknown>);
      assert.equal(validator.version, '3.1');
      assert.ok(result.valid, JSON.stringify(result.errors, null, 2)?.slice(0, 4000));
      assert.equal(document.openapi, '3.1.0');
      // The validator checks the document's structure; each schema in it is checked against JSON Schema 2020-12 too.
      const ajv = new Ajv2020({ strict: false });
      const schemas = schemasIn(document);
      assert.ok(schemas.length > 300, `${schemas.length} schemas`);
      for (const [where, schema] of schemas) assert.ok(ajv.validateSchema(schema as object), `${where}: ${ajv.errorsText(ajv.errors)}`);
    });

    it('has every route the app serves, with its methods', () => {
      const missing = registeredRoutes(t.app).filter((route) => {
        const [method, path] = route.split(' ') as [string, string];
        return document.paths[openapiPath(path)]?.[method.toLowerCase()] === undefined;
      });
      assert.deepEqual(missing, []);
      // The route table too (the sandbox's entries only where the sandbox is served).
      const served = new Set(registeredRoutes(t.app));
      const table = ROUTES.filter((r) => sandbox || served.has(`${r.method} ${r.path}`));
      assert.ok(table.length > 100);
      for (const route of table) assert.ok(document.paths[openapiPath(route.path)]?.[route.method.toLowerCase()], `${route.method} ${route.path} is not in the document`);
      const sandboxPaths = Object.keys(document.paths).filter((p) => p.startsWith('/sandbox/'));
      if (sandbox) assert.ok(sandboxPaths.length > 30, 'the sandbox API is described');
      else assert.deepEqual(sandboxPaths, [], '--no-sandbox: no sandbox route is described');
      // Nothing described that the app does not serve (HEAD aside: the static assets' route declares it).
      const described = Object.entries(document.paths).flatMap(([path, item]) => METHODS.filter((m) => m !== 'head' && item[m]).map((m) => `${m.toUpperCase()} ${path}`));
      const registered = new Set(registeredRoutes(t.app).map((route) => openapiPath(route)));
      assert.deepEqual(described.filter((route) => !registered.has(route)), []);
    });

    it('says for every operation what it answers', () => {
      for (const [path, item] of Object.entries(document.paths)) {
        for (const method of METHODS) {
          const operation = item[method];
          if (!operation) continue;
          const what = `${method.toUpperCase()} ${path}`;
          assert.ok(operation.summary, `${what} has a summary`);
          const responses = Object.entries(operation.responses ?? {});
          assert.ok(
            responses.some(([status]) => Number(status) < 400),
            `${what} documents its success answer`,
          );
          for (const [status, response] of responses) assert.notEqual(response.description, 'Default Response', `${what} ${status} is described`);
          if (path.startsWith('/ordermanagement/') || path.startsWith('/payments/')) {
            assert.ok(operation.responses?.['401'], `${what} documents 401`);
            assert.ok(operation.responses?.['503'], `${what} documents 503`);
          }
        }
      }
      const capture = document.paths['/ordermanagement/v1/orders/{order_id}/captures']?.post;
      assert.ok(capture?.responses?.['201'], 'a capture is 201');
      assert.equal(capture?.responses?.['401']?.$ref, '#/components/responses/EdgeUnauthorized', 'Klarna’s 401 is the edge page');
      if (sandbox) assert.ok(capture?.responses?.['502'], 'a fault rule may answer 502');
      else assert.equal(capture?.responses?.['502'], undefined, 'no fault rules without the sandbox');
    });

    it('is the document the harness checks every response against', () => {
      assert.deepEqual(ownDocument(t.app, t.config).document, document);
    });

    it('/openapi.yaml parses to the same document', async () => {
      const res = await t.request({ url: '/openapi.yaml', auth: null });
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^application\/yaml/);
      assert.deepEqual(parseYaml(res.body), document);
    });

    it('/docs is an HTML page whose assets load from this server, naming no other site', async () => {
      const res = await t.request({ url: '/docs', auth: null });
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(res.body, /https?:\/\//, 'the page names no other site');
      const assets = [...res.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
      assert.ok(assets.some((a) => a.endsWith('swagger-ui-bundle.js')) && assets.some((a) => a.endsWith('swagger-ui.css')), assets.join(', '));
      for (const asset of assets) {
        const url = new URL(asset, 'http://klarna-local.test/docs').pathname;
        const loaded = await t.request({ url, auth: null });
        assert.equal(loaded.status, 200, `${url}: ${loaded.status}`);
        assert.match(String(loaded.headers['content-type']), /javascript|css|image\//, url);
        if (url.endsWith('swagger-initializer.js')) {
          const code = loaded.body.replace(/^\s*\/\/.*$/gm, '');
          assert.doesNotMatch(code, /https?:\/\//, 'the start script names no other site (outside its comments)');
          assert.match(loaded.body, /resolveUrl\('\.\/json'\)/);
        }
      }
      const again = await t.request({ url: '/docs/json', auth: null });
      assert.deepEqual(JSON.parse(again.body), document, '/docs/json is the same document');
      // Public, like /healthz: wrong credentials change nothing.
      assert.equal((await t.request({ url: '/openapi.json', auth: { username: 'nobody', password: 'x' } })).status, 200);
    });

    it('/docs renders the document in Chromium, offline, without CSP violations', { skip: skipWithoutChromium }, async () => {
      const port = await t.listen();
      const origin = `http://127.0.0.1:${port}`;
      const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'] });
      try {
        const page = await browser.newPage();
        const elsewhere: string[] = [];
        const problems: string[] = [];
        await page.route('**/*', (route) => {
          const url = route.request().url();
          if (url.startsWith(origin) || url.startsWith('data:')) return route.continue();
          elsewhere.push(url);
          return route.abort();
        });
        page.on('console', (message) => {
          if (message.type() === 'error') problems.push(message.text());
        });
        page.on('pageerror', (error) => problems.push(error.message));
        await page.goto(`${origin}/docs`);
        await page.waitForSelector('.swagger-ui .info .title', { timeout: 15_000 });
        assert.match((await page.textContent('.swagger-ui .info .title')) ?? '', /klarna-local/);
        await page.waitForSelector('.opblock-tag-section', { timeout: 15_000 });
        assert.deepEqual(elsewhere, [], 'nothing is fetched from another site');
        assert.deepEqual(problems, [], 'no script error or CSP violation');
      } finally {
        await browser.close();
      }
    });
  });
}
