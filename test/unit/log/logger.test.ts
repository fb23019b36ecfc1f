/**
 * The logger as a reader of its output sees it: which levels are written at each threshold, the JSON
 * line (one object per line: time, level by name, msg, component, fields) and the text line
 * (`TIME LEVEL component: msg key=value`), and bindings carried by children to every line they write.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, LOG_LEVELS, type LogThreshold } from '../../../src/log/index.js';
import { collector } from './collect.js';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function writeOneOfEach(level: LogThreshold) {
  const out = collector();
  const log = createLogger({ level, format: 'json', destination: out });
  for (const each of LOG_LEVELS) log[each](`${each} line`);
  return out.records().map((record) => record.level);
}

describe('levels', () => {
  it('a threshold writes its level and every more severe one, in order', () => {
    assert.deepEqual(writeOneOfEach('trace'), ['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
    assert.deepEqual(writeOneOfEach('info'), ['info', 'warn', 'error', 'fatal']);
    assert.deepEqual(writeOneOfEach('warn'), ['warn', 'error', 'fatal']);
    assert.deepEqual(writeOneOfEach('fatal'), ['fatal']);
    assert.deepEqual(writeOneOfEach('silent'), []);
  });

  it('info is the default, and isLevelEnabled and level say what is written', () => {
    const out = collector();
    const log = createLogger({ destination: out, format: 'json' });
    assert.equal(log.level, 'info');
    assert.equal(log.isLevelEnabled('debug'), false);
    assert.equal(log.isLevelEnabled('warn'), true);
    log.debug('not written');
    log.info('written');
    assert.deepEqual(
      out.records().map((r) => r.msg),
      ['written'],
    );
  });

  it('text format filters the same way', () => {
    const out = collector();
    const log = createLogger({ level: 'error', format: 'text', destination: out });
    log.warn('quiet');
    log.error('loud');
    assert.equal(out.text().split('\n').filter(Boolean).length, 1);
    assert.match(out.text(), / error loud\n$/);
  });
});

describe('json format', () => {
  it('writes one object per line with time, level, msg, component and the fields', () => {
    const out = collector();
    const log = createLogger({ format: 'json', destination: out }).child({ component: 'store' });
    log.info('opened', { location: 'pglite:/var/lib/pathmon', rows: 3, ok: true });
    log.warn('slow\nsecond line of the message');
    const text = out.text();
    assert.equal(text.split('\n').length, 3, 'two lines and the final newline: a newline in a message stays escaped');
    const [first, second] = out.records();
    assert.ok(first && second);
    assert.match(String(first.time), ISO_TIME);
    assert.equal(first.level, 'info');
    assert.equal(first.msg, 'opened');
    assert.equal(first.component, 'store');
    assert.equal(first.location, 'pglite:/var/lib/pathmon');
    assert.equal(first.rows, 3);
    assert.equal(first.ok, true);
    assert.equal(second.msg, 'slow\nsecond line of the message');
    assert.equal('pid' in first || 'hostname' in first, false, 'no pid/hostname on every line');
  });

  it('an error field is written as its type, message and code, without its other properties', () => {
    const out = collector();
    const log = createLogger({ format: 'json', destination: out });
    const error = Object.assign(new RangeError('out of range'), { code: 'E_RANGE', config: { url: 'http://x/' } });
    log.error('failed', { err: error });
    const [record] = out.records();
    assert.deepEqual(record?.err, { type: 'RangeError', message: 'out of range', code: 'E_RANGE' });
  });

  it('stacks are kept at debug and below, dropped above', () => {
    const error = new Error('with a stack');
    for (const [level, kept] of [
      ['debug', true],
      ['trace', true],
      ['info', false],
      ['error', false],
    ] as const) {
      const out = collector();
      createLogger({ level, format: 'json', destination: out }).error('failed', { err: error });
      const [record] = out.records();
      const stack = (record?.err as { stack?: string } | undefined)?.stack;
      assert.equal(typeof stack === 'string' && stack.includes('logger.test'), kept, level);
    }
  });

  it('odd values become plain data: dates, buffers, maps, bigints, cycles, deep nesting', () => {
    const out = collector();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const deep = { a: { b: { c: { d: { e: { f: { g: { h: 1 } } } } } } } };
    createLogger({ format: 'json', destination: out }).info('values', {
      when: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
      bytes: Buffer.alloc(5),
      map: new Map([['k', 'v']]),
      big: 10n,
      cyclic,
      deep,
      dropped: () => 1,
    });
    const [record] = out.records();
    assert.equal(record?.when, '2026-01-02T03:04:05.000Z');
    assert.equal(record?.bytes, '[5 bytes]');
    assert.deepEqual(record?.map, { k: 'v' });
    assert.equal(record?.big, '10');
    assert.deepEqual(record?.cyclic, { name: 'loop', self: '[circular]' });
    assert.match(JSON.stringify(record?.deep), /\[…\]/);
    assert.equal('dropped' in (record ?? {}), false);
  });
});

describe('text format', () => {
  it('reads like the plain lines: TIME LEVEL component: message key=value', () => {
    const out = collector();
    const log = createLogger({ format: 'text', destination: out }).child({ component: 'store' });
    log.info('opened', { location: 'pglite:/var/lib/pathmon', rows: 3, note: 'two words' });
    const line = out.text();
    const match = /^(\S+) info store: opened location=pglite:\/var\/lib\/pathmon rows=3 note="two words"\n$/.exec(line);
    assert.ok(match, line);
    assert.match(match[1] ?? '', ISO_TIME);
  });

  it('a message already naming its component (`run: ...`, `store.open: ...`) does not name it twice', () => {
    const out = collector();
    const log = createLogger({ format: 'text', destination: out }).child({ component: 'run' });
    log.info('run: stopped after 3 round(s)');
    log.warn('ran out');
    assert.deepEqual(
      out
        .text()
        .split('\n')
        .filter(Boolean)
        .map((line) => line.replace(/^\S+ /, '')),
      ['info run: stopped after 3 round(s)', 'warn run: ran out'],
    );
  });

  it('an error reads as one value, and its stack (at debug) follows on indented lines', () => {
    const out = collector();
    const log = createLogger({ level: 'debug', format: 'text', destination: out });
    log.error('write failed', { err: Object.assign(new Error('disk full'), { code: 'ENOSPC' }) });
    const [head, ...rest] = out.text().trimEnd().split('\n');
    assert.match(head ?? '', / error write failed err="Error: disk full \(ENOSPC\)"$/);
    assert.ok(rest.length > 1 && rest.every((line) => line.startsWith('    ')), rest.join('\n'));
  });

  it('without bindings there is no component', () => {
    const out = collector();
    createLogger({ format: 'text', destination: out }).warn('plain');
    assert.match(out.text(), /^\S+ warn plain\n$/);
  });
});

describe('child bindings', () => {
  it("children carry their bindings and their parents', never the other way (json)", () => {
    const out = collector();
    const root = createLogger({ format: 'json', destination: out });
    const monitor = root.child({ component: 'monitor' });
    const path = monitor.child({ pathId: 'abc123' });
    path.info('down');
    monitor.info('round');
    root.info('bare');
    const [down, round, bare] = out.records();
    assert.equal(down?.component, 'monitor');
    assert.equal(down?.pathId, 'abc123');
    assert.equal(round?.component, 'monitor');
    assert.equal('pathId' in (round ?? {}), false);
    assert.equal('component' in (bare ?? {}), false);
  });

  it("children carry their bindings and their parents' (text)", () => {
    const out = collector();
    const monitor = createLogger({ format: 'text', destination: out }).child({ component: 'monitor' });
    monitor.child({ pathId: 'abc123' }).info('down');
    monitor.info('round');
    const lines = out.text().split('\n').filter(Boolean);
    assert.match(lines[0] ?? '', /^\S+ info monitor: down pathId=abc123$/);
    assert.match(lines[1] ?? '', /^\S+ info monitor: round$/);
  });

  it('createLogger takes bindings for every line', () => {
    const out = collector();
    createLogger({ format: 'json', destination: out, bindings: { component: 'cli' } }).info('x');
    assert.equal(out.records()[0]?.component, 'cli');
  });
});

describe('the MonitorLog shape', () => {
  it('a Logger is accepted where the monitor takes its (line) => void log', async () => {
    const out = collector();
    const { createLogger: make } = await import('../../../src/log/index.js');
    // Compile-time check: this assignment fails to build if Logger stops satisfying MonitorLog.
    const log: import('../../../src/monitor/monitor-deps.js').MonitorLog = make({ format: 'json', destination: out });
    log.info('i');
    log.warn('w');
    // Handed on alone, as `(line) => void` callbacks take it.
    const detached = log.warn;
    detached('d');
    assert.deepEqual(
      out.records().map((r) => [r.level, r.msg]),
      [
        ['info', 'i'],
        ['warn', 'w'],
        ['warn', 'd'],
      ],
    );
  });
});
