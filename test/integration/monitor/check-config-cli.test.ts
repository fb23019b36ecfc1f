/**
 * `pathmon check-config` as run from a shell: exit status, the summary, and `--json` without secrets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { repoRoot } from '../../helpers/repo-root.js';

const topology = join(repoRoot, 'lab/topologies/nanog76.yaml');

function withConfig(text: string, run: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-check-'));
  try {
    const file = join(dir, 'monitor.yaml');
    writeFileSync(file, text);
    run(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the lab config is valid and its paths are planned from the topology file', () => {
  const run = runCli(['check-config', 'lab/configs/nanog76-monitor.yaml']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /valid/);
  assert.match(run.stdout, /dev2: 8 paths \(8 addressable\)/);
});

test('a bad config exits 1 naming the field, and prints no stack trace', () => {
  withConfig(`topology: ${topology}\nprober: { node: dev1 }\ngroups: [ { name: g, endpoints: [dev2] } ]\nprobing: { intervalMs: 500, timeoutMs: 1000 }\n`, (file) => {
    const run = runCli(['check-config', file]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /probing\.timeoutMs \(1000\) cannot exceed probing\.intervalMs \(500\)/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });
});

test('an endpoint the topology lacks fails the check with the node named', () => {
  withConfig(`topology: ${topology}\nprober: { node: dev1 }\ngroups: [ { name: g, endpoints: [dev9] } ]\n`, (file) => {
    const run = runCli(['check-config', file]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /dev9/);
  });
});

test('--json prints the resolved config with references, never a secret value', () => {
  withConfig(
    `topology: ${topology}\nprober: { node: dev1 }\ngroups: [ { name: g, endpoints: [dev2] } ]\n` +
      'storage: { url: "postgres://pm@127.0.0.1/pm", password: { env: PM_DB_PASSWORD } }\n' +
      'notifiers:\n  freshdesk: { baseUrl: "http://127.0.0.1:9", apiKey: { env: PM_FD_KEY }, requesterEmail: noc@example.net }\n',
    (file) => {
      const run = runCli(['check-config', file, '--json', '--no-secrets']);
      assert.equal(run.status, 0, run.stderr);
      const parsed = JSON.parse(run.stdout) as { valid: boolean; config: { notifiers: { freshdesk: { apiKey: unknown } } } };
      assert.equal(parsed.valid, true);
      assert.deepEqual(parsed.config.notifiers.freshdesk.apiKey, { env: 'PM_FD_KEY' });
    },
  );
});
