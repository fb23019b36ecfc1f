/**
 * The part of the Store the notifiers use, in memory, for the notifier tests. It keeps every ticket
 * row (open and resolved) and every notification, so tests can assert on what a real store would hold,
 * and it can be told to fail to show that a database outage does not lose a ticket.
 */
import type { NotificationRecord, TicketRecord } from '../../../../src/store/records.js';
import type { NotifyStore } from '../../../../src/notify/freshdesk-notifier.js';

export class MemoryNotifyStore implements NotifyStore {
  readonly tickets: TicketRecord[] = [];
  readonly notifications: NotificationRecord[] = [];
  /** While true, every call rejects as a broken database would. */
  failing = false;
  /** While true, only saveTicket rejects (the write after a successful create is lost). */
  failingSaves = false;

  async openTicket(subjectKey: string): Promise<TicketRecord | null> {
    this.#check('openTicket');
    return this.tickets.find((t) => t.subjectKey === subjectKey && t.resolvedAtMs === null) ?? null;
  }

  async saveTicket(ticket: TicketRecord): Promise<void> {
    this.#check('saveTicket');
    if (this.failingSaves) throw new Error('memoryStore.saveTicket: database unreachable (test)');
    const clash = this.tickets.find((t) => t.subjectKey === ticket.subjectKey && t.resolvedAtMs === null && t.ticketId !== ticket.ticketId);
    if (clash !== undefined && ticket.resolvedAtMs === null) {
      throw new Error(`memoryStore.saveTicket: subject ${ticket.subjectKey} already has open ticket ${clash.ticketId} (test)`);
    }
    const i = this.tickets.findIndex((t) => t.subjectKey === ticket.subjectKey && t.ticketId === ticket.ticketId);
    if (i === -1) this.tickets.push({ ...ticket });
    else this.tickets[i] = { ...ticket };
  }

  async addNotification(notification: NotificationRecord): Promise<void> {
    this.#check('addNotification');
    this.notifications.push({ ...notification });
  }

  #check(what: string): void {
    if (this.failing) throw new Error(`memoryStore.${what}: database unreachable (test)`);
  }
}
