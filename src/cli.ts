#!/usr/bin/env node
/**
 * The `pathmon` command. Each subcommand lives in its own file under commands/; this file only parses
 * arguments and turns errors into messages and exit codes: usage errors exit 2, everything else 1, and
 * nothing prints a stack trace at an engineer.
 *
 * `pathmon lab ...` is handed to the lab's own CLI in a child process: the application never links the
 * lab's code, and the lab stays a test instrument rather than part of the monitor.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { TopologyError } from '../topology/index.js';
import { CliError } from './cli-error.js';
import { decimal, returnMode, wholeNumber } from './options.js';
import { pathsCommand } from './commands/paths-command.js';
import { probeCommand } from './commands/probe-command.js';
import { ConfigError } from './config/index.js';
import { checkConfigCommand } from './commands/check-config-command.js';

const program = new Command('pathmon')
  .description('Topology-aware active path monitor: every simple path, probed with nested GRE.')
  .showHelpAfterError()
  .exitOverride();

const withPathOptions = (command: Command): Command =>
  command
    .requiredOption('--topology <file>', 'topology: YAML, neighbor table or ExaBGP JSON lines (recognised by content)')
    .requiredOption('--from <node>', 'the prober: node name, id or router-id')
    .requiredOption('--to <node>', 'the far endpoint')
    .option('--max-hops <n>', 'most links a path may cross', wholeNumber(1, 64), 16)
    .option('--max-paths <n>', 'most paths (the shortest are kept)', wholeNumber(1, 1_000_000), 1000)
    .addOption(new Option('--mode <mode>', 'loop: back along the reverse path; direct: back by routing').default('loop').argParser(returnMode))
    .option('--json', 'machine-readable output');

withPathOptions(program.command('paths').description('list every simple path and its hop addresses')).action((options) => {
  pathsCommand(options, process.stdout, process.stderr);
});

withPathOptions(program.command('probe').description('probe every path once and print the per-path latency table'))
  .option('--count <n>', 'probes per path', wholeNumber(1, 1_000_000), 10)
  .option('--interval-ms <ms>', 'time between probes on one path', decimal(0, 3_600_000), 100)
  .option('--timeout-ms <ms>', 'how long a probe may take to return', decimal(1, 600_000), 1000)
  .action(async (options) => {
    process.exitCode = await probeCommand(options, process.stdout, process.stderr);
  });

program
  .command('check-config')
  .description('validate a monitor config without opening sockets; --json prints it with secrets redacted')
  .argument('<file>', 'the YAML config `pathmon run --config` would use')
  .option('--json', 'machine-readable output')
  .action((file: string, options: { json?: boolean }) => {
    process.exitCode = checkConfigCommand(file, options, process.stdout);
  });

program
  .command('lab')
  .description('build and drive namespace test labs (see `pathmon lab --help`)')
  .helpOption(false)
  .allowUnknownOption()
  .allowExcessArguments()
  .argument('[args...]')
  .action(() => {
    const labCli = fileURLToPath(new URL('../lab/cli.js', import.meta.url));
    const args = process.argv.slice(process.argv.indexOf('lab') + 1);
    const result = spawnSync(process.execPath, [labCli, ...args], {
      stdio: 'inherit',
      env: { ...process.env, PATHMON_CLI: fileURLToPath(import.meta.url) },
    });
    process.exitCode = result.status ?? 1;
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

function exitCodeFor(error: unknown): number {
  const commanderCode = (error as { code?: string }).code;
  if (commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version') return 0;
  if (commanderCode?.startsWith('commander.')) return 2;
  if (error instanceof CliError) {
    process.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`pathmon: ${error.message}\n`);
    return 1;
  }
  if (error instanceof TopologyError) {
    process.stderr.write(`pathmon: ${error.message}\n`);
    return 1;
  }
  process.stderr.write(`pathmon: ${(error as Error).stack ?? String(error)}\n`);
  return 1;
}
