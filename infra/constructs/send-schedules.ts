import { Arn, ArnFormat, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from '../nag.ts';

export interface SendSchedulesProps {
  /** The schedule group's name: the api role may touch the schedules of this group only. */
  readonly groupName: string;
  /** The send queue the schedules put a send's plan job on. */
  readonly sendQueue: Queue;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The timers of admin sends scheduled for later: one EventBridge Scheduler schedule per send, in
 * a group of their own, each putting its send's plan job straight on the send queue at its time
 * (functions/adapters/scheduler/eventbridge-send-scheduler.ts) and deleting itself after. Kept
 * with the data: a pending schedule is a promise made to an editor, and must outlive a
 * redeployment of the code as the send's record in the state table does.
 */
export class SendSchedules extends Construct {
  readonly groupName: string;
  /** Assumed by EventBridge Scheduler (for this account only) to send to the send queue, and nothing else. */
  readonly role: Role;
  readonly sendQueueArn: string;

  constructor(scope: Construct, id: string, props: SendSchedulesProps) {
    super(scope, id);
    const group = new CfnScheduleGroup(this, 'group', { name: props.groupName });
    group.applyRemovalPolicy(props.removalPolicy);
    this.groupName = props.groupName;
    this.sendQueueArn = props.sendQueue.queueArn;

    this.role = new Role(this, 'role', {
      description: 'Assumed by EventBridge Scheduler to put a scheduled admin send on the send queue',
      // The confused-deputy guard: only this account's schedules may assume it.
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    });
    // sqs:SendMessage (and the attributes CDK's grant adds to read) on the send queue only; the
    // queue is SQS-managed encrypted (SSE-SQS), so no KMS key is involved.
    props.sendQueue.grantSendMessages(this.role);
  }

  /** The ARN pattern of this group's schedules: `schedule/<group>/*`. */
  schedulesArn(scope: Construct): string {
    return Arn.format(
      {
        service: 'scheduler',
        resource: 'schedule',
        resourceName: `${this.groupName}/*`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      },
      Stack.of(scope),
    );
  }

  /**
   * Lets `fn` create and delete the schedules of this group (no other), and hand Scheduler this
   * role (to Scheduler only); tells it the group, the role and the queue.
   */
  grantScheduling(fn: LambdaFunction & IGrantable): void {
    const schedules = this.schedulesArn(fn);
    fn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
        resources: [schedules],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    fn.addEnvironment('SEND_SCHEDULE_GROUP', this.groupName);
    fn.addEnvironment('SEND_SCHEDULER_ROLE_ARN', this.role.roleArn);
    fn.addEnvironment('SEND_QUEUE_ARN', this.sendQueueArn);
    if (fn.role) {
      acknowledgeWildcardResource(
        fn.role,
        schedules,
        "One schedule per admin send scheduled for later, named by the send's id when it is scheduled: the names are not known at deployment. The api function may create and delete schedules in this one group only.",
      );
    }
  }
}
