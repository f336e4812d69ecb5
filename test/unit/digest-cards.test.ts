import { beforeAll, describe, expect, it } from 'vitest';
import {
  badgesOf,
  BADGE_ORDER,
  buildDigestView,
  STUDY_TYPE_BADGES,
} from '../../functions/core/rendering/digest-view.ts';
import type { EmailRenderer } from '../../functions/core/rendering/email-renderer.ts';
import type { Article, StudyType } from '../../functions/model/articles.ts';
import { TOPIC_IDS, type TopicId } from '../../functions/model/topics.ts';
import { anArticle } from '../../testkit/fakes.ts';
import { createTestRenderer, FULL_DIGEST, loadRenderingInputs, SITE_URL } from '../helpers/digest-fixture.ts';

/** Cards that say what they are: badges, the date, why the reader got it; the preheader and the web edition. */

let renderer: EmailRenderer;
let labels: Record<TopicId, string>;

beforeAll(async () => {
  renderer = await createTestRenderer();
  ({ labels } = await loadRenderingInputs());
});

const links = {
  manageUrl: `${SITE_URL}/preferences?token=m.reader`,
  unsubscribeUrl: `${SITE_URL}/unsubscribe?token=u.reader`,
  viewUrl: `${SITE_URL}/digest?token=v.reader&until=1764489600`,
};

function inputOf(articles: readonly Article[], matched: readonly TopicId[] = ['car-t']) {
  return {
    digestId: 'weekly-2026-W49',
    articles: new Map(articles.map((article) => [article.id, article])),
    selection: {
      sections: [
        {
          topic: matched[0]!,
          articles: articles.map((article) => ({ articleId: article.id, matchedTopics: matched })),
        },
      ],
    },
  };
}

/** WCAG contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((start) => {
      const c = parseInt(hex.slice(start, start + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

describe('badges', () => {
  it('exist for every study type, in an order, each legible (WCAG AA for small bold text and more)', () => {
    expect([...BADGE_ORDER].sort()).toEqual(Object.keys(STUDY_TYPE_BADGES).sort());
    for (const badge of Object.values(STUDY_TYPE_BADGES)) {
      expect(contrast(badge.color, badge.background), badge.label).toBeGreaterThanOrEqual(7);
    }
  });

  it('say what the text is before the kind of study, and write combined phases as one badge', () => {
    const labelsOf = (types: StudyType[]) => badgesOf(types).map((badge) => badge.label);

    expect(labelsOf(['phase-1', 'phase-2', 'trial-registration'])).toEqual([
      'Trial registration',
      'Phase 1/2',
    ]);
    expect(labelsOf(['phase-3', 'phase-2', 'randomised-trial'])).toEqual(['Randomised trial', 'Phase 2/3']);
    expect(labelsOf(['review', 'meta-analysis', 'preprint'])).toEqual([
      'Preprint: not peer reviewed',
      'Meta-analysis',
      'Review',
    ]);
    expect(labelsOf(['news', 'randomised-trial'])).toEqual(['News', 'Randomised trial']);
    expect(labelsOf(['explainer'])).toEqual(['Explainer by our editors']);
    expect(labelsOf(['guideline'])).toEqual(['Guideline']);
  });

  it('show on the card, in the HTML and the text twin', async () => {
    const article = anArticle({ id: 'registered', studyTypes: ['trial-registration', 'phase-1', 'phase-2'] });
    const email = (await renderer.renderDigest(inputOf([article]))).personalise(links);

    expect(email.html).toContain('>Trial registration</span> <span');
    expect(email.html).toContain('>Phase 1/2</span>');
    expect(email.text).toContain('[Trial registration · Phase 1/2]');
  });
});

describe('the date and the count', () => {
  const fresh = anArticle({
    id: 'fresh',
    publishedAt: '2026-11-30T10:00:00.000Z',
    firstSeenAt: '2026-12-01T06:00:00.000Z',
  });
  const older = anArticle({
    id: 'older',
    publishedAt: '2026-10-22T12:00:00.000Z',
    firstSeenAt: '2026-12-01T06:00:00.000Z',
  });

  it('shows when an article was published, and marks one listed weeks after it was published', () => {
    const view = buildDigestView(inputOf([fresh, older]), labels);
    const dates = view.sections[0]!.articles.map((card) => card.date);

    expect(dates).toEqual(['30 Nov 2026', 'Published 22 Oct 2026 · newly listed']);
  });

  it('never marks the site’s own explainers as late: they are written to last', () => {
    const explainer = anArticle({ ...older, id: 'explainer', studyTypes: ['explainer'] });
    const view = buildDigestView(inputOf([explainer]), labels);

    expect(view.sections[0]!.articles[0]!.date).toBe('22 Oct 2026');
    expect(view.intro).toBe('1 new article this week on the topics you follow.');
  });

  it('calls new only what is new: older articles listed for the first time are counted apart', () => {
    const both = buildDigestView(inputOf([fresh, older]), labels);
    const onlyOlder = buildDigestView(inputOf([older]), labels);
    const onlyNew = buildDigestView(inputOf([fresh]), labels);

    expect(both.intro).toBe(
      '1 new article this week on the topics you follow, and 1 older one listed for the first time.',
    );
    expect(both.subject).toBe(
      'Your Immunotherapy Digest: 1 new article and 1 older, week of 30 November 2026',
    );
    expect(onlyOlder.intro).toBe(
      '1 older article listed for the first time this week on the topics you follow.',
    );
    expect(onlyOlder.subject).toBe('Your Immunotherapy Digest: 1 article, week of 30 November 2026');
    expect(onlyNew.intro).toBe('1 new article this week on the topics you follow.');
  });
});

describe('why you got this', () => {
  it('quotes the words that matched where they say more than the topic, and leaves out the ones that do not', () => {
    const article = anArticle({
      id: 'words',
      topics: { 'lung-cancer': 4, 'checkpoint-inhibitors': 4, melanoma: 3 },
      matchedTerms: { 'lung-cancer': 'NSCLC', 'checkpoint-inhibitors': 'nivolumab', melanoma: 'melanoma' },
    });
    const view = buildDigestView(
      inputOf([article], ['lung-cancer', 'checkpoint-inhibitors', 'melanoma']),
      labels,
    );

    expect(view.sections[0]!.articles[0]!.why).toBe(
      `you follow ${labels['lung-cancer']} (“NSCLC”), ${labels['checkpoint-inhibitors']} (“nivolumab”) and ${labels.melanoma}.`,
    );
  });

  it('leaves out words that only repeat the topic’s name in other forms', () => {
    const article = anArticle({ id: 'same', matchedTerms: { 'car-t': 'CAR T Cells' } });

    expect(buildDigestView(inputOf([article]), labels).sections[0]!.articles[0]!.why).toBe(
      `you follow ${labels['car-t']}.`,
    );
  });

  it('names the topics alone for an article stored before matched words were kept', () => {
    const view = buildDigestView(inputOf([anArticle({ id: 'old' })]), labels);

    expect(view.sections[0]!.articles[0]!.why).toBe(`you follow ${labels['car-t']}.`);
  });

  it('says that the site’s own explainers were written by its editors', () => {
    const explainer = anArticle({ id: 'ours', studyTypes: ['explainer'], topics: { 'car-t': 100 } });
    const view = buildDigestView(inputOf([explainer]), labels);

    expect(view.sections[0]!.articles[0]!.why).toBe(
      `our editors wrote it for readers of ${labels['car-t']}.`,
    );
  });
});

describe('the preheader and the web edition', () => {
  let html: string;
  let text: string;

  beforeAll(async () => {
    ({ html, text } = (await renderer.renderDigest(FULL_DIGEST)).personalise(links));
  });

  it('has a hidden preheader: the first title and what else the digest holds', () => {
    const preheader =
      /<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">([^<]*)<\/div>/.exec(html);

    expect(preheader?.[1]).toBe(
      'CAR T-cell therapy keeps half of young patients with relapsed leukaemia in remission… — and 7 more on CAR-T &amp; cell therapy, Checkpoint inhibitors, Leukemia &amp; blood cancers and Side effects &amp; safety.',
    );
    // Before anything else the body shows, so inboxes read it first.
    expect(html.indexOf(preheader![0])).toBeLessThan(html.indexOf('View in your browser'));
  });

  it('links to the reader’s own web edition at the top, in the HTML and the text', () => {
    expect(html).toContain(
      `<a href="${links.viewUrl.replace('&', '&amp;')}" style="color:#0b5cad;">View in your browser</a>`,
    );
    expect(text).toContain(`View in your browser: ${links.viewUrl}`);
  });

  it('links to the archive when no web edition of the reader’s own is given (a preview)', async () => {
    const preview = (await renderer.renderDigest(FULL_DIGEST)).personalise({
      manageUrl: links.manageUrl,
      unsubscribeUrl: links.unsubscribeUrl,
    });

    expect(preview.html).toContain(
      `<a href="${SITE_URL}/archive" style="color:#0b5cad;">View in your browser</a>`,
    );
  });
});

describe('a maximal digest', () => {
  // DIGEST_MAX_ARTICLES (25) cards with the longest title ingest keeps (300 characters), a
  // summary long enough to be cut, five badges (the most ingest gives one article), five
  // matched topics with their words, two long source names and long signed links; and every one
  // of the 12 topics in the email: twelve sections, or one section and eleven quiet lines.
  const matchedTopics = TOPIC_IDS.slice(0, 5);
  const articles = Array.from({ length: 25 }, (_, index) =>
    anArticle({
      id: `maximal-${index}`,
      title: `${index} ${'Neoadjuvant pembrolizumab and chemotherapy in early lung cancer '.repeat(5)}`.slice(
        0,
        300,
      ),
      summary: 'Background: Durable responses were seen in most patients treated in the trial. '.repeat(8),
      studyTypes: ['preprint', 'explainer', 'guideline', 'meta-analysis', 'review'],
      topics: Object.fromEntries(matchedTopics.map((topic) => [topic, 5])),
      matchedTerms: Object.fromEntries(matchedTopics.map((topic) => [topic, 'non-small cell lung cancer'])),
      url: `https://www.example-journal.org/articles/10.1186/s12885-026-${13452 + index}-with-a-long-path?rss=1`,
      sources: [
        { sourceId: 'jitc', sourceName: 'Journal for ImmunoTherapy of Cancer', weight: 1 },
        { sourceId: 'nrco', sourceName: 'Nature Reviews Clinical Oncology', weight: 1 },
      ],
    }),
  );
  const token = `v.01KBXW3Q6R2N8M5T7Y9Z1A3C5E.${'x'.repeat(7)}.${'s'.repeat(43)}`;

  it.each([
    { layout: 'twelve sections', sectionTopics: TOPIC_IDS, quietTopics: [] },
    {
      layout: 'one section and eleven quiet lines',
      sectionTopics: TOPIC_IDS.slice(0, 1),
      quietTopics: TOPIC_IDS.slice(1),
    },
  ])(
    'stays under 90 kB of HTML, well below the ~102 kB at which Gmail clips a message ($layout)',
    async ({ layout, sectionTopics, quietTopics }) => {
      const input = {
        digestId: 'weekly-2026-W49',
        articles: new Map(articles.map((article) => [article.id, article])),
        selection: {
          sections: sectionTopics.map((topic, section) => ({
            topic,
            articles: articles
              .filter((_, index) => index % sectionTopics.length === section)
              .map((article) => ({ articleId: article.id, matchedTopics })),
          })),
          quietTopics,
        },
      };
      const email = (await renderer.renderDigest(input)).personalise({
        manageUrl: `${SITE_URL}/preferences?token=${token}`,
        unsubscribeUrl: `${SITE_URL}/unsubscribe?token=${token}`,
        viewUrl: `${SITE_URL}/digest?token=${token}&until=1764489600`,
      });
      const bytes = Buffer.byteLength(email.html);

      expect(email.subject).toContain('25 new articles');
      expect(email.html.match(/class="card-title"/g)).toHaveLength(25);
      expect(email.html.match(/class="quiet-topic"/g) ?? []).toHaveLength(quietTopics.length);
      console.log(`maximal digest, ${layout}: ${bytes} bytes of HTML`);
      expect(bytes).toBeLessThan(90_000);
    },
  );
});
