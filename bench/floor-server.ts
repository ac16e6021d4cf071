/**
 * The durable-write floor of the benchmark: the fastest correct durable capture a Node server on
 * SQLite makes one request at a time. Bare Fastify (the version klarna-local uses, no logging) and
 * better-sqlite3 with klarna-local's own durability pragmas (WAL, synchronous = NORMAL, foreign keys);
 * `POST /orders/:id/captures` runs one `BEGIN IMMEDIATE` transaction per request that reads the order
 * row, checks the remaining amount, inserts a capture row, updates the order row and commits, then
 * answers 201 with a `Location`. No validation beyond the amount, no idempotency, events or outbox.
 *
 * Orders are made by `POST /orders` (`{"order_amount": n}` → 201 `{"order_id"}`), on a database file
 * of its own. Usage: node --import tsx bench/floor-server.ts <port> <database file>
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? 0);
const file = process.argv[3];
if (!file) throw new Error('usage: floor-server.ts <port> <database file>');

const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.exec(`
  create table if not exists orders (
    order_id text primary key,
    order_amount integer not null,
    captured_amount integer not null default 0,
    updated_at integer not null
  );
  create table if not exists captures (
    capture_id text primary key,
    order_id text not null references orders (order_id),
    captured_amount integer not null,
    captured_at integer not null
  );
  create index if not exists captures_order on captures (order_id);
`);

const insertOrder = db.prepare('insert into orders (order_id, order_amount, captured_amount, updated_at) values (?, ?, 0, ?)');
const readOrder = db.prepare<[string], { order_amount: number; captured_amount: number }>('select order_amount, captured_amount from orders where order_id = ?');
const insertCapture = db.prepare('insert into captures (capture_id, order_id, captured_amount, captured_at) values (?, ?, ?, ?)');
const updateOrder = db.prepare('update orders set captured_amount = captured_amount + ?, updated_at = ? where order_id = ?');

type Outcome = { status: 201; captureId: string } | { status: 403 | 404 };
// `.immediate` runs the function inside BEGIN IMMEDIATE … COMMIT (rolled back when it throws).
const capture = db.transaction((orderId: string, amount: number): Outcome => {
  const order = readOrder.get(orderId);
  if (!order) return { status: 404 };
  if (amount > order.order_amount - order.captured_amount) return { status: 403 };
  const captureId = randomUUID();
  const now = Date.now();
  insertCapture.run(captureId, orderId, amount, now);
  updateOrder.run(amount, now, orderId);
  return { status: 201, captureId };
}).immediate;

const app = Fastify({ logger: false });
app.post<{ Body: { order_amount?: unknown } }>('/orders', async (request, reply) => {
  const amount = request.body?.order_amount;
  if (!Number.isSafeInteger(amount) || (amount as number) <= 0) return reply.code(400).send({ error: 'order_amount' });
  const orderId = randomUUID();
  insertOrder.run(orderId, amount, Date.now());
  return reply.code(201).send({ order_id: orderId });
});
app.post<{ Params: { id: string }; Body: { captured_amount?: unknown } }>('/orders/:id/captures', async (request, reply) => {
  const amount = request.body?.captured_amount;
  if (!Number.isSafeInteger(amount) || (amount as number) <= 0) return reply.code(400).send({ error: 'captured_amount' });
  const outcome = capture(request.params.id, amount as number);
  if (outcome.status !== 201) return reply.code(outcome.status).send({ error: outcome.status === 404 ? 'no such order' : 'over the remaining amount' });
  return reply.code(201).header('location', `/orders/${request.params.id}/captures/${outcome.captureId}`).send();
});

const address = await app.listen({ port, host: '127.0.0.1' });
console.log(`floor listening on ${address}`);

const shutdown = () => {
  app.close().then(
    () => {
      db.close();
      process.exit(0);
    },
    () => process.exit(1),
  );
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
