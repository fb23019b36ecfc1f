/**
 * The counts behind a rule's `threshold` (N matching device events on one physical link within W ms):
 * the times of the recent matching events per rule and link, kept in rule_link_counts (migration 10)
 * so a restart, or a new fleet leader, counts on from where the last one stopped.
 *
 * Times are the events' receive times, not the handling time: events a new leader takes over late
 * still count when the device reported them. A count that reaches N fires the rule and starts over, so
 * one burst isolates a link once, not once per event past the threshold.
 */
import type { SqlQueryable } from '../store/sql-client.js';

/**
 * The times still inside the window once `atMs` is added: within `withinMs` of the newest, oldest
 * first, at most `keep` (older ones cannot matter once `keep` newer ones are there).
 */
export function slideWindow(timesMs: readonly number[], atMs: number, withinMs: number, keep: number): number[] {
  const all = [...timesMs, atMs].sort((a, b) => a - b);
  const newest = all[all.length - 1]!;
  const inside = all.filter((t) => t > newest - withinMs);
  return inside.slice(Math.max(0, inside.length - keep));
}

export interface LinkCount {
  /** Matching events on the link within the window, this one included. */
  count: number;
  /** The count reached the threshold: the rule fires and the count starts over. */
  reached: boolean;
}

/** Counts one matching event on `subjectKey` for `rule`; in the caller's transaction. */
export async function countLinkEvent(q: SqlQueryable, rule: string, subjectKey: string, atMs: number, threshold: { count: number; withinMs: number }): Promise<LinkCount> {
  const { rows } = await q.query<{ times: unknown }>('SELECT to_jsonb(times_ms) AS times FROM rule_link_counts WHERE rule = $1 AND subject_key = $2 FOR UPDATE', [rule, subjectKey]);
  const raw = rows[0]?.times;
  const stored = (typeof raw === 'string' ? (JSON.parse(raw) as unknown[]) : ((raw as unknown[] | undefined) ?? [])).map(Number);
  const times = slideWindow(stored, atMs, threshold.withinMs, threshold.count);
  const reached = times.length >= threshold.count;
  await q.query(
    `INSERT INTO rule_link_counts (rule, subject_key, times_ms, updated_ms)
     VALUES ($1, $2, ARRAY(SELECT jsonb_array_elements_text($3::jsonb)::bigint), $4)
     ON CONFLICT (rule, subject_key) DO UPDATE SET times_ms = excluded.times_ms, updated_ms = excluded.updated_ms`,
    [rule, subjectKey, JSON.stringify(reached ? [] : times), atMs],
  );
  return { count: times.length, reached };
}

/** The counts now, per rule and link (status, tests). */
export async function linkCounts(q: SqlQueryable): Promise<{ rule: string; subjectKey: string; timesMs: number[] }[]> {
  const { rows } = await q.query<{ rule: string; subject_key: string; times: unknown }>('SELECT rule, subject_key, to_jsonb(times_ms) AS times FROM rule_link_counts ORDER BY rule, subject_key');
  return rows.map((r) => ({ rule: r.rule, subjectKey: r.subject_key, timesMs: (typeof r.times === 'string' ? (JSON.parse(r.times) as unknown[]) : (r.times as unknown[])).map(Number) }));
}
