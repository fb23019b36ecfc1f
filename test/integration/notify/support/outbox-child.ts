/**
 * The process the kill -9 test kills: it opens a PGlite store and, while Freshdesk answers 500 and the
 * SMTP server is away, stores three incident changes with their notifications as two rounds would (a
 * path goes down and another blips; the blip recovers), each followed by a failed delivery pass; then
 * it prints `queued N` (N pending outbox rows) and waits to be killed.
 *
 *   node outbox-child.js DATA_DIR FRESHDESK_BASE_URL SMTP_PORT API_KEY
 */
import { buildNotifiers } from '../../../../src/notify/build-notifiers.js';
import { emailConfigSchema, freshdeskConfigSchema } from '../../../../src/notify/config-schema.js';
import { OutboxDispatcher } from '../../../../src/notify/outbox-dispatcher.js';
import { openStore } from '../../../../src/store/index.js';
import { pathChange } from './sample-incidents.js';
import { samplePath } from './sample-transitions.js';

const [dir, baseUrl, smtpPort, apiKey] = process.argv.slice(2);
if (dir === undefined || baseUrl === undefined || smtpPort === undefined || apiKey === undefined) {
  process.stderr.write('outbox-child: expected DATA_DIR FRESHDESK_BASE_URL SMTP_PORT API_KEY\n');
  process.exit(2);
}
const store = await openStore(`pglite:${dir}`);
const notifiers = buildNotifiers({
  freshdesk: freshdeskConfigSchema.parse({ baseUrl, apiKey: { env: 'FD_KEY' }, requesterEmail: 'noc@lab.example', maxRetries: 0, timeoutMs: 2000 }),
  email: emailConfigSchema.parse({ host: '127.0.0.1', port: Number(smtpPort), tls: 'none', from: 'pathmon@lab.example', to: ['noc@lab.example'], timeoutMs: 2000 }),
  store,
  secrets: { env: { FD_KEY: apiKey } },
  log: () => undefined,
});
const dispatcher = new OutboxDispatcher({ store, notifiers, log: () => undefined });
const t0 = Date.now();
const blip = samplePath('path-kill-blip', ['R1', 'R3', 'R6']);
const record = async (...changes: Parameters<typeof store.recordIncidentChange>[0][]) => {
  for (const change of changes) await store.recordIncidentChange(change, { channels: dispatcher.channels, atMs: Date.now() });
  return dispatcher.dispatch();
};
// A round opens two incidents (their ticket creates fail); a later round resolves the blip.
await record(pathChange(samplePath('path-kill-down'), 'UP', 'DOWN', t0), pathChange(blip, 'UP', 'DOWN', t0));
const report = await record(pathChange(blip, 'DOWN', 'UP', t0 + 1000, t0));
process.stdout.write(`queued ${report.pending}\n`);
setInterval(() => undefined, 1 << 30);
