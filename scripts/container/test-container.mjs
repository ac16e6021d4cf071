#!/usr/bin/env node
// The container image's test (npm run test:container runs it after building the image):
//   - the image: non-root user, port 3000, /data volume, healthcheck, SIGTERM as stop signal;
//   - a container on a new named volume with a random host port becomes ready (/readyz), runs as
//     non-root with node as PID 1, and its healthcheck passes;
//   - an order created through the sandbox API is read back through Order Management, after
//     `podman restart` and in a NEW container on the same volume (given no credentials: those
//     persisted too);
//   - `podman stop` ends each container with exit code 0 within a few seconds (SIGTERM handled by
//     node as PID 1; an ignored SIGTERM would mean a 10 s wait and SIGKILL, 137).
// Prints the image size and the times. Cleans up its containers and volume.
//
//   KLARNA_LOCAL_IMAGE   the image (default localhost/klarna-local:latest)
//   KLARNA_LOCAL_SUDO    "sudo" to run podman through sudo (test-container.sh sets it for non-root)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

const IMAGE = process.env.KLARNA_LOCAL_IMAGE || 'localhost/klarna-local:latest';
const SUDO = process.env.KLARNA_LOCAL_SUDO === 'sudo';
const STOP_TIMEOUT_S = 10; // podman's default: SIGKILL after this long
const STOP_LIMIT_MS = 5000; // a clean SIGTERM shutdown takes well under a second
const READY_LIMIT_MS = 60_000;

const tag = randomBytes(4).toString('hex');
const volume = `klarna-local-test-${tag}`;
const first = `klarna-local-test-${tag}-1`;
const second = `klarna-local-test-${tag}-2`;
const credentials = { username: 'ci', password: `ci-secret-${tag}` };
const authorization = 'Basic ' + Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');

const say = (line) => process.stdout.write(`${line}\n`);
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

function podman(args, { check = true } = {}) {
  const [command, argv] = SUDO ? ['sudo', ['--preserve-env=CONTAINERS_CONF', 'podman', ...args]] : ['podman', args];
  const result = spawnSync(command, argv, { encoding: 'utf8' });
  if (result.error) throw result.error;
  if (check && result.status !== 0) {
    throw new Error(`podman ${args.join(' ')} exited with ${result.status}: ${result.stderr.trim()}`);
  }
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

const inspect = (name, format) => podman(['inspect', '--format', format, name]).stdout;
const logs = (name) => {
  const { stdout, stderr } = podman(['logs', name], { check: false });
  return [stdout, stderr].filter(Boolean).join('\n');
};

/** Polls the published port until /readyz answers 200; the base URL and how long it took. */
async function waitReady(name, since) {
  let base = null;
  for (let attempt = 0; ; attempt += 1) {
    if (base === null) {
      const port = podman(['port', name, '3000/tcp'], { check: false }).stdout.split('\n')[0];
      if (port) base = `http://${port.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}`;
    }
    if (base !== null) {
      try {
        const response = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(1000) });
        if (response.status === 200) return { base, ms: performance.now() - since };
      } catch {
        // not listening yet
      }
    }
    if (attempt % 20 === 19 && inspect(name, '{{.State.Status}}') !== 'running') {
      throw new Error(`${name} is no longer running:\n${logs(name)}`);
    }
    if (performance.now() - since > READY_LIMIT_MS) throw new Error(`${name} not ready within ${READY_LIMIT_MS} ms:\n${logs(name)}`);
    await sleep(25);
  }
}

async function api(base, method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: { authorization, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** `podman stop`: how long it took; the container must have exited 0 well before SIGKILL. */
function stop(name) {
  const since = performance.now();
  podman(['stop', '--time', String(STOP_TIMEOUT_S), name]);
  const ms = performance.now() - since;
  const exitCode = Number(inspect(name, '{{.State.ExitCode}}'));
  assert.equal(exitCode, 0, `${name} exited with ${exitCode} on podman stop:\n${logs(name)}`);
  assert.ok(ms < STOP_LIMIT_MS, `podman stop ${name} took ${seconds(ms)} (limit ${seconds(STOP_LIMIT_MS)})`);
  assert.match(logs(name), /shutting down/, `${name} did not log its SIGTERM shutdown`);
  return ms;
}

// The README's order (README.md, "A whole order lifecycle with curl").
const ORDER = {
  purchase_country: 'SE',
  purchase_currency: 'SEK',
  locale: 'sv-SE',
  order_amount: 12500,
  order_tax_amount: 2500,
  order_lines: [
    { type: 'physical', reference: 'SKU-1', name: 'T-shirt', quantity: 2, unit_price: 5000, tax_rate: 2500, total_amount: 10000, total_tax_amount: 2000 },
    { type: 'shipping_fee', reference: 'SHIP', name: 'Shipping', quantity: 1, unit_price: 2500, tax_rate: 2500, total_amount: 2500, total_tax_amount: 500 },
  ],
  billing_address: {
    given_name: 'Testperson-se',
    family_name: 'Approved',
    email: 'customer@email.se',
    street_address: 'Stårgatan 1',
    postal_code: '12345',
    city: 'Ankeborg',
    country: 'SE',
  },
};

async function readOrder(base, orderId, when) {
  const read = await api(base, 'GET', `/ordermanagement/v1/orders/${orderId}`);
  assert.equal(read.status, 200, `GET the order ${when}: ${JSON.stringify(read.body)}`);
  assert.equal(read.body.order_id, orderId);
  assert.equal(read.body.status, 'AUTHORIZED');
  assert.equal(read.body.order_amount, 12500);
  say(`ok - order ${orderId} read back ${when}`);
}

const run = (name, env) => [
  'run', '--detach', '--name', name,
  '--volume', `${volume}:/data`,
  '--publish', '127.0.0.1::3000',
  ...Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
  IMAGE,
];

async function main() {
  const testStarted = performance.now();

  // The image's settings.
  const [image] = JSON.parse(podman(['image', 'inspect', IMAGE]).stdout);
  const config = image.Config ?? {};
  assert.equal(config.User, '10001:10001', 'the image runs as uid 10001');
  assert.ok(config.ExposedPorts && '3000/tcp' in config.ExposedPorts, 'EXPOSE 3000');
  assert.ok(config.Volumes && '/data' in config.Volumes, 'VOLUME /data');
  assert.equal(config.StopSignal, 'SIGTERM');
  for (const setting of ['HOST=0.0.0.0', 'PORT=3000', 'DATABASE_URL=sqlite:/data/klarna-local.sqlite']) {
    assert.ok(config.Env?.includes(setting), `ENV ${setting}`);
  }
  const healthcheck = image.Healthcheck ?? image.HealthCheck ?? config.Healthcheck;
  assert.ok(healthcheck?.Test?.length, 'the image has a HEALTHCHECK');
  const sizeMb = image.Size / 1e6;
  say(`ok - image ${IMAGE}: ${sizeMb.toFixed(0)} MB, user ${config.User}, EXPOSE 3000, VOLUME /data, HEALTHCHECK, STOPSIGNAL SIGTERM`);

  // 1. A new container on a new volume.
  let since = performance.now();
  podman(run(first, { KLARNA_LOCAL_MERCHANTS: `${credentials.username}:${credentials.password}` }));
  let ready = await waitReady(first, since);
  const firstStartMs = ready.ms;
  say(`ok - ${first} ready at ${ready.base} ${seconds(firstStartMs)} after podman run (new volume: migrations included)`);

  const status = podman(['exec', first, 'cat', '/proc/1/status']).stdout;
  const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
  assert.ok(uid !== undefined && uid !== '0', `PID 1 runs as uid ${uid}`);
  const cmdline = podman(['exec', first, 'cat', '/proc/1/cmdline']).stdout.split('\0').join(' ');
  assert.match(cmdline, /^node \/app\/dist\/src\/cli\.js serve/, 'node is PID 1');
  assert.equal(podman(['exec', first, 'stat', '-c', '%u', '/data/klarna-local.sqlite']).stdout, uid, 'the database file belongs to the user');
  say(`ok - PID 1 is "${cmdline.trim()}" as uid ${uid}; the database on the volume is its own`);

  const health = podman(['healthcheck', 'run', first], { check: false });
  assert.equal(health.status, 0, `healthcheck: ${health.stdout} ${health.stderr}`);
  say('ok - healthcheck passes (node fetch of /readyz)');

  const created = await api(ready.base, 'POST', '/sandbox/v1/orders', ORDER);
  assert.equal(created.status, 201, `POST /sandbox/v1/orders: ${JSON.stringify(created.body)}`);
  const orderId = created.body.order_id;
  assert.ok(orderId, 'an order id');
  say(`ok - order ${orderId} created (POST /sandbox/v1/orders)`);
  await readOrder(ready.base, orderId, 'from the running container');

  // 2. podman restart: the same container, the same volume.
  since = performance.now();
  podman(['restart', '--time', String(STOP_TIMEOUT_S), first]);
  const restartCommandMs = performance.now() - since;
  assert.ok(restartCommandMs < STOP_LIMIT_MS + 2000, `podman restart took ${seconds(restartCommandMs)}: SIGTERM not handled?`);
  ready = await waitReady(first, since);
  say(`ok - ${first} restarted and ready in ${seconds(ready.ms)}`);
  await readOrder(ready.base, orderId, 'after podman restart');

  const firstStopMs = stop(first);
  say(`ok - podman stop ${first}: exit code 0 in ${seconds(firstStopMs)}`);
  podman(['rm', first]);

  // 3. A new container on the same volume, without KLARNA_LOCAL_MERCHANTS: the data and the
  //    merchant's credentials are on the volume.
  since = performance.now();
  podman(run(second, {}));
  ready = await waitReady(second, since);
  const secondStartMs = ready.ms;
  assert.match(logs(second), new RegExp(`Merchants: ${credentials.username}\\b`), 'the merchant came from the volume');
  say(`ok - ${second} (new container, same volume) ready in ${seconds(secondStartMs)}`);
  await readOrder(ready.base, orderId, 'from a new container on the same volume');

  const secondStopMs = stop(second);
  say(`ok - podman stop ${second}: exit code 0 in ${seconds(secondStopMs)}`);

  say('');
  say(`image size        ${sizeMb.toFixed(0)} MB`);
  say(`start (new volume) ${seconds(firstStartMs)}   podman run until /readyz answers 200`);
  say(`start (existing)   ${seconds(secondStartMs)}`);
  say(`stop               ${seconds(Math.max(firstStopMs, secondStopMs))}   podman stop, SIGTERM to exit 0`);
  say(`test               ${seconds(performance.now() - testStarted)}`);
}

try {
  await main();
} finally {
  podman(['rm', '--force', first], { check: false });
  podman(['rm', '--force', second], { check: false });
  podman(['volume', 'rm', '--force', volume], { check: false });
}
