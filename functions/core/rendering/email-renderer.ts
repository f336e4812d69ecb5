import type { TopicId } from '../../model/topics.ts';
import { buildDigestView, type DigestView, type DigestViewInput } from './digest-view.ts';
import { createDigestPieces, type SharedView } from './digest-pieces.ts';
import { createSlots, fillSlots, type CompiledText, type Slots } from './slots.ts';
import {
  escapeHtml,
  mjmlToHtml,
  renderMjmlSource,
  renderText,
  type MjmlOptions,
  type TemplateFiles,
} from './templates.ts';

/** A rendered email, ready to send. */
export interface RenderedEmail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

/** The per-reader part of an email: only these differ between readers of one group. */
export interface PersonalLinks {
  readonly manageUrl: string;
  readonly unsubscribeUrl: string;
  /**
   * The web edition of this reader's digest ("View in your browser"). Without one (a preview, a
   * test send) the link opens the public archive.
   */
  readonly viewUrl?: string;
}

/** The personal-link slots an email may hold. */
const PERSONAL_SLOTS = ['manageUrl', 'unsubscribeUrl', 'viewUrl'] as const;

/**
 * An email rendered once for many readers, with its personal links still open. `personalise`
 * fills them for one reader by joining precut strings: no render, no search through the HTML.
 */
export interface PersonalisableEmail {
  readonly subject: string;
  readonly html: CompiledText;
  readonly text: CompiledText;
  personalise(links: PersonalLinks): RenderedEmail;
}

/** A digest rendered once for a group (see PersonalisableEmail). */
export interface GroupEmail extends PersonalisableEmail {
  readonly articleCount: number;
}

/**
 * Cuts a rendered email at its personal-link slots, once, so that every reader's copy is a join
 * of precut strings. The links are HTML-escaped into the HTML part, as any rendered value is.
 */
export function personalisableEmail(
  subject: string,
  html: string,
  text: string,
  slots: Slots,
  defaults: Partial<PersonalLinks> = {},
): PersonalisableEmail {
  const compiledHtml = slots.compile(html, PERSONAL_SLOTS);
  const compiledText = slots.compile(text, PERSONAL_SLOTS);
  return {
    subject,
    html: compiledHtml,
    text: compiledText,
    personalise: (links) => {
      // Once per email sent: the PERSONAL_SLOTS values picked directly, no copies of the links.
      const values = {
        manageUrl: links.manageUrl ?? defaults.manageUrl,
        unsubscribeUrl: links.unsubscribeUrl ?? defaults.unsubscribeUrl,
        viewUrl: links.viewUrl ?? defaults.viewUrl,
      };
      return {
        subject,
        html: fillSlots(compiledHtml, values, escapeHtml),
        text: fillSlots(compiledText, values),
      };
    },
  };
}

function withoutUndefined(links: PersonalLinks): Partial<PersonalLinks> {
  return Object.fromEntries(Object.entries(links).filter(([, value]) => value !== undefined));
}

export interface EmailRendererSettings {
  readonly templates: TemplateFiles;
  readonly topicLabels: Readonly<Record<TopicId, string>>;
  readonly siteUrl: string;
  readonly postalAddress: string;
  readonly mjml: MjmlOptions;
  /** Tests pass a fixed nonce to compare renders; production draws a random one. */
  readonly slotNonce?: string;
}

const FOOTER_REASON =
  'You receive this weekly digest because you subscribed at Immunotherapy Digest and chose these topics.';

export function createEmailRenderer(settings: EmailRendererSettings) {
  const slots: Slots = createSlots(settings.slotNonce);
  const shared: SharedView = {
    title: 'Your weekly Immunotherapy Digest',
    siteUrl: settings.siteUrl,
    postalAddress: settings.postalAddress,
    footerReason: FOOTER_REASON,
  };
  const linkSlots = {
    manageUrl: slots.token('manageUrl'),
    unsubscribeUrl: slots.token('unsubscribeUrl'),
    viewUrl: slots.token('viewUrl'),
  };
  // A digest personalised without a reader's web edition (a preview) links to the archive instead.
  const digestDefaults = { viewUrl: `${settings.siteUrl}/archive` };
  const pieces = createDigestPieces({ templates: settings.templates, mjml: settings.mjml, shared, slots });
  let wholeRenders = 0;

  // A sender builds each job's view twice, to prepare the batch's pieces and then to send: once is
  // enough. A group larger than one job (RECIPIENTS_PER_JOB) sends several jobs of the same
  // selection, usually in one batch: its email is assembled once per batch. Both are kept per
  // batch (by the batch's articles map), so nothing outlives the batch that read those articles.
  const batches = new RecentBatches();
  const viewOf = (input: DigestViewInput) => {
    const { views } = batches.of(input.articles);
    let view = views.get(input);
    if (!view) views.set(input, (view = buildDigestView(input, settings.topicLabels)));
    return view;
  };
  const textOf = (view: DigestView) =>
    renderText(settings.templates, 'digest.txt', { ...shared, ...view, ...linkSlots });
  const groupEmail = (view: DigestView, html: string): GroupEmail => ({
    ...personalisableEmail(view.subject, html, textOf(view), slots, digestDefaults),
    articleCount: view.count,
  });

  return {
    /**
     * Renders one group's digest from cached pieces (rendering the missing ones first). Articles
     * missing from the map (deleted since planning) are left out rather than failing the group.
     */
    renderDigest(input: DigestViewInput): Promise<GroupEmail> {
      const render = async () => {
        const view = viewOf(input);
        return groupEmail(view, await pieces.assemble(view));
      };
      if (input.groupKey === undefined) return render();
      const { emails } = batches.of(input.articles);
      const key = `${input.digestId}:${input.groupKey}`;
      let email = emails.get(key);
      if (!email) {
        email = render();
        emails.set(key, email);
        // A failed render is not kept: the next job of the group tries again.
        email.catch(() => emails.delete(key));
      }
      return email;
    },

    /**
     * Renders the pieces of many digests at once, in as few MJML renders as possible: what a
     * sender calls with all the jobs of a batch before sending any of them.
     */
    async prepareDigests(inputs: readonly DigestViewInput[]): Promise<void> {
      await pieces.prepare(inputs.map(viewOf));
    },

    /**
     * The same digest as one whole MJML document, rendered on the spot: the reference that the
     * assembled digest must equal, and the naive baseline of the benchmark.
     */
    async renderDigestWhole(input: DigestViewInput, links?: PersonalLinks): Promise<GroupEmail> {
      const view = viewOf(input);
      wholeRenders += 1;
      const mjml = renderMjmlSource(settings.templates, 'digest.mjml', {
        ...shared,
        ...view,
        ...(links ? { ...digestDefaults, ...withoutUndefined(links) } : linkSlots),
      });
      return groupEmail(view, await mjmlToHtml(mjml, settings.mjml));
    },

    /**
     * The double opt-in email. It carries no text the requester typed, only our own words and a
     * link, and when the first digest comes (firstDigestPromise) if they confirm in time.
     */
    async renderConfirmation(confirmUrl: string, firstDigest?: string): Promise<RenderedEmail> {
      const view = {
        ...shared,
        title: 'Confirm your subscription',
        kicker: 'One click to confirm',
        confirmUrl,
        firstDigest,
      };
      wholeRenders += 1;
      return {
        subject: 'Confirm your Immunotherapy Digest subscription',
        html: await mjmlToHtml(
          renderMjmlSource(settings.templates, 'confirmation.mjml', view),
          settings.mjml,
        ),
        text: renderText(settings.templates, 'confirmation.txt', view),
      };
    },

    /** How many MJML renders ran: pieces and whole documents. */
    renderCount(): number {
      return pieces.renders + wholeRenders;
    },
  };
}

export type EmailRenderer = ReturnType<typeof createEmailRenderer>;

/** What a renderer keeps for one batch of jobs: their views, and each group's email. */
interface BatchCache {
  readonly views: Map<DigestViewInput, DigestView>;
  readonly emails: Map<string, Promise<GroupEmail>>;
}

/**
 * A sender works on one batch at a time: the current batch's caches are kept, and the ones before
 * it dropped. Batches that overlapped would each still get their email, only assembled again.
 */
const RECENT_BATCHES = 1;

/**
 * The caches of the latest batch, by the batch's articles map. Not a WeakMap: a WeakMap's entries
 * go only when a full collection runs, so every batch's views and emails piled up in the old
 * generation until then (about 50 MB of the peak of a 100,000-reader send in bench:digest).
 */
class RecentBatches {
  private readonly batches = new Map<ReadonlyMap<string, unknown>, BatchCache>();

  of(articles: ReadonlyMap<string, unknown>): BatchCache {
    let cache = this.batches.get(articles);
    if (!cache) {
      cache = { views: new Map(), emails: new Map() };
      this.batches.set(articles, cache);
      if (this.batches.size > RECENT_BATCHES) this.batches.delete(this.batches.keys().next().value!);
    }
    return cache;
  }
}
