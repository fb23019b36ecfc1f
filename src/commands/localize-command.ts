/**
 * `pathmon localize`: runs the per-link estimator offline, round by round, and prints which directed
 * links (or link groups) it blames, with the estimated loss, the added delay, a confidence, the routes
 * crossing them and the routes that are the evidence, then a summary over all rounds.
 *
 * Two inputs, one estimator: `--file` reads an observations file (the format is documented at the top
 * of src/localize/observations-file.ts), resolved against `--topology`; `--since` replays the store's
 * history (the walks' and paths' links and their round results). Either way, a route without a given
 * baseline gets one learned from its earlier healthy rounds, exactly as the monitor does, and links
 * no route in the data tells apart are estimated as one group (`--groups none` turns that off).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TopologyGraph } from '../../topology/index.js';
import { parseDurationMs } from '../config/index.js';
import { CliError } from '../cli-error.js';
import {
  estimateLinks,
  isBlamed,
  ObservationsFileError,
  parseObservationsFile,
  RouteBaselines,
  signatureGroups,
  subjectKeyOf,
  type EstimateSubject,
  type LinkEstimate,
  type LinkEstimates,
  type RouteObservation,
} from '../localize/index.js';
import { openTopology } from '../load-topology.js';
import { textTable } from '../report/text-table.js';
import { toSafeJson } from '../secrets/index.js';
import { openReportStore } from './report-command.js';
import { reportSkippedLines } from './skipped-lines.js';

export interface LocalizeOptions {
  /** Topology (file, `file:PATH` or `exabgp:FILE`): required with --file, used for names with --since. */
  topology?: string;
  /** Observations file (JSON Lines). */
  file?: string;
  /** Replay stored history this far back (90s, 30m, 24h, ...). */
  since?: string;
  db?: string;
  dataDir?: string;
  config?: string;
  json?: boolean;
  /** How long to wait for ExaBGP's End-of-RIB when the topology is live. */
  waitMs: number;
  /** `signature` (default): links the data cannot tell apart are one group; `none`: every link alone. */
  groups?: 'signature' | 'none';
  /** Loss below this is healthy noise, percent. Default 0.5. */
  minLossPct?: number;
  /** Added delay below this is healthy noise, ms. Default 0.5. */
  minAddedDelayMs?: number;
}

/** A round to estimate: observations, some of which bring their own baseline. */
interface InputRound {
  round: number | string;
  observations: (RouteObservation & { baselineGiven?: boolean })[];
}

interface RoundResult {
  round: number | string;
  routes: number;
  estimate: LinkEstimates;
  blamed: LinkEstimate[];
}

export async function localizeCommand(options: LocalizeOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream, nowMs = Date.now()): Promise<number> {
  if ((options.file === undefined) === (options.since === undefined)) {
    throw new CliError('pathmon localize: give either --file FILE (with --topology) or --since DURATION; expected exactly one of them', 2);
  }
  if (options.file !== undefined && options.topology === undefined) {
    throw new CliError('pathmon localize: --file needs --topology FILE to resolve the links it names (A>B); expected --topology', 2);
  }
  const opened = options.topology === undefined ? null : await openTopology(options.topology, options.waitMs, {});
  try {
    if (opened) reportSkippedLines(options.topology!, opened.skipped, err);
    const topology = opened?.topology ?? null;
    let rounds: InputRound[];
    let source: string;
    if (options.file !== undefined) {
      const text = readText(options.file);
      try {
        rounds = parseObservationsFile(text, topology!, options.file).rounds;
      } catch (error) {
        if (!(error instanceof ObservationsFileError)) throw error;
        err.write(`pathmon localize: ${error.message}\n`);
        return 1;
      }
      source = options.file;
    } else {
      ({ rounds, source } = await storedRounds(options, nowMs));
    }
    const results = runRounds(rounds, options);
    const labels = new SubjectLabels(topology);
    if (options.json) out.write(`${toSafeJson(jsonReport(source, results, labels), 2)}\n`);
    else out.write(textReport(source, results, labels));
    return 0;
  } finally {
    await opened?.source.close();
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`pathmon localize: cannot read observations file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; expected a readable JSON Lines file`);
  }
}

async function storedRounds(options: LocalizeOptions, nowMs: number): Promise<{ rounds: InputRound[]; source: string }> {
  const sinceMs = nowMs - parseDurationMs(options.since!);
  const store = await openReportStore({ config: options.config, db: options.db, dataDir: resolve(options.dataDir ?? './pathmon-data') });
  try {
    const linksOf = new Map<string, string[]>();
    for (const walk of await store.walks()) linksOf.set(walk.id, walk.linkKeys);
    for (const path of await store.paths()) linksOf.set(path.id, path.linkKeys);
    const byRound = new Map<number, InputRound['observations']>();
    for (const result of await store.routeResults(sinceMs, nowMs)) {
      const links = linksOf.get(result.pathId);
      if (!links) continue;
      let list = byRound.get(result.roundAtMs);
      if (!list) byRound.set(result.roundAtMs, (list = []));
      list.push({ id: result.pathId, links, sent: result.sent, received: result.received, rttP50Ms: result.rttP50Ms, baselineP50Ms: null, baselineGiven: false });
    }
    const rounds = [...byRound.entries()].sort(([a], [b]) => a - b).map(([atMs, observations]) => ({ round: new Date(atMs).toISOString(), observations }));
    return { rounds, source: `${store.description}, last ${options.since}` };
  } finally {
    await store.close();
  }
}

function runRounds(rounds: InputRound[], options: LocalizeOptions): RoundResult[] {
  const groups = options.groups === 'none' ? [] : signatureGroups(rounds.flatMap((r) => r.observations));
  const baselines = new RouteBaselines();
  const estimatorOptions = {
    groups,
    ...(options.minLossPct === undefined ? {} : { minLossRatio: options.minLossPct / 100 }),
    ...(options.minAddedDelayMs === undefined ? {} : { minAddedDelayMs: options.minAddedDelayMs }),
  };
  return rounds.map(({ round, observations }) => {
    const filled = observations.map((o) => {
      if (o.baselineGiven) return o;
      const learned = baselines.baseline(o.id);
      return { ...o, baselineP50Ms: learned?.p50Ms ?? null, baselineSpreadMs: learned?.spreadMs ?? null };
    });
    const estimate = estimateLinks(filled, estimatorOptions);
    baselines.update(filled, estimate);
    const blamed = estimate.estimates.filter(isBlamed).sort((a, b) => b.confidence - a.confidence || subjectKeyOf(a.subject).localeCompare(subjectKeyOf(b.subject)));
    return { round, routes: observations.length, estimate, blamed };
  });
}

/** How people name a subject: `R4→R6`, `R4→R6#10.0.0.1` among parallel links, `{P→A, A→P}` for a group. */
class SubjectLabels {
  constructor(private readonly topology: TopologyGraph | null) {}

  label(subject: EstimateSubject): string {
    if (subject.kind === 'link') return this.linkLabel(subject.linkKey);
    return `{${subject.linkKeys.map((key) => this.linkLabel(key)).join(', ')}}`;
  }

  private linkLabel(key: string): string {
    const graph = this.topology?.graph;
    if (graph?.hasEdge(key)) {
      const link = graph.getEdgeAttributes(key);
      const name = (id: string) => this.topology!.node(id).name;
      const parallel = this.topology!.linksBetween(link.from, link.to).length > 1;
      return `${name(link.from)}→${name(link.to)}${parallel ? `#${link.localAddress ?? '?'}` : ''}`;
    }
    const [from, to] = key.split('|');
    return from !== undefined && to !== undefined ? `${from}→${to}` : key;
  }
}

function state(e: LinkEstimate): string {
  if (e.down) return 'down';
  if (e.lossRatio > 0 && e.addedDelayMs > 0) return 'loss+delay';
  return e.lossRatio > 0 ? 'loss' : 'delay';
}

const pct = (ratio: number): number | string => (ratio > 0 ? Number((ratio * 100).toFixed(2)) : '-');
const ms = (value: number): number | string => (value > 0 ? Number(value.toFixed(3)) : '-');

function textReport(source: string, results: RoundResult[], labels: SubjectLabels): string {
  const lines: string[] = [`localizing ${results.length} round(s) from ${source}`];
  for (const { round, routes, estimate, blamed } of results) {
    const skipped = estimate.skipped.length ? `, ${estimate.skipped.length} skipped` : '';
    lines.push(`round ${round} (${routes} routes${skipped}, ${estimate.computeMs.toFixed(1)} ms): ${blamed.length === 0 ? 'nothing blamed' : `${blamed.length} blamed`}`);
    for (const s of estimate.skipped.slice(0, 5)) lines.push(`  skipped ${s.id}: ${s.reason}`);
    if (blamed.length === 0) continue;
    const table = textTable(
      ['link', 'state', 'loss %', 'added ms', 'confidence', 'support', 'evidence'],
      blamed.map((e) => [labels.label(e.subject), state(e), pct(e.lossRatio), ms(e.addedDelayMs), Number(e.confidence.toFixed(2)), e.support, e.evidence.length]),
    );
    lines.push(...table.split('\n').map((line) => `  ${line}`));
  }
  const summary = summarize(results);
  lines.push(`summary: ${results.length} round(s), ${summary.length === 0 ? 'nothing blamed' : `${summary.length} subject(s) blamed`}`);
  if (summary.length > 0) {
    const table = textTable(
      ['link', 'rounds blamed', 'worst loss %', 'max added ms', 'max confidence'],
      summary.map((s) => [labels.label(s.subject), `${s.rounds}/${results.length}`, s.down ? 'down' : pct(s.worstLossRatio), ms(s.maxAddedDelayMs), Number(s.maxConfidence.toFixed(2))]),
    );
    lines.push(...table.split('\n').map((line) => `  ${line}`));
  }
  return `${lines.join('\n')}\n`;
}

interface SubjectSummary {
  subject: EstimateSubject;
  rounds: number;
  down: boolean;
  worstLossRatio: number;
  maxAddedDelayMs: number;
  maxConfidence: number;
}

function summarize(results: RoundResult[]): SubjectSummary[] {
  const bySubject = new Map<string, SubjectSummary>();
  for (const { blamed } of results) {
    for (const e of blamed) {
      const key = subjectKeyOf(e.subject);
      const s = bySubject.get(key) ?? { subject: e.subject, rounds: 0, down: false, worstLossRatio: 0, maxAddedDelayMs: 0, maxConfidence: 0 };
      s.rounds++;
      s.down ||= e.down;
      s.worstLossRatio = Math.max(s.worstLossRatio, e.lossRatio);
      s.maxAddedDelayMs = Math.max(s.maxAddedDelayMs, e.addedDelayMs);
      s.maxConfidence = Math.max(s.maxConfidence, e.confidence);
      bySubject.set(key, s);
    }
  }
  return [...bySubject.values()].sort((a, b) => b.rounds - a.rounds || b.maxConfidence - a.maxConfidence);
}

function estimateJson(e: LinkEstimate, labels: SubjectLabels) {
  return {
    subject: subjectKeyOf(e.subject),
    label: labels.label(e.subject),
    kind: e.subject.kind,
    linkKeys: e.subject.kind === 'link' ? [e.subject.linkKey] : e.subject.linkKeys,
    state: state(e),
    down: e.down,
    lossPct: Number((e.lossRatio * 100).toFixed(4)),
    addedDelayMs: Number(e.addedDelayMs.toFixed(4)),
    confidence: Number(e.confidence.toFixed(4)),
    support: e.support,
    evidence: e.evidence,
  };
}

function jsonReport(source: string, results: RoundResult[], labels: SubjectLabels) {
  return {
    source,
    rounds: results.map(({ round, routes, estimate, blamed }) => ({
      round,
      routes,
      computeMs: Number(estimate.computeMs.toFixed(3)),
      skipped: estimate.skipped,
      blamed: blamed.map((e) => estimateJson(e, labels)),
    })),
    summary: summarize(results).map((s) => ({
      subject: subjectKeyOf(s.subject),
      label: labels.label(s.subject),
      rounds: s.rounds,
      down: s.down,
      worstLossPct: Number((s.worstLossRatio * 100).toFixed(4)),
      maxAddedDelayMs: Number(s.maxAddedDelayMs.toFixed(4)),
      maxConfidence: Number(s.maxConfidence.toFixed(4)),
    })),
  };
}
