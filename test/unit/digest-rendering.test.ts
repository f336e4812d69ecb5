import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { EmailRenderer, PersonalLinks } from '../../functions/core/rendering/email-renderer.ts';
import { mjmlToHtml, renderMjmlSource } from '../../functions/core/rendering/templates.ts';
import { ContentError } from '../../functions/core/errors.ts';
import { noteView } from '../../functions/core/editorial/note-view.ts';
import type { TopicId } from '../../functions/model/topics.ts';
import {
  createTestRenderer,
  digestInput,
  FULL_DIGEST,
  loadRenderingInputs,
  POSTAL_ADDRESS,
  SITE_URL,
  WEEK,
} from '../helpers/digest-fixture.ts';

const links: PersonalLinks = {
  manageUrl: `${SITE_URL}/preferences?token=m.reader.x1.sig&from=email`,
  unsubscribeUrl: `${SITE_URL}/unsubscribe?token=u.reader.x1.sig`,
};

describe('the digest templates', () => {
  it('pass MJML strict validation, and so does every other email template', async () => {
    const { templates } = await loadRenderingInputs();
    const view = {
      title: 'Your weekly Immunotherapy Digest',
      siteUrl: SITE_URL,
      postalAddress: POSTAL_ADDRESS,
      kicker: 'Weekly digest',
      intro: 'Intro',
      contents: 'Contents',
      footerReason: 'Reason',
      confirmUrl: `${SITE_URL}/confirm?token=c`,
      ...links,
      sections: [
        {
          topic: 'car-t',
          label: 'CAR-T & cell therapy',
          articles: [
            {
              title: 'A title',
              url: 'https://example.org/a',
              source: 'NCI',
              date: '1 Dec 2026',
              summary: 'A summary',
              badges: [{ label: 'Phase 3', background: '#fff', color: '#000', last: true }],
              why: 'CAR-T',
            },
          ],
        },
        { topic: 'lung-cancer', label: 'Lung cancer', quiet: true, articles: [] },
      ],
    };
    const mjmlTemplates = Object.keys(templates).filter((name) => /^[^/]+\.mjml$/.test(name));

    expect(mjmlTemplates).toEqual(expect.arrayContaining(['digest.mjml', 'confirmation.mjml']));
    for (const name of mjmlTemplates) {
      await expect(
        mjmlToHtml(renderMjmlSource(templates, name, view), { validationLevel: 'strict' }),
        name,
      ).resolves.toContain('<!doctype html>');
    }
  });

  it('fails loudly, naming the problem, when a template is not valid MJML', async () => {
    const { templates } = await loadRenderingInputs();
    const broken = {
      ...templates,
      'partials/digest-card.mjml': '<mj-section><mj-text>text outside a column</mj-text></mj-section>',
    };
    const renderer = await createTestRenderer({ templates: broken });

    await expect(renderer.renderDigest(FULL_DIGEST)).rejects.toThrow(ContentError);
    await expect(renderer.renderDigest(FULL_DIGEST)).rejects.toThrow(/mj-text/);
  });
});

describe('a digest rendered in pieces', () => {
  let renderer: EmailRenderer;

  beforeAll(async () => {
    renderer = await createTestRenderer();
  });

  it('is byte for byte the email a whole MJML render of the same digest gives', async () => {
    const assembled = (await renderer.renderDigest(FULL_DIGEST)).personalise(links);
    const whole = (await renderer.renderDigestWhole(FULL_DIGEST, links)).personalise(links);

    expect(assembled.html).toBe(whole.html);
    expect(assembled.text).toBe(whole.text);
    expect(assembled.subject).toBe(whole.subject);
  });

  it("is byte for byte the whole render with the week's editor's note on top and an Editor's pick leading its section", async () => {
    const pinned = new Map(FULL_DIGEST.articles);
    const pick = pinned.get('car-nk-preprint')!;
    pinned.set(pick.id, { ...pick, editorial: { pinned: { by: 'editor', at: '2026-11-24T09:00:00.000Z' } } });
    const input = { ...FULL_DIGEST, articles: pinned, note: noteView('A **big** week for CAR-T.') };

    const assembled = (await renderer.renderDigest(input)).personalise(links);
    const whole = (await renderer.renderDigestWhole(input, links)).personalise(links);

    expect(assembled.html).toBe(whole.html);
    expect(assembled.text).toBe(whole.text);
    expect(assembled.html).toContain('A NOTE FROM THE EDITORS');
    expect(assembled.text.indexOf('A NOTE FROM THE EDITORS')).toBeLessThan(
      assembled.text.indexOf('Why you got this'),
    );
    expect(assembled.text).toMatch(/A NOTE FROM THE EDITORS\nA big week for CAR-T\./);
    // The pick leads the CAR-T section, ahead of the better-ranked article planned first.
    const carT = assembled.text.slice(assembled.text.indexOf('A NOTE FROM THE EDITORS'));
    expect(carT.indexOf("[Editor's pick]")).toBeLessThan(carT.indexOf(pick.title));
    expect(carT.indexOf(pick.title)).toBeLessThan(
      carT.indexOf(WEEK.find((a) => a.id === 'eliana-five-years')!.title),
    );
    expect(assembled.html.match(/Editor&#39;s pick/g)).toHaveLength(1);
  });

  it('stays identical to the whole render for any selection, order and links (property)', async () => {
    const topics: TopicId[] = ['car-t', 'leukemia', 'checkpoint-inhibitors', 'side-effects', 'access'];
    const section = fc.record({
      topic: fc.constantFrom(...topics),
      articles: fc.uniqueArray(fc.constantFrom(...WEEK.map((article) => article.id)), {
        minLength: 1,
        maxLength: 4,
      }),
      why: fc.subarray(topics, { minLength: 1 }),
    });
    const link = fc.webUrl({ withQueryParameters: true });
    // Topics no section is on, for quiet lines: any subset of them, in any order.
    const quiet = fc.subarray<TopicId>(['vaccines', 'melanoma', 'lung-cancer', 'kidney-cancer']);

    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(section, { minLength: 1, maxLength: 4, selector: (s) => s.topic }),
        quiet,
        link,
        link,
        async (sections, quietTopics, manageUrl, unsubscribeUrl) => {
          const input = digestInput(
            sections.map((s) => [s.topic, s.articles.map((id) => [id, s.why] as [string, TopicId[]])]),
            'weekly-2026-W48',
            quietTopics,
          );
          const personal = { manageUrl, unsubscribeUrl };
          const assembled = (await renderer.renderDigest(input)).personalise(personal);
          const whole = (await renderer.renderDigestWhole(input, personal)).personalise(personal);
          expect(assembled.html).toBe(whole.html);
          expect(assembled.text).toBe(whole.text);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('shows a chosen topic with nothing new as one quiet line in its place, in both parts', async () => {
    const input = digestInput(
      [
        ['car-t', [['eliana-five-years', ['car-t']]]],
        ['side-effects', [['crs-at-home', ['side-effects']]]],
      ],
      'weekly-2026-W48',
      ['lung-cancer', 'checkpoint-inhibitors'],
    );

    const email = (await renderer.renderDigest(input)).personalise(links);
    const whole = (await renderer.renderDigestWhole(input, links)).personalise(links);

    expect(email.html).toBe(whole.html);
    const lines = email.text.split('\n');
    const at = (text: string) => lines.findIndex((line) => line === text);
    // In topic order: CAR-T, then checkpoint inhibitors' quiet line, lung cancer's, side effects.
    expect(at('CAR-T & CELL THERAPY')).toBeGreaterThan(-1);
    expect(at('Nothing new on Checkpoint inhibitors this week.')).toBeGreaterThan(at('CAR-T & CELL THERAPY'));
    expect(at('Nothing new on Lung cancer this week.')).toBeGreaterThan(
      at('Nothing new on Checkpoint inhibitors this week.'),
    );
    expect(at('SIDE EFFECTS & SAFETY')).toBeGreaterThan(at('Nothing new on Lung cancer this week.'));
    expect(email.html.match(/class="quiet-topic"/g)).toHaveLength(2);
    expect(email.html).toContain('Nothing new on Lung cancer this week.');
    // Quiet topics are not counted as sections of the contents line, nor as articles.
    expect(email.subject).toMatch(/: 2 new articles,/);
    expect(email.text).not.toMatch(/Lung cancer \(0\)/);
  });

  it('renders MJML once for the pieces of a group, and not again for the next group or reader', async () => {
    const fresh = await createTestRenderer();
    const before = fresh.renderCount();

    const group = await fresh.renderDigest(FULL_DIGEST);
    for (let reader = 0; reader < 50; reader += 1) {
      group.personalise({ manageUrl: `${SITE_URL}/m/${reader}`, unsubscribeUrl: `${SITE_URL}/u/${reader}` });
    }
    await fresh.renderDigest(digestInput([['car-t', [['eliana-five-years', ['car-t']]]]]));

    expect(fresh.renderCount() - before).toBe(1);
  });

  it('prepares the pieces of many digests in one render', async () => {
    const fresh = await createTestRenderer();
    const inputs = WEEK.map((article) => digestInput([['car-t', [[article.id, ['car-t']]]]]));

    await fresh.prepareDigests(inputs);
    for (const input of inputs) await fresh.renderDigest(input);

    expect(fresh.renderCount()).toBe(1);
  });

  it('puts each reader’s own links in the HTML and text, and nothing of another reader', async () => {
    const group = await renderer.renderDigest(FULL_DIGEST);

    const mine = group.personalise(links);
    const theirs = group.personalise({
      manageUrl: `${SITE_URL}/preferences?token=m.other`,
      unsubscribeUrl: `${SITE_URL}/unsubscribe?token=u.other`,
    });

    expect(mine.html).toContain(`href="${links.unsubscribeUrl}"`);
    expect(mine.html).toContain(`href="${links.manageUrl.replace('&', '&amp;')}"`);
    expect(mine.text).toContain(`Unsubscribe: ${links.unsubscribeUrl}`);
    expect(mine.html).not.toContain('m.other');
    expect(theirs.html).not.toContain('m.reader');
    expect(mine.html).not.toMatch(/zslot/);
  });
});

describe('what a digest shows', () => {
  let html: string;
  let text: string;
  let subject: string;

  beforeAll(async () => {
    const renderer = await createTestRenderer();
    ({ html, text, subject } = (await renderer.renderDigest(FULL_DIGEST)).personalise(links));
  });

  it('has a header, an intro with the count, one section per topic and a footer with address and links', () => {
    expect(subject).toBe('Your Immunotherapy Digest: 8 new articles, week of 23 November 2026');
    expect(html).toContain('Immunotherapy Digest</a>');
    expect(html).toContain('Weekly digest · week of 23 November 2026');
    expect(html).toContain('8 new articles this week on the topics you follow.');
    expect(html).toContain(
      'CAR-T &amp; cell therapy (3) · Checkpoint inhibitors (2) · Leukemia &amp; blood cancers (1) · Side effects &amp; safety (2)',
    );
    const headings = [...html.matchAll(/text-transform:uppercase;color:#0b5cad;">([^<]+)</g)].map(
      (m) => m[1],
    );
    expect(headings).toEqual([
      'CAR-T &amp; cell therapy',
      'Checkpoint inhibitors',
      'Leukemia &amp; blood cancers',
      'Side effects &amp; safety',
    ]);
    expect(html).toContain(POSTAL_ADDRESS);
    expect(html).toContain('Manage your topics and delivery time</a>');
    expect(html).toContain('>Unsubscribe</a>');
  });

  it('shows each article as a card: title link, source, date, summary, study type and why', () => {
    expect(html).toMatch(
      /<a href="https:\/\/example\.org\/articles\/\d+"[^>]*>CAR T-cell therapy keeps half/,
    );
    expect(html).toContain('NEJM, NCI Cancer Currents · 20 Nov 2026');
    expect(html).toContain('Preprint: not peer reviewed</span>');
    expect(html).toContain('Randomised trial</span>');
    // The section's topic first; the words that matched where they say more than the topic's name.
    expect(html).toContain(
      'Why you got this: you follow CAR-T &amp; cell therapy and Leukemia &amp; blood cancers (“relapsed leukaemia”).',
    );
    expect(html).toContain('Why you got this: you follow Checkpoint inhibitors (“Pembrolizumab”).');
    // About three lines, cut at a sentence: this summary fits whole.
    expect(html).toContain(
      'after a single infusion of tisagenlecleucel, with late side effects uncommon.</p>',
    );
  });

  it('escapes every text from a feed: markup in a title or summary is shown, never run', () => {
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('a survey of 300 carers &quot;&amp;&quot; what helps.');
  });

  it('has a plain-text twin with the same articles, links and footer', () => {
    expect(text).toContain('8 new articles this week on the topics you follow.');
    expect(text).toContain('CAR-T & CELL THERAPY\n--------------------');
    expect(text).toContain('[Preprint: not peer reviewed · Phase 1]');
    expect(text).toContain(
      'Off-the-shelf CAR-NK cells: early safety in lymphoma <script>alert("x")</script>',
    );
    expect(text).toContain(`Manage your topics and delivery time: ${links.manageUrl}`);
    expect(text).toContain(POSTAL_ADDRESS);
    expect(text.match(/^Why you got this:/gm)).toHaveLength(8);
  });

  it('stays far below the size at which Gmail clips a message (and hides its footer)', () => {
    expect(Buffer.byteLength(html)).toBeLessThan(60_000);
  });

  it('loads nothing from a third party when opened: no web fonts, no images, no trackers', () => {
    expect(html).not.toMatch(/fonts\.googleapis|<img|<link /);
  });
});
