/** What the corpus worker reports for one file. */

export const FIRST_SEEN_AT = '2030-01-01T00:00:00.000Z';

export type ParseOutcome =
  | {
      readonly file: string;
      readonly status: 'parsed';
      readonly format: string;
      readonly title: string;
      readonly itemsSeen: number;
      readonly articles: readonly {
        readonly title: string;
        readonly url: string;
        readonly summary: string;
        readonly publishedAt: string;
        readonly keys: readonly string[];
      }[];
      readonly rejections: readonly string[];
    }
  | { readonly file: string; readonly status: 'failed'; readonly kind: string; readonly message: string }
  | { readonly file: string; readonly status: 'crashed'; readonly error: string; readonly stack: string };
