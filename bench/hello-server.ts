/**
 * The baseline of the benchmark: bare Fastify (the same version klarna-local uses), no logging, one
 * route answering GET / with {"hello":"world"}. Usage: node --import tsx bench/hello-server.ts <port>
 */
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? 0);
const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
const address = await app.listen({ port, host: '127.0.0.1' });
console.log(`hello listening on ${address}`);

const shutdown = () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
