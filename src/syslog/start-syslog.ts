/**
 * The syslog receiver as `pathmon run` starts it: listeners from the config's `syslog:` section, the
 * ingest queue between them and the store, and the writer that stores events and hands them, with
 * their ids, to whoever subscribed (correlation, remediation rules). One function, so run-command.ts
 * wires it in one place and a test starts the real thing on port 0.
 */
import type { SqlClient } from '../store/sql-client.js';
import { EventWriter, type EventListener } from './event-writer.js';
import { syslogSettings, type SyslogConfig } from './syslog-config-schema.js';
import { SyslogIngest, type SyslogCounters } from './syslog-ingest.js';
import { openListeners, type Listeners } from './syslog-listeners.js';

export interface StartSyslogOptions {
  /**
   * The store `pathmon run` opened: a SqlStore, whose connection (`sqlClient`) reaches the syslog
   * tables. Typed loosely because run-command holds it as the plain Store interface.
   */
  store: object;
  log?: (line: string) => void;
  clock?: () => number;
}

export interface SyslogReceiver {
  /** Ports as bound (the real one where the config asked for 0). */
  ports: Listeners['ports'];
  /** A copy of the counters now. */
  counters(): SyslogCounters;
  /** Called with each event once it is stored (id set), in order. Returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void;
  /** Stops listening, stores what was received (suppression counts too), then resolves. */
  close(): Promise<void>;
}

export async function startSyslog(config: SyslogConfig, options: StartSyslogOptions): Promise<SyslogReceiver> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const client = (options.store as { sqlClient?: SqlClient }).sqlClient;
  if (!client) throw new TypeError('syslog.startSyslog: the store has no sqlClient; expected the SqlStore openStore() returns');
  const ingest = new SyslogIngest(syslogSettings(config), options.clock);
  const writer = new EventWriter(ingest, client, { log });
  let listeners: Listeners;
  try {
    listeners = await openListeners(ingest, log);
  } catch (error) {
    await writer.close();
    throw error;
  }
  let closing: Promise<void> | null = null;
  return {
    ports: listeners.ports,
    counters: () => ({ ...ingest.counters }),
    onEvent: (listener) => writer.onEvent(listener),
    close: () => {
      closing ??= (async () => {
        await listeners.close();
        await writer.close();
      })();
      return closing;
    },
  };
}
