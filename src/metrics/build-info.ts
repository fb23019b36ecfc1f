/**
 * `pathmon_build_info{version, node_version}` (value 1): which pathmon and which Node.js answer this
 * scrape, so a dashboard can show it and an alert can tell a fleet running mixed versions. The version
 * is read from the package.json that ships with the code (found by walking up from this file, which sits
 * at a different depth in `src/` and `dist/src/`), so it cannot drift from the package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Registry } from 'prom-client';
import { registerFamily } from './metric-family.js';

let cachedVersion: string | undefined;

/** pathmon's version from its package.json; `unknown` if the package.json cannot be found or read. */
export function pathmonVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  cachedVersion = 'unknown';
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === 'pathmon' && typeof pkg.version === 'string') {
          cachedVersion = pkg.version;
          break;
        }
      } catch {
        // An unreadable package.json on the way up is not ours: keep looking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return cachedVersion;
}

export function registerBuildInfo(registry: Registry, version: string = pathmonVersion()): void {
  registerFamily(registry, 'pathmon_build_info', 'Which pathmon and Node.js versions are running (value 1).', 'gauge', () => [{ labels: { version, node_version: process.versions.node }, value: 1 }]);
}
