/**
 * Notifiers driven as the monitor drives them: each incident change is stored with its outbox rows
 * (one per channel), then the outbox dispatcher delivers what is due. `send` is what a round does,
 * `dispatch` a later round's retry pass, `pending` what still waits in the outbox.
 */
import type { IncidentChange } from '../../../../src/incidents/incident.js';
import type { Notifier } from '../../../../src/notify/notifier.js';
import { OutboxDispatcher, type DispatchReport, type OutboxStore } from '../../../../src/notify/outbox-dispatcher.js';
import type { OutboxItem } from '../../../../src/store/records.js';
import type { Store } from '../../../../src/store/store.js';

export type OutboxTestStore = OutboxStore & Pick<Store, 'recordIncidentChange'>;

export interface OutboxUnderTest {
  dispatcher: OutboxDispatcher;
  /** Stores the changes (with their outbox rows, as one round does) and runs one delivery pass. */
  send(changes: IncidentChange[]): Promise<DispatchReport>;
  dispatch(): Promise<DispatchReport>;
  /** Outbox items still pending (all channels). */
  pending(): Promise<OutboxItem[]>;
}

export function outboxUnderTest(store: OutboxTestStore, notifiers: Notifier[], nowMs: () => number, log: (level: string, message: string) => void = () => undefined): OutboxUnderTest {
  const dispatcher = new OutboxDispatcher({ store, notifiers, nowMs, log, random: () => 0.5 });
  return {
    dispatcher,
    async send(changes) {
      for (const change of changes) await store.recordIncidentChange(change, { channels: dispatcher.channels, atMs: nowMs() });
      return dispatcher.dispatch();
    },
    dispatch: () => dispatcher.dispatch(),
    pending: () => store.outboxItems({ state: 'pending' }),
  };
}
