import { LRUCache } from 'lru-cache';
import { ContentError } from '../errors.ts';
import type { TopicId } from '../../model/topics.ts';
import type { CardView, DigestView } from './digest-view.ts';
import { fillSlotParts, type CompiledText, type Slots } from './slots.ts';
import {
  escapeHtml,
  mjmlToHtml,
  partialsOf,
  renderMjmlSource,
  type MjmlOptions,
  type TemplateFiles,
} from './templates.ts';

/**
 * The digest rendered in pieces. A full MJML render costs 15–30 ms, far more than anything else
 * a send does, and readers' digests are made of the same few hundred article cards in different
 * combinations. So the cards, the topic headings and the frame around them (head, header,
 * intro, closing, footer) are rendered once, in one MJML document, and cut apart — MJML's output
 * for a section is self-contained table markup — and each selection's HTML is assembled from
 * them by concatenation. The result is byte-identical to a whole render of the same digest
 * (a test holds us to it): only text slots and the Outlook comment merging are applied on top.
 */

export interface SharedView {
  readonly title: string;
  readonly siteUrl: string;
  readonly postalAddress: string;
  readonly footerReason: string;
}

export interface DigestPiecesOptions {
  readonly templates: TemplateFiles;
  readonly mjml: MjmlOptions;
  readonly shared: SharedView;
  readonly slots: Slots;
  /** Upper bound on the characters of cached card HTML (about 3 kB a card). */
  readonly maxCachedCharacters?: number;
  /** Cards per MJML document when many are missing: bounds one render's time and memory. */
  readonly cardsPerRender?: number;
}

export interface DigestPieces {
  /** Renders every piece these digests need and the cache lacks (none if all are cached). */
  prepare(views: readonly DigestView[]): Promise<void>;
  /** The digest's HTML with its personal-link slots still open. Prepares what is missing first. */
  assemble(view: DigestView): Promise<string>;
  /** How many MJML renders this instance has run. */
  readonly renders: number;
}

const TEMPLATE = 'digest.mjml';

export function createDigestPieces(options: DigestPiecesOptions): DigestPieces {
  const { slots } = options;
  const cardsPerRender = options.cardsPerRender ?? 250;
  const marker = `piece${slots.token('why').slice(5, 23)}`;
  const basePartials = partialsOf(options.templates);
  // The same partials, each piece preceded by a marker to cut at. Everything else is unchanged,
  // so every piece is exactly what the whole render produces for it.
  const markedPartials = {
    ...basePartials,
    // A topic has two pieces: its heading (t-) and its quiet line (q-), "nothing new this week".
    'digest-topic': `<mj-raw><!--${marker}:{{#quiet}}q{{/quiet}}{{^quiet}}t{{/quiet}}-{{topic}}--></mj-raw>\n${basePartials['digest-topic']}`,
    // The topics and their cards share one section: these two (empty in a whole render) mark its
    // opening and its closing, the same in every digest.
    'cut-before-topics': `<mj-raw><!--${marker}:open--></mj-raw>`,
    'digest-card': `<mj-raw><!--${marker}:c-{{key}}--></mj-raw>\n${basePartials['digest-card']}`,
    // The week's editor's note (n-), above the first topic.
    'digest-note': `<mj-raw><!--${marker}:n-{{key}}--></mj-raw>\n${basePartials['digest-note']}`,
    'cut-after-topics': `<mj-raw><!--${marker}:close--></mj-raw>`,
    'digest-closing': `<mj-raw><!--${marker}:end--></mj-raw>\n${basePartials['digest-closing']}`,
  };
  const cutPattern = new RegExp(`\\s*<!--${marker}:([\\w-]+)-->\\s*`);

  // The head and header (cut at the digest's own text slots) and the footer around the topics.
  let frame: { prefix: CompiledText; suffix: string } | undefined;
  // The opening and the closing of the section that holds the topics and their cards.
  let topicsSection: { open: string; close: string } | undefined;
  /** Topic pieces by `t-<topic>` (heading) or `q-<topic>` (quiet line). */
  const topics = new Map<string, string>();
  /** Cards cut at their "why" slot: each digest fills in its own line without copying the card. */
  const cards = new LRUCache<string, CompiledText>({
    maxSize: options.maxCachedCharacters ?? 20_000_000,
    sizeCalculation: (card) =>
      Math.max(
        1,
        card.parts.reduce((length, part) => length + part.length, 0),
      ),
  });
  /** Editor's notes by key: one a week, a few kept. */
  const notes = new LRUCache<string, string>({ max: 16 });
  let renders = 0;

  const slotView = {
    ...options.shared,
    kicker: slots.token('kicker'),
    preheader: slots.token('preheader'),
    intro: slots.token('intro'),
    contents: slots.token('contents'),
    manageUrl: slots.token('manageUrl'),
    unsubscribeUrl: slots.token('unsubscribeUrl'),
    viewUrl: slots.token('viewUrl'),
  };

  async function renderBatch(
    sections: Heading[],
    batchCards: readonly CardView[],
    note?: DigestView['note'],
  ): Promise<void> {
    const view = {
      ...slotView,
      ...(note ? { note } : {}),
      sections: sections.map((section, index) => ({
        ...section,
        articles: index === 0 ? batchCards.map((card) => ({ ...card, why: slots.token('why') })) : [],
      })),
    };
    renders += 1;
    const html = await mjmlToHtml(
      renderMjmlSource(options.templates, TEMPLATE, view, markedPartials),
      options.mjml,
    );
    const chunks = html.split(cutPattern);
    // chunks: prefix, id, piece, id, piece, …, "end", suffix
    if (chunks.length < 3 || chunks.at(-2) !== 'end') {
      throw new ContentError(
        `${TEMPLATE}: the closing part must be in partials/digest-closing (the piece renderer found no end marker)`,
      );
    }
    frame ??= { prefix: slots.compile(chunks[0]!, FRAME_SLOTS), suffix: chunks.at(-1)! };
    const section: { open?: string; close?: string } = {};
    for (let index = 1; index < chunks.length - 2; index += 2) {
      const id = chunks[index]!;
      const piece = chunks[index + 1]!;
      if (id.startsWith('t-') || id.startsWith('q-')) topics.set(id, piece);
      else if (id.startsWith('c-')) cards.set(id.slice(2), slots.compile(piece, ['why']));
      else if (id.startsWith('n-')) notes.set(id.slice(2), piece);
      else if (id === 'open') section.open = piece;
      else if (id === 'close') section.close = piece;
    }
    if (section.open !== undefined && section.close !== undefined)
      topicsSection ??= { open: section.open, close: section.close };
  }

  async function prepare(views: readonly DigestView[]): Promise<void> {
    const missingTopics = new Map<string, DigestView['sections'][number]>();
    const missingCards = new Map<string, CardView>();
    const missingNotes = new Map<string, NonNullable<DigestView['note']>>();
    let anySection: DigestView['sections'][number] | undefined;
    for (const view of views) {
      if (view.note && !notes.has(view.note.key)) missingNotes.set(view.note.key, view.note);
      for (const section of view.sections) {
        if (!section.quiet) anySection ??= section;
        if (!topics.has(pieceId(section))) missingTopics.set(pieceId(section), section);
        for (const card of section.articles) {
          if (!cards.has(card.key)) missingCards.set(card.key, card);
        }
      }
    }
    if (frame && missingTopics.size === 0 && missingCards.size === 0 && missingNotes.size === 0) return;
    // A digest of quiet lines alone (its articles deleted since planning) needs no cards.
    if (!anySection && missingTopics.size === 0) return;
    const headingOf = (section: DigestView['sections'][number]): Heading => ({
      topic: section.topic,
      label: section.label,
      labelUpper: section.labelUpper,
      labelRule: section.labelRule,
      quiet: section.quiet,
    });
    // Cards go under the first heading of the batch: a topic's heading rather than a quiet line,
    // and an already cached heading when none is missing.
    const headings = [...missingTopics.values()]
      .map(headingOf)
      .sort((a, b) => Number(a.quiet) - Number(b.quiet));
    if (anySection && (headings.length === 0 || headings[0]!.quiet)) headings.unshift(headingOf(anySection));
    const pending = [...missingCards.values()];
    const pendingNotes = [...missingNotes.values()];
    let first = true;
    while (first || pending.length > 0 || pendingNotes.length > 0) {
      await renderBatch(
        first ? headings : headings.slice(0, 1),
        pending.splice(0, cardsPerRender),
        pendingNotes.shift(),
      );
      first = false;
    }
  }

  return {
    prepare,
    async assemble(view) {
      await prepare([view]);
      if (!topicsSection) throw new Error('the section around the topics was not prepared');
      // Each piece as the strings it is made of (a card: its cut parts and its "why" line), so
      // that the digest's HTML is copied together once, at the end.
      const pieces: (readonly string[])[] = [
        fillSlotParts(frame!.prefix, view, escapeHtml),
        [topicsSection.open],
      ];
      if (view.note) {
        const note = notes.get(view.note.key);
        if (note === undefined) throw new Error(`note ${view.note.key} was not prepared`);
        pieces.push([note]);
      }
      for (const section of view.sections) {
        pieces.push([topics.get(pieceId(section))!]);
        for (const card of section.articles) {
          const piece = cards.get(card.key);
          if (piece === undefined) throw new Error(`card ${card.key} was not prepared`);
          pieces.push(fillSlotParts(piece, { why: card.why }, escapeHtml));
        }
      }
      pieces.push([topicsSection.close], [frame!.suffix]);
      return joinSections(pieces);
    },
    get renders() {
      return renders;
    },
  };
}

type Heading = Omit<DigestView['sections'][number], 'articles'>;

/** The digest's own text slots, all in the frame's head and header. */
const FRAME_SLOTS = ['kicker', 'preheader', 'intro', 'contents'] as const;

/** The cache key of a section's own piece: its heading, or its quiet line. */
function pieceId(section: { readonly topic: TopicId; readonly quiet: boolean }): string {
  return `${section.quiet ? 'q' : 't'}-${section.topic}`;
}

const OPEN = '<!--[if mso | IE]>';
const CLOSE = '<![endif]-->';

/**
 * Joins cut pieces the way MJML's whole document has them. Between two sections, MJML merges
 * the Outlook conditional that ends one with the one that opens the next: both go. Inside a
 * section (a card after the opening of its column, or after another card) the pieces were rows
 * separated by a line break, which the cut took away: it comes back.
 *
 * A piece is given as its strings (see assemble); only its first and last are looked at: filled
 * slots hold escaped text, which can neither begin an Outlook conditional nor end one.
 */
function joinSections(pieces: readonly (readonly string[])[]): string {
  // Collected and joined once: testing the end of a growing string would flatten it every time.
  const out: string[] = [];
  let previousEnd: string | undefined;
  for (const piece of pieces) {
    if (piece.length === 0) continue;
    const first = piece[0]!;
    if (previousEnd === undefined) out.push(first);
    else if (previousEnd.endsWith(CLOSE) && first.startsWith(OPEN)) {
      out[out.length - 1] = previousEnd.slice(0, -CLOSE.length);
      out.push(first.slice(OPEN.length));
    } else {
      out.push('\n', first);
    }
    for (let index = 1; index < piece.length; index += 1) out.push(piece[index]!);
    previousEnd = out.at(-1)!;
  }
  return out.join('');
}
