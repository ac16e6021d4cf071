/**
 * The README's Merchant Card Service walk-through, as a merchant would run it: its one-line
 * conversion of the private key's PEM to the public JWK (enrolled through the sandbox), and its
 * `decrypt.mjs`, run as written with node-forge on a settlement's JSON, print each card's data, the
 * same a merchant's own decryption finds. (SQLite only: this checks the README's code, not storage.)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import forge from 'node-forge';
import { buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import type { Settlement } from './api-helpers.js';
import { decryptCard, luhnValid, promise, settle } from './api-helpers.js';
import { PROJECT_ROOT } from '../../helpers/root.js';

const run = promisify(execFile);
const ROOT = PROJECT_ROOT;
const section = (() => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Merchant Card Service');
  assert.ok(start >= 0, 'the README has a Merchant Card Service section');
  return readme.slice(start, readme.indexOf('\n## ', start + 1));
})();

describe('README: the Merchant Card Service walk-through', () => {
  let t: TestApp;
  // Inside node_modules, so that the script's `import 'node-forge'` resolves as in a merchant's project.
  const dir = path.join(ROOT, 'node_modules', '.cache', `klarna-local-readme-${process.pid}`);
  before(async () => {
    t = await buildTestApp({ dialect: 'sqlite' });
    fs.mkdirSync(dir, { recursive: true });
  });
  after(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the PEM-to-JWK line makes a key the sandbox enrols, and decrypt.mjs prints every card as issued', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    // `openssl genrsa` writes PKCS#8 ("BEGIN PRIVATE KEY") since OpenSSL 3.
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    fs.writeFileSync(path.join(dir, 'private_key.pem'), pem);

    const line = /^node -e "(.*)" > public_key\.jwk$/m.exec(section);
    assert.ok(line?.[1], 'the README converts the key with node -e');
    const { stdout: jwkText } = await run(process.execPath, ['-e', line[1]], { cwd: dir });
    const enrolled = await t.post('/sandbox/v1/merchant-card/keys', JSON.parse(jwkText));
    assert.equal(enrolled.status, 201, enrolled.body);
    const keyId = enrolled.json<{ key_id: string }>().key_id;

    const order = await t.createOrder();
    const made = await promise(t, order.order_id, [
      { amount: 6000, currency: order.purchase_currency, reference: 'seller-1' },
      { amount: 4000, currency: order.purchase_currency, reference: 'seller-2' },
    ]);
    const settlement: Settlement = await settle(t, { order_id: order.order_id, key_id: keyId, promise_id: made.promise_id });
    fs.writeFileSync(path.join(dir, 'settlement.json'), JSON.stringify(settlement));

    const script = /^```js\n([\s\S]*?)^```/m.exec(section);
    assert.ok(script?.[1], 'the README shows decrypt.mjs');
    fs.writeFileSync(path.join(dir, 'decrypt.mjs'), script[1]);
    const { stdout } = await run(process.execPath, ['decrypt.mjs', 'private_key.pem', 'settlement.json'], { cwd: dir });
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 2, stdout);

    const pair = { jwk: {}, forgeKey: forge.pki.privateKeyFromPem(pem) };
    settlement.cards.forEach((card, i) => {
      const data = decryptCard(card, pair);
      assert.ok(luhnValid(data.pan));
      const printed = lines[i] ?? '';
      assert.ok(printed.startsWith(`${card.reference} ${card.amount} ${card.currency} ${card.brand} ${card.holder} `), printed);
      for (const value of [data.pan, data.expiry_date, data.cvv]) assert.ok(printed.includes(`'${value}'`), `${printed} shows ${value}`);
    });
  });
});
