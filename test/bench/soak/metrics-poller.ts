/**
 * Run inside the prober's namespace (`node metrics-poller.js PORT INTERVAL_MS`): reads the monitor's
 * /metrics every INTERVAL_MS and prints `<epoch ms> <pathmon_rounds_total>` per reading on stdout. The
 * soak bench cannot reach the namespace's loopback from outside, and a monitor killed with -9 says
 * nothing at exit, so this running count is how the bench knows how many rounds a killed process had
 * completed. Readings that fail (the monitor starting, or just killed) print nothing.
 */
import { fileURLToPath } from 'node:url';

async function poll(port: number, intervalMs: number): Promise<never> {
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(intervalMs) });
      const match = /^pathmon_rounds_total(?:\{[^}]*\})? (\d+)/m.exec(await response.text());
      if (match) process.stdout.write(`${Date.now()} ${match[1]}\n`);
    } catch {
      // Not listening (yet, or any more): the next reading will tell.
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [port, intervalMs] = process.argv.slice(2).map(Number);
  if (!Number.isInteger(port) || !Number.isInteger(intervalMs) || intervalMs! < 50) {
    process.stderr.write(`metrics-poller: expected PORT INTERVAL_MS (integers, interval at least 50), got ${process.argv.slice(2).join(' ')}\n`);
    process.exit(2);
  }
  void poll(port!, intervalMs!);
}
