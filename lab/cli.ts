/**
 * `pathmon lab ...`: the lab's own command line, run by `pathmon lab` in a child process. Every command
 * that acts on a running lab takes `--lab NAME`, else $PATHMON_LAB, else the only lab that is up.
 */
import { Command, InvalidArgumentError } from 'commander';
import { chooseLab, describeForwarder, knownLabs, labDown, labExec, labImpair, labStatus, labUp, type LabStatus } from './index.js';

const number = (min: number, max: number) => (text: string) => {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got "${text}"`);
  }
  return value;
};

const program = new Command('pathmon lab').description('namespace test labs').enablePositionalOptions().showHelpAfterError().exitOverride();

program
  .command('up')
  .description('build a YAML topology as network namespaces with GRE router processes')
  .argument('<file>', 'YAML topology (for example lab/topologies/nanog76.yaml)')
  .option('--name <lab>', 'lab name, the prefix of every namespace (default: the topology name)')
  .option('--bgp-ls [host]', 'also run OSPF in the routers and a BGP-LS feed (gobgpd) towards a prober host (default: the first host)')
  .action(async (file, options) => {
    const { lab, plan, bgpLs, forwarder } = await labUp(file, { name: options.name, bgpLs: options.bgpLs });
    const routers = plan.nodes.filter((node) => node.kind === 'router').length;
    process.stdout.write(`lab ${lab} is up: ${routers} routers, ${plan.nodes.length - routers} hosts, namespaces ${lab}.NODE\n`);
    process.stdout.write(`${describeForwarder(forwarder)}\n`);
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
    const labs = options.all ? knownLabs() : [chooseLab(options.lab)];
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
    const status = labStatus(chooseLab(options.lab));
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
      chooseLab(options.lab),
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
  .description('run a command inside a node\'s namespace: pathmon lab exec NODE -- COMMAND')
  .argument('<node>')
  .argument('<command...>')
  .option('--lab <name>')
  .passThroughOptions()
  .action(async (node, command, options) => {
    // With pass-through options commander hands over the `--` separator too; it is not part of the command.
    const argv = command[0] === '--' ? command.slice(1) : command;
    process.exitCode = await labExec(chooseLab(options.lab), node, argv, process.env.PATHMON_CLI ?? 'pathmon');
  });

function statusText(status: LabStatus): string {
  const lines = [`lab ${status.lab} (from ${status.topologyFile}, up since ${status.createdAt})`];
  if (status.forwarder) lines.push(describeForwarder(status.forwarder));
  for (const node of status.nodes) {
    const ns = node.namespaceExists ? node.namespace : `${node.namespace} (MISSING)`;
    const router = node.routerPid === undefined ? '' : ` router pid ${node.routerPid} ${node.routerAlive ? 'running' : 'DEAD'}`;
    const c = node.counters;
    const counters = c
      ? ` rx ${c.received} fwd ${c.forwarded} drop ${Object.entries(c.dropped).filter(([, n]) => n > 0).map(([k, n]) => `${k}:${n}`).join(',') || 0}` +
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
    lines.push(`  ${status.bgpLs.processes.length - dead.length}/${status.bgpLs.processes.length} processes running${dead.length ? `; DEAD: ${dead.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = (error as { code?: string }).code;
  if (code === 'commander.helpDisplayed') process.exitCode = 0;
  else if (code?.startsWith('commander.')) process.exitCode = 2;
  else {
    process.stderr.write(`pathmon ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
