import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULT_DATABASE_URL, loadConfig, parseMerchants } from '../../src/config.js';

describe('configuration', () => {
  it('defaults: port 3000 on 127.0.0.1, SQLite under ./data, public URL from host and port', () => {
    const config = loadConfig({}, {});
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.databaseUrl, DEFAULT_DATABASE_URL);
    assert.match(DEFAULT_DATABASE_URL, /^sqlite:data[/\\]/);
    assert.equal(config.publicUrl, 'http://127.0.0.1:3000');
    assert.equal(config.publicUrlFromListen, true);
    assert.equal(config.sandbox, true);
  });

  it('flags win over environment variables', () => {
    const config = loadConfig({ port: '4000' }, { PORT: '5000', HOST: '0.0.0.0', PUBLIC_URL: 'https://k.example/base/' });
    assert.equal(config.port, 4000);
    assert.equal(config.publicUrl, 'https://k.example/base');
    assert.equal(config.publicUrlFromListen, false);
  });

  it('KLARNA_LOCAL_MERCHANTS splits entries at commas and each at its first colon', () => {
    assert.deepEqual(parseMerchants('a:b,c:d:e'), [
      { username: 'a', password: 'b' },
      { username: 'c', password: 'd:e' },
    ]);
    assert.throws(() => parseMerchants('a:b,a:c'), ConfigError);
    assert.throws(() => parseMerchants('nopass'), ConfigError);
    assert.throws(() => parseMerchants('user:'), ConfigError);
  });

  it('KLARNA_LOCAL_DASHBOARD_ADMIN is optional: username and the password after the first colon', () => {
    assert.equal(loadConfig({}, {}).dashboardAdmin, null);
    assert.deepEqual(loadConfig({}, { KLARNA_LOCAL_DASHBOARD_ADMIN: 'root:pa:ss' }).dashboardAdmin, { username: 'root', password: 'pa:ss' });
    for (const bad of ['nopass', ':pw', 'user:']) {
      assert.throws(() => loadConfig({}, { KLARNA_LOCAL_DASHBOARD_ADMIN: bad }), (error: unknown) => error instanceof ConfigError && error.setting === 'KLARNA_LOCAL_DASHBOARD_ADMIN', bad);
    }
  });

  it('an invalid value names its setting', () => {
    const cases: [Record<string, string>, string][] = [
      [{ PORT: '70000' }, 'PORT'],
      [{ HOST: 'a b' }, 'HOST'],
      [{ DATABASE_URL: 'mongodb://x' }, 'DATABASE_URL'],
      [{ PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL'],
      [{ LOG_LEVEL: 'chatty' }, 'LOG_LEVEL'],
      [{ KLARNA_LOCAL_SANDBOX: 'maybe' }, 'KLARNA_LOCAL_SANDBOX'],
    ];
    for (const [env, setting] of cases) {
      assert.throws(() => loadConfig({}, env), (error: unknown) => error instanceof ConfigError && error.setting === setting, setting);
    }
  });
});
