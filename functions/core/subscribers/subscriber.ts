import { z } from 'zod';
import { canonicalTopicOrder, topicIdSchema, type TopicId } from '../../model/topics.ts';
import {
  DEFAULT_DELIVERY_SLOT,
  type DeliverySlot,
  type Subscriber,
  type SubscriberStatus,
} from '../../model/subscribers.ts';
import { countryName } from '../../model/countries.ts';
import { timeZoneSchema } from './time-zones.ts';
import { newInstance, normaliseEmail, type SubscriberIds } from './subscriber-ids.ts';
import { asciiAddress } from './email-address.ts';

/** What a subscriber record holds and the input rules of its fields; its id is subscriber-ids.ts's. */

export { normaliseEmail, type SubscriberIds } from './subscriber-ids.ts';

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

export const UNKNOWN_COUNTRY_MESSAGE = 'is not a country we know: choose one from the list';

/**
 * A reader's country: an ISO 3166-1 alpha-2 code ("FR", any case); empty means "prefer not to
 * say" (undefined). Only the code is kept.
 */
export const countrySchema = z
  .string()
  .trim()
  .max(2, { message: UNKNOWN_COUNTRY_MESSAGE })
  .transform((value, context) => {
    if (value === '') return undefined;
    const code = value.toUpperCase();
    if (countryName(code) !== undefined) return code;
    context.addIssue({ code: 'custom', message: UNKNOWN_COUNTRY_MESSAGE });
    return z.NEVER;
  });

export const topicsSchema = z
  .array(topicIdSchema)
  .min(1, { message: 'choose at least one topic' })
  .transform((topics) => canonicalTopicOrder(topics));

export interface NewSubscriberInput {
  readonly email: string;
  readonly topics: readonly TopicId[];
  readonly delivery?: DeliverySlot;
  readonly country?: string;
  readonly status?: SubscriberStatus;
  readonly demo?: boolean;
}

/** A subscriber record with a fresh instance, its id from `ids`. */
export function newSubscriber(input: NewSubscriberInput, now: Date, ids: SubscriberIds): Subscriber {
  const email = normaliseEmail(input.email);
  return {
    subscriberId: ids.idFor(email),
    instance: newInstance(),
    email,
    topics: canonicalTopicOrder(input.topics),
    status: input.status ?? 'pending',
    delivery: input.delivery ?? DEFAULT_DELIVERY_SLOT,
    ...(input.country ? { country: input.country } : {}),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    softBounces: 0,
    ...(input.demo ? { demo: true } : {}),
  };
}

/** Statuses that must never receive mail again until the reader subscribes anew. */
export const SUPPRESSED_STATUSES: readonly SubscriberStatus[] = ['unsubscribed', 'bounced', 'complained'];
