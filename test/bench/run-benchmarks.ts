/**
 * `npm run bench`: runs every benchmark in test/bench/ one after another (never in parallel, so they do
 * not share the CPU), prints each one's figures as they come, and writes each result to
 * test/bench/results/<name>.json. Result files are committed, so a change in performance shows up as a
 * diff; each is written to a .tmp file first and renamed, so a failed run leaves the last good one.
 *
 * Benchmarks are not timed tests: a missed goal is printed and recorded, not failed. Only a benchmark
 * that cannot measure (say, contenders disagreeing on the answer) makes the run fail.
 * Names given on the command line run just those benchmarks.
 *
 * Every `*.bench.js` beside this file that exports `benchmark` is run, in file-name order, so adding a
 * benchmark means adding a file, not editing a list.
 */
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/repo-root.js';
import type { Benchmark } from './benchmark.js';

const resultsDir = join(repoRoot, 'test', 'bench', 'results');

async function discoverBenchmarks(): Promise<Benchmark[]> {
  const here = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(here)
    .filter((name) => name.endsWith('.bench.js'))
    .sort();
  const found: Benchmark[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(join(here, file)).href)) as { benchmark?: Benchmark };
    if (module.benchmark) found.push(module.benchmark);
  }
  return found;
}

async function main(names: string[]): Promise<void> {
  const benchmarks = await discoverBenchmarks();
  const unknown = names.filter((name) => !benchmarks.some((bench) => bench.name === name));
  if (unknown.length > 0) {
    throw new Error(`bench.runBenchmarks: no benchmark named ${unknown.join(', ')}; expected one of ${benchmarks.map((b) => b.name).join(', ')}`);
  }
  mkdirSync(resultsDir, { recursive: true });
  for (const bench of benchmarks.filter((b) => names.length === 0 || names.includes(b.name))) {
    console.log(`== ${bench.name}`);
    const result = await bench.run((line) => console.log(line));
    const file = join(resultsDir, `${bench.name}.json`);
    writeFileSync(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
    console.log(`wrote ${file}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
