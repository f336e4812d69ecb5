import type { Context } from 'hono';
import type { AppContext } from '../app/context.ts';
import { TokenError } from '../core/errors.ts';
import type { TokenPurpose, TokenSubject } from '../core/tokens/tokens.ts';
import { topicLabels } from '../core/tagging/vocabulary.ts';
import type { LifecycleDependencies } from '../core/subscribers/lifecycle.ts';
import type { RequestQueueDependencies } from '../core/subscribers/account-requests.ts';
import type { SelectionLimits } from '../core/digest/select.ts';
import { TOPIC_IDS } from '../model/topics.ts';
import type { TopicOption } from './form-fields.ts';
import { respondWith } from './respond.ts';
import { tokenProblem } from './pages/manage-page.ts';

export interface ApiOptions {
  /** The caller's IP: the socket locally, API Gateway's sourceIp in the cloud. */
  readonly clientIp: (c: Context) => string;
}

/** What every route module needs, built once per app. */
export interface ApiServices {
  readonly context: AppContext;
  readonly topics: readonly TopicOption[];
  /** What the lifecycle's use cases take from the context. */
  readonly account: LifecycleDependencies & RequestQueueDependencies;
  readonly archiveLimits: SelectionLimits;
  readonly clientIp: (c: Context) => string;
  /** The subscription a request's `?token=` names for this purpose; undefined for any bad token. */
  readonly subjectOf: (c: Context, purpose: TokenPurpose) => TokenSubject | undefined;
  /** The page (or JSON) for a token that failed: 400, never a 500, always a way forward. */
  readonly badToken: (c: Context, purpose: TokenPurpose) => Response | Promise<Response>;
}

export function createServices(context: AppContext, options: ApiOptions): ApiServices {
  return {
    context,
    topics: topicLabels(context.vocabulary),
    account: {
      ...context,
      siteUrl: context.config.siteUrl,
      ipHashKey: context.keys.ipHash,
    },
    // An edition is the digest of someone who follows every topic.
    archiveLimits: {
      maxPerTopic: context.config.digest.maxPerTopic,
      maxArticles: context.config.digest.maxPerTopic * TOPIC_IDS.length,
    },
    clientIp: options.clientIp,
    subjectOf(c, purpose) {
      try {
        const { subscriberId, instance } = context.tokens.verify(
          c.req.query('token') ?? '',
          purpose,
          context.clock.now(),
        );
        return { subscriberId, instance };
      } catch (error) {
        if (error instanceof TokenError) return undefined;
        throw error;
      }
    },
    badToken(c, purpose) {
      return respondWith(c, { status: 400, ...tokenProblem(purpose), json: { error: 'invalid_token' } });
    },
  };
}
