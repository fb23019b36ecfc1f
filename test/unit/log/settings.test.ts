/**
 * Level and format from text, as the environment gives them: accepted in any case, a bad value named
 * with where it came from and what is accepted; and the process logger, set once by the CLI.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, LogSettingError, logSettingsFromEnv, parseLogFormat, parseLogLevel, processLogger, setProcessLogger } from '../../../src/log/index.js';
import { isPathmonError } from '../../../src/pathmon-error.js';
import { collector } from './collect.js';

describe('log settings', () => {
  it('levels and formats are read in any case', () => {
    assert.equal(parseLogLevel('DEBUG'), 'debug');
    assert.equal(parseLogLevel(' silent '), 'silent');
    assert.equal(parseLogFormat('Json'), 'json');
  });

  it('a bad value names itself, its source and the values accepted, as a usage error', () => {
    assert.throws(
      () => logSettingsFromEnv({ PATHMON_LOG_LEVEL: 'loud' }),
      (error: unknown) =>
        error instanceof LogSettingError &&
        isPathmonError(error) &&
        error.exitCode === 2 &&
        /PATHMON_LOG_LEVEL "loud"/.test(error.message) &&
        /trace, debug, info, warn, error, fatal, silent/.test(error.message),
    );
    assert.throws(() => logSettingsFromEnv({ PATHMON_LOG_FORMAT: 'xml' }), /PATHMON_LOG_FORMAT "xml".*text, json/);
  });

  it('unset or empty variables give info and text', () => {
    assert.deepEqual(logSettingsFromEnv({}), { level: 'info', format: 'text' });
    assert.deepEqual(logSettingsFromEnv({ PATHMON_LOG_LEVEL: '', PATHMON_LOG_FORMAT: '' }), { level: 'info', format: 'text' });
    assert.deepEqual(logSettingsFromEnv({ PATHMON_LOG_LEVEL: 'warn', PATHMON_LOG_FORMAT: 'json' }), { level: 'warn', format: 'json' });
  });

  it('the process logger is the one the CLI sets', () => {
    const out = collector();
    const mine = createLogger({ format: 'json', destination: out });
    setProcessLogger(mine);
    assert.equal(processLogger(), mine);
    processLogger().child({ component: 'run' }).info('through the process logger');
    assert.equal(out.records()[0]?.component, 'run');
  });
});
