import type { SubscriberProfiles, SubscriberReader } from '../ports/subscriber-store.ts';
import type { TopicId } from '../model/topics.ts';
import { newSubscriber, type SubscriberIds } from '../core/subscribers/subscriber.ts';

/**
 * A few confirmed readers with different topics, so a fresh `npm start` shows real digests.
 * They are marked `demo: true` and use example.org addresses, which can never be real mailboxes.
 */
/**
 * Ana and Chloe live in France: Ana's digest shows a CAR-T trial recruiting there ("Recruiting in
 * your country"), Chloe's a lupus trial recruiting only in Germany (no such line). Ben said
 * nothing of his country; Dev lives in Germany, where none of his topics' trials recruit.
 */
const DEMO_READERS: readonly { email: string; topics: TopicId[]; country?: string }[] = [
  { email: 'ana.demo@example.org', topics: ['car-t', 'leukemia'], country: 'FR' },
  { email: 'ben.demo@example.org', topics: ['checkpoint-inhibitors', 'melanoma', 'side-effects'] },
  { email: 'chloe.demo@example.org', topics: ['autoimmune', 'vaccines'], country: 'FR' },
  { email: 'dev.demo@example.org', topics: ['lung-cancer', 'combination-therapy', 'access'], country: 'DE' },
];

/** Seeds the demo readers if the subscriber table is empty; returns how many were created. */
export async function seedDemoSubscribers(
  subscribers: Pick<SubscriberReader, 'hasAny'> & Pick<SubscriberProfiles, 'create'>,
  now: Date,
  ids: SubscriberIds,
): Promise<number> {
  if (await subscribers.hasAny()) return 0;
  let created = 0;
  for (const reader of DEMO_READERS) {
    const subscriber = newSubscriber(
      {
        email: reader.email,
        topics: reader.topics,
        ...(reader.country ? { country: reader.country } : {}),
        status: 'confirmed',
        demo: true,
        delivery: { weekday: 1, hour: 8, timeZone: 'UTC' },
      },
      now,
      ids,
    );
    if (await subscribers.create(subscriber)) created += 1;
  }
  return created;
}
