import { CfnOutput, Stack } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import {
  ConfigurationSet,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
  MailFromBehaviorOnMxFailure,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';

export interface MailSendingProps {
  /** The domain identity mail is sent from (verified with Easy DKIM). */
  readonly senderDomain: string;
  /**
   * The custom MAIL FROM domain (a subdomain of senderDomain): bounces go there and SPF is checked
   * for it, aligned with the From domain for DMARC. Undefined keeps SES's own MAIL FROM.
   */
  readonly mailFromDomain?: string | undefined;
  /** The From address without display name. */
  readonly fromAddress: string;
  /** Create the domain identity here (false: it already exists in this account and region). */
  readonly manageIdentity: boolean;
  /** With a Route 53 zone the DKIM records are created too; without, they are stack outputs. */
  readonly hostedZone: { readonly id: string; readonly name: string } | undefined;
  /** Verified recipient identities to allow while the account is still in the SES sandbox. */
  readonly sandboxRecipients: readonly string[];
}

/** The detail-types SES puts on the default event bus for the configuration set's events. */
export const SES_BOUNCE_DETAIL_TYPE = 'Email Bounced';
export const SES_COMPLAINT_DETAIL_TYPE = 'Email Complained';
export const SES_SEND_DETAIL_TYPE = 'Email Sent';

/**
 * Everything SES needs to send for us: the domain identity (Easy DKIM), and a configuration set
 * that every email names. The set publishes reputation metrics, applies the account suppression
 * list to bounces and complaints, and sends send, bounce and complaint events to the default
 * event bus, where rules hand them to the ses-events function (a Send event records SES's
 * acceptance on the email's ledger item; docs/reliability.md says why). It lives with the data: an identity
 * re-created after a teardown would need new DKIM records in DNS.
 */
export class MailSending extends Construct {
  readonly configurationSet: ConfigurationSet;
  readonly configurationSetName: string;
  /** What ses:SendEmail may be called on: our identities and our configuration set, nothing else. */
  readonly sendingResourceArns: readonly string[];

  constructor(scope: Construct, id: string, props: MailSendingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const identityArn = (name: string) =>
      stack.formatArn({ service: 'ses', resource: 'identity', resourceName: name });

    this.configurationSet = new ConfigurationSet(this, 'configuration-set', {
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.configurationSetName = this.configurationSet.configurationSetName;
    // The id stays as first deployed (a new id would replace the destination); it carries Send too.
    this.configurationSet.addEventDestination('bounces-and-complaints', {
      // SES can publish only to the default bus of the account and region.
      destination: EventDestination.eventBus(EventBus.fromEventBusName(this, 'default-bus', 'default')),
      events: [EmailSendingEvent.SEND, EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });

    if (props.manageIdentity) {
      const zone = props.hostedZone
        ? HostedZone.fromHostedZoneAttributes(this, 'zone', {
            hostedZoneId: props.hostedZone.id,
            zoneName: props.hostedZone.name,
          })
        : undefined;
      const identity = new EmailIdentity(this, 'identity', {
        identity: zone ? Identity.publicHostedZone(zone) : Identity.domain(props.senderDomain),
        // Mail sent without naming a set (a hand-made test) is still tracked and suppressed.
        configurationSet: this.configurationSet,
        dkimSigning: true,
        ...(props.mailFromDomain
          ? {
              mailFromDomain: props.mailFromDomain,
              // Until its MX record is published, mail goes out with SES's own MAIL FROM (still
              // delivered, DKIM-aligned only) rather than being refused.
              mailFromBehaviorOnMxFailure: MailFromBehaviorOnMxFailure.USE_DEFAULT_VALUE,
            }
          : {}),
      });
      // With the zone, EmailIdentity writes the MAIL FROM domain's MX and SPF records itself.
      if (props.mailFromDomain && !zone) this.mailFromOutputs(props.mailFromDomain);
      if (!zone) {
        identity.dkimRecords.forEach((record, index) => {
          const output = new CfnOutput(this, `dkim-record-${index + 1}`, {
            description: `DKIM CNAME ${index + 1} of 3 for ${props.senderDomain}: add it to your DNS`,
            value: `${record.name} CNAME ${record.value}`,
          });
          output.overrideLogicalId(`DkimRecord${index + 1}`);
        });
      }
    }

    this.sendingResourceArns = [
      this.configurationSetArn(),
      // SES authorises a send against the address identity when it is verified, else the domain's.
      identityArn(props.senderDomain),
      identityArn(props.fromAddress),
      // In the sandbox SES also authorises against each (verified) recipient identity.
      ...props.sandboxRecipients.map(identityArn),
    ];
  }

  /**
   * The MAIL FROM domain's two records, to publish by hand: the MX of SES's feedback endpoint in
   * this region (where bounces come back), and the SPF that lets SES send for the domain.
   */
  private mailFromOutputs(domain: string) {
    const mx = `feedback-smtp.${Stack.of(this).region}.amazonses.com`;
    new CfnOutput(this, 'mail-from-mx-record', {
      description: `The MX record of the MAIL FROM domain ${domain}: add it to your DNS`,
      value: `${domain} MX 10 ${mx}`,
    }).overrideLogicalId('MailFromMxRecord');
    new CfnOutput(this, 'mail-from-spf-record', {
      description: `The SPF record of the MAIL FROM domain ${domain}: add it to your DNS`,
      value: `${domain} TXT "v=spf1 include:amazonses.com ~all"`,
    }).overrideLogicalId('MailFromSpfRecord');
  }

  configurationSetArn(): string {
    return Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSetName,
    });
  }

  /** ses:SendEmail (the SES v2 action, whatever the content type) on our identities and set only. */
  grantSendEmail(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['ses:SendEmail'],
      resourceArns: [...this.sendingResourceArns],
    });
  }

  /**
   * ses:GetAccount, for the account's send quota and rate. It has no resource type in IAM, so
   * '*' is the only resource it can be granted on.
   */
  grantReadSendQuota(grantee: IGrantable): Grant {
    const grant = Grant.addToPrincipal({ grantee, actions: ['ses:GetAccount'], resourceArns: ['*'] });
    if (grant.principalStatement && grantee.grantPrincipal instanceof Construct) {
      acknowledge(
        grantee.grantPrincipal,
        'AwsSolutions-IAM5[Resource::*]',
        'ses:GetAccount (the send quota and rate) has no resource type in IAM: it can only be granted on *.',
      );
    }
    return grant;
  }
}
