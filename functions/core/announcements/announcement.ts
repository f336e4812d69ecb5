import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { harmfulBidiControlsIn, withoutBidiControls } from '../text/text-safety.ts';
import { canonicalTopicOrder, isTopicId, TOPIC_IDS, type TopicId } from '../../model/topics.ts';
import { ANNOUNCEMENT_FORMATS, type AnnouncementFormat } from '../../model/announcements.ts';

/**
 * An announcement: a one-off email the editors send outside the weekly rhythm ("a new CAR-T
 * approval", "site maintenance"). Its content is a subject and a Markdown body rendered through
 * templates/announcement.mjml, or a whole MJML document; its audience is every confirmed reader,
 * or those who follow any of the given topics. A send id names one announcement for good: the
 * delivery ledger is keyed by it, so running the same id again never mails anyone twice.
 */

const MAX_SUBJECT_LENGTH = 150;

/** A Markdown body longer than this is a newsletter, not an announcement; an MJML file is markup-heavy. */
const MAX_BODY_LENGTH: Readonly<Record<AnnouncementFormat, number>> = {
  markdown: 50_000,
  mjml: 150_000,
};

export interface AnnouncementContent {
  readonly subject: string;
  readonly format: AnnouncementFormat;
  readonly body: string;
}

/** What is sent (content) and to whom (topics; empty means every confirmed reader). */
export interface AnnouncementDraft {
  readonly content: AnnouncementContent;
  readonly topics: readonly TopicId[];
  /** What parseDraft took out of the typed text ("U+202E RIGHT-TO-LEFT OVERRIDE removed from the subject"). */
  readonly removed?: readonly string[];
}

/** Lower-case letters, digits and dashes: safe in a ledger key, a URL path, an SES tag and a file name. */
export const sendIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{2,63}$/, { message: 'use 3 to 64 lower-case letters, digits and dashes' });

export interface DraftInput {
  readonly subject?: unknown;
  readonly body?: unknown;
  readonly format?: unknown;
  readonly topics?: unknown;
  /** "everyone" for every confirmed reader; "topics" (or left out) for the followers of `topics`. */
  readonly audience?: unknown;
}

/**
 * Validates what an admin typed (CLI flags, API JSON, the page's form) into a draft.
 *
 * The audience is always named: topics (their followers), or "everyone". Nothing stands for
 * everyone by default: a forgotten field or an empty list must never widen a send to every reader.
 *
 * @throws ValidationError whose issues name the field: `subject: …`, `body: …`, `topics: …`,
 *   `audience: …`.
 */
export function parseDraft(input: DraftInput): AnnouncementDraft {
  const issues: string[] = [];
  const removed: string[] = [];
  const subject = readableText(input.subject, 'subject', removed).trim();
  if (subject === '') issues.push('subject: is required');
  else if (subject.length > MAX_SUBJECT_LENGTH)
    issues.push(`subject: must be at most ${MAX_SUBJECT_LENGTH} characters (it has ${subject.length})`);
  // A line break in a subject is a header injection in waiting, and no mail client shows one.
  else if (/\p{Cc}/u.test(subject)) issues.push('subject: must be one line of text');

  const format = input.format === undefined || input.format === '' ? 'markdown' : input.format;
  if (!ANNOUNCEMENT_FORMATS.includes(format as AnnouncementFormat)) {
    issues.push(`format: must be markdown or mjml`);
  }
  // Line ends as a Unix file has them and no blank space around: the same text typed in a form,
  // carried in a hidden field or read from a file is the same draft (and the same hash).
  const body = readableText(input.body, 'body', removed).replace(/\r\n?/g, '\n').trim();
  const limit = MAX_BODY_LENGTH[format as AnnouncementFormat] ?? MAX_BODY_LENGTH.markdown;
  if (body === '') issues.push('body: is required');
  else if (body.length > limit)
    issues.push(
      `body: must be at most ${limit.toLocaleString('en')} characters (it has ${body.length.toLocaleString('en')})`,
    );

  const topics = parseAudience(input, issues);
  if (issues.length > 0) throw new ValidationError(`invalid announcement: ${issues.join('; ')}`, issues);
  return {
    content: { subject, format: format as AnnouncementFormat, body },
    topics,
    ...(removed.length > 0 ? { removed } : {}),
  };
}

/**
 * A typed field without the direction controls that could make it read as something else
 * (text-safety.ts); each one removed is reported, for the preview to show.
 */
function readableText(value: unknown, field: string, removed: string[]): string {
  if (typeof value !== 'string') return '';
  for (const control of harmfulBidiControlsIn(value)) removed.push(`${control} removed from the ${field}`);
  return withoutBidiControls(value);
}

/** The topics of the audience: [] only when "everyone" was asked for in so many words. */
function parseAudience(input: DraftInput, issues: string[]): TopicId[] {
  const { audience } = input;
  if (audience !== undefined && audience !== 'everyone' && audience !== 'topics') {
    issues.push('audience: must be "everyone", or left out when topics are named');
    return [];
  }
  const topicsGiven = input.topics !== undefined && input.topics !== null;
  const topics = topicsGiven ? parseTopics(input.topics, issues) : [];
  if (topicsGiven && topics.length === 0 && !issues.some((issue) => issue.startsWith('topics:'))) {
    issues.push(
      'topics: is empty; name at least one topic, or leave topics out and choose the audience "everyone"',
    );
  } else if (audience === 'everyone' && topics.length > 0) {
    issues.push('audience: "everyone" and topics together; choose one');
  } else if (audience === 'topics' && !topicsGiven) {
    issues.push('topics: choose at least one topic, or the audience "everyone"');
  } else if (audience !== 'everyone' && !topicsGiven) {
    issues.push(
      'audience: name the readers: topics (their followers), or "everyone" (every confirmed reader)',
    );
  }
  return topics;
}

function parseTopics(value: unknown, issues: string[]): TopicId[] {
  const given = (Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [value])
    .map((topic) => (typeof topic === 'string' ? topic.trim() : JSON.stringify(topic)))
    .filter(Boolean);
  const unknown = given.filter((topic) => !isTopicId(topic));
  if (unknown.length > 0) {
    issues.push(
      `topics: ${unknown.map((topic) => `"${topic}"`).join(', ')} ${unknown.length === 1 ? 'is not a topic' : 'are not topics'}; choose from ${TOPIC_IDS.join(', ')}`,
    );
    return [];
  }
  return canonicalTopicOrder(given as TopicId[]);
}

/** A short hash of everything that decides what readers get: subject, format, body and audience. */
export function draftHash(draft: AnnouncementDraft): string {
  return createHash('sha256')
    .update(JSON.stringify([draft.content.subject, draft.content.format, draft.content.body, draft.topics]))
    .digest('base64url')
    .slice(0, 22);
}

/**
 * The send id used when none is given: the subject's first words and a hash of the whole draft
 * (`new-car-t-approval-3f9a2c1b`). Running the very same send twice therefore names the same
 * send, and the ledger sends it once; a changed word or audience is a new send.
 */
export function defaultSendId(draft: AnnouncementDraft): string {
  const slug = draft.content.subject
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  const hash = createHash('sha256').update(draftHash(draft)).digest('hex').slice(0, 8);
  return slug.length >= 3 ? `${slug}-${hash}` : `send-${hash}`;
}

/**
 * @throws ValidationError when the id is not a valid send id.
 */
export function parseSendId(value: string, field = 'id'): string {
  const parsed = sendIdSchema.safeParse(value.trim());
  if (!parsed.success) {
    throw new ValidationError(`${field}: "${value}" is not a send id`, [
      `${field}: ${parsed.error.issues[0]?.message ?? 'is not a send id'}`,
    ]);
  }
  return parsed.data;
}

/**
 * The delivery ledger's key for an announcement: its own namespace beside the weekly digests
 * (`weekly-2026-W48`), so no announcement can ever collide with a digest of a reader.
 */
export function announcementLedgerId(sendId: string): string {
  return `announcement-${sendId}`;
}
