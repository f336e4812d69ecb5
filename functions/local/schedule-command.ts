import type { Command } from 'commander';
import { adminSendDependencies } from '../app/admin.ts';
import { parseSendId } from '../core/announcements/announcement.ts';
import { cancelScheduledSend } from '../core/announcements/schedule-send.ts';
import { listSends } from '../core/announcements/send-status.ts';
import { ValidationError } from '../core/errors.ts';
import { operator } from './admin-command.ts';
import { openLocalEnvironment } from './environment.ts';

/**
 * `immuno-digest send list` and `send cancel ID`: the sends of the last twelve months with their
 * status (a scheduled one with its time), and cancelling a scheduled send before it starts
 * (refused once it has started). Scheduling is `send … --at TIME` (send-command.ts). Each prints
 * one JSON line last.
 */
export function registerScheduleCommands(program: Command): void {
  const send = program.commands.find((command) => command.name() === 'send');
  if (!send) throw new Error('the send command must be registered before its subcommands');
  send
    .command('list')
    .description(
      'The sends and drafts of the last twelve months, newest first, with their status (scheduled ones with their time)',
    )
    .option('--json', 'print only the JSON line')
    .action((options: { json?: boolean }) => listCommand(options));
  send
    .command('cancel <id>')
    .description('Cancel a scheduled send before it starts (refused once it has started)')
    .action((id: string) => cancelCommand(id));
}

async function listCommand(options: { json?: boolean }): Promise<void> {
  const environment = await openLocalEnvironment({ ports: 'ephemeral' });
  try {
    const sends = await listSends(adminSendDependencies(environment.context));
    if (!options.json) {
      if (sends.length === 0) console.log('No send or draft in the last twelve months.');
      for (const send of sends) {
        const when =
          send.state === 'scheduled' ? `for ${send.scheduledFor}` : (send.sentAt ?? send.firstUsedAt);
        console.log(`${send.sendId}  ${send.state.padEnd(9)}  ${when}  ${send.subject}`);
      }
    }
    console.log(
      JSON.stringify({
        sends: sends.map((send) => ({
          sendId: send.sendId,
          status: send.state,
          subject: send.subject,
          scheduledFor: send.scheduledFor ?? null,
          sentAt: send.sentAt ?? null,
          sent: send.counts.sent,
        })),
      }),
    );
  } finally {
    await environment.stop();
  }
}

async function cancelCommand(id: string): Promise<void> {
  const sendId = parseSendId(id);
  const environment = await openLocalEnvironment({ ports: 'ephemeral' });
  try {
    const cancelled = await cancelScheduledSend(
      sendId,
      { principal: operator(), via: 'cli' },
      adminSendDependencies(environment.context),
    );
    if (!cancelled) throw new ValidationError(`no send has the id "${sendId}" (see immuno-digest send list)`);
    console.log(
      cancelled.outcome === 'cancelled'
        ? `Scheduled send ${sendId} cancelled: nobody gets it.`
        : `Send ${sendId} was cancelled already.`,
    );
    console.log(JSON.stringify(cancelled));
  } finally {
    await environment.stop();
  }
}
