import { convert } from 'html-to-text';
import { LRUCache } from 'lru-cache';
import { ContentError, ValidationError } from '../errors.ts';
import type { TopicId } from '../../model/topics.ts';
import {
  personalisableEmail,
  type EmailRendererSettings,
  type PersonalisableEmail,
} from '../rendering/email-renderer.ts';
import { createSlots } from '../rendering/slots.ts';
import { mjmlToHtml, partialsOf, renderMjmlSource, renderText } from '../rendering/templates.ts';
import { draftHash, type AnnouncementDraft } from './announcement.ts';
import { markdownToEmailHtml } from './markdown-body.ts';
import { sanitiseEmailDocument } from './email-html.ts';
import { mustShowProblems } from './must-show.ts';

/**
 * Renders announcements with the digest's machinery: Mustache around MJML with the shared
 * partials (head, header, footer), the same escaping, and the same text slots for the personal
 * links, so one render serves every reader and `personalise` only joins precut strings.
 *
 * A Markdown body goes through templates/announcement.mjml and its plain-text twin. A whole MJML
 * document is the admin's own design: it may use the partials and the same values ({{> footer}},
 * {{unsubscribeUrl}}, {{postalAddress}}, …), is validated strictly, and its rendered HTML is
 * rewritten from an allow-list (email-html.ts: nothing that runs, loads or takes input survives,
 * and what was removed is reported for the preview). It is refused unless the rewritten email
 * shows the unsubscribe link and the postal address where a reader can see them (must-show.ts).
 */

const ANNOUNCEMENT_TEMPLATES = ['announcement.mjml', 'announcement.txt'] as const;

/**
 * The digest renderer's settings: the same templates, labels, links and address. `mjml` applies
 * to the Markdown template; an admin's own MJML is always validated strictly.
 */
export type AnnouncementRendererSettings = EmailRendererSettings;

/** An announcement rendered once, its personal links still open. */
export interface RenderedAnnouncement extends PersonalisableEmail {
  /** What the sanitiser took out of the body (Markdown or MJML), for the admin to see before sending. */
  readonly removed: readonly string[];
}

const KICKER = 'An announcement from the editors';

/** The part of a template's view that does not depend on the body. */
interface FrameView {
  readonly title: string;
  readonly kicker: string;
  readonly siteUrl: string;
  readonly postalAddress: string;
  readonly footerReason: string;
  readonly manageUrl: string;
  readonly unsubscribeUrl: string;
}

/** @throws ContentError at creation when a template is missing, not at the first send. */
export function createAnnouncementRenderer(settings: AnnouncementRendererSettings) {
  const missing = ANNOUNCEMENT_TEMPLATES.filter((name) => typeof settings.templates[name] !== 'string');
  if (missing.length > 0) throw new ContentError(`templates missing: ${missing.join(', ')}`);
  const slots = createSlots(settings.slotNonce);
  const partials = partialsOf(settings.templates);
  // A sender renders each send once per process, whatever number of batches it gets of it.
  const cache = new LRUCache<string, Promise<RenderedAnnouncement>>({ max: 16 });
  let renders = 0;

  const frameOf = (draft: AnnouncementDraft): FrameView => ({
    title: draft.content.subject,
    kicker: KICKER,
    siteUrl: settings.siteUrl,
    postalAddress: settings.postalAddress,
    footerReason: footerReasonFor(draft.topics, settings.topicLabels),
    manageUrl: slots.token('manageUrl'),
    unsubscribeUrl: slots.token('unsubscribeUrl'),
  });

  async function renderMarkdown(draft: AnnouncementDraft): Promise<RenderedAnnouncement> {
    const body = markdownToEmailHtml(draft.content.body);
    const view = { ...frameOf(draft), bodyHtml: body.html, bodyText: htmlToText(body.html, 'data') };
    renders += 1;
    const html = await mjmlToHtml(
      renderMjmlSource(settings.templates, 'announcement.mjml', view, partials),
      settings.mjml,
    );
    const text = renderText(settings.templates, 'announcement.txt', view);
    return { ...personalisableEmail(draft.content.subject, html, text, slots), removed: body.removed };
  }

  async function renderMjml(draft: AnnouncementDraft): Promise<RenderedAnnouncement> {
    const view = frameOf(draft);
    let source: string;
    try {
      source = renderMjmlSource({ announcement: draft.content.body }, 'announcement', view, partials);
    } catch (error) {
      throw new ValidationError('the MJML does not parse', [
        `body: its {{…}} tags do not parse: ${(error as Error).message}`,
      ]);
    }
    renders += 1;
    let rendered: string;
    try {
      rendered = await mjmlToHtml(source, { validationLevel: 'strict' });
    } catch (error) {
      if (!(error instanceof ContentError)) throw error;
      throw new ValidationError(error.message, [`body: ${error.message}`], { cause: error });
    }
    const safe = sanitiseEmailDocument(rendered, { slotValues: [view.manageUrl, view.unsubscribeUrl] });
    const problems = mustShowProblems(safe, {
      unsubscribeUrl: view.unsubscribeUrl,
      postalAddress: settings.postalAddress,
    });
    if (problems.length > 0) throw new ValidationError(problems.join('; '), problems);
    return {
      ...personalisableEmail(draft.content.subject, safe.html, htmlToText(safe.html, 'layout'), slots),
      removed: safe.removed,
    };
  }

  return {
    /**
     * Renders a draft, or returns the render this process already made of the same draft.
     *
     * @throws ValidationError when an MJML body is invalid, unsafe or lacks the unsubscribe link.
     */
    render(draft: AnnouncementDraft): Promise<RenderedAnnouncement> {
      const key = draftHash(draft);
      let rendered = cache.get(key);
      if (!rendered) {
        rendered = draft.content.format === 'mjml' ? renderMjml(draft) : renderMarkdown(draft);
        cache.set(key, rendered);
        // A failed render is not remembered: the same draft fails the same way, but a bug may not.
        rendered.catch(() => cache.delete(key));
      }
      return rendered;
    },

    /** How many MJML renders ran (a cached draft costs none). */
    renderCount(): number {
      return renders;
    },
  };
}

export type AnnouncementRenderer = ReturnType<typeof createAnnouncementRenderer>;

/** Why the reader gets it, in the footer: every reader, or the topics it was sent to. */
function footerReasonFor(topics: readonly TopicId[], labels: Readonly<Record<TopicId, string>>): string {
  if (topics.length === 0) {
    return 'You receive this announcement because you subscribed to Immunotherapy Digest. The editors send one only when it matters to every reader.';
  }
  const names = topics.map((topic) => labels[topic]);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  return `You receive this announcement because you follow ${list} on Immunotherapy Digest.`;
}

/**
 * Plain text of rendered HTML for the text part: links keep their address in brackets, lines are
 * not wrapped (mail clients wrap plain text themselves), and nothing of <head> is kept. Tables are
 * data in a Markdown body (shown as columns) and layout in an MJML document (shown as blocks).
 */
function htmlToText(html: string, tables: 'data' | 'layout'): string {
  return convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: 'img', format: 'skip' },
      ...(tables === 'data' ? [{ selector: 'table', format: 'dataTable' }] : []),
    ],
  })
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
