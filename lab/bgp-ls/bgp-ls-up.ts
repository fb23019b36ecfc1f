/**
 * `lab up --bgp-ls`: starts the lab's BGP-LS chain on top of a built lab, and waits until it is whole.
 *
 *   zebra + ospfd per router ─LSDB─▶ originator (speaker ns) ─gRPC─▶ gobgpd (speaker ns) ─BGP─▶ ExaBGP (prober)
 *
 * Every daemon runs inside its router's namespace, like the GRE router processes, so `lab down` (which
 * kills every process in the lab's namespaces and removes the state directory, FRR's directories with
 * it) stops them all. FRR daemons drop to user `frr`, so each router's FRR directory belongs to `frr`
 * and every directory above it must be searchable by it.
 *
 * With $PATHMON_LAB_SYSLOG set to ADDR:PORT (`lab up --bgp-ls --syslog ADDR:PORT`), each router's ospfd
 * log is also forwarded there by a real syslog client once the IGP has converged (syslog-forward.ts).
 *
 * Returns once the originator has handed gobgpd the converged IGP (every router, every link direction).
 * It does not wait for ExaBGP: the prober side is pathmon's, started later by the engineer.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabPlan } from '../lab-plan.js';
import { labFiles } from '../lab-state.js';
import type { BgpLsPlan } from './bgp-ls-plan.js';
import { exabgpConf, gobgpdToml, ospfdConf, zebraConf } from './daemon-configs.js';
import { parseSyslogTarget, startSyslogForward } from './syslog-forward.js';
import { ORIGINATOR_READY, originatorConfigPath, type OriginatorConfig } from './originator-config.js';

const originatorMain = fileURLToPath(new URL('./originator-main.js', import.meta.url));
const FRR_BIN = process.env.PATHMON_FRR_BIN ?? '/usr/lib/frr';
const POLL_MS = 100;

export interface BgpLsState {
  prober: string;
  speaker: string;
  speakerAddress: string;
  proberAddress: string;
  /** The ExaBGP configuration for the prober, in the lab's state directory. */
  exabgpConfig: string;
  /** What to give pathmon: `exabgp:PATH`. */
  topologySpec: string;
  /** `R1/zebra`, `R1/ospfd`, `R1/syslog` (with --syslog), `gobgpd`, `originator` to pid. */
  pids: Record<string, number>;
  /** OSPF router id per router. */
  routerIds: Record<string, string>;
  /** Everything the chain was built from (ASes, namespaces, addresses). */
  plan: BgpLsPlan;
}

export const bgpLsFiles = (dir: string) => ({
  root: join(dir, 'bgp-ls'),
  frr: (router: string) => join(dir, 'bgp-ls', 'frr', router),
  gobgpd: join(dir, 'bgp-ls', 'gobgpd.toml'),
  exabgp: join(dir, 'exabgp.conf'),
  originatorLog: join(dir, 'logs', 'bgp-ls-originator.log'),
  gobgpdLog: join(dir, 'logs', 'gobgpd.log'),
  /** ospfd's own log (adjacency changes included), what --syslog forwards. */
  ospfdLog: (router: string) => join(dir, 'bgp-ls', 'frr', router, 'ospfd.log'),
  syslogForwardLog: (router: string) => join(dir, 'logs', `syslog-forward-${router}.log`),
});

/** The environment variable `lab up --syslog ADDR:PORT` sets: where the routers' ospfd logs go. */
export const LAB_SYSLOG_ENV = 'PATHMON_LAB_SYSLOG';

export async function startBgpLs(dir: string, plan: LabPlan, bgp: BgpLsPlan, readyTimeoutMs: number): Promise<BgpLsState> {
  const files = bgpLsFiles(dir);
  // Checked before anything starts, so a mistyped target costs nothing to tear down.
  const syslogText = process.env[LAB_SYSLOG_ENV];
  const syslog = syslogText ? parseSyslogTarget(syslogText) : null;
  chmodSync(dir, 0o755);
  checkSearchableByOthers(dirname(dir));
  mkdirSync(files.root, { recursive: true, mode: 0o755 });
  const routers = plan.nodes.filter((node) => node.kind === 'router');
  const pids: Record<string, number> = {};

  for (const router of routers) {
    const frrDir = files.frr(router.name);
    mkdirSync(frrDir, { recursive: true });
    writeFileSync(join(frrDir, 'zebra.conf'), zebraConf(router));
    writeFileSync(join(frrDir, 'ospfd.conf'), ospfdConf(router, bgp.routerIds[router.name]!, files.ospfdLog(router.name)));
    execFileSync('chown', ['-R', 'frr:frr', frrDir]);
  }
  for (const router of routers) pids[`${router.name}/zebra`] = startFrrDaemon('zebra', router.namespace, files.frr(router.name));
  for (const router of routers) await waitForFile(join(files.frr(router.name), 'zserv.api'), readyTimeoutMs, `zebra of ${router.name}`);
  for (const router of routers) pids[`${router.name}/ospfd`] = startFrrDaemon('ospfd', router.namespace, files.frr(router.name));

  writeFileSync(files.gobgpd, gobgpdToml(bgp));
  pids['gobgpd'] = spawnDetached(
    bgp.speakerNamespace,
    ['gobgpd', '-f', files.gobgpd, '-t', 'toml', '--api-hosts', bgp.grpcAddress, '--pprof-disable', '--cpus', '1', '-p', '-l', 'info'],
    files.gobgpdLog,
  );

  const names = Object.fromEntries(Object.entries(bgp.routerIds).map(([name, id]) => [id, name]));
  const routerLinks = routers.flatMap((router) => router.interfaces.filter((iface) => iface.peerKind === 'router'));
  const config: OriginatorConfig = {
    vtySocket: join(files.frr(bgp.speaker), 'ospfd.vty'),
    grpcAddress: bgp.grpcAddress,
    nextHop: bgp.speakerAddress,
    asn: bgp.labAsn,
    names,
    expectedNodes: routers.length,
    expectedLinks: routerLinks.length,
    pollMs: POLL_MS,
  };
  writeFileSync(originatorConfigPath(dir), JSON.stringify(config, null, 2));
  pids['originator'] = spawnDetached(bgp.speakerNamespace, [process.execPath, originatorMain, dir], files.originatorLog);

  writeFileSync(files.exabgp, exabgpConf(bgp));
  try {
    await waitForFile(labFiles(dir).ready(ORIGINATOR_READY), readyTimeoutMs, 'the IGP to converge and gobgpd to hold it');
  } catch (error) {
    const tail = existsSync(files.originatorLog) ? readFileSync(files.originatorLog, 'utf8').trim().split('\n').slice(-5).join('\n') : '(no log)';
    throw new Error(`${(error as Error).message}; the originator's log ends with:\n${tail}`);
  }
  if (syslog !== null) {
    for (const router of routers) {
      pids[`${router.name}/syslog`] = startSyslogForward(router.namespace, router.name, files.ospfdLog(router.name), syslog, files.syslogForwardLog(router.name));
    }
  }
  return {
    prober: bgp.prober,
    speaker: bgp.speaker,
    speakerAddress: bgp.speakerAddress,
    proberAddress: bgp.proberAddress,
    exabgpConfig: files.exabgp,
    topologySpec: `exabgp:${files.exabgp}`,
    pids,
    routerIds: bgp.routerIds,
    plan: bgp,
  };
}

/** Starts an FRR daemon that forks into the background (-d) and returns the daemon's pid from its pid file. */
function startFrrDaemon(daemon: 'zebra' | 'ospfd', namespace: string, frrDir: string): number {
  const pidFile = join(frrDir, `${daemon}.pid`);
  const args = [
    'netns',
    'exec',
    namespace,
    join(FRR_BIN, daemon),
    '-d',
    '-f',
    join(frrDir, `${daemon}.conf`),
    '-i',
    pidFile,
    '-z',
    join(frrDir, 'zserv.api'),
    '--vty_socket',
    frrDir,
    '-P',
    '0',
    '--log',
    `file:${join(frrDir, `${daemon}.log`)}`,
  ];
  try {
    execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
  } catch (error) {
    const failed = error as { stderr?: Buffer; message: string };
    throw new Error(`lab.startBgpLs: ${daemon} in ${namespace} did not start: ${failed.stderr?.toString().trim() || failed.message}`);
  }
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`lab.startBgpLs: ${pidFile} holds no pid after ${daemon} started`);
  return pid;
}

function spawnDetached(namespace: string, argv: string[], logPath: string): number {
  const log = openSync(logPath, 'a');
  const child = spawn('ip', ['netns', 'exec', namespace, ...argv], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  return child.pid!;
}

/** FRR drops to user frr: every directory above the lab's must let others pass, or the daemons fail obscurely. */
function checkSearchableByOthers(start: string): void {
  for (let path = start; ; path = dirname(path)) {
    if ((statSync(path).mode & 0o001) === 0) {
      throw new Error(
        `lab.startBgpLs: ${path} is not searchable by other users (mode ${(statSync(path).mode & 0o777).toString(8)}); FRR runs as user frr and needs o+x there (chmod o+x ${path}, or set PATHMON_LABS_DIR elsewhere)`,
      );
    }
    if (path === dirname(path)) return;
  }
}

async function waitForFile(path: string, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`lab.startBgpLs: waited ${timeoutMs} ms for ${what} (${path})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
