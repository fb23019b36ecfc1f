/**
 * Builds pathmon's small C helpers (probes/native/*.c) with the system C compiler on first use and
 * caches the binary by a digest of its source, so an edited source is rebuilt and an unchanged one is
 * compiled once per machine. A helper is an optimisation with a pure-Node fallback, so a machine
 * without `cc` gets a typed NativeHelperError the caller can catch, never a crash.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProbesError } from '../errors.js';

export class NativeHelperError extends ProbesError {
  override name = 'NativeHelperError';
  readonly code = 'native-helper-unavailable';
  constructor(
    readonly helper: string,
    readonly reason: string,
  ) {
    super(`probes.nativeHelperPath: ${helper}: ${reason}`);
  }
}

const here = dirname(fileURLToPath(import.meta.url));
// From the sources (probes/transport) or from the build (dist/probes/transport): the C files stay in
// probes/native, which tsc does not copy.
const sourceDirs = [join(here, '..', 'native'), join(here, '..', '..', '..', 'probes', 'native')];

function cacheDir(): string {
  return process.env.PATHMON_NATIVE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'pathmon', 'native');
}

/**
 * Path of the built helper `name` (e.g. "probe-rx"), compiling it if needed. `dirs` looks for the
 * source elsewhere than probes/native (the lab's own C forwarder).
 */
export function nativeHelperPath(name: string, dirs: string[] = sourceDirs): string {
  const source = dirs.map((dir) => join(dir, `${name}.c`)).find((file) => existsSync(file));
  if (!source) throw new NativeHelperError(name, `no source ${name}.c in ${dirs.join(' or ')}`);
  const text = readFileSync(source);
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = cacheDir();
  const binary = join(dir, `${name}-${digest}`);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const partial = `${binary}.${process.pid}.tmp`;
  try {
    execFileSync(process.env.CC ?? 'cc', ['-O2', '-Wall', '-o', partial, source], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new NativeHelperError(name, `could not compile ${source}: ${stderr || (error as Error).message}; expected a C compiler as $CC or cc`);
  }
  renameSync(partial, binary);
  return binary;
}
