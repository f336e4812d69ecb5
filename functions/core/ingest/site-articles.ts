import matter from 'gray-matter';
import { z } from 'zod';
import { ContentError } from '../errors.ts';
import { topicIdSchema, type TopicId } from '../../model/topics.ts';
import type { RawFeedItem } from './feed-parser.ts';

const frontMatterSchema = z
  .object({
    title: z.string().min(3),
    date: z.union([z.date(), z.string().min(8)]),
    summary: z.string().min(10),
    canonical: z
      .string()
      .url()
      .refine((value) => /^https?:\/\//.test(value), { message: 'must be an http(s) URL' }),
    topics: z.array(topicIdSchema).min(1).optional(),
  })
  .strict();

export interface SiteArticle {
  readonly item: RawFeedItem;
  /** Editor's choice of topics; replaces the tagger's for this article. */
  readonly topicOverride: readonly TopicId[] | undefined;
}

/**
 * Reads one content/articles/*.md file: YAML front matter (title, date, summary, canonical,
 * optional topics) and a Markdown body we do not need for the digest.
 *
 * @throws ContentError naming the file and the field.
 */
export function parseSiteArticle(fileName: string, text: string): SiteArticle {
  let data: unknown;
  try {
    data = matter(text).data;
  } catch (error) {
    throw new ContentError(`${fileName}: front matter is not valid YAML: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = frontMatterSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'front matter'}: ${issue.message}`,
    );
    throw new ContentError(`${fileName}: ${problems.join('; ')}`);
  }
  const front = parsed.data;
  // gray-matter turns an unquoted YAML date into a Date at UTC midnight; keep it as an ISO instant.
  const published = front.date instanceof Date ? front.date.toISOString() : front.date;
  return {
    item: {
      guid: front.canonical,
      title: front.title,
      link: front.canonical,
      summary: front.summary,
      published,
      categories: front.topics ?? [],
      identifierHints: [],
    },
    topicOverride: front.topics,
  };
}
