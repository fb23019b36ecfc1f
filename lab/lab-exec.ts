/**
 * `lab exec NODE -- COMMAND`: runs a command inside a lab node's namespace, with the terminal attached,
 * and returns its exit code. A command named `pathmon` runs this very pathmon (same Node, same build),
 * so the README's examples work before anything is installed globally.
 */
import { spawn } from 'node:child_process';
import { labDir, readPlan } from './lab-state.js';

export async function labExec(lab: string, node: string, command: string[], pathmonCli: string): Promise<number> {
  const plan = readPlan(labDir(lab));
  const target = plan.nodes.find((candidate) => candidate.name === node);
  if (!target) throw new Error(`lab.labExec: no node "${node}" in lab ${lab}; expected one of: ${plan.nodes.map((n) => n.name).join(', ')}`);
  if (command.length === 0) throw new Error('lab.labExec: no command given; expected `pathmon lab exec NODE -- COMMAND [ARGS...]`');
  const argv = command[0] === 'pathmon' ? [process.execPath, pathmonCli, ...command.slice(1)] : command;
  const child = spawn('ip', ['netns', 'exec', target.namespace, ...argv], {
    stdio: 'inherit',
    env: { ...process.env, PATHMON_LAB: lab },
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
