/**
 * `pathmon history PATH-ID [--since 24h] [--json]`: one path's rounds (or rollup buckets for a long
 * window) and its state transitions with their reasons, from the store. PATH-ID may be a unique
 * prefix of the id, as `pathmon report` prints it shortened.
 */
import { parseDurationMs } from '../config/index.js';
import { CliError } from '../cli-error.js';
import { toSafeJson } from '../secrets/index.js';
import { textTable } from '../report/text-table.js';
import { openReportStore, type StoreOptions } from './report-command.js';

export interface HistoryOptions extends StoreOptions {
  since: string;
  json?: boolean;
  maxPoints: number;
}

export async function historyCommand(pathId: string, options: HistoryOptions, out: NodeJS.WritableStream, nowMs = Date.now()): Promise<number> {
  const sinceMs = nowMs - parseDurationMs(options.since);
  const store = await openReportStore(options);
  try {
    const paths = await store.paths();
    const matches = paths.filter((path) => path.id === pathId || path.id.startsWith(pathId));
    const exact = matches.find((path) => path.id === pathId);
    if (!exact && matches.length !== 1) {
      throw new CliError(
        matches.length === 0
          ? `pathmon history: no path with id ${JSON.stringify(pathId)} in ${store.description}; expected an id from \`pathmon report\``
          : `pathmon history: ${JSON.stringify(pathId)} matches ${matches.length} paths (${matches
              .slice(0, 5)
              .map((p) => p.id)
              .join(', ')}); expected a longer prefix`,
      );
    }
    const path = exact ?? matches[0]!;
    const [points, transitions] = await Promise.all([store.history(path.id, sinceMs, nowMs, options.maxPoints), store.transitions(path.id, sinceMs, nowMs)]);
    if (options.json) {
      out.write(`${toSafeJson({ path, sinceMs, untilMs: nowMs, points, transitions }, 2)}\n`);
      return 0;
    }
    const time = (ms: number) =>
      new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
    const ms = (value: number | null) => (value === null ? '-' : Number(value.toFixed(3)));
    out.write(`${path.group} ${path.names.join(' ')} (${path.id})${path.goneAtMs !== null ? `, GONE since ${time(path.goneAtMs)}` : ''}\n`);
    out.write(`hops ${path.hops.join(' ')}\n\n`);
    out.write('transitions\n');
    out.write(
      transitions.length === 0
        ? `  none in the last ${options.since}\n`
        : `${textTable(
            ['at', 'from', 'to', 'reason'],
            transitions.map((t) => [time(t.atMs), t.from ?? 'new', t.to, t.reason]),
          ).replace(/^/gm, '  ')}\n`,
    );
    out.write(`\nrounds${points.some((p) => p.rounds > 1) ? ' (rolled up)' : ''}\n`);
    out.write(
      points.length === 0
        ? `  none in the last ${options.since}\n`
        : `${textTable(
            ['at', 'rounds', 'sent', 'recv', 'loss%', 'min ms', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
            points.map((p) => [time(p.atMs), p.rounds, p.sent, p.received, Number(p.lossPct.toFixed(2)), ms(p.rttMinMs), ms(p.rttP50Ms), ms(p.rttP95Ms), ms(p.rttP99Ms), ms(p.rttMaxMs)]),
          ).replace(/^/gm, '  ')}\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
