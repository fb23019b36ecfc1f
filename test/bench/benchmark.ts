/**
 * What a benchmark file exports as `benchmark`; run-benchmarks.ts finds and runs it.
 */
export interface Benchmark {
  name: string;
  /** Logs figures as it measures them; returns what goes in results/<name>.json. */
  run(log: (line: string) => void): Promise<object>;
}
