import { afterEach, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/app.ts';
import { planDigestOnce } from '../../functions/app/jobs.ts';
import { loadEdition } from '../../functions/core/archive/editions.ts';
import { editArticle } from '../../functions/core/editorial/edit-article.ts';
import { setEditorNote } from '../../functions/core/editorial/editor-note.ts';
import { exportEditorTags } from '../../functions/core/editorial/tag-export.ts';
import { ALL_HIDDEN_REASON } from '../../functions/core/delivery/deliver-job.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { TOPIC_IDS, type TopicId } from '../../functions/model/topics.ts';
import type { ArticleCandidate } from '../../functions/model/articles.ts';
import { aCandidate, ManualClock } from '../../testkit/fakes.ts';
import { sentEmails, type StoredEmail, type TestWorld } from '../../testkit/test-world.ts';
import { drainSendQueue } from '../helpers/drain.ts';
import { createTestWorld } from '../helpers/test-context.ts';

/**
 * The editors' desk acting on what readers get, on the stand-ins: a hide stored after planning,
 * a retag across re-ingest, a pin, and a week's note (issue 16, items 2–5).
 */

/** Thursday of ISO week 2026-W49; its articles were first seen on the Wednesday. */
const THURSDAY_W49 = '2026-12-03T12:00:00.000Z';
const WEDNESDAY_W49 = new Date('2026-12-02T08:00:00.000Z');
const THURSDAY_W50 = '2026-12-10T12:00:00.000Z';
const WEDNESDAY_W50 = new Date('2026-12-09T08:00:00.000Z');

const EDITOR = 'arn:aws:iam::123456789012:user/editor';

describe("the editors' desk on the stand-ins", () => {
  let world: TestWorld;
  let clock: ManualClock;

  afterEach(() => world?.stop());

  async function newWorld() {
    clock = new ManualClock(new Date(THURSDAY_W49));
    world = await createTestWorld({ clock });
    return world;
  }

  const deps = () => ({
    marks: world.context.editorialMarks,
    clock,
    notes: world.context.editorNotes,
    archive: { limits: archiveLimits(), deps: archiveDeps() },
  });

  async function store(
    slug: string,
    topics: Partial<Record<TopicId, number>>,
    firstSeenAt = WEDNESDAY_W49,
    extra: Partial<ArticleCandidate> = {},
  ) {
    const url = `https://research.example.org/${slug}`;
    const stored = await world.context.articles.upsert(
      aCandidate({
        url,
        title: `Study ${slug}`,
        publishedAt: new Date(firstSeenAt.getTime() - 86_400_000).toISOString(),
        topics,
        ...extra,
      }),
      firstSeenAt,
    );
    return { id: stored.articleId, url, title: `Study ${slug}` };
  }

  async function addReader(local: string, topics: TopicId[]) {
    const subscriber = newSubscriber(
      { email: world.email(local), topics, status: 'confirmed' },
      clock.now(),
      world.context.subscriberIds,
    );
    await world.context.subscribers.create(subscriber);
    return subscriber;
  }

  async function planAndSend() {
    const plan = await planDigestOnce(world.context, { ignoreSlot: true });
    const totals = await drainSendQueue(world.context, world.queues.sendUrl);
    return { plan, totals };
  }

  const mailTo = async (address: string): Promise<StoredEmail[]> =>
    (await sentEmails(world.endpoints.ses, world.isMine)).filter(
      (email) => email.destination.to[0] === address,
    );

  const archiveLimits = () => ({
    maxPerTopic: world.context.config.digest.maxPerTopic,
    maxArticles: world.context.config.digest.maxPerTopic * TOPIC_IDS.length,
  });
  const archiveDeps = () => ({
    articles: world.context.articles,
    editions: world.context.editions,
    clock,
    editorNotes: world.context.editorNotes,
  });

  it('leaves a hidden article out of a digest planned before the hide, and sends no email when it was the only one', async () => {
    await newWorld();
    const kept = await store('kept', { 'car-t': 5 });
    const wrong = await store('misleading', { 'car-t': 6, melanoma: 4 });
    const both = await addReader('both', ['car-t']);
    const onlyWrong = await addReader('only-wrong', ['melanoma']);

    const plan = await planDigestOnce(world.context, { ignoreSlot: true });
    expect(plan).toMatchObject({ planned: 2 });
    const hidden = await editArticle(
      wrong.id,
      { kind: 'hide', reason: 'Overstates the result' },
      EDITOR,
      deps(),
    );
    expect(hidden.editorial?.hidden).toEqual({
      by: EDITOR,
      at: THURSDAY_W49,
      reason: 'Overstates the result',
    });
    const totals = await drainSendQueue(world.context, world.queues.sendUrl);

    expect(totals).toMatchObject({ sent: 1, skipped: 1, failed: 0 });
    const [mail] = await mailTo(both.email);
    expect(mail!.body.text).toContain(kept.url);
    expect(mail!.body.text).not.toContain(wrong.url);
    expect(mail!.body.html).not.toContain(wrong.url);
    expect(await mailTo(onlyWrong.email)).toEqual([]);
    // The desk counts the emails really sent with each article: the hidden one went to nobody.
    const counted = await world.context.articles.getMany([kept.id, wrong.id]);
    expect(Object.fromEntries(counted.map((article) => [article.id, article.digestReaders ?? 0]))).toEqual({
      [kept.id]: 1,
      [wrong.id]: 0,
    });
    const records = await world.context.ledger.listForDigest('weekly-2026-W49');
    expect(records.find((record) => record.subscriberId === onlyWrong.subscriberId)).toMatchObject({
      status: 'skipped',
      reason: ALL_HIDDEN_REASON,
    });

    // Not in the archive either; unhiding brings it back to the week's edition.
    clock.set(THURSDAY_W50);
    let edition = await loadEdition('2026-W49', archiveLimits(), archiveDeps());
    expect(edition!.sections.flatMap((s) => s.articles.map((a) => a.id))).toEqual([kept.id]);
    await editArticle(wrong.id, { kind: 'unhide' }, EDITOR, deps());
    edition = await loadEdition('2026-W49', archiveLimits(), archiveDeps());
    expect(edition!.sections.flatMap((s) => s.articles.map((a) => a.id)).sort()).toEqual(
      [kept.id, wrong.id].sort(),
    );
  });

  it("keeps an editor's topics across re-ingest of the same work from another source, and exports them as labelled lines", async () => {
    await newWorld();
    const doi = '10.1000/retag.1';
    const journal = await store('retag-journal', { 'car-t': 5 }, WEDNESDAY_W49, {
      identifiers: { doi },
      identityKeys: [`doi:${doi}`, 'url:https://research.example.org/retag-journal'],
    });
    const retagged = await editArticle(
      journal.id,
      { kind: 'retag', topics: ['melanoma', 'antibodies'], relevant: true },
      EDITOR,
      deps(),
    );
    expect(retagged.topics).toEqual({ antibodies: 1, melanoma: 1 });

    // The same work again: from its own source, and from another one (PubMed) with other topics.
    await store('retag-journal', { 'car-t': 5 }, WEDNESDAY_W49, {
      identifiers: { doi },
      identityKeys: [`doi:${doi}`, 'url:https://research.example.org/retag-journal'],
    });
    const fromPubmed = await world.context.articles.upsert(
      aCandidate({
        url: 'https://pubmed.ncbi.nlm.nih.gov/999001/',
        title: 'Study retag-journal (PubMed)',
        source: { sourceId: 'pubmed-test', sourceName: 'PubMed', weight: 1 },
        identifiers: { doi, pmid: '999001' },
        identityKeys: [`doi:${doi}`, 'pmid:999001'],
        topics: { 'car-t': 7, leukemia: 3 },
      }),
      new Date('2026-12-03T09:00:00.000Z'),
    );
    expect(fromPubmed).toEqual({ outcome: 'merged', articleId: journal.id });

    const [article] = await world.context.articles.getMany([journal.id]);
    expect(article!.topics).toEqual({ antibodies: 1, melanoma: 1 });
    expect(article!.relevant).toBe(true);
    expect(article!.editorial?.retagged).toMatchObject({
      by: EDITOR,
      taggerTopics: { 'car-t': 5, leukemia: 3 },
    });

    // Readers get it under the editor's topics, not the tagger's.
    const skin = await addReader('skin', ['melanoma']);
    const blood = await addReader('blood', ['car-t', 'leukemia']);
    await planAndSend();
    expect((await mailTo(skin.email))[0]!.body.text).toContain(journal.url);
    expect(await mailTo(blood.email)).toEqual([]);

    const lines = await exportEditorTags(deps());
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      {
        title: journal.title,
        kind: 'journal',
        source: `editor:${EDITOR}`,
        relevant: true,
        topics: ['antibodies', 'melanoma'],
      },
    ]);
  });

  it("puts a pinned article first in its sections with an Editor's pick badge, in digests and in the archive edition", async () => {
    await newWorld();
    const top = await store('top-ranked', { 'car-t': 9 });
    await store('second', { 'car-t': 7 });
    const pick = await store('editors-pick', { 'car-t': 2 });
    const reader = await addReader('cart', ['car-t']);
    await editArticle(pick.id, { kind: 'pin' }, EDITOR, deps());

    await planAndSend();
    const [mail] = await mailTo(reader.email);
    const text = mail!.body.text!;
    expect(text.indexOf(pick.url)).toBeGreaterThan(-1);
    expect(text.indexOf(pick.url)).toBeLessThan(text.indexOf(top.url));
    expect(text).toMatch(/CAR-T[^\n]*\n-+\n\n\[Editor's pick\]\n/);
    expect(mail!.body.html).toContain('Editor&#39;s pick');
    expect(text.match(/Editor's pick/g)).toHaveLength(1);

    clock.set(THURSDAY_W50);
    const edition = await loadEdition('2026-W49', archiveLimits(), archiveDeps());
    expect(edition!.sections[0]!.articles[0]!.id).toBe(pick.id);
  });

  it("shows a week's note at the top of that week's digests and archive edition, and not the next week's", async () => {
    await newWorld();
    await store('week-49', { vaccines: 5 });
    const reader = await addReader('vaccines', ['vaccines']);
    const { view } = await setEditorNote(
      {
        weekId: '2026-W49',
        body: 'A **big** week for vaccines. <script>alert(1)</script>[More](https://example.org/more)',
        by: EDITOR,
      },
      deps(),
    );
    expect(view!.removed).toEqual(['<script> removed']);

    await planAndSend();
    const [first] = await mailTo(reader.email);
    const text = first!.body.text!;
    expect(text).toMatch(
      /A NOTE FROM THE EDITORS\nA big week for vaccines\. More \[https:\/\/example\.org\/more\]/,
    );
    expect(text.indexOf('A NOTE FROM THE EDITORS')).toBeLessThan(text.indexOf('VACCINES'));
    expect(first!.body.html).toContain('<strong>big</strong>');
    expect(first!.body.html).not.toContain('<script');

    clock.set(THURSDAY_W50);
    await store('week-50', { vaccines: 5 }, WEDNESDAY_W50);
    await planAndSend();
    const mails = await mailTo(reader.email);
    expect(mails).toHaveLength(2);
    const second = mails.find((mail) => mail !== undefined && mail.body.text !== text)!;
    expect(second.body.text).toContain('https://research.example.org/week-50');
    expect(second.body.text).not.toContain('NOTE FROM THE EDITORS');

    const editionW49 = await loadEdition('2026-W49', archiveLimits(), archiveDeps());
    expect(editionW49!.note?.html).toContain('<strong');
    clock.set('2026-12-17T12:00:00.000Z');
    const editionW50 = await loadEdition('2026-W50', archiveLimits(), archiveDeps());
    expect(editionW50!.articleCount).toBe(1);
    expect(editionW50!.note).toBeUndefined();
  });
});

describe("the editors' desk over the admin API", () => {
  const ADMIN_TOKEN = 'admin-token-for-desk-tests-0123456789ab';
  let world: TestWorld;
  let api: ReturnType<typeof createApi>;
  const clock = new ManualClock(new Date(THURSDAY_W49));

  afterEach(() => world?.stop());

  const asAdmin = (method: string, body?: unknown): RequestInit => ({
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

  it('lists, hides, pins, retags and notes with the admin credential, and refuses without it', async () => {
    world = await createTestWorld({ clock, env: { ADMIN_TOKEN } });
    api = createApi(world.context, { clientIp: () => '203.0.113.9' });
    const put = (slug: string, topics: Partial<Record<TopicId, number>>) =>
      world.context.articles.upsert(
        aCandidate({ url: `https://research.example.org/${slug}`, topics }),
        WEDNESDAY_W49,
      );
    const { articleId: cart } = await put('api-cart', { 'car-t': 5 });
    const { articleId: skin } = await put('api-skin', { melanoma: 5 });

    expect(
      (await api.request('/admin/articles?week=2026-W49', { headers: { accept: 'application/json' } }))
        .status,
    ).toBe(401);
    const all = (await (await api.request('/admin/articles?week=2026-W49', asAdmin('GET'))).json()) as {
      total: number;
      articles: { id: string }[];
    };
    expect(all.total).toBe(2);
    const onCart = (await (await api.request('/admin/articles?topic=car-t', asAdmin('GET'))).json()) as {
      weekId: string;
      articles: { id: string }[];
    };
    expect(onCart).toMatchObject({ weekId: '2026-W49', articles: [{ id: cart }] });

    const hide = await api.request(`/admin/articles/${cart}/hide`, asAdmin('POST', { reason: 'Duplicate' }));
    expect(hide.status).toBe(200);
    expect(await hide.json()).toMatchObject({
      action: 'hide',
      article: { hidden: { by: 'local admin (admin token)', reason: 'Duplicate' } },
    });
    expect((await api.request(`/admin/articles/${skin}/pin`, asAdmin('POST'))).status).toBe(200);
    const retag = await api.request(
      `/admin/articles/${skin}/topics`,
      asAdmin('PUT', { topics: ['melanoma', 'side-effects'] }),
    );
    expect(await retag.json()).toMatchObject({
      article: {
        topics: { melanoma: 1, 'side-effects': 1 },
        taggedByEditor: { taggerTopics: { melanoma: 5 } },
      },
    });
    expect(
      (await api.request(`/admin/articles/${skin}/topics`, asAdmin('PUT', { topics: ['nope'] }))).status,
    ).toBe(400);
    expect((await api.request('/admin/articles/no-such-article/pin', asAdmin('POST'))).status).toBe(404);

    const hiddenOnes = (await (await api.request('/admin/articles?state=hidden', asAdmin('GET'))).json()) as {
      articles: { id: string }[];
    };
    expect(hiddenOnes.articles.map((article) => article.id)).toEqual([cart]);

    const note = await api.request('/admin/notes/2026-W49', asAdmin('PUT', { body: 'Read *this* first.' }));
    expect(await note.json()).toMatchObject({
      weekId: '2026-W49',
      by: 'local admin (admin token)',
      removed: [],
    });
    expect((await api.request('/admin/notes/2026-W99', asAdmin('PUT', { body: 'x' }))).status).toBe(400);

    const preview = await api.request(
      '/admin/notes/2026-W49/preview?topics=melanoma&topics=car-t',
      asAdmin('GET'),
    );
    const { previewUrl, articleCount } = (await preview.json()) as {
      previewUrl: string;
      articleCount: number;
    };
    expect(articleCount).toBe(1);
    const framed = await (await api.request(previewUrl, asAdmin('GET'))).text();
    expect(framed).toContain('A NOTE FROM THE EDITORS');
    expect(framed).toContain('<em>this</em>');
    expect(framed).toContain('Editor&#39;s pick');
    expect(framed).not.toContain('api-cart');
  });
});
