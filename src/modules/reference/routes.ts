/**
 * The server's own OpenAPI document and its browsable reference, without credentials like /healthz:
 *
 *  - `GET /openapi.json` and `GET /openapi.yaml`: OpenAPI 3.1 of every route this server serves
 *    (document.ts), the sandbox's only when it is served;
 *  - `GET /docs`: Swagger UI, its scripts and styles served from the package (@fastify/swagger-ui),
 *    nothing from the internet, under a Content-Security-Policy of its own.
 *
 * Call before any route is added: @fastify/swagger learns the routes as they are added.
 */
import { readFileSync } from 'node:fs';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { App, ModuleDeps } from '../../platform/app.js';
import { documentOptions } from './document.js';

/** Swagger UI needs its own scripts and styles (and inline style attributes), images as data: URLs, and the document from here. */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const passThrough = (payload: unknown): string => payload as string;

/** This package's version (the sources and the build sit at different depths below it). */
function packageVersion(): string {
  for (const relative of ['../../../package.json', '../../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'klarna-local' && pkg.version) return pkg.version;
    } catch {
      // not at this depth
    }
  }
  return '0.0.0';
}
const VERSION = packageVersion();

export async function registerReference(app: App, deps: ModuleDeps): Promise<void> {
  await app.register(fastifySwagger, documentOptions({ sandbox: deps.config.sandbox, rateLimit: deps.config.rateLimit !== 'off', version: VERSION }));

  // Built on the first request (every route is known by then), then kept.
  let json: string | undefined;
  app.get('/openapi.json', { config: { auth: false } }, (_request, reply) =>
    reply.type('application/json; charset=utf-8').serializer(passThrough).send((json ??= JSON.stringify(app.swagger()))),
  );
  app.get('/openapi.yaml', { config: { auth: false } }, (_request, reply) => reply.type('application/yaml; charset=utf-8').send(app.swagger({ yaml: true })));

  await app.register(async (scope: App) => {
    // The plugin's routes (the page, its assets, the document again under /docs/json) are as public as the document.
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, auth: false, faults: false };
    });
    scope.addHook('onRequest', (_request, reply, done) => {
      reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
      done();
    });
    await scope.register(fastifySwaggerUi, {
      routePrefix: '/docs',
      staticCSP: DOCS_CSP,
      theme: { title: 'klarna-local API reference' },
      uiConfig: { deepLinking: true, docExpansion: 'none', defaultModelsExpandDepth: 0, displayRequestDuration: true },
    });
  });
}
