#!/usr/bin/env node
/**
 * The `pathmon` command. Each subcommand lives in its own file under commands/; this file only parses
 * arguments and turns errors into messages and exit codes: usage errors exit 2, everything else 1, and
 * nothing prints a stack trace at an engineer.
 *
 * Every command module is imported inside its action, never at the top: together they pull in PGlite,
 * gRPC, prom-client and the topology library, which cost most of a second to load, and `pathmon --help`,
 * `--version` or a usage error need none of them. For the same reason errors are mapped to messages by
 * the properties every error raised on purpose carries (`code`, `exitCode`, see pathmon-error.ts) rather
 * than by `instanceof`, which would need every error class, and so every heavy module, loaded up front;
 * and the logger (pino) is made in the pre-action hook, once a command is really going to run.
 *
 * `pathmon lab ...` is handed to the lab's own CLI in a child process: the application never links the
 * lab's code, and the lab stays a test instrument rather than part of the monitor. A packed install
 * ships without the lab, and says so.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import type { HostDeclaration } from '../topology/index.js';
import type { LogFormat, LogThreshold } from './log/index.js';
import { decimal, returnMode, wholeNumber } from './options.js';

/** The version in the package.json beside the build (dist/src/cli.js → package.json), so a packed install reports its own. */
function packageVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

const program = new Command('pathmon')
  .description('Topology-aware active path monitor: every simple path, probed with nested GRE.')
  .version(packageVersion(), '-V, --version', 'print the pathmon version')
  .showHelpAfterError()
  .exitOverride()
  // The values are listed here, not imported from log/: that would load the logger for `--help`.
  .addOption(
    new Option('--log-level <level>', 'least severe log lines written to stderr (debug and trace add stacks)')
      .choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
      .env('PATHMON_LOG_LEVEL')
      .default('info'),
  )
  .addOption(
    new Option('--log-format <format>', 'text: readable lines; json: one JSON object per line (time, level, msg, component, fields)')
      .choices(['text', 'json'])
      .env('PATHMON_LOG_FORMAT')
      .default('text'),
  );

interface LogOptions {
  logLevel: LogThreshold;
  logFormat: LogFormat;
}

/** Makes the process logger from the global options; commands take it from log/index.ts. */
async function installProcessLogger(): Promise<void> {
  const { createLogger, setProcessLogger } = await import('./log/index.js');
  const { logLevel, logFormat } = program.opts<LogOptions>();
  setProcessLogger(createLogger({ level: logLevel, format: logFormat }));
}

const topologyHelp = 'topology: a YAML, neighbor table or ExaBGP JSON file (recognised by content), or exabgp:FILE to run ExaBGP with your neighbor config';

/** Aborts on Ctrl-C or SIGTERM: how --watch commands are stopped cleanly (ExaBGP stopped too). */
function stopSignal(): AbortSignal {
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
  return controller.signal;
}

const hostHelp =
  'attach a host the topology lacks (repeatable): NAME=ADDRESS/LEN, joined to the router announcing that subnet in BGP-LS (its address derived for /31 and /30), or NAME=ADDRESS/LEN@ROUTER[:ROUTER_ADDRESS]';

/**
 * `--host` values are only collected while parsing: checking one needs the topology library, which is
 * loaded in the pre-action hook below, once a command is really going to run.
 */
function hostArgument(text: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), text];
}

/** Checks the collected `--host` texts; a bad one is a usage error naming the argument, as commander's own are. */
async function checkHostOptions(command: Command): Promise<void> {
  const texts = command.getOptionValue('host') as string[] | undefined;
  if (!texts || texts.length === 0) return;
  // The file itself, not live/index.js, which would load ExaBGP supervision and the replanners too.
  const { parseHostArgument } = await import('./live/host-argument.js');
  const hosts: HostDeclaration[] = [];
  for (const text of texts) {
    try {
      hosts.push(parseHostArgument(text));
    } catch (error) {
      command.error(`error: option '--host <name=address/len>' argument '${text}' is invalid. ${(error as Error).message}`, {
        exitCode: 2,
        code: 'commander.invalidArgument',
      });
    }
  }
  command.setOptionValue('host', hosts);
}

program.hook('preAction', installProcessLogger);
program.hook('preAction', async (_program, command) => checkHostOptions(command));

const withPathOptions = (command: Command): Command =>
  command
    .requiredOption('--topology <spec>', topologyHelp)
    .option('--host <name=address/len>', hostHelp, hostArgument)
    .option('--wait-ms <ms>', 'exabgp: how long to wait for End-of-RIB', wholeNumber(1, 86_400_000), 30_000)
    .requiredOption('--from <node>', 'the prober: node name, id or router-id')
    .requiredOption('--to <node>', 'the far endpoint')
    .option('--max-hops <n>', 'most links a path may cross', wholeNumber(1, 64), 16)
    .option('--max-paths <n>', 'most paths (the shortest are kept)', wholeNumber(1, 1_000_000), 1000)
    .addOption(new Option('--mode <mode>', 'loop: back along the reverse path; direct: back by routing').default('loop').argParser(returnMode))
    .option('--json', 'machine-readable output');

withPathOptions(program.command('paths').description('list every simple path and its hop addresses'))
  .option('--watch', 'keep following the topology and print each re-plan (gone/added paths) until stopped')
  .action(async (options) => {
    const { pathsCommand } = await import('./commands/paths-command.js');
    process.exitCode = await pathsCommand(options, process.stdout, process.stderr, stopSignal());
  });

program
  .command('topology')
  .description('print the topology graph once converged; --watch prints each change as a JSON line')
  .requiredOption('--topology <spec>', topologyHelp)
  .option('--host <name=address/len>', hostHelp, hostArgument)
  .option('--wait-ms <ms>', 'exabgp: how long to wait for End-of-RIB', wholeNumber(1, 86_400_000), 30_000)
  .option('--json', 'machine-readable output: {status, nodes, links}, one link entry per direction')
  .option('--watch', 'print each change (link/node up/down, metric change, session up/down) as a JSON line until stopped')
  .action(async (options) => {
    const { topologyCommand } = await import('./commands/topology-command.js');
    process.exitCode = await topologyCommand(options, process.stdout, process.stderr, stopSignal());
  });

withPathOptions(program.command('probe').description('probe every path once and print the per-path latency table'))
  .option('--count <n>', 'probes per path', wholeNumber(1, 1_000_000), 10)
  .option('--interval-ms <ms>', 'time between probes on one path', decimal(0, 3_600_000), 100)
  .option('--timeout-ms <ms>', 'how long a probe may take to return', decimal(1, 600_000), 1000)
  .addOption(new Option('--kind <kind>', 'gre: every path from --from to --to; icmp, tcp, udp: one --target (no topology needed)').choices(['gre', 'icmp', 'tcp', 'udp']).default('gre'))
  .option('--target <host[:port]>', 'icmp/tcp/udp: an IPv4 address or DNS name, with :PORT for tcp and udp')
  .option('--source-port <port|first-last>', 'tcp/udp: the source port, or a range swept one probe per port')
  .option('--payload-bytes <n>', 'icmp: echo data bytes (DF is set, for MTU checks)', wholeNumber(0, 65507))
  .option('--progress', 'sent/received/elapsed on stderr every few seconds (default when stderr is a terminal)')
  .action(async (options) => {
    const { probeCommand } = await import('./commands/probe-command.js');
    process.exitCode = await probeCommand(options, process.stdout, process.stderr);
  })
  // --kind icmp|tcp|udp needs no topology: probe-command checks --topology/--from/--to for gre itself.
  .options.filter((option) => ['--topology', '--from', '--to'].includes(option.long ?? ''))
  .forEach((option) => option.makeOptionMandatory(false));

program
  .command('respond')
  .description('the far end of udp probes: echo pathmon probes back to their sender, count and drop everything else')
  .option('--bind <address>', 'IPv4 address to listen on', '0.0.0.0')
  .option('--port <port>', 'UDP port to listen on', wholeNumber(1, 65535), 7655)
  .option('--max-rate <n>', 'most echoes per second (a spoofed flood is not amplified past it)', wholeNumber(1, 10_000_000), 100_000)
  .option('--report-every-s <s>', 'print the counts every this many seconds', wholeNumber(1, 86_400))
  .action(async (options) => {
    const { respondCommand } = await import('./commands/respond-command.js');
    process.exitCode = await respondCommand(options, process.stderr, stopSignal());
  });

program
  .command('plan')
  .description('the link-cover plan: walks that cross every directed link, which links a fault is pinned to, link groups and unreachable links')
  .requiredOption('--topology <spec>', topologyHelp)
  .option('--host <name=address/len>', hostHelp, hostArgument)
  .option('--wait-ms <ms>', 'exabgp: how long to wait for End-of-RIB', wholeNumber(1, 86_400_000), 30_000)
  .requiredOption('--prober <node>', 'where every walk starts and ends: node name, id or router-id')
  .option('--coverage <n>', 'walks each directed link is crossed by', wholeNumber(1, 16), 2)
  .option('--separation <n>', 'walks each direction is crossed by without its reverse (default: coverage + 1)', wholeNumber(0, 16))
  .option('--max-hops <n>', 'most links one walk may cross (24 bytes of header each)', wholeNumber(2, 64), 16)
  .option('--json', 'machine-readable output')
  .action(async (options) => {
    const { planCommand } = await import('./commands/plan-command.js');
    process.exitCode = await planCommand(options, process.stdout, process.stderr);
  });

program
  .command('localize')
  .description('blame directed links (loss, down, added delay, with confidence) from an observations file or stored history')
  .option('--topology <spec>', `${topologyHelp} (required with --file; names links with --since)`)
  .option('--host <name=address/len>', hostHelp, hostArgument)
  .option('--file <file>', 'observations file, JSON Lines (see the README)')
  .option('--since <duration>', 'replay stored history this far back: 90s, 30m, 24h, 7d, 2w')
  .option('--config <file>', 'read the store location from this monitor config')
  .option('--db <url>', 'the store: postgres://USER@HOST/DB or pglite:DIR (overrides the config)')
  .option('--data-dir <dir>', 'where PGlite keeps its data when no store is given', './pathmon-data')
  .addOption(new Option('--groups <mode>', 'signature: links the data cannot tell apart are one group; none: every link alone').choices(['signature', 'none']).default('signature'))
  .option('--min-loss-pct <pct>', 'loss below this is noise', decimal(0, 100))
  .option('--min-added-delay-ms <ms>', 'added delay below this is noise', decimal(0, 600_000))
  .option('--wait-ms <ms>', 'exabgp: how long to wait for End-of-RIB', wholeNumber(1, 86_400_000), 30_000)
  .option('--json', 'machine-readable output')
  .action(async (options) => {
    const { localizeCommand } = await import('./commands/localize-command.js');
    process.exitCode = await localizeCommand(options, process.stdout, process.stderr);
  });

program
  .command('check-config')
  .description('validate a monitor config without opening sockets; --json prints it with secrets redacted')
  .argument('<file>', 'the YAML config `pathmon run --config` would use')
  .option('--json', 'machine-readable output')
  .option('--no-secrets', 'do not resolve the secret references ({ env } / { file }); by default each unset or unreadable one fails the check')
  .action(async (file: string, options: { json?: boolean; secrets?: boolean }) => {
    const { checkConfigCommand } = await import('./commands/check-config-command.js');
    process.exitCode = checkConfigCommand(file, options, process.stdout);
  });

const withStoreOptions = (command: Command): Command =>
  command
    .option('--config <file>', 'read the store location from this monitor config')
    .option('--db <url>', 'the store: postgres://USER@HOST/DB or pglite:DIR (overrides the config)')
    .option('--data-dir <dir>', 'where PGlite keeps its data when no store is given', './pathmon-data')
    .option('--since <duration>', 'how far back: 90s, 30m, 24h, 7d, 2w', '24h')
    .option('--json', 'machine-readable output');

program
  .command('run')
  .description('the long-running monitor: probe every planned path each interval, keep history, raise tickets and mail')
  .requiredOption('--config <file>', 'the monitor config (YAML; see `pathmon check-config`)')
  .option('--db <url>', 'the store: postgres://USER@HOST/DB or pglite:DIR (overrides the config)')
  .option('--data-dir <dir>', 'PGlite data and the spill of unwritten results', './pathmon-data')
  .option('--listen <addr>', 'serve the dashboard, API and /metrics on HOST:PORT (token from $PATHMON_WEB_TOKEN)')
  .option('--rounds <n>', 'stop after this many rounds (default: run until SIGTERM/SIGINT)', wholeNumber(1))
  .option('--wait-ms <ms>', 'how long to wait for the topology source to converge', wholeNumber(0, 3_600_000), 120_000)
  .option(
    '--targets <file>',
    "ICMP/TCP targets to monitor beside the config's, repeatable: the network-telemetry targets.yaml as it is (env: [host, ...] pings, env: { host: port } TCP), or a list of target groups as the config's targets: writes them",
    (file: string, previous: string[] = []) => [...previous, file],
  )
  .option(
    '--allow-foreign-source',
    "probe even when the prober node's address is on no interface of this host (run refuses otherwise: probes would leave by this host's routes, from the wrong place); for an address routed here on purpose, e.g. behind NAT",
  )
  .action(async (options) => {
    const { runCommand } = await import('./commands/run-command.js');
    process.exitCode = await runCommand(options, process.stderr);
  });

withStoreOptions(program.command('report').description('per-path table from history: loss, p50/p95/p99, time in each state, open tickets')).action(async (options) => {
  const { reportCommand } = await import('./commands/report-command.js');
  process.exitCode = await reportCommand(options, process.stdout);
});

withStoreOptions(program.command('history').description("one path's rounds and state transitions"))
  .argument('<path-id>', 'the path id (or a unique prefix), as `pathmon report` shows it')
  .option('--max-points <n>', 'at most this many points (long windows are rolled up)', wholeNumber(1, 100_000), 500)
  .action(async (pathId: string, options) => {
    const { historyCommand } = await import('./commands/history-command.js');
    process.exitCode = await historyCommand(pathId, options, process.stdout);
  });

withStoreOptions(program.command('actions').description('remediation action runs (rule, action, state, duration, output) and link isolations'))
  .option('--incident <id>', 'only the runs of this incident')
  .option('--state <state>', 'only runs in this state: QUEUED, RUNNING, SUCCESS, FAILURE, TIMEOUT')
  .option('--limit <n>', 'at most this many runs', wholeNumber(1, 100_000), 200)
  .action(async (options) => {
    const { actionsCommand } = await import('./commands/actions-command.js');
    process.exitCode = await actionsCommand(options, process.stdout);
  });

withStoreOptions(program.command('agents').description("the fleet's agents: hostname, id, addresses, node, capabilities, version, first/last seen, status"))
  .option('--fleet <name>', 'only this fleet')
  .action(async (options) => {
    const { agentsCommand } = await import('./commands/agents-command.js');
    process.exitCode = await agentsCommand(options, process.stdout);
  });

program
  .command('fleet')
  .description('fleet administration')
  .command('create-role')
  .description('create (or update) the database role one fleet agent logs in as, with only the rights an agent needs')
  .argument('<name>', 'the role name: lower-case letters, digits and _')
  .option('--config <file>', 'read the store location and schema from this monitor config')
  .option('--db <url>', 'the store, as an administrator: postgres://ADMIN@HOST/DB')
  .option('--data-dir <dir>', 'unused for a server store', './pathmon-data')
  .option('--schema <name>', "the schema holding pathmon's tables (default: the config's, else pathmon)")
  .option('--password-env <var>', "set the role's password from this environment variable")
  .option('--print', 'print the SQL instead of running it')
  .action(async (name: string, options) => {
    const { fleetCreateRoleCommand } = await import('./commands/agents-command.js');
    process.exitCode = await fleetCreateRoleCommand(name, options, process.stdout);
  });

const events = withStoreOptions(program.command('events').description('device syslog events from the store, newest first: host, severity, error code, status, incident, message'))
  .option('--host <host>', 'only events from this host (its HOSTNAME, else its address)')
  .option('--code <code>', 'only this error code (LINEPROTO-5-UPDOWN, SNMP_TRAP_LINK_DOWN), or a prefix ending in *')
  .option('--limit <n>', 'at most this many events', wholeNumber(1, 1_000_000), 1000)
  .action(async (options) => {
    const { eventsCommand } = await import('./commands/events-command.js');
    process.exitCode = await eventsCommand(options, process.stdout);
  });
// Kept as eventsHost: the pre-action hook reads every command's `host` as a topology --host NAME=ADDRESS/LEN.
events.on('option:host', (value: string) => events.setOptionValue('host', undefined).setOptionValue('eventsHost', value));

program
  .command('lab')
  .description('build and drive namespace test labs (see `pathmon lab --help`)')
  .helpOption(false)
  .allowUnknownOption()
  .allowExcessArguments()
  .argument('[args...]')
  .action(async () => {
    const labCli = fileURLToPath(new URL('../lab/cli.js', import.meta.url));
    if (!existsSync(labCli)) {
      const { CliError } = await import('./cli-error.js');
      throw new CliError(
        `pathmon lab: the namespace lab is not part of this install (${labCli} is missing): it is a test instrument that ships with the source repository only; expected a checkout built with \`npm run build\``,
      );
    }
    const args = process.argv.slice(process.argv.indexOf('lab') + 1);
    const child = spawn(process.execPath, [labCli, ...args], {
      stdio: 'inherit',
      env: { ...process.env, PATHMON_CLI: fileURLToPath(import.meta.url) },
    });
    // Passed on so `pathmon lab exec NODE -- pathmon run` can be stopped gracefully; a Ctrl-C at a
    // terminal reaches the child by itself (the whole foreground group gets it), so it is not doubled.
    const forward = (signal: NodeJS.Signals): void => {
      if (!(signal === 'SIGINT' && process.stdin.isTTY) && child.exitCode === null) child.kill(signal);
    };
    const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
    for (const signal of signals) process.on(signal, forward);
    process.exitCode = await new Promise<number>((resolve) => {
      child.on('error', () => resolve(1));
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1)));
    });
    for (const signal of signals) process.off(signal, forward);
  });

/**
 * The exit status for `error`, after reporting it on stderr: as a line of text (the message, a hint,
 * and for a bug the stack at log level debug), or as a JSON log line with `--log-format json`.
 */
async function exitCodeFor(error: unknown): Promise<number> {
  const commanderCode = (error as { code?: unknown } | null)?.code;
  if (commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version') return 0;
  if (typeof commanderCode === 'string' && commanderCode.startsWith('commander.')) return 2;
  const { cliErrorReport } = await import('./cli-error.js');
  const { logLevel, logFormat } = program.opts<LogOptions>();
  const report = cliErrorReport(error, { stack: logLevel === 'debug' || logLevel === 'trace' });
  if (logFormat === 'json') {
    const { processLogger } = await import('./log/index.js');
    processLogger().child({ component: 'cli' }).error(report.msg, report.fields);
  } else {
    process.stderr.write(`${report.text}\n`);
  }
  return report.exitCode;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = await exitCodeFor(error);
}
