/**
 * The per-path latency table: what `pathmon probe` prints, in text for people and JSON for tools. The
 * JSON field names carry their units (`rttMs`, `lossPct`, `jitterMs`).
 */
import type { RoundStats } from '../../probes/index.js';
import { textTable } from './text-table.js';

export interface PathResult extends RoundStats {
  id: string;
  path: string[];
  hops: string[];
}

export function latencyTableText(results: PathResult[]): string {
  const ms = (value: number | undefined | null) => (value === undefined || value === null ? '-' : Number(value.toFixed(3)));
  return textTable(
    ['path', 'sent', 'recv', 'loss%', 'min ms', 'avg ms', 'p50 ms', 'p95 ms', 'max ms', 'jitter ms'],
    results.map((result) => [
      result.path.join(' '),
      result.sent,
      result.received,
      Number(result.lossPct.toFixed(1)),
      ms(result.rttMs?.min),
      ms(result.rttMs?.avg),
      ms(result.rttMs?.p50),
      ms(result.rttMs?.p95),
      ms(result.rttMs?.max),
      ms(result.jitterMs),
    ]),
  );
}

export function latencyTableJson(results: PathResult[]): object[] {
  return results.map((result) => ({
    id: result.id,
    path: result.path,
    hops: result.hops,
    sent: result.sent,
    received: result.received,
    lossPct: result.lossPct,
    late: result.late,
    duplicates: result.duplicates,
    rttMs: result.rttMs,
    jitterMs: result.jitterMs,
  }));
}
