/** The lab's Freshdesk-compatible ticket desk, under the names the tests use. */
export {
  startFreshdeskDesk as startFakeFreshdesk,
  type FreshdeskDesk as FakeFreshdesk,
  type DeskTicket as FakeTicket,
  type DeskNote as FakeNote,
  type DeskRequest as FakeRequest,
  type DeskFault as FakeFault,
} from '../../lab/index.js';
