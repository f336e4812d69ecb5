import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { scheduledPlanJob } from '../../core/announcements/schedule-send.ts';
import type { SendScheduler } from '../../ports/send-scheduler.ts';

export interface EventBridgeSendSchedulerSettings {
  /** The schedule group every send's schedule lives in (the api role may touch only its schedules). */
  readonly groupName: string;
  /** The send queue's ARN: the schedule's target. */
  readonly queueArn: string;
  /** The role Scheduler assumes to put the job on the queue (sqs:SendMessage on it, nothing else). */
  readonly roleArn: string;
}

// What a schedule's name may hold (Scheduler: 1 to 64 of these).
const SCHEDULE_NAME = /^[0-9A-Za-z_.-]{1,64}$/;

/**
 * The name of a send's schedule: the send id itself (ids are 3 to 64 lower-case letters, digits
 * and dashes, all valid here), so an operator finds it by the id in the console. Anything else is
 * made valid and kept unique by a hash of the id.
 */
export function scheduleNameFor(sendId: string): string {
  if (SCHEDULE_NAME.test(sendId)) return sendId;
  const hash = createHash('sha256').update(sendId).digest('hex').slice(0, 12);
  const readable = sendId.replace(/[^0-9A-Za-z_.-]/g, '-').slice(0, 64 - hash.length - 1);
  return `${readable}-${hash}`;
}

/** `at(yyyy-mm-ddThh:mm:ss)`, read in the schedule's zone (UTC here): whole seconds, no zone suffix. */
export function atExpression(at: Date): string {
  return `at(${at.toISOString().slice(0, 19)})`;
}

/**
 * The cloud's timer of a send scheduled for later: a one-off EventBridge Scheduler schedule that,
 * at the time, puts the send's plan job (marked `scheduled`) on the send queue itself, with no
 * Lambda of ours in between, then deletes itself. Arming an armed send is no error (the schedule
 * of a send is created once: its time cannot change, since another time is another send), nor is
 * disarming a schedule already gone (fired, or never created).
 */
export class EventBridgeSendScheduler implements SendScheduler {
  constructor(
    private readonly client: SchedulerClient,
    private readonly settings: EventBridgeSendSchedulerSettings,
  ) {}

  async arm(sendId: string, at: Date): Promise<void> {
    const name = scheduleNameFor(sendId);
    try {
      await this.client.send(
        new CreateScheduleCommand({
          Name: name,
          GroupName: this.settings.groupName,
          Description: `Immunotherapy Digest: starts the admin send "${sendId}"`.slice(0, 512),
          ScheduleExpression: atExpression(at),
          ScheduleExpressionTimezone: 'UTC',
          // Exactly at its time: a send scheduled for 09:00 should not go out at 09:14.
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          State: 'ENABLED',
          Target: {
            Arn: this.settings.queueArn,
            RoleArn: this.settings.roleArn,
            Input: JSON.stringify(scheduledPlanJob(sendId)),
          },
        }),
      );
    } catch (error) {
      // Already armed: this send's schedule exists, for the same time (the send's record says so).
      if (error instanceof ConflictException) return;
      throw error;
    }
  }

  async disarm(sendId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteScheduleCommand({ Name: scheduleNameFor(sendId), GroupName: this.settings.groupName }),
      );
    } catch (error) {
      // Fired (and deleted itself) or never armed: either way nothing will start the send.
      if (error instanceof ResourceNotFoundException) return;
      throw error;
    }
  }
}
