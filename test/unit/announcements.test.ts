import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { markdownToEmailHtml } from '../../functions/core/announcements/markdown-body.ts';
import {
  defaultSendId,
  draftHash,
  parseDraft,
  parseSendId,
} from '../../functions/core/announcements/announcement.ts';
import { selectAudience } from '../../functions/core/announcements/audience.ts';
import {
  createAnnouncementRenderer,
  type AnnouncementRenderer,
} from '../../functions/core/announcements/announcement-renderer.ts';
import { newSubscriber } from '../../functions/core/subscribers/subscriber.ts';
import { ValidationError } from '../../functions/core/errors.ts';
import type { Subscriber, SubscriberStatus } from '../../functions/model/subscribers.ts';
import type { TopicId } from '../../functions/model/topics.ts';
import { sameSecret } from '../../functions/api/admin-auth.ts';
import { createProgressReporter } from '../../functions/local/send-progress.ts';
import { loadRenderingInputs, POSTAL_ADDRESS, SITE_URL } from '../helpers/digest-fixture.ts';

describe('the Markdown body of an announcement', () => {
  it('renders Markdown to inline-styled HTML and keeps http, https and mailto links', () => {
    const { html, removed } = markdownToEmailHtml(
      '## Approved\n\nA **new** therapy. [Details](https://example.org/a) or [write](mailto:editors@example.org).',
    );

    expect(html).toMatch(/<h2 style="[^"]+">Approved<\/h2>/);
    expect(html).toContain('<strong>new</strong>');
    expect(html).toMatch(/<a href="https:\/\/example.org\/a" style="[^"]+">Details<\/a>/);
    expect(html).toContain('href="mailto:editors@example.org"');
    expect(removed).toEqual([]);
  });

  it('drops scripts, event handlers, remote images and javascript: links, and says what it dropped', () => {
    const { html, removed } = markdownToEmailHtml(
      [
        'Hello <script>alert(1)</script>',
        '',
        '<p onclick="steal()">Click</p>',
        '',
        '![tracker](https://tracker.example/pixel.gif)',
        '',
        '[bad](javascript:alert(1))',
      ].join('\n'),
    );

    expect(html).not.toMatch(/script|onclick|<img|javascript:|tracker\.example/i);
    expect(html).toContain('bad');
    expect(removed).toEqual(
      expect.arrayContaining([
        '<script> removed',
        'the onclick attribute of <p> removed',
        expect.stringContaining('<img> removed (no images'),
        expect.stringContaining('a link to javascript:alert(1) removed'),
      ]),
    );
  });
});

describe('an announcement draft', () => {
  it('names each bad field in its error', () => {
    const attempt = () => parseDraft({ subject: '', body: ' ', format: 'pdf', topics: ['car-t', 'warts'] });

    expect(attempt).toThrow(ValidationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ValidationError).issues).toEqual([
        'subject: is required',
        'format: must be markdown or mjml',
        'body: is required',
        expect.stringMatching(/^topics: "warts" is not a topic; choose from car-t, /),
      ]);
    }
  });

  it('reads topics from a list or a comma-separated string, in canonical order, and trims the body', () => {
    const fromList = parseDraft({ subject: 'Hi', body: 'Text\r\n', topics: ['melanoma', 'car-t'] });
    const fromString = parseDraft({ subject: ' Hi ', body: 'Text', topics: 'car-t, melanoma' });

    expect(fromList).toEqual(fromString);
    expect(draftHash(fromList)).toBe(draftHash(fromString));
  });

  it('names its audience: topics, or "everyone" in so many words; never everyone by default', () => {
    const issuesOf = (input: Parameters<typeof parseDraft>[0]) => {
      try {
        parseDraft({ subject: 'Hi', body: 'Text', ...input });
        return [];
      } catch (error) {
        return (error as ValidationError).issues;
      }
    };

    expect(parseDraft({ subject: 'Hi', body: 'Text', audience: 'everyone' }).topics).toEqual([]);
    expect(parseDraft({ subject: 'Hi', body: 'Text', topics: ['car-t'] }).topics).toEqual(['car-t']);
    expect(issuesOf({})).toEqual([expect.stringMatching(/^audience: name the readers/)]);
    expect(issuesOf({ topics: [] })).toEqual([expect.stringMatching(/^topics: is empty/)]);
    expect(issuesOf({ topics: '' })).toEqual([expect.stringMatching(/^topics: is empty/)]);
    expect(issuesOf({ topics: [], audience: 'everyone' })).toEqual([
      expect.stringMatching(/^topics: is empty/),
    ]);
    expect(issuesOf({ topics: ['car-t'], audience: 'everyone' })).toEqual([
      'audience: "everyone" and topics together; choose one',
    ]);
    expect(issuesOf({ audience: 'topics' })).toEqual([expect.stringMatching(/^topics: choose at least one/)]);
    expect(issuesOf({ audience: 'all' })).toEqual([expect.stringMatching(/^audience: must be "everyone"/)]);
  });

  it('takes direction controls out of the subject and body, and says what it took', () => {
    const draft = parseDraft({
      subject: 'Approved: gnp\u202e.exe',
      body: 'New \u2067therapy\u2069 today.',
      audience: 'everyone',
    });

    expect(draft.content.subject).toBe('Approved: gnp.exe');
    expect(draft.content.body).toBe('New therapy today.');
    expect(draft.removed).toEqual([
      'U+202E RIGHT-TO-LEFT OVERRIDE removed from the subject',
      'U+2067 RIGHT-TO-LEFT ISOLATE removed from the body',
      'U+2069 POP DIRECTIONAL ISOLATE removed from the body',
    ]);
    expect(
      parseDraft({ subject: 'עדכון חשוב\u200f!', body: 'x', audience: 'everyone' }).content.subject,
    ).toBe('עדכון חשוב\u200f!');
  });

  it('gets a default send id from its subject and content: the same draft the same id, a changed one another', () => {
    const draft = parseDraft({ subject: 'New CAR-T approval!', body: 'Text', audience: 'everyone' });
    const changed = parseDraft({ subject: 'New CAR-T approval!', body: 'Text', topics: 'car-t' });

    expect(defaultSendId(draft)).toMatch(/^new-car-t-approval-[0-9a-f]{8}$/);
    expect(
      defaultSendId(parseDraft({ subject: 'New CAR-T approval!', body: 'Text', audience: 'everyone' })),
    ).toBe(defaultSendId(draft));
    expect(defaultSendId(changed)).not.toBe(defaultSendId(draft));
    expect(() => parseSendId('Has Spaces')).toThrow(/id: /);
  });
});

describe('the audience of an announcement', () => {
  const reader = (name: string, topics: TopicId[], status: SubscriberStatus, paused = false): Subscriber => ({
    ...newSubscriber({ email: `${name}@example.org`, topics, status }, new Date(0)),
    ...(paused ? { paused: true } : {}),
  });
  const readers = [
    reader('a', ['car-t'], 'confirmed'),
    reader('b', ['car-t', 'melanoma'], 'confirmed'),
    reader('c', ['melanoma'], 'confirmed'),
    reader('d', ['car-t'], 'pending'),
    reader('e', ['car-t'], 'unsubscribed'),
    reader('f', ['car-t'], 'bounced'),
    reader('g', ['car-t'], 'complained'),
    reader('h', ['car-t'], 'confirmed', true),
  ];

  it('is every confirmed reader who follows any of the topics, never the paused, pending or suppressed', () => {
    const { recipients, summary } = selectAudience(readers, ['car-t']);

    expect(recipients.map((r) => r.email).sort()).toEqual(['a@example.org', 'b@example.org']);
    expect(summary).toEqual({ total: 2, byTopic: { 'car-t': 2 }, pausedLeftOut: 1 });
  });

  it('is every confirmed, unpaused reader when no topic is given, counted per topic', () => {
    const { summary } = selectAudience(readers, []);

    expect(summary.total).toBe(3);
    expect(summary.byTopic).toMatchObject({ 'car-t': 2, melanoma: 2, leukemia: 0 });
  });
});

describe('an announcement rendered from a whole MJML file', () => {
  let renderer: AnnouncementRenderer;

  beforeAll(async () => {
    const { templates, labels } = await loadRenderingInputs();
    renderer = createAnnouncementRenderer({
      templates,
      topicLabels: labels,
      siteUrl: SITE_URL,
      postalAddress: POSTAL_ADDRESS,
      mjml: { validationLevel: 'strict' },
    });
  });

  const mjml = (section: string) =>
    `<mjml><mj-body><mj-section><mj-column><mj-text>Maintenance on Saturday.</mj-text></mj-column></mj-section>${section}</mj-body></mjml>`;

  it('renders with the digest’s footer, its manage and unsubscribe links personalised', async () => {
    const draft = parseDraft({
      subject: 'Maintenance',
      body: mjml('{{> footer}}'),
      format: 'mjml',
      audience: 'everyone',
    });

    const email = (await renderer.render(draft)).personalise({
      manageUrl: `${SITE_URL}/preferences?token=m`,
      unsubscribeUrl: `${SITE_URL}/unsubscribe?token=u`,
    });

    expect(email.html).toContain('Maintenance on Saturday.');
    expect(email.html).toContain(`${SITE_URL}/unsubscribe?token=u`);
    expect(email.html).toContain(`${SITE_URL}/preferences?token=m`);
    expect(email.text).toContain('Maintenance on Saturday.');
  });

  it('is refused, naming the body, without an unsubscribe link and the postal address', async () => {
    const draft = parseDraft({
      subject: 'Maintenance',
      body: mjml(''),
      format: 'mjml',
      audience: 'everyone',
    });

    await expect(renderer.render(draft)).rejects.toThrow(/body: the MJML must show the unsubscribe link/);
  });
});

describe('the admin token comparison', () => {
  it('holds for the same secret only, whatever the lengths', () => {
    expect(sameSecret('a-long-admin-token-0123456789', 'a-long-admin-token-0123456789')).toBe(true);
    expect(sameSecret('a-long-admin-token-012345678', 'a-long-admin-token-0123456789')).toBe(false);
    expect(sameSecret('', 'a-long-admin-token-0123456789')).toBe(false);
  });
});

describe('the send progress outside a terminal', () => {
  it('writes plain lines when the counts change, at most every two seconds, and always the last', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
    let now = 0;
    const progress = createProgressReporter(stream, () => now);

    progress.update({ sent: 0, skipped: 0, failed: 0, total: 10 });
    now = 500;
    progress.update({ sent: 3, skipped: 0, failed: 0, total: 10 });
    now = 2500;
    progress.update({ sent: 6, skipped: 1, failed: 0, total: 10 });
    now = 2600;
    progress.update({ sent: 8, skipped: 1, failed: 0, total: 10 });
    progress.stop();

    expect(
      String((stream as unknown as PassThrough).read())
        .trim()
        .split('\n'),
    ).toEqual([
      'sending: 0/10 readers (sent 0, skipped 0, failed 0)',
      'sending: 7/10 readers (sent 6, skipped 1, failed 0)',
      'sending: 9/10 readers (sent 8, skipped 1, failed 0)',
    ]);
  });
});
