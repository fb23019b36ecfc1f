/**
 * Carries out one action run by its kind. A kind whose channel is not configured (a note without
 * `notifiers.freshdesk`, a mail without `notifiers.email`) fails the run naming the missing section;
 * start-up checks the rules against the config so this is only reached for runs queued under an older
 * config. Nothing here throws: every outcome, an unexpected error included, is an Execution.
 */
import type { MailTransport } from '../notify/smtp-transport.js';
import { redactError } from '../secrets/redact.js';
import type { SqlQueryable } from '../store/sql-client.js';
import type { ActionRun } from './action-run-queries.js';
import { runCommandAction } from './command-action.js';
import type { ActionExecutor, Execution } from './execution.js';
import { runAttachNote, runNoteAction, runTicketAction, type TicketSettings } from './ticket-actions.js';
import { triggerEnv } from './trigger-template.js';
import { runWebhookAction } from './webhook-action.js';

export interface MailSettings {
  transport: MailTransport;
  from: string;
  /** Recipients when the action names none. */
  to: string[];
  subjectPrefix: string;
}

export interface ExecutorSettings {
  q: SqlQueryable;
  maxOutputBytes: number;
  freshdesk: TicketSettings | null;
  mail: MailSettings | null;
  nowMs: () => number;
}

export function runExecutor(settings: ExecutorSettings): ActionExecutor {
  return async (run) => {
    try {
      return await execute(settings, run);
    } catch (error) {
      return { state: 'FAILURE', output: '', error: `unexpected: ${redactError(error)}` };
    }
  };
}

async function execute(s: ExecutorSettings, run: ActionRun): Promise<Execution> {
  const { action } = run;
  switch (action.type) {
    case 'command':
      return runCommandAction(
        { argv: action.argv, timeoutMs: action.timeoutMs, env: { ...triggerEnv(run.fields), PATHMON_RULE: run.rule, PATHMON_RUN_ID: String(run.id), ...action.env } },
        s.maxOutputBytes,
      );
    case 'webhook':
      return runWebhookAction(
        {
          url: action.url,
          timeoutMs: action.timeoutMs,
          headers: action.headers,
          body: { ...run.fields, source: 'pathmon', runId: run.id, queuedAt: new Date(run.queuedAtMs).toISOString() },
        },
        s.maxOutputBytes,
      );
    case 'note':
      if (s.freshdesk === null) return missing('a note', 'notifiers.freshdesk');
      return runNoteAction(s.q, s.freshdesk, run, action.text, s.nowMs());
    case 'attach-note':
      if (s.freshdesk === null) return missing('a note of device events', 'notifiers.freshdesk');
      return runAttachNote(s.q, s.freshdesk, run, s.nowMs());
    case 'ticket':
      if (s.freshdesk === null) return missing('a ticket', 'notifiers.freshdesk');
      return runTicketAction(s.freshdesk, action);
    case 'mail': {
      if (s.mail === null) return missing('a mail', 'notifiers.email');
      const to = action.to ?? s.mail.to;
      try {
        const sent = await s.mail.transport.send({
          from: s.mail.from,
          to,
          subject: `${s.mail.subjectPrefix}: ${action.subject}`.replace(/[\r\n]+/g, ' '),
          text: action.text,
          html: `<pre>${action.text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre>`,
        });
        return { state: 'SUCCESS', output: `mail ${sent.messageId} sent to ${to.join(', ')}` };
      } catch (error) {
        return { state: 'FAILURE', output: '', error: `mail to ${to.join(', ')}: ${redactError(error)}` };
      }
    }
    default:
      return { state: 'FAILURE', output: '', error: `unknown action type ${JSON.stringify((action as { type: unknown }).type)}` };
  }
}

function missing(what: string, section: string): Execution {
  return { state: 'FAILURE', output: '', error: `${what} needs ${section} in the config; it is not set` };
}
