export interface FetchConditions {
  readonly etag?: string;
  readonly lastModified?: string;
}

export type FetchResult =
  | { readonly status: 'not-modified' }
  | {
      readonly status: 'ok';
      readonly body: Buffer;
      readonly contentType: string | undefined;
      readonly etag: string | undefined;
      readonly lastModified: string | undefined;
      readonly finalUrl: string;
    };

export interface FeedFetcher {
  /** @throws FeedError with its kind (timeout, http-status, too-large, blocked-address, …). */
  fetch(url: string, conditions: FetchConditions): Promise<FetchResult>;
}
