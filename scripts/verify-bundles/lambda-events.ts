import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * The events Lambda hands each handler, shaped as AWS sends them: an HTTP API request (payload
 * 2.0), an EventBridge Scheduler invocation, an SES bounce on the default event bus.
 */

/** An API Gateway HTTP API (payload 2.0) event, as the $default route hands it to the function. */
export function httpEvent(
  siteUrl: string,

  method: string,
  rawPath: string,
  body?: string,
  contentType?: string,
  rawQueryString = '',
): APIGatewayProxyEventV2 {
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: {
      host: new URL(siteUrl).host,
      'user-agent': 'verify-bundles',
      ...(contentType ? { 'content-type': contentType } : {}),
    },
    ...(rawQueryString
      ? { queryStringParameters: Object.fromEntries(new URLSearchParams(rawQueryString)) }
      : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'verify',
      domainName: new URL(siteUrl).host,
      domainPrefix: 'digest',
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'verify-bundles',
      },
      requestId: randomBytes(8).toString('hex'),
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  };
}

/**
 * A request to the IAM-authorised admin routes: API Gateway's authorizer checked the SigV4
 * signature and put the caller's ARN in the request context (undefined: an unsigned request,
 * which API Gateway itself would refuse; the app must refuse it as well).
 */
export function adminHttpEvent(
  siteUrl: string,
  method: string,
  rawPath: string,
  body: string | undefined,
  callerArn: string | undefined,
): APIGatewayProxyEventV2 {
  const event = httpEvent(
    siteUrl,
    method,
    rawPath,
    body,
    body === undefined ? undefined : 'application/json',
  );
  const routeKey = rawPath === '/admin' ? 'ANY /admin' : 'ANY /admin/{proxy+}';
  return {
    ...event,
    routeKey,
    requestContext: {
      ...event.requestContext,
      routeKey,
      ...(callerArn ? { authorizer: { iam: { userArn: callerArn } } } : {}),
    },
  };
}

/** The envelope EventBridge (and Scheduler) wraps every event in. */
function eventBridgeEvent(source: string, detailType: string, detail: Record<string, unknown>) {
  return {
    version: '0',
    id: randomBytes(8).toString('hex'),
    'detail-type': detailType,
    source,
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

export function scheduledEvent() {
  return eventBridgeEvent('aws.scheduler', 'Scheduled Event', {});
}

/** What SES puts on the default bus for a permanent bounce of a message of our configuration set. */
export function bounceEvent(recipient: string, configurationSet: string) {
  const time = new Date().toISOString();
  return eventBridgeEvent('aws.ses', 'Email Bounced', {
    eventType: 'Bounce',
    bounce: {
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [{ emailAddress: recipient }],
      timestamp: time,
      feedbackId: 'verify',
    },
    mail: {
      timestamp: time,
      messageId: 'verify',
      source: 'digest@immunotherapy-digest.example.org',
      destination: [recipient],
      tags: { 'ses:configuration-set': [configurationSet] },
    },
  });
}

/** What SES puts on the default bus when it accepts an email that names a ledger item in its tags. */
export function sendEvent(
  recipient: string,
  messageId: string,
  tags: readonly { Name: string; Value: string }[],
  configurationSet: string,
) {
  const time = new Date().toISOString();
  return eventBridgeEvent('aws.ses', 'Email Sent', {
    eventType: 'Send',
    mail: {
      timestamp: time,
      messageId,
      source: 'digest@immunotherapy-digest.example.org',
      destination: [recipient],
      tags: {
        'ses:configuration-set': [configurationSet],
        ...Object.fromEntries(tags.map((tag) => [tag.Name, [tag.Value]])),
      },
    },
    send: {},
  });
}
