/**
 * The kit's Prometheus rules (src/metrics/kit/pathmon-rules.yml) as Prometheus itself reads them:
 * `promtool check rules` accepts the file, and `promtool test rules` replays series shaped like pathmon's
 * /metrics through it, so each alert is shown to fire on what it is about, with the path's names, and to
 * stay quiet otherwise; the recordings give the values the dashboard expects.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/repo-root.js';
import { havePromtool, promtool, skipUnless } from './prometheus-tools.js';

const RULES_FILE = join(repoRoot, 'src', 'metrics', 'kit', 'pathmon-rules.yml');

const target = 'job="pathmon",instance="127.0.0.1:9470"';
const targetLabels = { job: 'pathmon', instance: '127.0.0.1:9470' };
const paths = {
  down: { path_id: 'aaaaaaaaaaaa', hops: 'dev1->R1->R2->R4->R6->dev2' },
  degraded: { path_id: 'bbbbbbbbbbbb', hops: 'dev1->R1->R3->R5->R6->dev2' },
  up: { path_id: 'cccccccccccc', hops: 'dev1->R1->R2->R5->R6->dev2' },
};

/** Ten minutes of one-minute samples: the path's state series and its info series. */
function pathSeries(name: keyof typeof paths, stateAfter2m: 'UP' | 'DEGRADED' | 'DOWN') {
  const { path_id, hops } = paths[name];
  const labels = `path_id="${path_id}",group="dev1->dev2",${target}`;
  const one = (state: string) => (state === 'UP' ? `1 1 ${stateAfter2m === 'UP' ? '1' : '0'}x8` : `0 0 ${stateAfter2m === state ? '1' : '0'}x8`);
  return [
    ...['UP', 'DEGRADED', 'DOWN'].map((state) => ({ series: `pathmon_path_state{${labels},state="${state}"}`, values: one(state) })),
    { series: `pathmon_path_info{${labels},from="dev1",to="dev2",hops="${hops}"}`, values: '1x10' },
    { series: `pathmon_path_loss_ratio{${labels}}`, values: `0 0 ${stateAfter2m === 'DOWN' ? 1 : 0}x8` },
  ];
}

let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pathmon-rules-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("the kit's Prometheus rules", { skip: skipUnless(havePromtool, 'promtool') }, () => {
  it('pass promtool check rules', () => {
    const check = promtool(['check', 'rules', RULES_FILE]);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /SUCCESS: \d+ rules found/);
  });

  it('fire each alert on what it is about, with names, and only then (promtool test rules)', () => {
    const named = (name: keyof typeof paths, extra: Record<string, string> = {}) => ({
      ...targetLabels,
      path_id: paths[name].path_id,
      group: 'dev1->dev2',
      from: 'dev1',
      to: 'dev2',
      hops: paths[name].hops,
      ...extra,
    });
    const tests = {
      rule_files: [RULES_FILE],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            ...pathSeries('down', 'DOWN'),
            ...pathSeries('degraded', 'DEGRADED'),
            ...pathSeries('up', 'UP'),
            { series: `pathmon_incident_info{${target},id="inc-1",subject="R4→R6",kind="down",direction="one-way"}`, values: '_ _ 1x8' },
            { series: `pathmon_incident_info{${target},id="inc-2",subject="path dev1→dev2",kind="loss",direction="n/a"}`, values: '1x10' },
            // Rounds stop after 3 minutes: the last round stays at 180 s.
            { series: `pathmon_last_round_timestamp_seconds{${target}}`, values: '0 60 120 180x7' },
            { series: `pathmon_results_unsaved_rows{${target}}`, values: '0 0 0 0 250x6' },
            { series: `pathmon_topology_age_seconds{${target}}`, values: '0 0 0 0 0 0 400 460 520 580 640' },
            { series: `up{${target}}`, values: '1x10' },
          ],
          alert_rule_test: [
            {
              eval_time: '5m',
              alertname: 'PathmonPathDown',
              exp_alerts: [
                {
                  exp_labels: { ...named('down', { state: 'DOWN' }), severity: 'critical' },
                  exp_annotations: {
                    summary: 'pathmon: path dev1 -> dev2 is DOWN',
                    description: `Path ${paths.down.hops} (group dev1->dev2, id ${paths.down.path_id}) returns no probes.`,
                  },
                },
              ],
            },
            {
              eval_time: '5m',
              alertname: 'PathmonLinkIncidentOpen',
              exp_alerts: [
                {
                  exp_labels: { ...targetLabels, id: 'inc-1', subject: 'R4→R6', kind: 'down', direction: 'one-way', severity: 'warning' },
                  exp_annotations: { summary: 'pathmon: down incident on R4→R6 (one-way)', description: 'pathmon blames R4→R6 for down (one-way); incident inc-1.' },
                },
              ],
            },
            // Over 300 s without a round from 9 min (360 s), held for a minute: firing at 10 min, not at 8.
            { eval_time: '8m', alertname: 'PathmonRoundsStalled', exp_alerts: [] },
            {
              eval_time: '10m',
              alertname: 'PathmonRoundsStalled',
              exp_alerts: [
                {
                  exp_labels: { ...targetLabels, severity: 'critical' },
                  exp_annotations: { summary: 'pathmon: no probing round for 7m 0s', description: 'The last round on 127.0.0.1:9470 finished 7m 0s ago.' },
                },
              ],
            },
            { eval_time: '4m', alertname: 'PathmonResultsUnsaved', exp_alerts: [] },
            {
              eval_time: '6m',
              alertname: 'PathmonResultsUnsaved',
              exp_alerts: [
                {
                  exp_labels: { ...targetLabels, severity: 'critical' },
                  exp_annotations: {
                    summary: 'pathmon: 250 round results held only in memory',
                    description: 'Neither the database nor the spill directory accepts round results on 127.0.0.1:9470.',
                  },
                },
              ],
            },
            { eval_time: '6m', alertname: 'PathmonTopologyStale', exp_alerts: [] },
            {
              eval_time: '8m',
              alertname: 'PathmonTopologyStale',
              exp_alerts: [{ exp_labels: { ...targetLabels, severity: 'warning' }, exp_annotations: { summary: 'pathmon: topology 8m 40s out of date' } }],
            },
            { eval_time: '9m', alertname: 'PathmonDown', exp_alerts: [] },
          ],
          promql_expr_test: [
            {
              expr: 'pathmon:path_state:code',
              eval_time: '5m',
              exp_samples: [
                { labels: `pathmon:path_state:code{path_id="${paths.down.path_id}",group="dev1->dev2",${target}}`, value: 2 },
                { labels: `pathmon:path_state:code{path_id="${paths.degraded.path_id}",group="dev1->dev2",${target}}`, value: 1 },
                { labels: `pathmon:path_state:code{path_id="${paths.up.path_id}",group="dev1->dev2",${target}}`, value: 0 },
              ],
            },
            {
              expr: 'pathmon:path_loss_ratio:named > 0',
              eval_time: '5m',
              exp_samples: [{ labels: `pathmon:path_loss_ratio:named{path_id="${paths.down.path_id}",group="dev1->dev2",from="dev1",to="dev2",hops="${paths.down.hops}",${target}}`, value: 1 }],
            },
            {
              expr: 'pathmon:paths_down:count',
              eval_time: '5m',
              exp_samples: [{ labels: 'pathmon:paths_down:count{group="dev1->dev2"}', value: 1 }],
            },
          ],
        },
      ],
    };
    // JSON is YAML: promtool reads it as is.
    const file = join(dir, 'pathmon-rules.test.yml');
    writeFileSync(file, JSON.stringify(tests, null, 2));
    const run = promtool(['test', 'rules', file]);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /SUCCESS/);
  });
});
