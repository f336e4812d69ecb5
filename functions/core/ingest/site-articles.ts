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
  /** The file's name without `.md`: the article's address is `<ARTICLES_BASE_URL>/<slug>`. */
  readonly slug: string;
  /** The Markdown after the front matter: what the article page shows. */
  readonly body: string;
}

/**
 * Reads one content/articles/*.md file: YAML front matter (title, date, summary, canonical,
 * optional topics) and the Markdown body that the article's page shows.
 *
 * @throws ContentError naming the file and the field.
 */
export function parseSiteArticle(fileName: string, text: string): SiteArticle {
  const slug = fileName.split('/').pop()!.replace(/\.md$/, '');
  if (!/^[a-z0-9][a-z0-9-]{0,120}$/.test(slug)) {
    throw new ContentError(
      `${fileName}: the file name is the article's address: lower-case letters, digits and dashes only`,
    );
  }
  let data: unknown;
  let body: string;
  try {
    ({ data, content: body } = matter(text));
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
    slug,
    body,
  };
}
