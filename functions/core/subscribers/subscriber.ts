import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalTopicOrder, topicIdSchema, type TopicId } from '../../model/topics.ts';
import {
  DEFAULT_DELIVERY_SLOT,
  type DeliverySlot,
  type Subscriber,
  type SubscriberStatus,
} from '../../model/subscribers.ts';
import { timeZoneSchema } from './time-zones.ts';
import { asciiAddress } from './email-address.ts';

/**
 * Who a subscriber is. The id is a hash of the normalised address: one item per address with a
 * single conditional put, no separate e-mail index, and after erasure the same hash is all that
 * remains as the suppression entry.
 */

/** Trims and lower-cases an address; mailbox case is never meaningful in practice, and duplicates are. */
export function normaliseEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

export function subscriberIdFor(email: string): string {
  return createHash('sha256')
    .update(`immuno-digest:subscriber:${normaliseEmail(email)}`)
    .digest('base64url')
    .slice(0, 32);
}

/** An email address; an internationalised domain comes out in ASCII (email-address.ts). */
export const emailSchema = z
  .string()
  .trim()
  .transform((value, context) => {
    const reading = asciiAddress(value);
    if (reading.ok) return reading.address;
    context.addIssue({ code: 'custom', message: reading.problem });
    return z.NEVER;
  })
  .pipe(
    z
      .string()
      .max(254, { message: 'email address is too long' })
      .email({ message: 'enter a valid email address, like name@example.org' }),
  );

export const deliverySlotSchema = z
  .object({
    weekday: z.coerce.number().int().min(1).max(7),
    hour: z.coerce.number().int().min(0).max(23),
    timeZone: timeZoneSchema,
  })
  .strict();

export const topicsSchema = z
  .array(topicIdSchema)
  .min(1, { message: 'choose at least one topic' })
  .transform((topics) => canonicalTopicOrder(topics));

export interface NewSubscriberInput {
  readonly email: string;
  readonly topics: readonly TopicId[];
  readonly delivery?: DeliverySlot;
  readonly status?: SubscriberStatus;
  readonly demo?: boolean;
}

export function newSubscriber(input: NewSubscriberInput, now: Date): Subscriber {
  const email = normaliseEmail(input.email);
  return {
    subscriberId: subscriberIdFor(email),
    email,
    topics: canonicalTopicOrder(input.topics),
    status: input.status ?? 'pending',
    delivery: input.delivery ?? DEFAULT_DELIVERY_SLOT,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    softBounces: 0,
    ...(input.demo ? { demo: true } : {}),
  };
}

/** Statuses that must never receive mail again until the reader subscribes anew. */
export const SUPPRESSED_STATUSES: readonly SubscriberStatus[] = ['unsubscribed', 'bounced', 'complained'];
