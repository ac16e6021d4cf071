import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newSequentialId } from '../../src/platform/ids.js';

describe('sequential ids (UUID v7)', () => {
  it('are UUID v7 with the millisecond time first, so later ids sort after earlier ones', () => {
    const at = Date.UTC(2026, 11, 6, 12, 0, 0, 123);
    const id = newSequentialId(at);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(parseInt(id.replace(/-/g, '').slice(0, 12), 16), at);
    const ids = Array.from({ length: 50 }, (_, i) => newSequentialId(at + i));
    assert.deepEqual([...ids].sort(), ids);
  });

  it('never repeat, across many blocks of random bytes', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(newSequentialId(1_800_000_000_000));
    assert.equal(seen.size, 20_000);
  });
});
