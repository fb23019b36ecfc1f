// Runs the compiled test files, one at a time.
// Files are listed explicitly because `node --test DIR` also runs every .js under a `test/` folder,
// which would execute the helpers and the benchmarks. One at a time because the e2e lab tests measure
// latency, and other tests running beside them on a 2-core machine would show up in their numbers.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const suites = ['unit', 'integration', 'e2e'];
const files = suites.flatMap((suite) =>
  readdirSync(join('dist/test', suite), { recursive: true })
    .filter((name) => name.endsWith('.test.js'))
    .map((name) => join('dist/test', suite, name))
    .sort(),
);
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
