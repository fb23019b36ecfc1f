/**
 * `pathmon lab ...`: the lab's own command line, run by `pathmon lab` in a child process. Every command
 * names its lab with `--lab NAME` (`up` too: it names the lab it builds), else $PATHMON_LAB, else the
 * only lab that is up. `--lab` may stand anywhere before a `--`: before the command (`lab --lab L
 * status`), after it, or after `exec NODE`, where pass-through options would otherwise hand it to the
 * command being run. `up --name` is the old spelling, still accepted with a note.
 */
import { Command, InvalidArgumentError } from 'commander';
import { chooseLab, describeForwarder, knownLabs, labDown, labExec, labImpair, labStatus, labUp, startFreshdeskDesk, type LabStatus } from './index.js';
import { forwardIntoNamespace, namespaceOfNode } from './lab-forward.js';

const number = (min: number, max: number) => (text: string) => {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got "${text}"`);
  }
  return value;
};

/**
 * The arguments with every `--lab NAME` / `--lab=NAME` before `--` (and `up`'s old `--name`) taken out
 * and given once, right after the command, where commander reads it whatever the command's other
 * options. Two different names are an error rather than a guess.
 */
function withLabAfterCommand(args: string[], warn: (line: string) => void): string[] {
  const end = args.includes('--') ? args.indexOf('--') : args.length;
  let commandAt = -1;
  for (let i = 0; i < end && commandAt < 0; i++) {
    if (args[i] === '--lab')
      i++; // its value is not the command
    else if (!args[i]!.startsWith('-')) commandAt = i;
  }
  if (commandAt < 0) return args;
  const command = args[commandAt];
  const names: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < end; i++) {
    const arg = args[i]!;
    const spelling = arg === '--lab' || arg.startsWith('--lab=') ? '--lab' : command === 'up' && (arg === '--name' || arg.startsWith('--name=')) ? '--name' : null;
    if (spelling === null) {
      rest.push(arg);
      continue;
    }
    const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[++i];
    if (value === undefined || (!arg.includes('=') && i >= end)) throw new Error(`lab: ${spelling} needs a lab name; expected ${spelling} NAME`);
    if (spelling === '--name') warn('pathmon lab up: --name is deprecated; it is --lab NAME now, as in every other lab command');
    names.push(value);
  }
  const distinct = [...new Set(names)];
  if (distinct.length > 1) throw new Error(`lab: --lab given as ${distinct.join(' and ')}; expected one lab name`);
  const at = rest.indexOf(command!) + 1;
  const lab = distinct.length ? ['--lab', distinct[0]!] : [];
  return [...rest.slice(0, at), ...lab, ...rest.slice(at), ...args.slice(end)];
}

/** The lab a command means, checked to exist when it was named. */
function labNamed(named: string | undefined): string {
  const lab = chooseLab(named);
  const labs = knownLabs();
  if (!labs.includes(lab)) {
    throw new Error(`lab: no lab named "${lab}" is up; expected one of: ${labs.join(', ') || '(none: start one with `pathmon lab up FILE --lab NAME`)'}`);
  }
  return lab;
}

const program = new Command('pathmon lab').description('namespace test labs').enablePositionalOptions().showHelpAfterError().exitOverride();

program
  .command('up')
  .description('build a YAML topology as network namespaces with GRE router processes')
  .argument('<file>', 'YAML topology (for example lab/topologies/nanog76.yaml)')
  .option('--lab <name>', 'lab name, the prefix of every namespace (default: the topology name); --name is the old spelling')
  .option('--bgp-ls [host]', 'also run OSPF in the routers and a BGP-LS feed (gobgpd) towards a prober host (default: the first host)')
  .option('--syslog <addr:port>', "with --bgp-ls: forward each router's ospfd log to this syslog TCP receiver (util-linux logger in the router's namespace)")
  .action(async (file, options) => {
    if (options.syslog !== undefined) process.env.PATHMON_LAB_SYSLOG = options.syslog; // read by lab/bgp-ls/bgp-ls-up.ts
    const { lab, plan, bgpLs, forwarder, plainIp } = await labUp(file, { name: options.lab, bgpLs: options.bgpLs });
    const routers = plan.nodes.filter((node) => node.kind === 'router').length;
    process.stdout.write(`lab ${lab} is up: ${routers} routers, ${plan.nodes.length - routers} hosts, namespaces ${lab}.NODE\n`);
    process.stdout.write(`${describeForwarder(forwarder)}\n`);
    process.stdout.write(plainIp.impaired ? 'lab impair applies to plain IP too (ping, TCP, UDP)\n' : `plain IP is not impaired: ${plainIp.reason}\n`);
    if (!bgpLs) {
      process.stdout.write(`try: pathmon lab exec NODE -- pathmon probe --topology ${file} --from NODE --to NODE\n`);
      return;
    }
    process.stdout.write(`BGP-LS: OSPF converged in ${routers} routers; gobgpd in ${bgpLs.speaker} (${bgpLs.speakerAddress}) serves ${bgpLs.prober} (${bgpLs.proberAddress})\n`);
    process.stdout.write(`exabgp config: ${bgpLs.exabgpConfig}\n`);
    process.stdout.write(`topology spec: ${bgpLs.topologySpec}\n`);
    process.stdout.write(`try: pathmon lab exec ${bgpLs.prober} -- pathmon topology --topology ${bgpLs.topologySpec}\n`);
  });

program
  .command('down')
  .description('remove a lab: namespaces, links and processes (also after a crash)')
  .option('--lab <name>')
  .option('--all', 'every lab that has state')
  .action((options) => {
    // A named lab is taken down even when its state is gone (a crashed run): down is the clean-up.
    const labs = options.all ? knownLabs() : [options.lab ? chooseLab(options.lab) : labNamed(undefined)];
    for (const lab of labs) {
      const { namespaces, killed } = labDown(lab);
      process.stdout.write(`lab ${lab} is down: removed ${namespaces.length} namespaces, stopped ${killed} processes\n`);
    }
  });

program
  .command('status')
  .description('namespaces, router processes, counters and impairments')
  .option('--lab <name>')
  .option('--json')
  .action((options) => {
    const status = labStatus(labNamed(options.lab));
    process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : statusText(status));
  });

program
  .command('impair')
  .description('change delay, jitter, loss or state of the link(s) between two nodes (both directions by default)')
  .argument('<a>')
  .argument('<b>')
  .option('--delay-ms <ms>', 'added one-way delay', number(0, 60_000))
  .option('--jitter-ms <ms>', 'uniform jitter around the delay', number(0, 60_000))
  .option('--loss-pct <pct>', 'random loss', number(0, 100))
  .option('--down', 'take the link down')
  .option('--up', 'bring the link back up')
  .option('--clear', 'remove every impairment first')
  .option('--one-way', 'only the direction from <a> to <b>')
  .option('--link <id>', 'one of several parallel links (ids as in `lab status --json`)')
  .option('--lab <name>')
  .action((a, b, options) => {
    if (options.down && options.up) throw new InvalidArgumentError('--down and --up contradict each other; expected one of them');
    const table = labImpair(
      labNamed(options.lab),
      a,
      b,
      { delayMs: options.delayMs, jitterMs: options.jitterMs, lossPct: options.lossPct, down: options.down ? true : options.up ? false : undefined, clear: options.clear },
      { direction: options.oneWay ? 'forward' : 'both', linkId: options.link },
    );
    const shown = Object.entries(table).filter(([key]) => key.startsWith(`${a}>${b}>`) || key.startsWith(`${b}>${a}>`));
    process.stdout.write(shown.length ? shown.map(([key, value]) => `${key} ${JSON.stringify(value)}`).join('\n') + '\n' : `${a}–${b}: no impairments\n`);
  });

program
  .command('exec')
  .description("run a command inside a node's namespace: pathmon lab exec NODE -- COMMAND")
  .argument('<node>')
  .argument('<command...>')
  .option('--lab <name>')
  .passThroughOptions()
  .action(async (node, command, options) => {
    // With pass-through options commander hands over the `--` separator too; it is not part of the command.
    const argv = command[0] === '--' ? command.slice(1) : command;
    process.exitCode = await labExec(labNamed(options.lab), node, argv, process.env.PATHMON_CLI ?? 'pathmon');
  });

program
  .command('forward')
  .description("reach a TCP port inside a node's namespace (a dashboard started with `lab exec NODE -- pathmon run --listen 127.0.0.1:PORT`) from this host at 127.0.0.1:PORT; runs until Ctrl-C")
  .requiredOption('--node <node>', 'the node whose namespace the service runs in')
  .requiredOption('--port <port>', "the service's TCP port inside the namespace", number(1, 65_535))
  .option('--listen-port <port>', "the port on this host's 127.0.0.1 (default: the same port; 0 picks a free one)", number(0, 65_535))
  .option('--target-host <address>', 'the address the service listens on inside the namespace', '127.0.0.1')
  .option('--lab <name>')
  .action(async (options) => {
    const lab = labNamed(options.lab);
    const namespace = namespaceOfNode(lab, options.node);
    const forward = await forwardIntoNamespace(namespace, options.port, {
      targetHost: options.targetHost,
      ...(options.listenPort !== undefined ? { listenPort: options.listenPort } : {}),
    });
    process.stdout.write(`forwarding http://${forward.host}:${forward.port}/ to ${options.targetHost}:${options.port} in ${options.node} (namespace ${namespace}); Ctrl-C to stop\n`);
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => resolve());
    });
    await forward.close();
  });

program
  .command('desk')
  .description(
    "run a Freshdesk-compatible ticket desk (the API v2 calls pathmon makes) on 127.0.0.1:PORT of the namespace it starts in, for a monitor's tickets in a lab; prints each ticket, note and status change; runs until Ctrl-C. Resolve a ticket as the data-center team would: curl -u \"$KEY:X\" -X PUT -H 'Content-Type: application/json' -d '{\"status\":4}' http://127.0.0.1:PORT/api/v2/tickets/ID",
  )
  .option('--port <port>', 'the TCP port (0 picks a free one)', number(0, 65_535), 8089)
  .option('--api-key-env <name>', 'the environment variable holding the API key clients must present', 'PATHMON_LAB_DESK_KEY')
  .action(async (options) => {
    const apiKey = process.env[options.apiKeyEnv];
    if (!apiKey) throw new Error(`lab desk: $${options.apiKeyEnv} is not set; expected the API key the monitor's freshdesk notifier uses`);
    const desk = await startFreshdeskDesk({ apiKey, port: options.port, onChange: (line) => process.stdout.write(`desk: ${line}\n`) });
    process.stdout.write(`desk: Freshdesk API v2 at ${desk.baseUrl}; Ctrl-C to stop\n`);
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => resolve());
    });
    await desk.close();
  });

function statusText(status: LabStatus): string {
  const lines = [`lab ${status.lab} (from ${status.topologyFile}, up since ${status.createdAt})`];
  if (status.forwarder) lines.push(describeForwarder(status.forwarder));
  for (const node of status.nodes) {
    const ns = node.namespaceExists ? node.namespace : `${node.namespace} (MISSING)`;
    const router = node.routerPid === undefined ? '' : ` router pid ${node.routerPid} ${node.routerAlive ? 'running' : 'DEAD'}`;
    const c = node.counters;
    const counters = c
      ? ` rx ${c.received} fwd ${c.forwarded} drop ${
          Object.entries(c.dropped)
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `${k}:${n}`)
            .join(',') || 0
        }` +
        ` overhead mean ${c.overheadUs.mean.toFixed(1)} µs max ${c.overheadUs.max.toFixed(0)} µs` +
        (c.realtime === undefined ? '' : c.realtime ? ' sched fifo' : ' sched normal')
      : '';
    lines.push(`  ${node.kind.padEnd(6)} ${node.name.padEnd(8)} ${ns}${router}${counters}`);
  }
  const impairments = Object.entries(status.impairments);
  lines.push(impairments.length ? 'impairments:' : 'impairments: none');
  for (const [key, value] of impairments) lines.push(`  ${key} ${JSON.stringify(value)}`);
  if (status.bgpLs) {
    lines.push(`bgp-ls: ${status.bgpLs.speaker} -> ${status.bgpLs.prober}, ${status.bgpLs.topologySpec}`);
    const dead = status.bgpLs.processes.filter((p) => !p.alive);
    lines.push(
      `  ${status.bgpLs.processes.length - dead.length}/${status.bgpLs.processes.length} processes running${dead.length ? `; DEAD: ${dead.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

try {
  const args = withLabAfterCommand(process.argv.slice(2), (line) => process.stderr.write(`${line}\n`));
  await program.parseAsync(args, { from: 'user' });
} catch (error) {
  const code = (error as { code?: string }).code;
  if (code === 'commander.helpDisplayed') process.exitCode = 0;
  else if (code?.startsWith('commander.')) process.exitCode = 2;
  else {
    process.stderr.write(`pathmon ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
