import type { IncomingHttpHeaders } from 'node:http';
import type { RequestContext } from './policy.ts';
import { LOCAL_ACCOUNT, type LocalAccount } from './synthesized-roles.ts';

/**
 * What IAM is asked about one SDK request to DynamoDB, SQS, SES (v2) or Secrets Manager: who
 * signed it, the operation, and each (action, resource) pair that must be allowed, the way the
 * services authorise them: the action from the X-Amz-Target header (JSON protocols), the
 * `Action` parameter (the SQS query protocol) or the method and path (SES v2 REST); the
 * resources from the request's table, index, queue, secret, identity and configuration set.
 */

export type AwsService = 'dynamodb' | 'sqs' | 'ses' | 'secretsmanager' | 'scheduler';

export interface AuthorizationCheck {
  /** The IAM action, `service:Action`. */
  readonly action: string;
  readonly resource: string;
  /** The condition keys of the request (iam:PassedToService for the role a schedule is handed). */
  readonly context?: RequestContext;
}

export interface AwsRequest {
  readonly service: AwsService;
  /** The API operation called (`SendMessageBatch`); its IAM action may differ (`sqs:SendMessage`). */
  readonly operation: string;
  /** The access key id of the SigV4 signature: who is asking. */
  readonly accessKeyId: string;
  /** The protocol the answer must speak (an error has a different shape in each). */
  readonly protocol: 'json' | 'query' | 'rest-json';
  readonly checks: readonly AuthorizationCheck[];
  /** The parsed body (JSON protocols) or parameters (query protocol). */
  readonly input: Record<string, unknown>;
}

export interface ClassifyOptions {
  readonly local?: LocalAccount;
  /**
   * The SES identity a From address sends as: the address itself when it is a verified address
   * identity, else its domain (what the stack verifies). Default: always the domain.
   */
  readonly sesIdentityOf?: (fromAddress: string) => string;
  /** A Secrets Manager SecretId (name or ARN) as the secret's full ARN. */
  readonly secretArnOf?: (secretId: string) => string;
}

/** Thrown for a request this classifier does not know: add it here rather than let it through. */
export class UnknownAwsRequestError extends Error {}

const CREDENTIAL = /Credential=([^/,\s]+)\/[^/]+\/[^/]+\/([^/]+)\/aws4_request/;

// The batch operations IAM authorises as their single-message action.
const SQS_ACTIONS: Readonly<Record<string, string>> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

const header = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

const parseJson = (body: Buffer): Record<string, unknown> =>
  body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as Record<string, unknown>);

/** Reads what IAM is asked about one request. */
export function classifyRequest(
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  options: ClassifyOptions = {},
): AwsRequest {
  const local = options.local ?? LOCAL_ACCOUNT;
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${local.region}:${local.account}:${resource}`;
  const credential = CREDENTIAL.exec(header(headers, 'authorization') ?? '');
  if (!credential) throw new UnknownAwsRequestError(`${method} ${url}: not signed with SigV4`);
  const [, accessKeyId = '', signingService = ''] = credential;
  const target = header(headers, 'x-amz-target');
  const contentType = header(headers, 'content-type') ?? '';

  if (signingService === 'dynamodb') {
    const operation = target?.split('.')[1];
    if (!operation) throw new UnknownAwsRequestError(`DynamoDB request without X-Amz-Target: ${url}`);
    const input = parseJson(body);
    const table = (name: unknown) => arn('dynamodb', `table/${String(name)}`);
    let checks: AuthorizationCheck[];
    if (operation === 'BatchWriteItem' || operation === 'BatchGetItem') {
      checks = Object.keys((input.RequestItems as object) ?? {}).map((name) => ({
        action: `dynamodb:${operation}`,
        resource: table(name),
      }));
    } else if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
      const itemActions: Record<string, string> = {
        Put: 'PutItem',
        Update: 'UpdateItem',
        Delete: 'DeleteItem',
        ConditionCheck: 'ConditionCheckItem',
        Get: 'GetItem',
      };
      checks = ((input.TransactItems as Record<string, { TableName: string }>[]) ?? []).flatMap((item) =>
        Object.entries(item).map(([kind, request]) => ({
          action: `dynamodb:${itemActions[kind] ?? kind}`,
          resource: table(request.TableName),
        })),
      );
    } else if (operation === 'ListTables') {
      checks = [{ action: 'dynamodb:ListTables', resource: '*' }];
    } else if (typeof input.TableName === 'string') {
      const indexed = typeof input.IndexName === 'string' ? `/index/${input.IndexName}` : '';
      checks = [{ action: `dynamodb:${operation}`, resource: `${table(input.TableName)}${indexed}` }];
    } else {
      throw new UnknownAwsRequestError(`DynamoDB ${operation}: which table it touches is not known here`);
    }
    return { service: 'dynamodb', operation, accessKeyId, protocol: 'json', checks, input };
  }

  if (signingService === 'sqs') {
    const query = !target || contentType.startsWith('application/x-www-form-urlencoded');
    const input: Record<string, unknown> = query
      ? Object.fromEntries(new URLSearchParams(body.toString('utf8')))
      : parseJson(body);
    const operation = query ? text(input.Action) : (target?.split('.')[1] ?? '');
    if (!operation) throw new UnknownAwsRequestError(`SQS request without an action: ${url}`);
    const queueName =
      typeof input.QueueUrl === 'string'
        ? input.QueueUrl.split('/').filter(Boolean).pop()
        : typeof input.QueueName === 'string'
          ? input.QueueName
          : undefined;
    const resource = operation === 'ListQueues' ? '*' : queueName ? arn('sqs', queueName) : undefined;
    if (!resource) throw new UnknownAwsRequestError(`SQS ${operation}: no queue named`);
    const action = `sqs:${SQS_ACTIONS[operation] ?? operation}`;
    return {
      service: 'sqs',
      operation,
      accessKeyId,
      protocol: query ? 'query' : 'json',
      checks: [{ action, resource }],
      input,
    };
  }

  if (signingService === 'secretsmanager') {
    const operation = target?.split('.')[1];
    if (!operation) throw new UnknownAwsRequestError(`Secrets Manager request without X-Amz-Target: ${url}`);
    const input = parseJson(body);
    const secretId = text(input.SecretId);
    const resource = secretId.startsWith('arn:')
      ? secretId
      : (options.secretArnOf?.(secretId) ?? arn('secretsmanager', `secret:${secretId}`));
    return {
      service: 'secretsmanager',
      operation,
      accessKeyId,
      protocol: 'json',
      checks: [{ action: `secretsmanager:${operation}`, resource }],
      input,
    };
  }

  if (signingService === 'ses') {
    const path = new URL(url, 'http://local').pathname;
    const input = method === 'GET' || method === 'DELETE' ? {} : parseJson(body);
    const identity = (name: string) => arn('ses', `identity/${name}`);
    const send = (operation: string): AwsRequest => {
      const from = /<([^>]+)>/.exec(text(input.FromEmailAddress))?.[1] ?? text(input.FromEmailAddress);
      const identityArn =
        typeof input.FromEmailAddressIdentityArn === 'string'
          ? input.FromEmailAddressIdentityArn
          : identity(options.sesIdentityOf?.(from) ?? from.split('@')[1] ?? from);
      const resources = [identityArn];
      if (typeof input.ConfigurationSetName === 'string') {
        resources.push(arn('ses', `configuration-set/${input.ConfigurationSetName}`));
      }
      return {
        service: 'ses',
        operation,
        accessKeyId,
        protocol: 'rest-json',
        checks: resources.map((resource) => ({ action: `ses:${operation}`, resource })),
        input,
      };
    };
    const rest = (operation: string, resource: string): AwsRequest => ({
      service: 'ses',
      operation,
      accessKeyId,
      protocol: 'rest-json',
      checks: [{ action: `ses:${operation}`, resource }],
      input,
    });
    if (method === 'POST' && path === '/v2/email/outbound-emails') return send('SendEmail');
    if (method === 'POST' && path === '/v2/email/outbound-bulk-emails') return send('SendBulkEmail');
    if (method === 'GET' && path === '/v2/email/account') return rest('GetAccount', '*');
    const identityPath = /^\/v2\/email\/identities\/([^/]+)$/.exec(path);
    if (method === 'GET' && identityPath) {
      return rest('GetEmailIdentity', identity(decodeURIComponent(identityPath[1]!)));
    }
    const setPath = /^\/v2\/email\/configuration-sets\/([^/]+)$/.exec(path);
    if (method === 'GET' && setPath) {
      return rest('GetConfigurationSet', arn('ses', `configuration-set/${decodeURIComponent(setPath[1]!)}`));
    }
    throw new UnknownAwsRequestError(`SES ${method} ${path} is not known to the IAM proxy: add it`);
  }

  if (signingService === 'scheduler') {
    const parsed = new URL(url, 'http://local');
    const named = /^\/schedules\/([^/]+)$/.exec(parsed.pathname);
    if (!named)
      throw new UnknownAwsRequestError(
        `Scheduler ${method} ${parsed.pathname} is not known to the IAM proxy`,
      );
    const name = decodeURIComponent(named[1]!);
    const input: Record<string, unknown> = method === 'DELETE' || method === 'GET' ? {} : parseJson(body);
    const group = text(input.GroupName) || parsed.searchParams.get('groupName') || 'default';
    input.Name = name;
    input.GroupName = group;
    const schedule = arn('scheduler', `schedule/${group}/${name}`);
    const request = (operation: string, checks: AuthorizationCheck[]): AwsRequest => ({
      service: 'scheduler',
      operation,
      accessKeyId,
      protocol: 'rest-json',
      checks,
      input,
    });
    if (method === 'POST') {
      // Creating a schedule hands Scheduler the target's role: IAM asks for iam:PassRole on it too.
      const roleArn = text((input.Target as Record<string, unknown> | undefined)?.RoleArn);
      return request('CreateSchedule', [
        { action: 'scheduler:CreateSchedule', resource: schedule },
        {
          action: 'iam:PassRole',
          resource: roleArn,
          context: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
        },
      ]);
    }
    if (method === 'DELETE')
      return request('DeleteSchedule', [{ action: 'scheduler:DeleteSchedule', resource: schedule }]);
    if (method === 'GET')
      return request('GetSchedule', [{ action: 'scheduler:GetSchedule', resource: schedule }]);
    throw new UnknownAwsRequestError(`Scheduler ${method} ${parsed.pathname} is not known to the IAM proxy`);
  }

  throw new UnknownAwsRequestError(
    `requests to ${signingService} are not known to the IAM proxy (${method} ${url})`,
  );
}
