import { z } from 'zod';
import { PoisonMessageError } from '../errors.ts';
import { TOPIC_IDS, topicIdSchema } from '../../model/topics.ts';
import { sendIdSchema } from '../announcements/announcement.ts';

/**
 * The messages on the send queue. A digest job carries one group: readers whose selections are
 * identical, so the sender renders once and only personalises links per reader. An announcement
 * is one plan job (the sender reads its audience and fans it out) and then announcement jobs of
 * recipients; the content is read from the send's record, not carried in every message. Jobs
 * are versioned and validated on receipt: a message that does not parse is poison (DLQ), never
 * retried.
 */

const recipientSchema = z
  .object({
    subscriberId: z.string().min(10).max(64),
    /** The reader's topics when planned; a reader who changed topics since is planned again instead. */
    topicsKey: z.string().max(400),
  })
  .strict();

/**
 * A continuation's stall (send-policy.ts, Stall): how many times in a row, and since when, SES
 * took none of the job's emails. Absent on a job as planned.
 */
const stallSchema = z
  .object({ since: z.string().datetime(), handOns: z.number().int().min(1).max(100_000) })
  .strict();

const digestJobSchema = z
  .object({
    kind: z.literal('digest'),
    version: z.literal(1),
    digestId: z.string().regex(/^weekly-\d{4}-W\d{2}$/),
    groupKey: z.string().min(4).max(64),
    /** The reader's next window starts here once this digest is delivered. */
    windowEnd: z.string().datetime(),
    sections: z
      .array(
        z
          .object({
            topic: topicIdSchema,
            articles: z
              .array(
                z
                  .object({
                    articleId: z.string().min(4),
                    matchedTopics: z.array(topicIdSchema).min(1).readonly(),
                    /** A trial recruiting in the group's country: the card says so. */
                    recruitingHere: z.literal(true).optional(),
                  })
                  .strict()
                  .readonly(),
              )
              .min(1)
              .readonly(),
          })
          .strict()
          .readonly(),
      )
      .min(1)
      // Shared, as planned, by every job of a group (and in-process by the planner's selections).
      .readonly(),
    /** The readers' topics with nothing this week: one quiet line each. Absent when none. */
    quietTopics: z.array(topicIdSchema).max(TOPIC_IDS.length).optional(),
    recipients: z.array(recipientSchema).min(1).max(500),
    stalled: stallSchema.optional(),
  })
  .strict();

export type DigestJob = z.infer<typeof digestJobSchema>;

/**
 * Fans an admin send out: lists its audience and enqueues its announcement jobs. `resume` plans
 * a send again that was planned before but never finished (its jobs were lost with a local queue,
 * or went to the DLQ); the ledger skips whoever already got it. `scheduled` is the job a send
 * scheduled for later puts on the queue at its time: the planner starts the send first, unless it
 * was cancelled (core/announcements/schedule-send.ts).
 */
const announcementPlanJobSchema = z
  .object({
    kind: z.literal('announcement-plan'),
    version: z.literal(1),
    sendId: sendIdSchema,
    resume: z.boolean().optional(),
    scheduled: z.boolean().optional(),
  })
  .strict();

export type AnnouncementPlanJob = z.infer<typeof announcementPlanJobSchema>;

/** Some readers of one admin send. Who may still get it is decided again at send time. */
const announcementJobSchema = z
  .object({
    kind: z.literal('announcement'),
    version: z.literal(1),
    sendId: sendIdSchema,
    recipients: z
      .array(z.object({ subscriberId: z.string().min(10).max(64) }).strict())
      .min(1)
      .max(500),
    stalled: stallSchema.optional(),
  })
  .strict();

export type AnnouncementJob = z.infer<typeof announcementJobSchema>;

/**
 * A request someone made by typing an address (core/subscribers/account-requests.ts): subscribe
 * (a confirmation email) or "email me a link" (a manage link, or the confirmation again). The
 * address is sealed; the sender opens it, decides, and mails through the rate limiter.
 */
const accountEmailJobSchema = z
  .object({
    kind: z.literal('account-email'),
    version: z.literal(1),
    address: z.string().min(20).max(1000),
    request: z.discriminatedUnion('type', [
      z
        .object({
          type: z.literal('subscribe'),
          topics: z.array(topicIdSchema).min(1).max(50),
          delivery: z
            .object({
              weekday: z.number().int().min(1).max(7),
              hour: z.number().int().min(0).max(23),
              timeZone: z.string().min(1).max(64),
            })
            .strict(),
          country: z
            .string()
            .regex(/^[A-Z]{2}$/)
            .optional(),
        })
        .strict(),
      z.object({ type: z.literal('manage-link') }).strict(),
    ]),
    requestedAt: z.string().datetime(),
  })
  .strict();

export type AccountEmailJob = z.infer<typeof accountEmailJobSchema>;

const sendJobSchema = z.discriminatedUnion('kind', [
  digestJobSchema,
  announcementPlanJobSchema,
  announcementJobSchema,
  accountEmailJobSchema,
]);

export type SendJob = z.infer<typeof sendJobSchema>;

/** The jobs that mail recipients through the ledger (a plan job only enqueues others; an account email has no ledger row). */
export type DeliveryJob = DigestJob | AnnouncementJob;

/**
 * Parses a queue message body.
 *
 * @throws PoisonMessageError saying what is wrong; such a message must not be retried.
 */
export function parseSendJob(body: string): SendJob {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new PoisonMessageError('send job is not JSON', { cause: error });
  }
  const parsed = sendJobSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new PoisonMessageError(`send job does not match its schema: ${problems.join('; ')}`);
  }
  return parsed.data;
}
