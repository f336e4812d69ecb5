import { z } from 'zod';
import { PoisonMessageError } from '../../core/errors.ts';
import type { MailEvent } from '../../core/subscribers/mail-events.ts';
import type { SesAcceptance } from '../../core/delivery/ses-acceptance.ts';
import { ledgerKeyOfTags } from './ses-tags.ts';

/**
 * SES publishes send, bounce and complaint events of the configuration set to EventBridge
 * (source "aws.ses", detail-type "Email Sent" / "Email Bounced" / "Email Complained"); the detail
 * has the same shape as SES event publishing records. This turns one into our MailEvent or
 * SesAcceptance; anything else is refused with a message that says what was wrong.
 */
export type SesEvent = MailEvent | SesAcceptance;

const recipient = z.object({ emailAddress: z.string().min(3) }).passthrough();

/** The email an event is about: SES's message id, when it accepted it, and the tags it was sent with. */
const mailSchema = z
  .object({
    messageId: z.string().min(1),
    timestamp: z.string().optional(),
    tags: z.record(z.string(), z.array(z.string())).optional(),
  })
  .passthrough();

const detailSchema = z.discriminatedUnion('eventType', [
  z.object({ eventType: z.literal('Send'), mail: mailSchema }).passthrough(),
  z
    .object({
      eventType: z.literal('Bounce'),
      bounce: z
        .object({
          bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
          bouncedRecipients: z.array(recipient).min(1),
          timestamp: z.string().optional(),
        })
        .passthrough(),
    })
    .passthrough(),
  z
    .object({
      eventType: z.literal('Complaint'),
      complaint: z
        .object({ complainedRecipients: z.array(recipient).min(1), timestamp: z.string().optional() })
        .passthrough(),
    })
    .passthrough(),
]);

const sesEventBridgeSchema = z
  .object({
    source: z.literal('aws.ses'),
    'detail-type': z.string(),
    time: z.string().optional(),
    detail: detailSchema,
  })
  .passthrough();

export function parseSesEvent(event: unknown, receivedAt: Date): SesEvent {
  const parsed = sesEventBridgeSchema.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new PoisonMessageError(`not an SES send, bounce or complaint event: ${problems.join('; ')}`);
  }
  const { detail } = parsed.data;
  const at = (timestamp: string | undefined) => {
    const date = timestamp ? new Date(timestamp) : receivedAt;
    return Number.isNaN(date.getTime()) ? receivedAt : date;
  };
  if (detail.eventType === 'Send') {
    return {
      kind: 'accepted',
      key: ledgerKeyOfTags(detail.mail.tags),
      messageId: detail.mail.messageId,
      at: at(detail.mail.timestamp),
    };
  }
  if (detail.eventType === 'Complaint') {
    return {
      kind: 'complaint',
      recipients: detail.complaint.complainedRecipients.map((r) => r.emailAddress),
      at: at(detail.complaint.timestamp),
    };
  }
  return {
    kind: 'bounce',
    // Only a Permanent bounce is final; Transient and Undetermined may clear up.
    severity: detail.bounce.bounceType === 'Permanent' ? 'hard' : 'soft',
    recipients: detail.bounce.bouncedRecipients.map((r) => r.emailAddress),
    at: at(detail.bounce.timestamp),
  };
}
