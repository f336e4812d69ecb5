import matter from 'gray-matter';
import { z } from 'zod';
import { ContentError } from '../errors.ts';
import { withoutBidiControls } from '../text/text-safety.ts';
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
 * gray-matter reads front matter in whatever language its opening line names, and its `js` and
 * `javascript` engines evaluate the block: `---js` in an article ran code during ingest (issue 15).
 * Only YAML is read. The opening line is checked first, and every other engine gray-matter knows
 * refuses anyway, should a spelling ever get past the check.
 */
const YAML_OPENING = /^\uFEFF?---(?:yaml)?[ \t]*\r?$/;

const refuse = (language: string) => () => {
  throw new ContentError(`front matter in ${language} is refused: only YAML is read`);
};

const YAML_ONLY: matter.GrayMatterOption<string, object> = {
  language: 'yaml',
  engines: Object.fromEntries(
    ['js', 'javascript', 'coffee', 'coffeescript', 'cson', 'json', 'toml'].map((name) => [
      name,
      refuse(name),
    ]),
  ),
};

/**
 * Reads one content/articles/*.md file: YAML front matter (title, date, summary, canonical,
 * optional topics) and the Markdown body that the article's page shows.
 *
 * @throws ContentError naming the file and the field; front matter that is not YAML (`---js`,
 *   `---coffee`, `;;;`, `+++`, none at all) names the file and what it found.
 */
export function parseSiteArticle(fileName: string, text: string): SiteArticle {
  const opening = /^[^\n]*/.exec(text)![0];
  if (!YAML_OPENING.test(opening)) {
    throw new ContentError(
      `${fileName}: front matter must be YAML, opened by a line of three dashes ("---"); found ` +
        `"${opening
          .replace(/^\uFEFF/, '')
          .trim()
          .slice(0, 40)}" (no other language is read: js or coffee front matter would run as code)`,
    );
  }
  const slug = fileName.split('/').pop()!.replace(/\.md$/, '');
  if (!/^[a-z0-9][a-z0-9-]{0,120}$/.test(slug)) {
    throw new ContentError(
      `${fileName}: the file name is the article's address: lower-case letters, digits and dashes only`,
    );
  }
  let data: unknown;
  let body: string;
  try {
    ({ data, content: body } = matter(text, YAML_ONLY));
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
      // Shown in digests and on the site: no direction control may make them read otherwise.
      title: withoutBidiControls(front.title),
      link: front.canonical,
      summary: withoutBidiControls(front.summary),
      published,
      categories: front.topics ?? [],
      identifierHints: [],
    },
    topicOverride: front.topics,
    slug,
    body,
  };
}
