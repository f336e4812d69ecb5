import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { DEFAULT_DELIVERY_SLOT, type DeliverySlot } from '../core/model.ts';
import { topicLabels } from '../core/tagging/vocabulary.ts';
import { TokenError, describeError } from '../core/errors.ts';
import type { TokenPurpose } from '../core/tokens/tokens.ts';
import { deliverySlotSchema, emailSchema, topicsSchema } from '../core/subscribers/subscriber.ts';
import {
  confirmSubscription,
  requestSubscription,
  unsubscribe,
  updatePreferences,
  type LifecycleDependencies,
} from '../core/subscribers/lifecycle.ts';
import { layout } from './layout.ts';
import { BROWSER_ZONE_SCRIPT, deliveryFields, topicCheckboxes } from './form-fields.ts';

export interface ApiOptions {
  /** The caller's IP: the socket locally, API Gateway's sourceIp in the cloud. */
  readonly clientIp: (c: Context) => string;
}

const subscribeSchema = z.object({
  email: emailSchema,
  topics: topicsSchema,
  weekday: z.coerce.number().int().min(1).max(7).default(DEFAULT_DELIVERY_SLOT.weekday),
  hour: z.coerce.number().int().min(0).max(23).default(DEFAULT_DELIVERY_SLOT.hour),
  timezone: z.string().default(DEFAULT_DELIVERY_SLOT.timeZone),
});

const preferencesSchema = subscribeSchema.omit({ email: true });

/**
 * The public HTTP API and pages. The same Hono app runs behind API Gateway (hono/aws-lambda)
 * and on the local Node server (@hono/node-server).
 */
export function createApi(context: AppContext, options: ApiOptions): Hono {
  const app = new Hono();
  const topics = topicLabels(context.vocabulary);
  const lifecycle: LifecycleDependencies = {
    ...context,
    siteUrl: context.config.siteUrl,
    ipHashKey: context.tokenSecret,
  };

  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
  });

  app.get('/health', (c) => c.json({ ok: true }));

  app.get('/', (c) =>
    c.html(
      layout(
        'Subscribe',
        html`<div class="card">
          <h1>Get the weekly Immunotherapy Digest</h1>
          <p>
            One email a week with new research and news on the immunotherapy topics you choose. Free, no ads,
            leave in one click.
          </p>
          <form method="post" action="/subscribe">
            <label for="email"><strong>Email address</strong></label>
            <input
              type="email"
              id="email"
              name="email"
              required
              autocomplete="email"
              placeholder="name@example.org"
            />
            ${topicCheckboxes(topics, new Set())} ${deliveryFields(DEFAULT_DELIVERY_SLOT)}
            <p class="consent">
              By subscribing you agree that we email you this weekly digest on the topics you chose. We keep
              your address, your choices and a record of this consent, nothing else, and never share them.
              Every email has a one-click unsubscribe link.
            </p>
            <button type="submit">Subscribe</button>
          </form>
        </div>`,
        { script: BROWSER_ZONE_SCRIPT },
      ),
    ),
  );

  app.post('/subscribe', async (c) => {
    const input = await readInput(c);
    const parsed = subscribeSchema.safeParse(input);
    const slot = parsed.success
      ? deliverySlotSchema.safeParse({
          weekday: parsed.data.weekday,
          hour: parsed.data.hour,
          timeZone: parsed.data.timezone,
        })
      : undefined;
    if (!parsed.success || !slot?.success) {
      const issues = [...(parsed.error?.issues ?? []), ...(slot?.error?.issues ?? [])].map(
        (issue) => `${issue.path.join('.') || 'request'}: ${issue.message}`,
      );
      return respond(c, 400, 'Please check the form', issues.join('. '), {
        error: 'invalid_request',
        issues,
      });
    }
    await requestSubscription(
      { email: parsed.data.email, topics: parsed.data.topics, delivery: slot.data },
      lifecycle,
    );
    // Identical for new, pending, confirmed and unsubscribed addresses: nobody can probe who subscribes.
    return respond(
      c,
      202,
      'Check your inbox',
      'If this address can receive the digest, we have sent it a confirmation link. Open it within 7 days to start your subscription.',
      { status: 'accepted' },
    );
  });

  app.get('/confirm', async (c) => {
    const subscriberId = verify(c, 'confirm');
    if (!subscriberId) return tokenProblemPage(c, 'confirm');
    const { outcome } = await confirmSubscription(subscriberId, options.clientIp(c), lifecycle);
    if (outcome === 'not-pending') return tokenProblemPage(c, 'confirm');
    const manageToken = context.tokens.issue('manage', subscriberId, context.clock.now());
    return c.html(
      layout(
        'Subscription confirmed',
        html`<div class="card">
          <h1>You're subscribed</h1>
          <p class="notice ok">Your first digest arrives on your chosen day and time.</p>
          <p><a href="/preferences?token=${manageToken}">Review your topics and delivery time</a></p>
        </div>`,
      ),
    );
  });

  app.get('/preferences', async (c) => {
    const subscriberId = verify(c, 'manage');
    if (!subscriberId) return tokenProblemPage(c, 'manage');
    const subscriber = await context.subscribers.get(subscriberId);
    if (!subscriber) return tokenProblemPage(c, 'manage');
    return c.html(
      preferencesPage(
        c.req.query('token') ?? '',
        new Set(subscriber.topics),
        subscriber.delivery,
        c.req.query('saved') === '1',
      ),
    );
  });

  app.post('/preferences', async (c) => {
    const subscriberId = verify(c, 'manage');
    if (!subscriberId) return tokenProblemPage(c, 'manage');
    const parsed = preferencesSchema.safeParse(await readInput(c));
    const slot = parsed.success
      ? deliverySlotSchema.safeParse({
          weekday: parsed.data.weekday,
          hour: parsed.data.hour,
          timeZone: parsed.data.timezone,
        })
      : undefined;
    if (!parsed.success || !slot?.success) {
      const issues = [...(parsed.error?.issues ?? []), ...(slot?.error?.issues ?? [])].map(
        (issue) => `${issue.path.join('.')}: ${issue.message}`,
      );
      return respond(c, 400, 'Please check the form', issues.join('. '), {
        error: 'invalid_request',
        issues,
      });
    }
    const updated = await updatePreferences(
      subscriberId,
      { topics: parsed.data.topics, delivery: slot.data },
      lifecycle,
    );
    if (!updated) return tokenProblemPage(c, 'manage');
    if (wantsJson(c)) return c.json({ status: 'saved', topics: updated.topics, delivery: updated.delivery });
    return c.redirect(`/preferences?token=${encodeURIComponent(c.req.query('token') ?? '')}&saved=1`, 303);
  });

  app.get('/unsubscribe', (c) => {
    // Mail scanners open every link: GET only shows the button, it never changes anything.
    if (!verify(c, 'unsubscribe')) return tokenProblemPage(c, 'unsubscribe');
    const token = c.req.query('token') ?? '';
    return c.html(
      layout(
        'Unsubscribe',
        html`<div class="card">
          <h1>Unsubscribe from the Immunotherapy Digest?</h1>
          <p>You will get no more digests. You can subscribe again at any time.</p>
          <form method="post" action="/unsubscribe?token=${token}">
            <input type="hidden" name="List-Unsubscribe" value="One-Click" />
            <button type="submit" class="danger">Unsubscribe</button>
          </form>
        </div>`,
      ),
    );
  });

  app.post('/unsubscribe', async (c) => {
    // RFC 8058 one-click: the mail client POSTs List-Unsubscribe=One-Click with the URL's token.
    const subscriberId = verify(c, 'unsubscribe');
    if (!subscriberId) return tokenProblemPage(c, 'unsubscribe');
    await unsubscribe(subscriberId, context);
    return respond(
      c,
      200,
      'You are unsubscribed',
      'You will get no more digests from us. Changed your mind? Subscribe again on our home page.',
      {
        status: 'unsubscribed',
      },
    );
  });

  app.onError((error, c) => {
    context.logger.error('request failed', { path: c.req.path, error: describeError(error) });
    return respond(c, 500, 'Something went wrong', 'Please try again in a minute.', {
      error: 'internal_error',
    });
  });

  return app;

  function verify(c: Context, purpose: TokenPurpose): string | undefined {
    try {
      return context.tokens.verify(c.req.query('token') ?? '', purpose, context.clock.now()).subscriberId;
    } catch (error) {
      if (error instanceof TokenError) return undefined;
      throw error;
    }
  }

  function tokenProblemPage(c: Context, purpose: TokenPurpose) {
    const what = purpose === 'confirm' ? 'confirmation link' : 'link';
    return respond(
      c,
      400,
      'This link does not work',
      `This ${what} has expired or is incomplete. Subscribe again on the home page and we will send you a fresh one.`,
      { error: 'invalid_token' },
    );
  }

  function preferencesPage(token: string, chosen: Set<string>, slot: DeliverySlot, saved: boolean) {
    return layout(
      'Your preferences',
      html`<div class="card">
        <h1>Your digest preferences</h1>
        ${saved ? html`<p class="notice ok" role="status">Saved. Your next digest follows these choices.</p>` : ''}
        <form method="post" action="/preferences?token=${token}">
          ${topicCheckboxes(topics, chosen)} ${deliveryFields(slot)}
          <button type="submit">Save preferences</button>
        </form>
        <h2>Leave</h2>
        <form
          method="post"
          action="/unsubscribe?token=${context.tokens.issue('unsubscribe', verifyTokenSubject(token), context.clock.now())}"
        >
          <input type="hidden" name="List-Unsubscribe" value="One-Click" />
          <button type="submit" class="danger">Unsubscribe</button>
        </form>
      </div>`,
      { script: `document.getElementById('timezone').setAttribute('data-keep','true');` },
    );
  }

  function verifyTokenSubject(token: string): string {
    return context.tokens.verify(token, 'manage', context.clock.now()).subscriberId;
  }
}

async function readInput(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type') ?? '';
  if (type.includes('application/json')) {
    try {
      const body: unknown = await c.req.json();
      return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  const form = await c.req.parseBody({ all: true });
  const topics = form.topics;
  return { ...form, topics: topics === undefined ? [] : Array.isArray(topics) ? topics : [topics] };
}

function wantsJson(c: Context): boolean {
  return (
    (c.req.header('content-type') ?? '').includes('application/json') ||
    (c.req.header('accept') ?? '').startsWith('application/json')
  );
}

function respond(
  c: Context,
  status: 200 | 202 | 400 | 500,
  title: string,
  message: string,
  json: Record<string, unknown>,
) {
  if (wantsJson(c)) return c.json({ ...json, message }, status);
  const kind = status >= 400 ? 'error' : 'ok';
  return c.html(
    layout(
      title,
      html`<div class="card">
        <h1>${title}</h1>
        <p class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${message}</p>
        <p><a href="/">Back to the subscribe page</a></p>
      </div>`,
    ),
    status,
  );
}
