import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
// cdk-nag's own rendering of a CloudFormation reference in its finding ids (not re-exported by its index).
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';

/**
 * cdk-nag acknowledgements, always with their reason. The AwsSolutions pack reports through CDK's
 * validation plugins, which namespace its findings "AwsSolutions::<rule id>".
 *
 * @example acknowledge(queue, 'AwsSolutions-SQS3', 'This queue is itself a dead-letter queue.')
 */
export function acknowledge(scope: IConstruct, ruleId: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${ruleId}`, reason });
}

/**
 * Acknowledges one wildcard resource of an IAM policy (AwsSolutions-IAM5), named by the ARN the
 * code granted, so the acknowledgement follows the resource, never a hard-coded logical id.
 * The ARN must resolve in the stack of `scope`.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resourceArn: string, reason: string): void {
  const finding = flattenCfnReference(Stack.of(scope).resolve(resourceArn));
  acknowledge(scope, `AwsSolutions-IAM5[Resource::${finding}]`, reason);
}
