import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestOnce, planDigestOnce } from '../../functions/app/jobs.ts';
import { previewDigest } from '../../functions/app/preview.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import type { TopicId } from '../../functions/model/topics.ts';
import type { SubscriberStatus } from '../../functions/model/subscribers.ts';
import { createTestWorld } from '../helpers/test-context.ts';
import { sentEmails, type TestWorld } from '../../testkit/test-world.ts';
import { serveSnapshots } from '../helpers/snapshots.ts';
import { drainSendQueue } from '../helpers/drain.ts';

describe('the pipeline end to end on the stand-ins', () => {
  let world: TestWorld;
  let snapshots: Awaited<ReturnType<typeof serveSnapshots>>;

  beforeAll(async () => {
    snapshots = await serveSnapshots();
    world = await createTestWorld({ fetcher: snapshots.fetcher });
  });

  afterAll(async () => {
    await snapshots.server.stop();
    world.stop();
  });

  async function addReader(local: string, topics: TopicId[], status: SubscriberStatus) {
    const subscriber = newSubscriber(
      { email: world.email(local), topics, status },
      world.context.clock.now(),
      world.context.subscriberIds,
    );
    await world.context.subscribers.create(subscriber);
    return subscriber;
  }

  it('ingests the enabled sources in all three formats and the site articles, merging works seen twice', async () => {
    const summary = await ingestOnce(world.context, { fetchUrlFor: snapshots.fetchUrlFor });

    expect(summary.failures).toEqual([]);
    // Thirteen sources: 7 feeds (RSS 2.0, RDF and Atom), 5 PubMed queries and 1 registry
    // query, the API sources answered by the loopback stand-in from their recordings.
    expect(summary.sourcesFetched).toBe(13);
    // 36 feed items, 17 PubMed records, 6 trials and 2 site articles. Two works come twice by
    // title (the glioblastoma vaccine study, the pooled pembrolizumab analysis); PubMed records
    // meet feed items by DOI and each other by PMID (7 more merges); an old trial's update
    // creates nothing.
    expect(summary.itemsSeen).toBe(61);
    expect(summary.articlesCreated).toBe(51);
    expect(summary.articlesMerged).toBe(9);
  });

  it('fetches nothing new on the second run: conditional GET answers 304 and the site article is unchanged', async () => {
    const summary = await ingestOnce(world.context, { fetchUrlFor: snapshots.fetchUrlFor });

    // The API sources have no validators: they search again and find only stored works.
    expect(summary.sourcesNotModified).toBe(7);
    expect(summary.articlesCreated).toBe(0);
    expect(summary.articlesMerged).toBe(0);
  });

  // Issue 14, finding 1: on these snapshots a checkpoint-inhibitors + lung-cancer reader got five
  // checkpoint articles and no lung-cancer section (the lung-cancer articles score higher on
  // checkpoint inhibitors, and were dropped once that section was full).
  it('previews a section for each of a reader’s topics from the snapshots, filling both', async () => {
    const preview = await previewDigest(world.context, {
      topics: ['checkpoint-inhibitors', 'lung-cancer'],
      to: 'reader@example.org',
      days: 7,
    });

    expect(preview.sections).toBe(2);
    expect(preview.articles).toBe(10);
    const text = preview.email.text;
    expect(text).toContain('CHECKPOINT INHIBITORS');
    expect(text).toContain('LUNG CANCER');
  });

  it('sends each confirmed reader one digest with only their topics, and nothing to anyone else', async () => {
    const cart = await addReader('cart', ['car-t', 'leukemia'], 'confirmed');
    const autoimmune = await addReader('autoimmune', ['autoimmune'], 'confirmed');
    await addReader('pending', ['car-t'], 'pending');
    await addReader('left', ['car-t'], 'unsubscribed');
    await addReader('bounced', ['melanoma'], 'bounced');

    const plan = await planDigestOnce(world.context, { ignoreSlot: true });
    const totals = await drainSendQueue(world.context, world.queues.sendUrl);

    expect(plan.planned).toBe(2);
    expect(totals.sent).toBe(2);
    const mine = await sentEmails(world.endpoints.ses, world.isMine);
    expect(mine.map((email) => email.destination.to[0]).sort()).toEqual(
      [autoimmune.email, cart.email].sort(),
    );

    const cartMail = mine.find((email) => email.destination.to[0] === cart.email)!;
    expect(cartMail.body.text).toContain('\nCAR-T & CELL THERAPY\n');
    expect(cartMail.body.text).toContain('\nLEUKEMIA & BLOOD CANCERS\n');
    expect(cartMail.body.text).not.toContain('\nAUTOIMMUNE DISEASE\n');
    const autoimmuneMail = mine.find((email) => email.destination.to[0] === autoimmune.email)!;
    expect(autoimmuneMail.body.text).toContain('\nAUTOIMMUNE DISEASE\n');
    expect(autoimmuneMail.body.text).not.toContain('\nCAR-T & CELL THERAPY\n');
    expect(autoimmuneMail.body.text).not.toMatch(/<script|javascript:/i);
    expect(autoimmuneMail.body.html).not.toMatch(/<script|onclick|javascript:/i);

    const headers = Object.fromEntries((cartMail.headers ?? []).map((header) => [header.name, header.value]));
    expect(headers['List-Unsubscribe']).toMatch(
      /^<http:\/\/localhost:3000\/unsubscribe\?token=[\w-]{6}\.u\.[^>]+>, <mailto:/,
    );
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  });

  it('sends nothing new when the digest runs again the same week', async () => {
    const before = (await sentEmails(world.endpoints.ses)).length;

    const plan = await planDigestOnce(world.context, { ignoreSlot: true });
    const totals = await drainSendQueue(world.context, world.queues.sendUrl);

    expect(plan.planned).toBe(0);
    expect(totals.sent).toBe(0);
    expect((await sentEmails(world.endpoints.ses)).length).toBe(before);
  });
});
