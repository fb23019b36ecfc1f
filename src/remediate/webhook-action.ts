/**
 * The `webhook` action: an HTTP POST of the trigger as JSON. The timeout covers the whole exchange,
 * answer body included, so a server that accepts and then dribbles cannot hold a worker; it ends the
 * run as TIMEOUT. A status outside 2xx is FAILURE with the status and the start of the answer.
 * Redirects are not followed: the body would go somewhere the config does not name.
 */
import { BoundedOutput, type Execution } from './execution.js';

export interface WebhookRun {
  url: string;
  timeoutMs: number;
  headers: Record<string, string>;
  body: unknown;
}

export async function runWebhookAction(hook: WebhookRun, maxOutputBytes: number): Promise<Execution> {
  const output = new BoundedOutput(maxOutputBytes);
  const signal = AbortSignal.timeout(hook.timeoutMs);
  try {
    const response = await fetch(hook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'pathmon-remediation', ...hook.headers },
      body: JSON.stringify(hook.body),
      redirect: 'manual',
      signal,
    });
    output.write(`HTTP ${response.status}\n`);
    if (response.body !== null) {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) output.write(Buffer.from(chunk));
    }
    if (response.status >= 200 && response.status < 300) return { state: 'SUCCESS', exitCode: null, output: output.text() };
    return { state: 'FAILURE', exitCode: null, output: output.text(), error: `webhook ${hook.url} answered ${response.status}; expected 2xx` };
  } catch (error) {
    if (signal.aborted) {
      return { state: 'TIMEOUT', exitCode: null, output: output.text(), error: `webhook ${hook.url} did not answer within ${hook.timeoutMs} ms` };
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { state: 'FAILURE', exitCode: null, output: output.text(), error: `webhook ${hook.url} failed: ${cause?.code ?? cause?.message ?? (error as Error).message}` };
  }
}
