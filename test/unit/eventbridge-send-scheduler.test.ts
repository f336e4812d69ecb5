import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import {
  atExpression,
  EventBridgeSendScheduler,
  scheduleNameFor,
} from '../../functions/adapters/scheduler/eventbridge-send-scheduler.ts';

// EventBridge Scheduler has no stand-in: the exact requests and its error answers are mocked here
// (the bundle run checks the same calls against the synthesized IAM role).
const scheduler = mockClient(SchedulerClient);

const settings = {
  groupName: 'immuno-digest-sends',
  queueArn: 'arn:aws:sqs:eu-west-1:123456789012:immuno-digest-send',
  roleArn: 'arn:aws:iam::123456789012:role/immuno-digest-send-scheduler',
};
const adapter = () => new EventBridgeSendScheduler(new SchedulerClient({ region: 'eu-west-1' }), settings);

beforeEach(() => scheduler.reset());

describe('EventBridgeSendScheduler', () => {
  it('arms a one-off schedule, in UTC and to the second, that puts the scheduled plan job on the send queue and then deletes itself', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });

    await adapter().arm('spring-appeal-2027', new Date('2027-03-01T08:30:00.000Z'));

    const calls = scheduler.commandCalls(CreateScheduleCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      Name: 'spring-appeal-2027',
      GroupName: 'immuno-digest-sends',
      Description: 'Immunotherapy Digest: starts the admin send "spring-appeal-2027"',
      ScheduleExpression: 'at(2027-03-01T08:30:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Target: {
        Arn: settings.queueArn,
        RoleArn: settings.roleArn,
        Input: '{"kind":"announcement-plan","version":1,"sendId":"spring-appeal-2027","scheduled":true}',
      },
    });
  });

  it('takes a schedule that already exists as armed (the same send armed again)', async () => {
    scheduler.on(CreateScheduleCommand).rejects(
      new ConflictException({
        message: 'Schedule spring-appeal-2027 already exists.',
        Message: 'Schedule spring-appeal-2027 already exists.',
        $metadata: {},
      }),
    );

    await expect(
      adapter().arm('spring-appeal-2027', new Date('2027-03-01T08:30:00Z')),
    ).resolves.toBeUndefined();
  });

  it('passes on any other refusal', async () => {
    scheduler.on(CreateScheduleCommand).rejects(
      new ValidationException({
        message: 'The schedule is in the past',
        Message: 'The schedule is in the past',
        $metadata: {},
      }),
    );

    await expect(adapter().arm('spring-appeal-2027', new Date('2020-03-01T08:30:00Z'))).rejects.toThrow(
      'The schedule is in the past',
    );
  });

  it("disarms by deleting the send's schedule in the group", async () => {
    scheduler.on(DeleteScheduleCommand).resolves({});

    await adapter().disarm('spring-appeal-2027');

    const calls = scheduler.commandCalls(DeleteScheduleCommand);
    expect(calls.map((call) => call.args[0].input)).toEqual([
      { Name: 'spring-appeal-2027', GroupName: 'immuno-digest-sends' },
    ]);
  });

  it('takes a schedule already gone (fired and deleted itself, or never armed) as disarmed', async () => {
    scheduler.on(DeleteScheduleCommand).rejects(
      new ResourceNotFoundException({
        message: 'Schedule not found.',
        Message: 'Schedule not found.',
        $metadata: {},
      }),
    );

    await expect(adapter().disarm('spring-appeal-2027')).resolves.toBeUndefined();
  });

  it('passes on any other failure to disarm (the send must not be reported cancelled while armed)', async () => {
    scheduler.on(DeleteScheduleCommand).rejects(new Error('socket hang up'));

    await expect(adapter().disarm('spring-appeal-2027')).rejects.toThrow('socket hang up');
  });
});

describe('schedule names and times', () => {
  it('names a schedule by its send id, which is already valid', () => {
    expect(scheduleNameFor('spring-appeal-2027')).toBe('spring-appeal-2027');
    expect(scheduleNameFor('a'.repeat(64))).toBe('a'.repeat(64));
  });

  it('makes any other id a valid name of at most 64 characters, distinct per id', () => {
    const long = scheduleNameFor(`${'b'.repeat(70)}`);
    const odd = scheduleNameFor('été/2027');

    expect(long).toMatch(/^[0-9A-Za-z_.-]{1,64}$/);
    expect(long).toHaveLength(64);
    expect(odd).toMatch(/^[0-9A-Za-z_.-]{1,64}$/);
    expect(scheduleNameFor('été/2028')).not.toBe(odd);
  });

  it('writes the time as at(yyyy-mm-ddThh:mm:ss) in UTC', () => {
    expect(atExpression(new Date('2026-12-10T10:00:00+01:00'))).toBe('at(2026-12-10T09:00:00)');
  });
});
