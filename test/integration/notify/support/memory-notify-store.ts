/**
 * The in-memory Store (test/helpers/memory-store.ts: tickets, notifications, the outbox) for the notifier
 * tests, with switches that make the notifiers' own reads and writes fail as a broken database would,
 * to show that a database outage loses no ticket. The outbox itself keeps working unless told otherwise:
 * it is what carries the work across the outage.
 */
import type { NotificationRecord, TicketRecord } from '../../../../src/store/records.js';
import { MemoryStore } from '../../../helpers/memory-store.js';

export class MemoryNotifyStore extends MemoryStore {
  /** While true, the ticket reads and writes and the notification records reject. */
  failing = false;
  /** While true, only saveTicket rejects (the write after a successful create is lost). */
  failingSaves = false;

  override async openTicket(subjectKey: string): Promise<TicketRecord | null> {
    this.#check('openTicket');
    return super.openTicket(subjectKey);
  }

  override async lastTicket(subjectKey: string): Promise<TicketRecord | null> {
    this.#check('lastTicket');
    return super.lastTicket(subjectKey);
  }

  override async saveTicket(ticket: TicketRecord): Promise<void> {
    this.#check('saveTicket');
    if (this.failingSaves) throw new Error('memoryStore.saveTicket: database unreachable (test)');
    return super.saveTicket({ ...ticket });
  }

  override async addNotification(notification: NotificationRecord): Promise<void> {
    this.#check('addNotification');
    return super.addNotification({ ...notification });
  }

  #check(what: string): void {
    if (this.failing) throw new Error(`memoryStore.${what}: database unreachable (test)`);
  }
}
