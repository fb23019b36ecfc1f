/**
 * Where the repository's files are, seen from a compiled test in `dist/test/...`. Tests read fixtures
 * through this so they run the same from any working directory.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('dist')) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`test.repoRoot: no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const fixturePath = (...parts: string[]): string => join(repoRoot, 'test', 'fixtures', ...parts);
