/**
 * A Freshdesk notifier wired to a fake Freshdesk and driven through the outbox as the monitor drives it,
 * with everything a test watches: the sleeps it asked for (Retry-After, backoff) instead of real waits,
 * its log lines (the notifier's and the dispatcher's), a hand-moved clock.
 */
import { FreshdeskClient } from '../../../../src/notify/freshdesk-client.js';
import { FreshdeskNotifier, type FreshdeskNotifierOptions, type NotifyStore } from '../../../../src/notify/freshdesk-notifier.js';
import { Secret } from '../../../../src/secrets/secret.js';
import type { FakeFreshdesk } from '../../../helpers/fake-freshdesk.js';
import { outboxUnderTest, type OutboxTestStore } from './outbox-under-test.js';
import { fakeClock } from './sample-transitions.js';

export const testApiKey = 'fd-test-key-7Qz9wXv2Lk';

export function freshdeskUnderTest(
  fd: FakeFreshdesk,
  store: NotifyStore & OutboxTestStore,
  overrides: { apiKey?: string; timeoutMs?: number; maxRetries?: number; maxRetryAfterMs?: number; clock?: ReturnType<typeof fakeClock> } & Partial<FreshdeskNotifierOptions> = {},
) {
  const clock = overrides.clock ?? fakeClock();
  const sleeps: number[] = [];
  const logs: string[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  const client = new FreshdeskClient({
    baseUrl: fd.baseUrl,
    apiKey: new Secret(overrides.apiKey ?? testApiKey, 'env TEST_FRESHDESK_KEY'),
    timeoutMs: overrides.timeoutMs ?? 2000,
    maxRetries: overrides.maxRetries ?? 3,
    maxRetryAfterMs: overrides.maxRetryAfterMs ?? 60_000,
    sleep,
    nowMs: clock.nowMs,
    random: () => 0.5,
  });
  const log = (level: string, message: string) => logs.push(`${level} ${message}`);
  const notifier = new FreshdeskNotifier({
    client,
    store,
    requesterEmail: 'noc@example.net',
    tags: ['lab'],
    priority: { DEGRADED: 2, DOWN: 4 },
    source: 2,
    privateNotes: true,
    nowMs: clock.nowMs,
    log,
    sleep,
    random: () => 0.5,
    ...overrides,
  });
  const outbox = outboxUnderTest(store, [notifier], clock.nowMs, log);
  return { notifier, client, clock, sleeps, logs, ...outbox };
}
