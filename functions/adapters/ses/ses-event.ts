import { z } from 'zod';
import { PoisonMessageError } from '../../core/errors.ts';
import type { MailEvent } from '../../core/subscribers/mail-events.ts';

/**
 * SES publishes bounce and complaint events of the configuration set to EventBridge
 * (source "aws.ses", detail-type "Email Bounced" / "Email Complained"); the detail has the same
 * shape as SES event publishing records. This turns one into our MailEvent; anything else is
 * refused with a message that says what was wrong.
 */
const recipient = z.object({ emailAddress: z.string().min(3) }).passthrough();

const detailSchema = z.discriminatedUnion('eventType', [
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

export function parseSesEvent(event: unknown, receivedAt: Date): MailEvent {
  const parsed = sesEventBridgeSchema.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new PoisonMessageError(`not an SES bounce or complaint event: ${problems.join('; ')}`);
  }
  const { detail } = parsed.data;
  const at = (timestamp: string | undefined) => {
    const date = timestamp ? new Date(timestamp) : receivedAt;
    return Number.isNaN(date.getTime()) ? receivedAt : date;
  };
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
