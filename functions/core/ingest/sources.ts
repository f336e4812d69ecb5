import { z } from 'zod';
import type { Source } from '../../model/sources.ts';

/** Where the APIs live; `--live` and the cloud call them, offline runs a loopback stand-in. */
export const EUTILS_BASE_URL = 'https://eutils.ncbi.nlm.nih.gov/entrez/eutils/';
export const CLINICALTRIALS_BASE_URL = 'https://clinicaltrials.gov/api/v2/';

const httpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//.test(value), { message: 'must be an http(s) URL' });

/** Fields every source has, however it is read. */
const common = {
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, { message: 'must be lower-case letters, digits and dashes' }),
  name: z.string().min(2).max(120),
  broad: z.boolean(),
  weight: z.number().min(0.1).max(5).default(1),
  enabled: z.boolean().default(true),
  /** What it publishes (a card's badge), as opposed to `via`, how it is read. */
  kind: z.enum(['journal', 'news', 'preprint', 'registry']).optional(),
  snapshot: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, { message: 'must be a file name inside content/snapshots' })
    .optional(),
};

const feedSchema = z.object({ via: z.literal('feed'), ...common, url: httpUrl }).strict();

// A PubMed query is PubMed's own syntax; only its length and the characters a URL cannot carry are checked.
const pubmedSchema = z
  .object({
    via: z.literal('pubmed'),
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
  .object({ via: z.literal('clinicaltrials'), ...common, url: httpUrl.optional(), trials: trialQuerySchema })
  .strict();

/** One source; `via` defaults to `feed`, so a file written before API sources existed reads as before. */
const sourceSchema = z.preprocess(
  (value) => (value && typeof value === 'object' && !('via' in value) ? { ...value, via: 'feed' } : value),
  z
    .discriminatedUnion('via', [feedSchema, pubmedSchema, clinicalTrialsSchema])
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
function searchPageUrl(source: Pick<Source, 'via' | 'term' | 'trials'>): string {
  if (source.via === 'pubmed') {
    return `https://pubmed.ncbi.nlm.nih.gov/?${new URLSearchParams({ term: source.term ?? '', sort: 'date' }).toString()}`;
  }
  const query = new URLSearchParams();
  if (source.trials?.intervention) query.set('intr', source.trials.intervention);
  if (source.trials?.condition) query.set('cond', source.trials.condition);
  if (source.trials?.term) query.set('term', source.trials.term);
  return `https://clinicaltrials.gov/search?${query.toString()}`;
}

/** How a source is read; a source written without `via` is a feed. */
export function viaOf(source: Pick<Source, 'via'>): NonNullable<Source['via']> {
  return source.via ?? 'feed';
}

/** What the cloud and `--live` fetch for a source: the feed itself, or the API it searches. */
export function liveUrlOf(source: Source): string {
  switch (viaOf(source)) {
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
  via: 'feed',
  name: 'Immunotherapy Digest',
  url: 'https://immunotherapy-digest.example.org/',
  broad: false,
  weight: 1.5,
  enabled: true,
  kind: 'site',
};
