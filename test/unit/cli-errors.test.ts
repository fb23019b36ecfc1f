/**
 * How the CLI ends on an error. Every family of pathmon's errors, the libraries' included, is reported
 * by the properties it carries (code, exit status, hint), with no list of classes in cli.ts: bad usage
 * exits 2, everything else 1, a module's message gets `pathmon: ` in front and a message written for
 * the terminal is shown as it is. An error nobody raised on purpose is a bug: one line, and its stack
 * only at --log-level debug. Secrets are scrubbed from all of it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NativeHelperError } from '../../probes/transport/native-helper.js';
import { ProbeKeyError } from '../../probes/auth/probe-hmac.js';
import { PacketDecodeError, PacketEncodeError } from '../../probes/errors.js';
import { TopologyError } from '../../topology/errors.js';
import { CliError, cliErrorReport } from '../../src/cli-error.js';
import { ConfigError } from '../../src/config/config-error.js';
import { IncidentError } from '../../src/incidents/incident-error.js';
import { TopologySourceError } from '../../src/live/errors.js';
import { ObservationsFileError } from '../../src/localize/observations-file.js';
import { LOG_THRESHOLDS, LogSettingError } from '../../src/log/index.js';
import { IntegrationError } from '../../src/notify/integration-error.js';
import { isPathmonError, PathmonError } from '../../src/pathmon-error.js';
import { registerSecretValue } from '../../src/secrets/redact.js';
import { SecretError } from '../../src/secrets/errors.js';
import { SpillError } from '../../src/store/result-writer.js';
import { StoreError } from '../../src/store/store-error.js';
import { ApiInputError, NotFound, WebError } from '../../src/web/web-error.js';
import { cliPath } from '../helpers/cli.js';
import { repoRoot } from '../helpers/repo-root.js';

interface Family {
  error: Error;
  exitCode: number;
  code: string;
  /** The first line the CLI prints. */
  msg: string;
}

const families: Family[] = [
  { error: new CliError('pathmon localize: give either --file or --since', 2), exitCode: 2, code: 'usage', msg: 'pathmon localize: give either --file or --since' },
  { error: new CliError('pathmon probe: none of the 3 paths can be addressed'), exitCode: 1, code: 'command-failed', msg: 'pathmon probe: none of the 3 paths can be addressed' },
  {
    error: new ConfigError('config.parseConfig: x.yaml: probing: got 5', 'probing', 'x.yaml:1 probing'),
    exitCode: 1,
    code: 'invalid-config',
    msg: 'pathmon: config.parseConfig: x.yaml: probing: got 5',
  },
  {
    error: new StoreError('unreachable', 'postgres://u@h/db', 'store.openStore: cannot reach postgres://u@h/db'),
    exitCode: 1,
    code: 'unreachable',
    msg: 'pathmon: store.openStore: cannot reach postgres://u@h/db',
  },
  { error: new SpillError('rows-dropped', 'store.ResultWriter: 5 rows dropped'), exitCode: 1, code: 'rows-dropped', msg: 'pathmon: store.ResultWriter: 5 rows dropped' },
  {
    error: new SecretError('missing-env', 'env K', 'secrets.resolveSecret: environment variable K is not set'),
    exitCode: 1,
    code: 'missing-env',
    msg: 'pathmon: secrets.resolveSecret: environment variable K is not set',
  },
  { error: new WebError('token-required', 'web.start: a token is required'), exitCode: 1, code: 'token-required', msg: 'pathmon: web.start: a token is required' },
  { error: new ApiInputError('since', 'web.api: since: bad'), exitCode: 1, code: 'bad-api-input', msg: 'pathmon: web.api: since: bad' },
  { error: new NotFound('web.api: no path abc'), exitCode: 1, code: 'not-found', msg: 'pathmon: web.api: no path abc' },
  { error: new IntegrationError('freshdesk', 401, 'unauthorized', 'notify.freshdesk: 401'), exitCode: 1, code: 'unauthorized', msg: 'pathmon: notify.freshdesk: 401' },
  { error: new IncidentError('invalid-input', 'incidents.evaluate: loss 1.4'), exitCode: 1, code: 'invalid-input', msg: 'pathmon: incidents.evaluate: loss 1.4' },
  {
    error: new ObservationsFileError('obs.jsonl', [{ line: 3, field: 'links', message: 'missing' }], 1),
    exitCode: 1,
    code: 'invalid-observations',
    msg: 'pathmon: localize.parseObservationsFile: obs.jsonl has 1 problem(s):\n  obs.jsonl:3 links: missing',
  },
  { error: new TopologySourceError('bad-spec', 'live.parseTopologySpec: empty topology spec', ''), exitCode: 1, code: 'bad-spec', msg: 'pathmon: live.parseTopologySpec: empty topology spec' },
  {
    error: new LogSettingError('log.parseLogLevel: PATHMON_LOG_LEVEL "loud" is not a level'),
    exitCode: 2,
    code: 'bad-log-setting',
    msg: 'pathmon: log.parseLogLevel: PATHMON_LOG_LEVEL "loud" is not a level',
  },
  // The libraries' errors: no import of the application, the same properties.
  { error: new TopologyError('unknown-node', 'topology.resolveNode: no node named "X"'), exitCode: 1, code: 'unknown-node', msg: 'pathmon: topology.resolveNode: no node named "X"' },
  { error: new PacketDecodeError('gre', 4, 'bad version'), exitCode: 1, code: 'malformed-packet', msg: 'pathmon: probes.gre.decode: bad version at offset 4' },
  { error: new PacketEncodeError('ipv4', 'ttl must be an integer'), exitCode: 1, code: 'invalid-packet-value', msg: 'pathmon: probes.ipv4.encode: ttl must be an integer' },
  {
    error: new ProbeKeyError('probes.ProbeSigner: key must be at least 16 bytes, got 3'),
    exitCode: 1,
    code: 'bad-probe-key',
    msg: 'pathmon: probes.ProbeSigner: key must be at least 16 bytes, got 3',
  },
  { error: new NativeHelperError('probe-rx', 'no cc'), exitCode: 1, code: 'native-helper-unavailable', msg: 'pathmon: probes.nativeHelperPath: probe-rx: no cc' },
];

describe('every error family maps to its exit status and message', () => {
  for (const family of families) {
    it(`${family.error.name} (${family.code}) exits ${family.exitCode}`, () => {
      assert.ok(isPathmonError(family.error), `${family.error.name} does not carry code/exitCode/isPathmonError`);
      const report = cliErrorReport(family.error, { stack: true });
      assert.equal(report.exitCode, family.exitCode);
      assert.equal(report.fields.code, family.code);
      assert.equal(report.msg, family.msg);
      assert.equal(report.text, family.msg, 'no stack for an error raised on purpose, even at debug');
    });
  }

  it("the application's errors share one base class; the libraries' only its shape", () => {
    for (const { error } of families) {
      const library = error instanceof TopologyError || error.name.startsWith('Packet') || error.name === 'ProbeKeyError' || error.name === 'NativeHelperError';
      assert.equal(error instanceof PathmonError, !library, error.name);
    }
  });
});

describe('errors the CLI did not expect', () => {
  it('a plain Error, a Node system error or a look-alike object is not taken for one raised on purpose', () => {
    assert.equal(isPathmonError(new Error('x')), false);
    assert.equal(isPathmonError(Object.assign(new Error('ENOENT'), { code: 'ENOENT', errno: -2 })), false);
    assert.equal(isPathmonError(Object.assign(new Error('x'), { code: 'x', exitCode: 3 })), false, 'no mark');
    assert.equal(isPathmonError({ message: 'x', code: 'x', exitCode: 1, isPathmonError: true }), false, 'not an Error');
    assert.equal(isPathmonError(Object.assign(new Error('x'), { code: 'x', exitCode: 0, isPathmonError: true })), false, 'exit status 0 is not a failure');
  });

  it('is one line and a pointer to --log-level debug, or the stack when asked', () => {
    const error = new TypeError('cannot read properties of undefined');
    const quiet = cliErrorReport(error, { stack: false });
    assert.equal(quiet.exitCode, 1);
    assert.equal(quiet.fields.code, 'unexpected');
    assert.equal(quiet.msg, 'pathmon: unexpected error: TypeError: cannot read properties of undefined');
    assert.doesNotMatch(quiet.text, /\n\s+at /);
    assert.match(quiet.text, /--log-level debug/);
    const loud = cliErrorReport(error, { stack: true });
    assert.match(loud.text, /\n\s+at .*cli-errors\.test/);
    assert.equal(typeof loud.fields.stack, 'string');
    assert.equal(cliErrorReport('a thrown string', { stack: false }).msg, 'pathmon: unexpected error: a thrown string');
  });

  it('a hint follows the message on its own line', () => {
    const report = cliErrorReport(new CliError('pathmon run: no paths', 1, 'add a group to the config'), { stack: false });
    assert.equal(report.text, 'pathmon run: no paths\nhint: add a group to the config');
    assert.equal(report.fields.hint, 'add a group to the config');
  });

  it('secrets are scrubbed from messages, hints and stacks', () => {
    const secret = 'cli-errors-secret-0192';
    registerSecretValue(secret);
    const texts = [
      cliErrorReport(new StoreError('unreachable', 'x', `store.open: password ${secret} refused`), { stack: true }).text,
      cliErrorReport(new CliError('pathmon run: failed', 1, `check ${secret}`), { stack: true }).text,
      cliErrorReport(new Error(`driver said ${secret}`), { stack: true }).text,
      cliErrorReport(new Error('postgres://u:unregistered-pw@h/db'), { stack: false }).text,
    ];
    for (const text of texts) {
      assert.equal(text.includes(secret) || text.includes('unregistered-pw'), false, text);
      assert.match(text, /\[redacted\]/);
    }
  });
});

describe('pathmon, run as a command', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'pathmon-cli-errors-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));
  const topology = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
  // Makes the command's first write to stdout throw: an error no module raised on purpose.
  const brokenStdout = `data:text/javascript,${encodeURIComponent('process.stdout.write = () => { throw new TypeError("stdout is broken"); };')}`;

  function pathmon(args: string[], options: { preload?: string; env?: Record<string, string> } = {}) {
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
    for (const name of ['PATHMON_LOG_LEVEL', 'PATHMON_LOG_FORMAT']) if (!options.env?.[name]) delete env[name];
    const result = spawnSync(process.execPath, [...(options.preload ? ['--import', options.preload] : []), cliPath, ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
      env,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it('usage, config, topology errors: their exit status and message, no stack', () => {
    const usage = pathmon(['localize']);
    assert.equal(usage.status, 2, usage.stderr);
    assert.match(usage.stderr, /^pathmon localize: give either --file/);
    const config = join(scratch, 'bad.yaml');
    writeFileSync(config, 'probing: 5\n');
    const invalid = pathmon(['check-config', config]);
    assert.equal(invalid.status, 1, invalid.stderr);
    assert.match(invalid.stderr, /^pathmon: config\.parseConfig: .*probing/);
    const unknown = pathmon(['paths', '--topology', topology, '--from', 'dev1', '--to', 'nowhere']);
    assert.equal(unknown.status, 1, unknown.stderr);
    assert.match(unknown.stderr, /^pathmon: topology\.resolveNode: no node named "nowhere"/);
    for (const run of [usage, invalid, unknown]) assert.doesNotMatch(run.stderr, /\n\s+at /);
  });

  it('an unexpected error prints no stack, unless --log-level debug (or PATHMON_LOG_LEVEL=debug)', () => {
    const args = ['paths', '--topology', topology, '--from', 'dev1', '--to', 'dev2'];
    const quiet = pathmon(args, { preload: brokenStdout });
    assert.equal(quiet.status, 1);
    assert.match(quiet.stderr, /^pathmon: unexpected error: TypeError: stdout is broken\n/);
    assert.doesNotMatch(quiet.stderr, /\n\s+at /);
    for (const run of [pathmon([...args, '--log-level', 'debug'], { preload: brokenStdout }), pathmon(args, { preload: brokenStdout, env: { PATHMON_LOG_LEVEL: 'debug' } })]) {
      assert.equal(run.status, 1);
      assert.match(run.stderr, /^pathmon: unexpected error: TypeError: stdout is broken\n/);
      assert.match(run.stderr, /\n\s+at .*paths-command\.js/);
    }
  });

  it('with --log-format json the error is one JSON log line', () => {
    const run = pathmon(['--log-format', 'json', 'localize']);
    assert.equal(run.status, 2);
    const lines = run.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    const record = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    assert.equal(record.level, 'error');
    assert.equal(record.component, 'cli');
    assert.equal(record.code, 'usage');
    assert.equal(record.exitCode, 2);
    assert.match(String(record.msg), /^pathmon localize: give either --file/);
    assert.match(String(record.time), /^\d{4}-\d{2}-\d{2}T/);
  });

  it("--log-level accepts exactly the logger's levels, and a bad PATHMON_LOG_FORMAT is a usage error", () => {
    const run = pathmon(['--log-level', 'loud', 'localize']);
    assert.equal(run.status, 2);
    const choices = /Allowed choices are (.*)\./.exec(run.stderr)?.[1]?.split(', ');
    assert.deepEqual(choices, [...LOG_THRESHOLDS]);
    const env = pathmon(['localize'], { env: { PATHMON_LOG_FORMAT: 'xml' } });
    assert.equal(env.status, 2);
    assert.match(env.stderr, /PATHMON_LOG_FORMAT/);
  });
});
