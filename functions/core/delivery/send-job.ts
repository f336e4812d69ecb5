import { z } from 'zod';
import { PoisonMessageError } from '../errors.ts';
import { topicIdSchema } from '../topics.ts';

/**
 * The messages on the send queue. A digest job carries one group: readers whose selections are
 * identical, so the sender renders once and only personalises links per reader. Jobs are
 * versioned and validated on receipt: a message that does not parse is poison (DLQ), never retried.
 */

const recipientSchema = z
  .object({
    subscriberId: z.string().min(10).max(64),
    /** The reader's topics when planned; a reader who changed topics since is planned again instead. */
    topicsKey: z.string().max(400),
  })
  .strict();

export const digestJobSchema = z
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
                  .object({ articleId: z.string().min(4), matchedTopics: z.array(topicIdSchema).min(1) })
                  .strict(),
              )
              .min(1),
          })
          .strict(),
      )
      .min(1),
    recipients: z.array(recipientSchema).min(1).max(500),
  })
  .strict();

export type DigestJob = z.infer<typeof digestJobSchema>;

export const sendJobSchema = z.discriminatedUnion('kind', [digestJobSchema]);

export type SendJob = z.infer<typeof sendJobSchema>;

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
