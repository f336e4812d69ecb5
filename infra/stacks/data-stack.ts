import { CfnOutput, Duration, RemovalPolicy, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  SEND_QUEUE,
  TABLE_DEFINITIONS,
  type KeyDefinition,
  type TableDefinition,
} from '../../functions/adapters/dynamodb/tables.ts';
import { DigestApi } from '../constructs/digest-api.ts';
import { MailSending } from '../constructs/mail-sending.ts';
import { SendSchedules } from '../constructs/send-schedules.ts';
import { acknowledge } from '../nag.ts';
import type { DeploymentSettings } from '../settings.ts';

export interface DataStackProps extends StackProps {
  readonly settings: DeploymentSettings;
}

export type Tables = Readonly<Record<TableDefinition['id'], TableV2>>;

const attribute = (key: KeyDefinition): Attribute => ({
  name: key.name,
  type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

/**
 * What outlives a deployment of the code: the four tables (from THE table definition), the send
 * queue and its DLQ, the secret that signs every link already sent in an email and the one that
 * keys subscriber ids, the HTTP API with its custom domain (the address of those links), and the
 * SES identity and configuration set. With deletionProtection on (the default) the tables, the
 * queues and the secrets survive
 * even a `cdk destroy`, and the stack itself has termination protection.
 */
export class DataStack extends Stack {
  readonly tables: Tables;
  readonly sendQueue: Queue;
  readonly sendDeadLetterQueue: Queue;
  readonly tokenSecret: Secret;
  readonly identitySecret: Secret;
  /** NCBI's E-utilities API key for the PubMed sources, or "none" (no key: 3 requests a second). */
  readonly ncbiApiKeySecret: Secret;
  readonly mail: MailSending;
  readonly api: DigestApi;
  /** The schedule group and role of admin sends scheduled for later. */
  readonly sendSchedules: SendSchedules;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    const { settings } = props;
    super(scope, id, { ...props, terminationProtection: settings.deletionProtection });
    const removalPolicy = settings.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.tables = Object.fromEntries(
      TABLE_DEFINITIONS.map((definition) => [
        definition.id,
        new TableV2(this, `${definition.id}-table`, {
          partitionKey: attribute(definition.partitionKey),
          ...(definition.sortKey ? { sortKey: attribute(definition.sortKey) } : {}),
          globalSecondaryIndexes: definition.globalIndexes.map((index) => ({
            indexName: index.indexName,
            partitionKey: attribute(index.partitionKey),
            ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
          })),
          ...(definition.timeToLiveAttribute ? { timeToLiveAttribute: definition.timeToLiveAttribute } : {}),
          billing: Billing.onDemand(),
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          deletionProtection: settings.deletionProtection,
          removalPolicy,
        }),
      ]),
    ) as Record<TableDefinition['id'], TableV2>;

    // Retained like the tables: jobs waiting on a quota or in the DLQ are readers not yet mailed.
    this.sendDeadLetterQueue = new Queue(this, 'send-dlq', {
      retentionPeriod: Duration.seconds(SEND_QUEUE.deadLetterRetentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy,
    });
    this.sendQueue = new Queue(this, 'send-queue', {
      // ≥ 6 × the sender's timeout (tables.ts): a batch still being retried is not redelivered meanwhile.
      visibilityTimeout: Duration.seconds(SEND_QUEUE.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(SEND_QUEUE.messageRetentionSeconds),
      deadLetterQueue: { queue: this.sendDeadLetterQueue, maxReceiveCount: SEND_QUEUE.maxReceiveCount },
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy,
    });

    this.sendSchedules = new SendSchedules(this, 'send-schedules', {
      groupName: `${settings.stackPrefix}-sends`,
      sendQueue: this.sendQueue,
      removalPolicy,
    });

    this.tokenSecret = new Secret(this, 'token-secret', {
      description:
        'The link secret: signs the links in emails (confirm, preferences, unsubscribe); CSRF and IP-hash keys are derived from it',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy,
    });
    acknowledge(
      this.tokenSecret,
      'AwsSolutions-SMG4',
      "The secret signs the unsubscribe and preference links of every email already delivered. It is rotated by hand (docs/deploying.md), never on a schedule: the functions accept its AWSPREVIOUS version too, so one rotation keeps mailed links working, but a second within a link's lifetime would break them (one-click unsubscribe must keep working). It is read only by our functions (grantRead) and never leaves AWS.",
    );
    this.identitySecret = new Secret(this, 'identity-secret', {
      description:
        'Keys the subscriber ids (an HMAC of each address); never rotated: an erased address is only its id',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy,
    });
    acknowledge(
      this.identitySecret,
      'AwsSolutions-SMG4',
      'The secret keys the id of every address; after an erasure the id is all that remains (the suppression entry), and a new key could not recompute it, so rotating it would let erased and bounced addresses be mailed again. It is read only by our functions (grantRead) and never leaves AWS.',
    );

    // Created holding "none": ingest reads PubMed at 3 requests a second. An operator who has an
    // NCBI API key puts it here (10 a second); ingest reads it once per cold start.
    this.ncbiApiKeySecret = new Secret(this, 'ncbi-api-key', {
      description:
        'NCBI E-utilities API key of the PubMed sources, or "none" (no key: 3 requests a second instead of 10)',
      secretStringValue: SecretValue.unsafePlainText('none'),
      removalPolicy,
    });
    acknowledge(
      this.ncbiApiKeySecret,
      'AwsSolutions-SMG4',
      'An NCBI API key is issued by NCBI to an account holder and replaced by hand there; AWS cannot rotate it. The initial value "none" is not a secret. Only the ingest function reads it.',
    );

    this.mail = new MailSending(this, 'mail', {
      senderDomain: settings.senderDomain,
      mailFromDomain: settings.mailFromDomain,
      fromAddress: settings.fromAddress,
      manageIdentity: settings.manageSesIdentity,
      hostedZone:
        settings.hostedZoneId && settings.hostedZoneName
          ? { id: settings.hostedZoneId, name: settings.hostedZoneName }
          : undefined,
      sandboxRecipients: settings.sesSandboxRecipients,
    });

    this.api = new DigestApi(this, 'api-gateway', {
      settings,
      logRetention: settings.logRetentionDays,
    });

    const output = (outputId: string, description: string, value: string) =>
      new CfnOutput(this, outputId, { description, value });
    output('SiteUrl', 'Base of every link in emails and pages', this.api.siteUrl);
    if (this.api.domainName) {
      // The execute-api endpoint is disabled: the domain is the API's only address.
      output('ApiUrl', 'The HTTP API endpoint: its custom domain', `https://${settings.apiDomainName}`);
    } else {
      output('ApiUrl', 'The HTTP API endpoint', this.api.httpApi.apiEndpoint);
    }
    if (this.api.domainName) {
      output(
        'ApiDomainTarget',
        `Point ${settings.apiDomainName} here (Route 53 alias, or CNAME)`,
        this.api.domainName.regionalDomainName,
      );
      output(
        'ApiDomainHostedZoneId',
        'The hosted zone id of that target, for a Route 53 alias record',
        this.api.domainName.regionalHostedZoneId,
      );
    }
    output(
      'AdminApiPolicyArn',
      'Attach to the admins: execute-api:Invoke on the /admin routes only',
      this.api.adminPolicy.managedPolicyArn,
    );
    output('MailFrom', 'The From address of every email (a verified SES identity)', settings.mailFrom);
    output('SenderDomain', 'The SES domain identity mail is sent from', settings.senderDomain);

    new CfnOutput(this, 'SesConfigurationSet', {
      description: 'SES configuration set every email names',
      value: this.mail.configurationSetName,
    });
    new CfnOutput(this, 'SendDlqUrl', {
      description: 'Dead-letter queue of the send jobs: inspect it when the DLQ alarm fires',
      value: this.sendDeadLetterQueue.queueUrl,
    });
  }
}
