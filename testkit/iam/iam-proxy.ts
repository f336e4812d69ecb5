import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decide, type Decision, type PolicyStatement } from './policy.ts';
import {
  classifyRequest,
  UnknownAwsRequestError,
  type AwsRequest,
  type AwsService,
  type ClassifyOptions,
} from './aws-requests.ts';
import { LOCAL_ACCOUNT, type LocalAccount } from './synthesized-roles.ts';

/**
 * IAM in front of the stand-ins. One loopback endpoint for DynamoDB, SQS, SES v2 and Secrets
 * Manager: each request is signed with an access key id that names a principal (a function's
 * role), and is let through to its stand-in only when that principal's policy allows every
 * (action, resource) the request needs; otherwise it is answered as AWS answers it, in the
 * error shape of the service's protocol, so the SDK raises AccessDeniedException and the code
 * under test takes the path it would take in AWS. Secrets Manager has no stand-in: the proxy
 * answers GetSecretValue and DescribeSecret itself from the secrets it is given, and so does
 * EventBridge Scheduler: it keeps the schedules created (CreateSchedule, DeleteSchedule), which
 * a test can read and fire itself.
 *
 * Every call is recorded, allowed or not: what the code really calls, per principal.
 */

export interface Principal {
  /** The function's name (`send`); the role's ARN in error messages is built from it. */
  readonly name: string;
  readonly statements: readonly PolicyStatement[];
}

export interface IamProxyOptions {
  /** Access key id → the principal it signs as. */
  readonly principals: Readonly<Record<string, Principal>>;
  /** Where allowed requests go, per service (Secrets Manager is answered here). */
  readonly upstreams: Readonly<Record<Exclude<AwsService, 'secretsmanager' | 'scheduler'>, string>>;
  /** Secret ARN → its SecretString. */
  readonly secrets?: Readonly<Record<string, string>>;
  readonly local?: LocalAccount;
  readonly sesIdentityOf?: ClassifyOptions['sesIdentityOf'];
}

export interface ObservedCall {
  /** The principal's name, or the unknown access key id. */
  readonly principal: string;
  readonly service: AwsService;
  readonly operation: string;
  readonly action: string;
  readonly resource: string;
  readonly decision: Decision;
  /** The request's parsed input (body or parameters). */
  readonly input: Readonly<Record<string, unknown>>;
}

export interface IamProxy {
  /** Use as the endpoint of every client (DYNAMODB_ENDPOINT, SQS_ENDPOINT, SES_ENDPOINT, AWS_ENDPOINT_URL_SECRETS_MANAGER). */
  readonly endpoint: string;
  /** Every (action, resource) check made, in order. */
  readonly calls: ObservedCall[];
  /** Requests the proxy could not classify: each is a gap in the proxy, reported, never let through. */
  readonly unknown: string[];
  denied(): ObservedCall[];
  /** The Scheduler schedules created and not deleted, by `<group>/<name>`: their CreateSchedule input. */
  readonly schedules: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  stop(): Promise<void>;
}

const readBody = (incoming: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => resolve(Buffer.concat(chunks)));
    incoming.on('error', reject);
  });

export async function startIamProxy(options: IamProxyOptions): Promise<IamProxy> {
  const local = options.local ?? LOCAL_ACCOUNT;
  const secrets = new Map(Object.entries(options.secrets ?? {}));
  const secretArnOf = (secretId: string) =>
    [...secrets.keys()].find((arn) => arn.includes(`:secret:${secretId}`)) ?? secretId;
  const calls: ObservedCall[] = [];
  const unknown: string[] = [];
  const schedules = new Map<string, Readonly<Record<string, unknown>>>();

  const server = createServer((incoming, response) => {
    void (async () => {
      const body = await readBody(incoming);
      let aws: AwsRequest;
      try {
        aws = classifyRequest(incoming.method ?? 'GET', incoming.url ?? '/', incoming.headers, body, {
          local,
          secretArnOf,
          ...(options.sesIdentityOf ? { sesIdentityOf: options.sesIdentityOf } : {}),
        });
      } catch (error) {
        const message = error instanceof UnknownAwsRequestError ? error.message : String(error);
        unknown.push(message);
        response.writeHead(500, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'InternalFailure',
        });
        response.end(JSON.stringify({ __type: 'InternalFailure', message: `IAM proxy: ${message}` }));
        return;
      }
      const principal = options.principals[aws.accessKeyId];
      const statements = principal?.statements ?? [];
      const name = principal?.name ?? aws.accessKeyId;
      // Every (action, resource) a request needs must be allowed; the first that is not decides.
      const decided = aws.checks.map((check) => ({
        ...check,
        decision: decide(statements, check.action, check.resource, check.context),
      }));
      for (const { context: _context, ...check } of decided) {
        calls.push({
          principal: name,
          service: aws.service,
          operation: aws.operation,
          ...check,
          input: aws.input,
        });
      }
      const verdict = decided.find((check) => check.decision !== 'allowed');
      if (verdict) {
        const roleArn = `arn:aws:sts::${local.account}:assumed-role/${name}-role/${name}`;
        const why =
          verdict.decision === 'explicit-deny'
            ? 'with an explicit deny in an identity-based policy'
            : `because no identity-based policy allows the ${verdict.action} action`;
        const message = `User: ${roleArn} is not authorized to perform: ${verdict.action} on resource: ${verdict.resource} ${why}`;
        denyLikeAws(response, aws, message);
        return;
      }
      if (aws.service === 'secretsmanager') {
        answerSecret(response, aws, secrets);
        return;
      }
      if (aws.service === 'scheduler') {
        answerSchedule(response, aws, schedules);
        return;
      }
      forward(incoming, body, options.upstreams[aws.service], response);
    })().catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: `IAM proxy failed: ${String(error)}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    unknown,
    denied: () => calls.filter((call) => call.decision !== 'allowed'),
    schedules,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function forward(incoming: IncomingMessage, body: Buffer, upstream: string, response: ServerResponse): void {
  const target = new URL(upstream);
  const upstreamRequest = request(
    {
      host: target.hostname,
      port: target.port,
      method: incoming.method,
      path: incoming.url,
      headers: { ...incoming.headers, host: target.host },
    },
    (upstreamResponse) => {
      response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
      upstreamResponse.pipe(response);
    },
  );
  upstreamRequest.on('error', (error) => {
    if (!response.headersSent) response.writeHead(502, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ message: `stand-in unavailable: ${error.message}` }));
  });
  upstreamRequest.end(body);
}

/**
 * AccessDenied as each protocol carries it. DynamoDB and Secrets Manager (JSON 1.0/1.1): 400 with
 * `__type`. SQS in JSON: 400 with `__type` and the query-compatible code in `x-amzn-query-error`;
 * in the query protocol: 403 with an XML ErrorResponse. SES v2 (REST-JSON): 403 with the type in
 * `x-amzn-errortype`.
 */
function denyLikeAws(response: ServerResponse, aws: AwsRequest, message: string): void {
  const requestId = randomUUID();
  if (aws.protocol === 'query') {
    response.writeHead(403, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    response.end(
      `<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${message}</Message><Detail/></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    );
    return;
  }
  if (aws.protocol === 'rest-json') {
    response.writeHead(403, {
      'content-type': 'application/json',
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': 'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/',
    });
    response.end(JSON.stringify({ Message: message, message }));
    return;
  }
  const type =
    aws.service === 'dynamodb'
      ? 'com.amazonaws.dynamodb.v20120810#AccessDeniedException'
      : aws.service === 'sqs'
        ? 'com.amazon.coral.service#AccessDeniedException'
        : 'AccessDeniedException';
  response.writeHead(400, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-requestid': requestId,
    ...(aws.service === 'sqs' ? { 'x-amzn-query-error': 'AccessDenied;Sender' } : {}),
  });
  response.end(JSON.stringify({ __type: type, message, Message: message }));
}

/** The two Secrets Manager reads a function makes, answered from the given secrets. */
function answerSecret(response: ServerResponse, aws: AwsRequest, secrets: ReadonlyMap<string, string>): void {
  const arn = aws.checks[0]!.resource;
  const value = secrets.get(arn);
  const json = (status: number, body: unknown, type?: string) => {
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
    });
    response.end(JSON.stringify(type ? { __type: type, ...(body as object) } : body));
  };
  if (value === undefined) {
    json(400, { Message: "Secrets Manager can't find the specified secret." }, 'ResourceNotFoundException');
    return;
  }
  // Each secret here has one version, never rotated: as in AWS, it has no AWSPREVIOUS.
  const stage = typeof aws.input.VersionStage === 'string' ? aws.input.VersionStage : 'AWSCURRENT';
  if (aws.operation === 'GetSecretValue' && stage !== 'AWSCURRENT') {
    json(
      400,
      {
        Message: `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
      },
      'ResourceNotFoundException',
    );
    return;
  }
  const name = arn.split(':secret:')[1]!.replace(/-[A-Za-z0-9]{6}$/, '');
  const created = Math.floor(Date.now() / 1000);
  if (aws.operation === 'GetSecretValue') {
    json(200, {
      ARN: arn,
      Name: name,
      SecretString: value,
      VersionId: '00000000-0000-0000-0000-000000000001',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: created,
    });
    return;
  }
  if (aws.operation === 'DescribeSecret') {
    json(200, { ARN: arn, Name: name, CreatedDate: created });
    return;
  }
  json(400, { Message: `${aws.operation} is not answered by the IAM proxy` }, 'InvalidRequestException');
}

/**
 * The Scheduler calls the api makes, answered as Scheduler does (REST-JSON): a second
 * CreateSchedule of a name is a 409 ConflictException, a DeleteSchedule of none a 404
 * ResourceNotFoundException.
 */
function answerSchedule(
  response: ServerResponse,
  aws: AwsRequest,
  schedules: Map<string, Readonly<Record<string, unknown>>>,
): void {
  const key = `${String(aws.input.GroupName)}/${String(aws.input.Name)}`;
  const json = (status: number, body: unknown, type?: string) => {
    response.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-requestid': randomUUID(),
      ...(type ? { 'x-amzn-errortype': type } : {}),
    });
    response.end(JSON.stringify(body));
  };
  if (aws.operation === 'CreateSchedule') {
    if (schedules.has(key)) {
      json(409, { Message: `Schedule ${String(aws.input.Name)} already exists.` }, 'ConflictException');
      return;
    }
    schedules.set(key, aws.input);
    json(200, { ScheduleArn: aws.checks[0]!.resource });
    return;
  }
  if (aws.operation === 'DeleteSchedule') {
    if (!schedules.delete(key)) {
      json(
        404,
        { Message: `Schedule ${String(aws.input.Name)} does not exist.` },
        'ResourceNotFoundException',
      );
      return;
    }
    json(200, {});
    return;
  }
  json(400, { Message: `${aws.operation} is not answered by the IAM proxy` }, 'ValidationException');
}
