/**
 * `check-config` resolves the secrets a config references: each unset, empty or unreadable one is named
 * by its config key and fails the check (exit non-zero), `--no-secrets` skips them, and no value ever
 * reaches the output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { checkConfigCommand } from '../../../src/commands/check-config-command.js';
import { CliError } from '../../../src/cli-error.js';
import { secretRefsIn } from '../../../src/secrets/index.js';
import { spawnSync } from 'node:child_process';
import { cliPath } from '../../helpers/cli.js';
import { repoRoot } from '../../helpers/repo-root.js';

const topology = join(repoRoot, 'lab/topologies/nanog76.yaml');
const config = (dir: string) =>
  `topology: ${topology}\nprober: { node: dev1 }\ngroups: [ { name: g, endpoints: [dev2] } ]\n` +
  'storage: { url: "postgres://pm@127.0.0.1/pm", password: { file: db-password } }\n' +
  'notifiers:\n' +
  '  freshdesk: { baseUrl: "http://127.0.0.1:9", apiKey: { env: PATHMON_FD_KEY }, requesterEmail: noc@example.net }\n' +
  `  email: { host: 127.0.0.1, from: pm@example.net, to: [noc@example.net], user: pm, password: { file: ${join(dir, 'missing')} } }\n`;

function withConfig(run: (file: string, dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-secrets-'));
  try {
    const file = join(dir, 'monitor.yaml');
    writeFileSync(file, config(dir));
    writeFileSync(join(dir, 'db-password'), 'hunter2-db\n');
    run(file, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function check(file: string, options: { json?: boolean; secrets?: boolean }, env: NodeJS.ProcessEnv): { code: number | 'threw'; out: string; error: string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  try {
    const code = checkConfigCommand(file, options, out, { env });
    return { code, out: text, error: '' };
  } catch (error) {
    assert.ok(error instanceof CliError, `expected a CliError, got ${String(error)}`);
    return { code: 'threw', out: text, error: error.message };
  }
}

test('every unresolvable reference is named by its key and fails the check', () => {
  withConfig((file, dir) => {
    const result = check(file, {}, {});
    assert.equal(result.code, 'threw');
    assert.match(result.out, /INVALID/);
    assert.match(result.error, /notifiers\.freshdesk\.apiKey: env PATHMON_FD_KEY is not set/);
    assert.match(result.error, new RegExp(`notifiers\\.email\\.password: file ${join(dir, 'missing').replace(/[.]/g, '\\.')} cannot be read \\(ENOENT\\)`));
    assert.doesNotMatch(result.error, /storage\.password/, 'the password file is readable (relative to the config)');
    assert.match(result.error, /--no-secrets/);
  });
});

test('an empty variable counts as unset; with every secret present the config is valid and no value is printed', () => {
  withConfig((file, dir) => {
    writeFileSync(join(dir, 'missing'), 'smtp-pass-42');
    const empty = check(file, {}, { PATHMON_FD_KEY: '' });
    assert.match(empty.error, /notifiers\.freshdesk\.apiKey: env PATHMON_FD_KEY is empty/);
    const ok = check(file, {}, { PATHMON_FD_KEY: 'fd-key-123' });
    assert.equal(ok.code, 0);
    assert.match(ok.out, /valid/);
    assert.match(ok.out, /secrets +every reference resolves/);
    for (const value of ['fd-key-123', 'smtp-pass-42', 'hunter2-db']) assert.ok(!ok.out.includes(value), `${value} printed`);
  });
});

test('--json reports the problems and exits 1; --no-secrets skips them', () => {
  withConfig((file) => {
    const json = check(file, { json: true }, {});
    assert.equal(json.code, 1);
    const parsed = JSON.parse(json.out) as { valid: boolean; secrets: { key: string; problem: string }[] };
    assert.equal(parsed.valid, false);
    assert.deepEqual(
      parsed.secrets.map((s) => s.key),
      ['notifiers.freshdesk.apiKey', 'notifiers.email.password'],
    );
    const skipped = check(file, { secrets: false }, {});
    assert.equal(skipped.code, 0);
    assert.match(skipped.out, /secrets +not checked \(--no-secrets\)/);
  });
});

test('references are found by shape in any section, lists included', () => {
  const found = secretRefsIn({ a: { token: { env: 'X' } }, list: [{ key: { file: '/k' } }, { file: 'not', other: 1 }], plain: 'env' });
  assert.deepEqual(found, [
    { key: 'a.token', ref: { env: 'X' } },
    { key: 'list[0].key', ref: { file: '/k' } },
  ]);
});

test('the command line: exit status 1 naming the key, 0 with --no-secrets', () => {
  withConfig((file) => {
    const env = { ...process.env };
    delete env.PATHMON_FD_KEY;
    const run = (args: string[]) => spawnSync(process.execPath, [cliPath, ...args], { cwd: repoRoot, encoding: 'utf8', env, timeout: 60_000 });
    const failed = run(['check-config', file]);
    assert.equal(failed.status, 1, failed.stderr);
    assert.match(failed.stderr, /notifiers\.freshdesk\.apiKey: env PATHMON_FD_KEY is not set/);
    const skipped = run(['check-config', file, '--no-secrets']);
    assert.equal(skipped.status, 0, skipped.stderr);
  });
});
