import { randomBytes } from 'node:crypto';
import { ledgerTags } from '../adapters/ses/ses-tags.ts';
import type { Clock } from '../ports/clock.ts';
import type { Mailer, OutgoingEmail } from '../ports/mailer.ts';

/** An email tag as SendEmail carries it. */
export interface EmailTag {
  readonly Name: string;
  readonly Value: string;
}

/**
 * The event SES puts on EventBridge when it accepts an email of the configuration set ("Email
 * Sent"), as AWS documents it: the mail's tags come back as lists, the set's name among them.
 */
export function sesSendEvent(input: {
  readonly messageId: string;
  readonly to: string;
  readonly tags: readonly EmailTag[];
  readonly at: Date;
  readonly configurationSet?: string | undefined;
}) {
  const time = input.at.toISOString();
  const tags: Record<string, string[]> = {};
  for (const tag of input.tags) tags[tag.Name] = [tag.Value];
  if (input.configurationSet) tags['ses:configuration-set'] = [input.configurationSet];
  return {
    version: '0',
    id: randomBytes(8).toString('hex'),
    'detail-type': 'Email Sent',
    source: 'aws.ses',
    account: '000000000000',
    time,
    region: 'local',
    resources: [],
    detail: {
      eventType: 'Send',
      mail: { timestamp: time, messageId: input.messageId, destination: [input.to], tags },
      send: {},
    },
  };
}

/** The tags SES would hand back for an email our mailer sent (the ledger's, encoded as it encodes them). */
export function tagsOfEmail(email: OutgoingEmail): EmailTag[] {
  return [
    ...Object.entries(email.tags).map(([Name, Value]) => ({ Name, Value })),
    ...(email.ledgerKey ? ledgerTags(email.ledgerKey) : []),
  ];
}

export interface SendEventOptions {
  /** Hands one event to the ses-events path (handleSesEvent on the local context). */
  readonly publish: (event: unknown) => Promise<unknown>;
  readonly clock: Clock;
  readonly configurationSet?: string | undefined;
  /** How long after SES's answer the event arrives (EventBridge takes about a second). */
  readonly delayMs?: () => number;
  readonly onError?: (error: unknown) => void;
}

/** About a second, as SES's events reach an EventBridge target: 0.5–2 s. */
const realisticDelayMs = () => 500 + Math.floor(Math.random() * 1500);

/**
 * The local stand-in for SES event publishing: aws-ses-v2-local publishes no events, so this
 * mailer publishes SES's Send event for each email the stand-in accepted, a realistic moment
 * later, through the same ses-events path as the cloud — which records the acceptance on the
 * email's ledger item. `flush` publishes what is still waiting at once (a command that ends).
 */
export class SendEventPublishingMailer implements Mailer {
  private readonly pending = new Map<NodeJS.Timeout, () => Promise<void>>();
  private readonly publishing = new Set<Promise<void>>();

  constructor(
    private readonly inner: Mailer,
    private readonly options: SendEventOptions,
  ) {}

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    const result = await this.inner.send(email);
    const event = sesSendEvent({
      messageId: result.messageId,
      to: email.to,
      tags: tagsOfEmail(email),
      at: this.options.clock.now(),
      configurationSet: this.options.configurationSet,
    });
    const publish = async () => {
      try {
        await this.options.publish(event);
      } catch (error) {
        this.options.onError?.(error);
      }
    };
    const timer = setTimeout(
      () => {
        this.pending.delete(timer);
        this.track(publish());
      },
      (this.options.delayMs ?? realisticDelayMs)(),
    );
    timer.unref();
    this.pending.set(timer, publish);
    return result;
  }

  /** Publishes every event still waiting now, and waits for those on their way. */
  async flush(): Promise<void> {
    for (const [timer, publish] of this.pending) {
      clearTimeout(timer);
      this.track(publish());
    }
    this.pending.clear();
    await Promise.all([...this.publishing]);
  }

  private track(publishing: Promise<void>): void {
    this.publishing.add(publishing);
    void publishing.finally(() => this.publishing.delete(publishing));
  }
}
