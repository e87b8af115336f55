import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataplaneLayout } from '../../src/dataplane/state.ts';

test('state lock: read-modify-writes of concurrent holders do not interleave', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-state-'));
  try {
    const layout = new DataplaneLayout(dir);
    const order: string[] = [];
    const hold = (name: string): Promise<void> => layout.withLock(async () => {
      order.push(`${name} in`);
      await new Promise((r) => setTimeout(r, 30));
      order.push(`${name} out`);
    });
    await Promise.all([hold('a'), hold('b')]);
    assert.deepEqual(order, ['a in', 'a out', 'b in', 'b out']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('state lock: a lock left by a killed process is named in a one-line error, not a bare EEXIST', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-state-'));
  try {
    mkdirSync(join(dir, 'state.lock'));
    await assert.rejects(new DataplaneLayout(dir).withLock(() => undefined), (err: Error) => {
      assert.match(err.message, /state lock .*state\.lock has been held for over 5 s/);
      assert.doesNotMatch(err.message, /\n|EEXIST/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
