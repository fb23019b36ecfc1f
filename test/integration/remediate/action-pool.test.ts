/**
 * The worker pool on PGlite with real processes and a real HTTP server: a burst of 1,000 matching
 * events through 10 workers never has more than 10 commands alive at once (counted by the commands
 * themselves, not by the pool), a hanging command and its children are killed at the timeout, a
 * non-zero exit is FAILURE, a webhook that never answers is TIMEOUT, and the pool keeps working after
 * each. Output is bounded.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remediationConfigSchema } from '../../../src/remediate/remediation-config-schema.js';
import { startRemediation, type Remediation } from '../../../src/remediate/start-remediation.js';
import { actionRuns, type ActionRun } from '../../../src/remediate/action-run-queries.js';
import { freshDb, labGraph, syslogEvent, until, type TestDb } from './remediate-fixtures.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  await current?.close(2000);
  for (const c of cleanups.reverse()) await c();
});

const work = mkdtempSync(join(tmpdir(), 'pathmon-pool-'));
cleanups.push(() => rmSync(work, { recursive: true, force: true }));

// One database for the file (a PGlite start is slow on a busy machine); each test has its own rules
// and its own pool, closed when the test ends.
let shared: Promise<TestDb> | null = null;
let current: Remediation | null = null;
async function started(raw: unknown): Promise<{ db: TestDb; remediation: Remediation }> {
  if (shared === null) {
    shared = freshDb();
    cleanups.push(async () => (await shared!).dispose());
  }
  const db = await shared;
  await current?.close(2000);
  const graph = labGraph();
  const remediation = await startRemediation({
    config: remediationConfigSchema.parse(raw),
    notifiers: {},
    client: db.store.sqlClient,
    graph: () => graph,
    openIncidents: () => [],
    idlePollMs: 100,
  });
  current = remediation;
  return { db, remediation };
}

const runsOf = async (db: TestDb, rule: string): Promise<ActionRun[]> => (await actionRuns(db.store.sqlClient, { rule, limit: 100_000 })).reverse();
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('action pool', () => {
  it('runs a burst of 1,000 matching events through 10 workers, never more than 10 at once, each once', { timeout: 600_000 }, async () => {
    const log = join(work, 'burst.log');
    const script = `echo "+ $PATHMON_EVENT_EVENT_ID" >> ${log}; sleep 0.2; echo "- $PATHMON_EVENT_EVENT_ID" >> ${log}`;
    const { db, remediation } = await started({ workers: 10, rules: [{ name: 'burst', match: { program: 'ospfd' }, actions: [{ type: 'command', argv: ['/bin/sh', '-c', script] }] }] });
    const events = Array.from({ length: 1000 }, (_, i) => syslogEvent({ id: 100_000 + i }));
    await Promise.all(events.map((event) => remediation.handleEvent(event)));
    await until('1,000 runs to finish', async () => (await runsOf(db, 'burst')).every((r) => r.state !== 'QUEUED' && r.state !== 'RUNNING'), 500_000);
    const runs = await runsOf(db, 'burst');
    assert.equal(runs.length, 1000);
    assert.deepEqual(
      runs.filter((r) => r.state !== 'SUCCESS').map((r) => [r.id, r.state, r.error]),
      [],
    );
    let running = 0;
    let most = 0;
    const seen = new Map<string, number>();
    for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
      const [sign, id] = line.split(' ');
      running += sign === '+' ? 1 : -1;
      most = Math.max(most, running);
      if (sign === '+') seen.set(id!, (seen.get(id!) ?? 0) + 1);
    }
    assert.ok(most <= 10, `at most 10 commands alive at once; saw ${most}`);
    assert.ok(most >= 5, `the pool runs commands side by side; saw at most ${most} at once`);
    assert.equal(seen.size, 1000);
    assert.ok(
      [...seen.values()].every((n) => n === 1),
      'every event ran its command exactly once',
    );
    assert.ok(remediation.stats().pool.maxRunning <= 10);
  });

  it('kills a hanging command and its children at the timeout (TIMEOUT), fails a non-zero exit, and keeps working', { timeout: 180_000 }, async () => {
    const pids = join(work, 'hang.pids');
    const { db, remediation } = await started({
      workers: 2,
      rules: [
        { name: 'hang', match: { errorCode: 'HANG-1-X' }, actions: [{ type: 'command', argv: ['/bin/sh', '-c', `sleep 60 & echo $! > ${pids}; echo started; wait`], timeoutMs: 300 }] },
        { name: 'fail', match: { errorCode: 'FAIL-1-X' }, actions: [{ type: 'command', argv: ['/bin/sh', '-c', 'echo oops >&2; exit 3'] }] },
        { name: 'missing', match: { errorCode: 'MISS-1-X' }, actions: [{ type: 'command', argv: ['/nonexistent/pathmon-no-such-program'] }] },
        { name: 'ok', match: { errorCode: 'OK-1-X' }, actions: [{ type: 'command', argv: ['/bin/sh', '-c', 'echo "$PATHMON_EVENT_HOST $PATHMON_EVENT_ERROR_CODE"'] }] },
      ],
    });
    const t0 = Date.now();
    await remediation.handleEvent(syslogEvent({ errorCode: 'HANG-1-X' }));
    await remediation.handleEvent(syslogEvent({ errorCode: 'FAIL-1-X' }));
    await remediation.handleEvent(syslogEvent({ errorCode: 'MISS-1-X' }));
    await until('the hang to time out', async () => (await runsOf(db, 'hang'))[0]?.state === 'TIMEOUT');
    const [hang] = await runsOf(db, 'hang');
    assert.ok(Date.now() - t0 < 30_000, 'killed at its timeout, not when sleep 60 ended');
    assert.match(hang!.output ?? '', /started/);
    assert.ok(hang!.durationMs! >= 250 && hang!.durationMs! < 20_000, `duration ${hang!.durationMs} ms`);
    const child = Number(readFileSync(pids, 'utf8'));
    await until('the background child to be killed with its group', () => !alive(child), 10_000);

    await until('the failing command', async () => (await runsOf(db, 'fail'))[0]?.state === 'FAILURE');
    const [failed] = await runsOf(db, 'fail');
    assert.equal(failed!.exitCode, 3);
    assert.match(failed!.output ?? '', /oops/);
    await until('the missing program', async () => (await runsOf(db, 'missing'))[0]?.state === 'FAILURE');
    assert.match((await runsOf(db, 'missing'))[0]!.error ?? '', /could not be started: ENOENT/);

    await remediation.handleEvent(syslogEvent({ errorCode: 'OK-1-X', host: 'R4' }));
    await until('the pool to keep working', async () => (await runsOf(db, 'ok'))[0]?.state === 'SUCCESS');
    assert.equal((await runsOf(db, 'ok'))[0]!.output?.trim(), 'R4 OK-1-X');
  });

  it('times out a webhook that never answers (TIMEOUT), fails a 500, posts the trigger as JSON, and keeps working', { timeout: 180_000 }, async () => {
    const bodies: unknown[] = [];
    const server: Server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        if (req.url === '/hang') return; // never answers
        bodies.push(JSON.parse(text));
        if (req.url === '/fail') res.writeHead(500).end('boom');
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { db, remediation } = await started({
      workers: 1,
      rules: [
        { name: 'hook-hang', match: { errorCode: 'A-1-X' }, actions: [{ type: 'webhook', url: `${base}/hang`, timeoutMs: 300 }] },
        { name: 'hook-fail', match: { errorCode: 'B-1-X' }, actions: [{ type: 'webhook', url: `${base}/fail` }] },
        { name: 'hook-ok', match: { errorCode: 'C-1-X' }, actions: [{ type: 'webhook', url: `${base}/ok` }] },
      ],
    });
    await remediation.handleEvent(syslogEvent({ errorCode: 'A-1-X' }));
    await remediation.handleEvent(syslogEvent({ errorCode: 'B-1-X' }));
    await remediation.handleEvent(syslogEvent({ errorCode: 'C-1-X', host: 'R6' }));
    await until('all three webhooks', async () => (await actionRuns(db.store.sqlClient)).every((r) => r.state !== 'QUEUED' && r.state !== 'RUNNING'));
    const [hang] = await runsOf(db, 'hook-hang');
    const [fail] = await runsOf(db, 'hook-fail');
    const [ok] = await runsOf(db, 'hook-ok');
    assert.equal(hang!.state, 'TIMEOUT');
    assert.match(hang!.error ?? '', /did not answer within 300 ms/);
    assert.equal(fail!.state, 'FAILURE');
    assert.match(fail!.error ?? '', /answered 500/);
    assert.match(fail!.output ?? '', /boom/);
    assert.equal(ok!.state, 'SUCCESS', 'one worker, after a hung webhook: the pool kept working');
    assert.match(ok!.output ?? '', /HTTP 200/);
    const posted = bodies.find((b) => (b as { rule?: string }).rule === 'hook-ok') as Record<string, unknown>;
    assert.equal(posted.host, 'R6');
    assert.equal(posted.errorCode, 'C-1-X');
  });

  it('keeps only maxOutputBytes of a command that prints without end', { timeout: 180_000 }, async () => {
    const { db, remediation } = await started({
      maxOutputBytes: 1024,
      rules: [{ name: 'loud', match: { program: '*' }, actions: [{ type: 'command', argv: ['/bin/sh', '-c', 'head -c 5000000 /dev/zero | tr "\\0" x'] }] }],
    });
    await remediation.handleEvent(syslogEvent());
    await until('the loud command', async () => (await runsOf(db, 'loud'))[0]?.state === 'SUCCESS');
    const output = (await runsOf(db, 'loud'))[0]!.output ?? '';
    assert.ok(output.startsWith('x'.repeat(1024)));
    assert.match(output, /output cut: 4998976 more byte/);
    assert.ok(output.length < 1200);
    assert.equal(existsSync(join(work, 'nothing')), false);
  });
});
