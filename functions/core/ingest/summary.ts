import { truncateText } from './html-text.ts';

/**
 * A feed's summary as a reader should see it. Journal feeds wrap the abstract in their own
 * furniture: a publication line ("Nature Reviews Clinical Oncology, Published online: 24 November
 * 2026; doi:10.1038/…"), a PubMed citation ("J Immunother Cancer. 2026 Nov 20;14(11):e012847.
 * doi: …") and its trailer ("PMID:41298765 | DOI:…"), bare DOIs, copyright notices, correction
 * notes, an author line. All of that goes. Structured abstracts, whose headings arrive glued to the
 * text once the HTML is gone ("Background Two doses …", "IntroductionAutologous …"), keep their
 * headings as words with a colon ("Background: Two doses … Results: …").
 *
 * Input and output are one line of plain text (what htmlToText gives). Pure, and cheap enough to
 * run on every item of every feed: a handful of anchored regular expressions, most of which fail
 * on their first character.
 */

/** Headings of structured abstracts (IMRaD and the JAMA, Lancet, BMC and Frontiers variants). */
const HEADINGS = [
  'Background and Aims',
  'Background and Purpose',
  'Background',
  'Introduction',
  'Context',
  'Importance',
  'Rationale',
  'Objectives',
  'Objective',
  'Aims',
  'Aim',
  'Purpose',
  'Materials and Methods',
  'Patients and Methods',
  'Methods and Findings',
  'Methods and Analysis',
  'Methods',
  'Method',
  'Design, Setting, and Participants',
  'Design, Setting and Participants',
  'Study Design',
  'Design',
  'Setting',
  'Participants',
  'Interventions',
  'Exposures',
  'Exposure',
  'Main Outcomes and Measures',
  'Main Outcome Measures',
  'Measurements',
  'Results',
  'Findings',
  'Observations',
  'Conclusions and Relevance',
  'Conclusions',
  'Conclusion',
  'Interpretation',
  'Discussion',
  'Significance',
  'Implications',
  'Limitations',
  'Trial Registration',
  'Clinical Trial Registration',
  'Funding',
  'Evidence Acquisition',
  'Evidence Synthesis',
  'Case Presentation',
] as const;

/** Headings that open an abstract: one of them at the very start is a heading even alone. */
const OPENING_HEADINGS = new Set([
  'background',
  'background and aims',
  'background and purpose',
  'introduction',
  'context',
  'importance',
  'rationale',
  'objective',
  'objectives',
  'aim',
  'aims',
  'purpose',
]);

/** Each heading as journals write it: "Materials and Methods", "Materials and methods", "MATERIALS AND METHODS". */
const HEADING_ALTERNATION = [
  ...new Set(
    HEADINGS.flatMap((heading) => [
      heading,
      heading.charAt(0) + heading.slice(1).toLowerCase(),
      heading.toUpperCase(),
    ]),
  ),
]
  .sort((a, b) => b.length - a.length)
  .map((heading) => heading.replace(/ /g, '\\s+'))
  .join('|');

/**
 * Where a sentence may start: the start of the text, or after a sentence's end, with or without
 * the space the lost HTML block gave ("lupus.MethodsEight"). Only there is a heading looked for.
 */
const SENTENCE_START = /(?:^|[.!?)\]])\s*(?=[A-Z])/g;

/**
 * A heading written as one ("Background", "BACKGROUND", never "background"), followed by a colon,
 * by a space and a capital or a digit, or, glued, by a capital and a small letter ("MethodsEight").
 * Sticky: tried only at sentence starts, which keeps a long alternation cheap.
 */
const HEADING_HERE = new RegExp(
  String.raw`(${HEADING_ALTERNATION})(?:\s*:\s*|\s+(?=[A-Z0-9(“"'])|(?=[A-Z][a-z]))`,
  'y',
);

/** A line of a publisher's furniture before the abstract: "Abstract", "ABSTRACT", "Summary". */
const LEADING_LABEL = /^(?:Abstract|ABSTRACT|Summary|SUMMARY)(?:\s*:\s*|\s+(?=[A-Z0-9(])|(?=[A-Z][a-z]))/;

const DOI = String.raw`10\.\d{4,9}/[^\s]*[^\s.,;|\])]`;
const DAY_MONTH_YEAR = String.raw`\d{1,2}\s+[A-Z][a-z]+\.?\s+\d{4}`;
const MONTH_DAY_YEAR = String.raw`[A-Z][a-z]+\.?\s+\d{1,2},?\s+\d{4}`;
const ISO_DATE = String.raw`\d{4}-\d{2}-\d{2}`;
const A_DATE = `(?:${DAY_MONTH_YEAR}|${MONTH_DAY_YEAR}|${ISO_DATE})`;

/** What each publisher wraps around an abstract, removed in this order. */
const BOILERPLATE: readonly RegExp[] = [
  // "[This corrects the article DOI: 10.1016/….]", "[Retraction of …]" (PubMed).
  /\[\s*(?:This (?:article )?(?:corrects|retracts)|Erratum in|Retraction (?:in|of)|Corrected and republished)[^\]]*\]\s*/gi,
  // PubMed's citation line: "J Immunother Cancer. 2026 Nov 20;14(11):e012847." then, maybe,
  // "Online ahead of print." and "doi: 10.1136/…." before the abstract.
  new RegExp(
    String.raw`^[A-Z][A-Za-z&'().\- ]{1,100}?\.\s+(?:19|20)\d{2}(?:\s+[A-Z][a-z]{2}(?:\s+\d{1,2})?(?:\s*-\s*(?:[A-Z][a-z]{2}\s+)?\d{1,2})?)?(?:[;:][^\s]*?)?\.\s+(?:(?:(?:Online|Epub) ahead of print\.|doi:\s*${DOI}\.?)\s*)*`,
  ),
  /\s*\b(?:Online|Epub) ahead of print\.?/g,
  // PubMed's trailer: "PMID:41298765 | PMC:PMC123 | DOI:10.1136/…".
  /\s*\bPMID:\s*\d+(?:\s*\|\s*(?:PMCID|PMC|DOI):\s*\S+)*\s*$/,
  // Nature's publication line: "Nature Reviews Clinical Oncology, Published online: 24 November
  // 2026; doi:10.1038/…", and every "Published online …", "First published …", "Published on: …".
  new RegExp(
    String.raw`(?:[A-Z][^.;:!?]{2,120}?,\s*)?\b(?:Published online|First published(?: online)?|Published on|Date published)\s*:?\s*(?:${A_DATE})?\s*[;.,|]?\s*(?:(?:doi|DOI)\s*:?\s*${DOI}[.;]?\s*)?`,
    'g',
  ),
  // BMC's metadata lines: "Authors: A, B and C Content type: Research Published on: …".
  /^(?:Authors?:\s*[^:]{2,400}?\s+)?Content type:\s*[A-Z][\w -]{2,40}?(?=\s+[A-Z][a-z]|\s*$)\s*/,
  // Copyright and licence notices, to the end of the text: "© 2026 The Author(s). Published by
  // Elsevier Ltd.", "Copyright © 2026 …", "This article is protected by copyright. All rights
  // reserved."
  /\s*(?:This article is protected by copyright\.?|(?:Copyright\s*)?©|Copyright\s+(?:\(c\)\s*)?(?:19|20)\d{2}|\(c\)\s*(?:19|20)\d{2})[^]{0,400}$/i,
  /\s*\bAll rights reserved\.?/gi,
  // Licence notices: "This is an open access article distributed under the … licence."
  /\s*This is an open[- ]access article\b[^]{0,300}?\blicen[cs]e[ds]?\b[^.]*\.?/gi,
  // PubMed's "NO ABSTRACT", news feeds' "Read more" and WordPress's "The post … appeared first on …".
  /\s*\bNO ABSTRACT\b\s*/g,
  /\s*(?:Read more|Continue reading|Read the full (?:story|article))\b[^.]{0,80}?\s*$/i,
  /\s*The post .{3,300}? appeared first on .{2,200}?\.?\s*$/,
  // A DOI standing on its own (not inside a sentence): at the start, at the end, or between
  // separators. "doi:10.1038/…", "DOI: 10.…", "https://doi.org/10.…".
  new RegExp(
    String.raw`(^|[.;|]\s*|\s)(?:(?:doi|DOI)\s*:\s*|https?://(?:dx\.)?doi\.org/)${DOI}(?:\s*[.;|])?(?=\s+[A-Z]|\s*$)`,
    'g',
  ),
];

/**
 * Removes publisher furniture and sets the headings of a structured abstract apart with a colon.
 *
 * @example cleanSummary('Nature Reviews Cancer, Published online: 2 May 2026; doi:10.1038/x1 CAR T cells …')
 * // 'CAR T cells …'
 */
export function cleanSummary(text: string): string {
  let cleaned = text;
  // Most summaries carry none of it: one cheap test spares them every pattern.
  if (MAY_HOLD_FURNITURE.test(text)) {
    for (const pattern of BOILERPLATE)
      cleaned = cleaned.replace(pattern, (_, before?: unknown) =>
        typeof before === 'string' ? before : ' ',
      );
    cleaned = tidy(cleaned);
  }
  cleaned = withoutAuthorLine(cleaned);
  cleaned = cleaned.replace(LEADING_LABEL, '');
  const formatted = REGISTRY_RECORD.test(cleaned) ? withRegistryFields(cleaned) : withHeadings(cleaned);
  return formatted === text ? text : tidy(formatted);
}

/** A trial registry's record (ClinicalTrials.gov): "Conditions: …; Interventions: …; Phase 2; Recruiting". */
const REGISTRY_RECORD = /^Conditions?:/;

/** Where the next field of a registry record starts, when its line break was lost. */
const REGISTRY_FIELD = new RegExp(
  String.raw`(?<![;,])\s+(?=(?:Interventions?|Sponsors?|Collaborators?|Locations?|Study type|Outcome measures?):|(?:Early\s+)?Phases?\s+\d|(?:Not yet recruiting|Recruiting|Active, not recruiting|Enrolling by invitation|Completed|Terminated|Withdrawn|Suspended|Not Applicable)\b)`,
  'g',
);

/** "Conditions: Melanoma Interventions: Drug: … Phase 3 Recruiting" → fields separated by "; ". */
function withRegistryFields(text: string): string {
  return text.replace(REGISTRY_FIELD, '; ');
}

/** Separators left dangling where furniture was taken out, and doubled spaces. */
function tidy(text: string): string {
  const spaced = text.replace(/\s{2,}/g, ' ').replace(/ ([.,;:])/g, '$1');
  // Trimmed by hand: a regular expression anchored at the end retries from every space.
  let start = 0;
  let end = spaced.length;
  while (start < end && LEADING_DEBRIS.has(spaced[start]!)) start += 1;
  while (end > start && TRAILING_DEBRIS.has(spaced[end - 1]!)) end -= 1;
  return spaced.slice(start, end).replace(/([.!?])(?:\s*[.;|])+(?=\s|$)/g, '$1');
}

const LEADING_DEBRIS = new Set([' ', '.', ',', ';', ':', '|']);
const TRAILING_DEBRIS = new Set([' ', ',', ';', ':', '|']);

/** Words that every pattern of BOILERPLATE needs. */
const MAY_HOLD_FURNITURE =
  /doi|published|print|pmid|©|copyright|\(c\)|rights reserved|licen[cs]e|abstract|read more|continue reading|read the full|appeared first|content type|corrects|retract|erratum|corrected/i;

/** A word of a person's name: "Jane", "O'Brien", "J.", "Lopez-Garcia". */
const NAME_WORD = /^\p{Lu}[\p{L}'’.-]*$/u;
/** Small words inside names: "Maria del Carmen Ruiz", "Jan van der Berg". */
const NAME_PARTICLES = new Set('da de del della der di do dos du la le van von ter ten bin al el'.split(' '));

/**
 * PLOS's author line, "by Jane Doe, Wei Zhang, Maria del Carmen Ruiz", which runs into the
 * abstract once its paragraph is gone ("… Ruiz Background The ratio …"). The names before each
 * comma are read whole; the last author ends where the abstract starts: at a heading, or at a
 * capitalised word followed by a small-letter one (the first words of a sentence).
 */
function withoutAuthorLine(text: string): string {
  if (!/^by\s+\p{Lu}/u.test(text)) return text;
  const words = text.slice(3).trim().split(' ');
  let index = 0;
  // Authors followed by a comma (or "and"): each one to five name words.
  for (;;) {
    let end = index;
    while (
      end < words.length &&
      end - index < 5 &&
      isNameWord(words[end]!.replace(/,$/, ''), end === index)
    ) {
      end += 1;
      if (words[end - 1]!.endsWith(',')) break;
    }
    const last = words[end - 1];
    if (end > index && last?.endsWith(',')) index = end;
    else if (end > index && words[end] === 'and') index = end + 1;
    else break;
  }
  // The last author: two to five name words, then the abstract.
  for (let length = 2; length <= 5 && index + length < words.length; length += 1) {
    const name = words.slice(index, index + length);
    if (!name.every((word, position) => isNameWord(word, position === 0))) return text;
    const next = words[index + length]!;
    const after = words[index + length + 1] ?? '';
    if (
      HEADING_WORDS.has(next.replace(/:$/, '').toLowerCase()) ||
      (/^\p{Lu}/u.test(next) && /^[\p{Ll}(]/u.test(after))
    )
      return words.slice(index + length).join(' ');
  }
  return text;
}

function isNameWord(word: string, first: boolean): boolean {
  return NAME_WORD.test(word) || (!first && NAME_PARTICLES.has(word));
}

/** First words of the headings, to tell where an author line ends. */
const HEADING_WORDS = new Set(HEADINGS.map((heading) => heading.split(' ')[0]!.toLowerCase()));

/** "Background Two doses … Results Three-year …" → "Background: Two doses … Results: Three-year …". */
function withHeadings(text: string): string {
  const found: { start: number; end: number; heading: string }[] = [];
  for (const sentence of text.matchAll(SENTENCE_START)) {
    HEADING_HERE.lastIndex = sentence.index + sentence[0].length;
    const heading = HEADING_HERE.exec(text);
    if (heading) found.push({ start: heading.index, end: HEADING_HERE.lastIndex, heading: heading[1]! });
  }
  if (found.length === 0) return text;
  const distinct = new Set(found.map(({ heading }) => normaliseHeading(heading)));
  const opensWithHeading = found[0]!.start === 0 && OPENING_HEADINGS.has(normaliseHeading(found[0]!.heading));
  // One heading word inside a text is more likely a sentence that starts with it.
  if (distinct.size < 2 && !opensWithHeading) return text;
  let out = '';
  let last = 0;
  for (const { start, end, heading } of found) {
    const before = text.slice(last, start).trimEnd();
    out += `${before}${before ? ' ' : ''}${headingLabel(heading)}: `;
    last = end;
  }
  return out + text.slice(last);
}

function normaliseHeading(heading: string): string {
  return heading.replace(/\s+/g, ' ').toLowerCase();
}

/** "BACKGROUND" → "Background"; "CONCLUSIONS AND RELEVANCE" → "Conclusions and relevance". */
function headingLabel(heading: string): string {
  const words = heading.replace(/\s+/g, ' ');
  if (words !== words.toUpperCase()) return words;
  return words.charAt(0) + words.slice(1).toLowerCase();
}

// Words after which a full stop does not end a sentence.
const ABBREVIATIONS = new Set(
  'e.g i.e vs etc al approx ca cf fig figs no nos dr mr mrs ms prof inc ltd co st jr sr u.s u.k n.b resp'.split(
    ' ',
  ),
);

/**
 * Cuts text to at most `maxLength` characters at the end of a sentence, so a summary never stops
 * mid-thought. When no sentence ends in the first 40 % of the room (one very long sentence), it
 * falls back to a word boundary and an ellipsis.
 *
 * @example cutAtSentence('One. Two is longer. Three.', 20) // 'One. Two is longer.'
 */
export function cutAtSentence(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  let end = -1;
  const sentenceEnd = /[.!?][”"')\]]*(?=\s+[A-Z0-9“"'(])/g;
  for (let match = sentenceEnd.exec(text); match; match = sentenceEnd.exec(text)) {
    const after = match.index + match[0].length;
    if (after > maxLength) break;
    if (match[0].startsWith('.') && endsWithAbbreviation(text, match.index)) continue;
    end = after;
  }
  if (end >= maxLength * 0.4) return text.slice(0, end);
  return truncateText(text, maxLength);
}

/** Whether the word before a full stop is an abbreviation or an initial ("J. Smith"). */
function endsWithAbbreviation(text: string, dot: number): boolean {
  const word = /([\p{L}.]+)$/u.exec(text.slice(Math.max(0, dot - 12), dot))?.[1] ?? '';
  if (word.length === 1 && /\p{Lu}/u.test(word)) return true;
  return ABBREVIATIONS.has(word.toLowerCase());
}
