/**
 * A fresh data directory's first start is slow (PGlite creates its database: about 10 s) and used to
 * be silent. openStore now says what it is doing before it does it, and when the store is ready; an
 * existing directory is said to be opened, not initialised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../../src/store/index.js';

test('the first open of a fresh directory says it is initialising, before it does, then that it is ready', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pathmon-first-start-'));
  const dir = join(root, 'data');
  try {
    const said: { atMs: number; message: string }[] = [];
    const startedMs = Date.now();
    const store = await openStore(`pglite:${dir}`, { onProgress: (message) => said.push({ atMs: Date.now(), message }) });
    const openedMs = Date.now();
    await store.close();
    assert.equal(said.length, 2, JSON.stringify(said));
    assert.equal(said[0]!.message, `initialising the embedded database in ${dir} (first start takes ~10 s)…`);
    // Said at the start of the wait, not at its end.
    assert.ok(said[0]!.atMs - startedMs < (openedMs - startedMs) / 2, `told after ${said[0]!.atMs - startedMs} ms of ${openedMs - startedMs} ms`);
    assert.match(said[1]!.message, /^embedded database ready \(\d+\.\d s\)$/);

    const again: string[] = [];
    const reopened = await openStore(`pglite:${dir}`, { onProgress: (message) => again.push(message) });
    await reopened.close();
    assert.equal(again[0], `opening the embedded database in ${dir}…`);
    assert.match(again[1] ?? '', /^embedded database ready/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a read-only open and a store without a callback say nothing', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pathmon-first-start-'));
  try {
    const store = await openStore(`pglite:${root}/d`);
    await store.close();
    const said: string[] = [];
    const reader = await openStore(`pglite:${root}/d`, { mode: 'read', onProgress: (message) => said.push(message) });
    await reader.close();
    assert.deepEqual(said, []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
