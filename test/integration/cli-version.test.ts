/**
 * `pathmon --version`, and pathmon as a package: `npm pack` holds only what runs (the build of the
 * application, the C helper sources it compiles on first use, the dashboard's static files, the systemd
 * unit and the Prometheus/Grafana kit), and the packed CLI works from an install, where the lab is
 * absent and `pathmon lab` says so instead of crashing.
 *
 * Installing the tarball from the registry needs the network, so the install is made by hand the way
 * `npm install --omit=dev` lays it out: the tarball unpacked as node_modules/pathmon, and only the
 * runtime dependencies beside it (linked to this checkout's copies). A module the build needs but the
 * package lacks, or a devDependency imported at run time, then fails here as it would for a user.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cliPath, runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/repo-root.js';

interface Manifest {
  version: string;
  dependencies: Record<string, string>;
}
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest;

/** Where a packed file may come from: the build of the application and the files it reads at run time. */
const RUNTIME_FILE = /^(package\.json|README\.md|LICENSE|dist\/(src|topology|probes)\/.+\.js|probes\/native\/[\w-]+\.c|src\/web\/static\/.+|src\/service\/.+|src\/metrics\/kit\/.+)$/;

let scratch = '';
let installed = '';
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'pathmon-pack-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function npm(args: string[], cwd = repoRoot) {
  const result = spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, npm_config_update_notifier: 'false' } });
  assert.equal(result.status, 0, `npm ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** Runs the installed package's CLI from outside the repository. */
function runInstalled(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [join(installed, 'dist', 'src', 'cli.js'), ...args], {
    cwd: scratch,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('pathmon --version prints the version in package.json', () => {
  for (const flag of ['--version', '-V']) {
    const run = runCli([flag]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, `${manifest.version}\n`);
  }
});

/**
 * The modules a CLI run loads, as the file: URLs Node resolves (a resolve hook appends each to a file).
 * CommonJS requires made inside a package are not seen, but every import from pathmon's own code is.
 */
function modulesLoaded(args: string[]): { status: number | null; urls: string[] } {
  const trace = join(scratch, `trace-${args.join('-').replace(/\W+/g, '_')}.txt`);
  const hooks =
    "import { appendFileSync } from 'node:fs'; export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(process.env.PATHMON_MODULE_TRACE, r.url + '\\n'); return r; }";
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
  const run = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, cliPath, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, PATHMON_MODULE_TRACE: trace },
  });
  const urls = existsSync(trace)
    ? readFileSync(trace, 'utf8')
        .split('\n')
        .filter((url) => url.startsWith('file:'))
    : [];
  return { status: run.status, urls: [...new Set(urls)] };
}

test('--help, --version and a usage error load no command module: commands are imported when they run', () => {
  const cheap = /\/dist\/src\/(cli|cli-error|options)\.js$|\/node_modules\/commander\//;
  for (const [args, status] of [
    [['--help'], 0],
    [['--version'], 0],
    [['probe', '--help'], 0],
    [['probe', '--count', 'ten'], 2],
  ] as const) {
    const { status: exit, urls } = modulesLoaded([...args]);
    assert.equal(exit, status, args.join(' '));
    assert.ok(
      urls.some((url) => url.includes('/node_modules/commander/')),
      `the module trace saw nothing for ${args.join(' ')}`,
    );
    assert.deepEqual(
      urls.filter((url) => !cheap.test(url)),
      [],
      `pathmon ${args.join(' ')} loaded more than the argument parser`,
    );
  }
  // The same trace does see a command's modules when the command runs.
  const paths = modulesLoaded(['paths', '--topology', join(repoRoot, 'lab', 'topologies', 'nanog76.yaml'), '--from', 'dev1', '--to', 'dev2']);
  assert.equal(paths.status, 0);
  assert.ok(paths.urls.some((url) => url.endsWith('/dist/src/commands/paths-command.js')));
});

test('npm pack lists only runtime files, and every one the CLI needs', () => {
  const [pack] = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'])) as [{ files: { path: string }[] }];
  const paths = pack.files.map((file) => file.path);
  const extra = paths.filter((path) => !RUNTIME_FILE.test(path));
  assert.deepEqual(extra, [], 'files that do not run');
  for (const needed of [
    'dist/src/cli.js',
    'dist/src/commands/run-command.js',
    'dist/topology/index.js',
    'dist/probes/index.js',
    'probes/native/probe-tx.c',
    'probes/native/probe-rx.c',
    'src/web/static/index.html',
    'src/service/pathmon.service',
  ]) {
    assert.ok(paths.includes(needed), `${needed} is not packed`);
  }
  assert.equal(
    paths.some((path) => path.startsWith('dist/test/') || path.startsWith('dist/lab/') || path.startsWith('test/') || path.startsWith('lab/')),
    false,
  );
});

test('the packed CLI runs from an install: --version, --help, a command, and a clear word on the absent lab', () => {
  npm(['pack', '--ignore-scripts', '--pack-destination', scratch]);
  const tarball = readdirSync(scratch).find((name) => name.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack wrote no tarball');
  const modules = join(scratch, 'install', 'node_modules');
  mkdirSync(modules, { recursive: true });
  const untar = spawnSync('tar', ['-xzf', join(scratch, tarball), '-C', join(scratch, 'install')], { encoding: 'utf8' });
  assert.equal(untar.status, 0, untar.stderr);
  installed = join(modules, 'pathmon');
  renameSync(join(scratch, 'install', 'package'), installed);
  for (const name of Object.keys(manifest.dependencies)) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules', name), join(modules, name), 'dir');
  }

  const version = runInstalled(['--version']);
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout, `${manifest.version}\n`);

  const help = runInstalled(['--help']);
  assert.equal(help.status, 0, help.stderr);
  for (const command of ['run', 'probe', 'paths', 'check-config', 'report', 'history', 'localize']) assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'));

  const paths = runInstalled(['paths', '--topology', join(repoRoot, 'lab', 'topologies', 'nanog76.yaml'), '--from', 'dev1', '--to', 'dev2', '--json']);
  assert.equal(paths.status, 0, paths.stderr);
  assert.equal((JSON.parse(paths.stdout) as { paths: unknown[] }).paths.length, 8);

  const lab = runInstalled(['lab', 'up', 'nanog76']);
  assert.equal(lab.status, 1);
  assert.match(lab.stderr, /^pathmon lab: the namespace lab is not part of this install/m);
  assert.doesNotMatch(lab.stderr, /\n\s+at /);
});

test('the packed install finds the dashboard files and builds the probe helpers from its own sources', async (t) => {
  if (!installed) return t.skip('the install from the previous test is missing');
  const { loadStaticFiles, staticDirectory } = (await import(pathToFileURL(join(installed, 'dist', 'src', 'web', 'static-files.js')).href)) as typeof import('../../src/web/static-files.js');
  assert.equal(staticDirectory(), join(installed, 'src', 'web', 'static'));
  assert.ok(loadStaticFiles().get('/'), 'no dashboard page /');
  if (spawnSync(process.env.CC ?? 'cc', ['--version']).status !== 0) return t.skip('no C compiler to build the helpers with');
  const helper = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { nativeHelperPath } = await import(${JSON.stringify(pathToFileURL(join(installed, 'dist', 'probes', 'index.js')).href)}); console.log(nativeHelperPath('probe-tx'));`,
    ],
    { encoding: 'utf8', env: { ...process.env, PATHMON_NATIVE_CACHE: join(scratch, 'native') } },
  );
  assert.equal(helper.status, 0, helper.stderr);
  assert.ok(helper.stdout.trim().startsWith(join(scratch, 'native', 'probe-tx-')), helper.stdout);
});
