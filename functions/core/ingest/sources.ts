import { z } from 'zod';
import type { Source } from '../../model/sources.ts';

/** Where the APIs live; `--live` and the cloud call them, offline runs a loopback stand-in. */
export const EUTILS_BASE_URL = 'https://eutils.ncbi.nlm.nih.gov/entrez/eutils/';
export const CLINICALTRIALS_BASE_URL = 'https://clinicaltrials.gov/api/v2/';

const httpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//.test(value), { message: 'must be an http(s) URL' });

/** Fields every kind has. */
const common = {
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, { message: 'must be lower-case letters, digits and dashes' }),
  name: z.string().min(2).max(120),
  broad: z.boolean(),
  weight: z.number().min(0.1).max(5).default(1),
  enabled: z.boolean().default(true),
  snapshot: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, { message: 'must be a file name inside content/snapshots' })
    .optional(),
};

const feedSchema = z.object({ kind: z.literal('feed'), ...common, url: httpUrl }).strict();

// A PubMed query is PubMed's own syntax; only its length and the characters a URL cannot carry are checked.
const pubmedSchema = z
  .object({
    kind: z.literal('pubmed'),
    ...common,
    url: httpUrl.optional(),
    term: z
      .string()
      .trim()
      .min(3)
      .max(2000)
      .refine((term) => ![...term].some((character) => character.charCodeAt(0) < 0x20), {
        message: 'must be one line of text',
      }),
  })
  .strict();

const trialQuerySchema = z
  .object({
    intervention: z.string().trim().min(2).max(500).optional(),
    condition: z.string().trim().min(2).max(500).optional(),
    term: z.string().trim().min(2).max(500).optional(),
  })
  .strict()
  .refine((query) => query.intervention ?? query.condition ?? query.term, {
    message: 'needs an intervention, a condition or a term: an empty query would ask for every trial',
  });

const clinicalTrialsSchema = z
  .object({ kind: z.literal('clinicaltrials'), ...common, url: httpUrl.optional(), trials: trialQuerySchema })
  .strict();

/** One source; `kind` defaults to `feed`, so a file written before kinds existed reads as before. */
const sourceSchema = z.preprocess(
  (value) => (value && typeof value === 'object' && !('kind' in value) ? { ...value, kind: 'feed' } : value),
  z
    .discriminatedUnion('kind', [feedSchema, pubmedSchema, clinicalTrialsSchema])
    .transform((source): Source => ({ ...source, url: source.url ?? searchPageUrl(source) })),
);

/** The schema of content/sources.yaml. */
export const sourcesFileSchema = z
  .object({ sources: z.array(sourceSchema).min(1) })
  .strict()
  .superRefine((file, context) => {
    const seen = new Set<string>();
    file.sources.forEach((source, index) => {
      if (seen.has(source.id)) {
        context.addIssue({
          code: 'custom',
          path: ['sources', index, 'id'],
          message: `duplicate source id "${source.id}"`,
        });
      }
      seen.add(source.id);
    });
  });

/** The search page a reader can open for an API source: PubMed's, or the registry's. */
function searchPageUrl(source: Pick<Source, 'kind' | 'term' | 'trials'>): string {
  if (source.kind === 'pubmed') {
    return `https://pubmed.ncbi.nlm.nih.gov/?${new URLSearchParams({ term: source.term ?? '', sort: 'date' }).toString()}`;
  }
  const query = new URLSearchParams();
  if (source.trials?.intervention) query.set('intr', source.trials.intervention);
  if (source.trials?.condition) query.set('cond', source.trials.condition);
  if (source.trials?.term) query.set('term', source.trials.term);
  return `https://clinicaltrials.gov/search?${query.toString()}`;
}

/** A source's kind; a source written without one is a feed. */
export function kindOf(source: Pick<Source, 'kind'>): NonNullable<Source['kind']> {
  return source.kind ?? 'feed';
}

/** What the cloud and `--live` fetch for a source: the feed itself, or the API it searches. */
export function liveUrlOf(source: Source): string {
  switch (kindOf(source)) {
    case 'pubmed':
      return EUTILS_BASE_URL;
    case 'clinicaltrials':
      return CLINICALTRIALS_BASE_URL;
    case 'feed':
      return source.url;
  }
}

/** The site's own articles are one more source, always focused and enabled. */
export const SITE_SOURCE: Source = {
  id: 'site',
  kind: 'feed',
  name: 'Immunotherapy Digest',
  url: 'https://immunotherapy-digest.example.org/',
  broad: false,
  weight: 1.5,
  enabled: true,
};
