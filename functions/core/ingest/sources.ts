import { z } from 'zod';
import type { Source } from '../../model/sources.ts';

/** The schema of content/sources.yaml. */
const sourceSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, { message: 'must be lower-case letters, digits and dashes' }),
    name: z.string().min(2).max(120),
    url: z
      .string()
      .url()
      .refine((value) => /^https?:\/\//.test(value), { message: 'must be an http(s) URL' }),
    broad: z.boolean(),
    weight: z.number().min(0.1).max(5).default(1),
    enabled: z.boolean().default(true),
    kind: z.enum(['journal', 'news', 'preprint', 'registry']).optional(),
    snapshot: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, { message: 'must be a file name inside content/snapshots' })
      .optional(),
  })
  .strict();

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

/** The site's own articles are one more source, always focused and enabled. */
export const SITE_SOURCE: Source = {
  id: 'site',
  name: 'Immunotherapy Digest',
  url: 'https://immunotherapy-digest.example.org/',
  broad: false,
  weight: 1.5,
  enabled: true,
  kind: 'site',
};
