import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { ValidationError } from '../../core/errors.ts';
import { describeDigestTime, nextDigestAt } from '../../core/digest/schedule.ts';
import type { Subscriber } from '../../model/subscribers.ts';
import type { TokenSubject } from '../../core/tokens/tokens.ts';
import { subscriptionOf, unsubscribe, updatePreferences } from '../../core/subscribers/lifecycle.ts';
import {
  eraseSubscriber,
  exportSubscriberData,
  readerRecords,
  setPaused,
} from '../../core/subscribers/account.ts';
import { fieldErrorsOf, parsePreferences, readInput, wantsJson } from '../input.ts';
import { renderPage, respondWith } from '../respond.ts';
import type { ApiServices } from '../services.ts';
import { preferencesPage, type PreferencesNotice, type PreferencesView } from '../pages/preferences-page.ts';
import { invalidJson } from './subscription-routes.ts';

const NOTICES: readonly PreferencesNotice[] = ['saved', 'paused', 'resumed'];

/**
 * The preference centre (a signed manage link) and leaving (a signed unsubscribe link). GET never
 * changes anything: mail scanners open every link in an email. A link works only for the
 * subscription instance it was issued for: after an unsubscribe, an erasure or a new subscription,
 * every older link is gone (410).
 */
export function preferenceRoutes(services: ApiServices): Hono {
  const { context, topics } = services;
  const app = new Hono();

  /** The reader a manage link names (and the link's subject), or the response to give instead. */
  async function readerOf(c: Context): Promise<(Subscriber & { subject: TokenSubject }) | Response> {
    const subject = services.subjectOf(c, 'manage');
    if (!subject) return services.badToken(c, 'manage');
    const subscriber = await subscriptionOf(subject, context);
    if (subscriber) return { ...subscriber, subject };
    return gone(c);
  }

  function page(
    c: Context,
    subscriber: Subscriber,
    extra: Partial<PreferencesView> = {},
    status: 200 | 400 = 200,
  ) {
    const now = context.clock.now();
    const next = nextDigestAt(subscriber, now);
    return renderPage(
      c,
      'Your preferences',
      preferencesPage({
        subscriber,
        topics,
        // A change of slot counts from now: the page names the date it leads to, never silently.
        nextDigest: next && describeDigestTime(next, subscriber.delivery.timeZone),
        manageToken: c.req.query('token') ?? '',
        unsubscribeToken: context.tokens.issue('unsubscribe', subscriber, now),
        ...extra,
      }),
      {},
      status,
    );
  }

  const backToPreferences = (c: Context, notice: PreferencesNotice) =>
    c.redirect(`/preferences?token=${encodeURIComponent(c.req.query('token') ?? '')}&notice=${notice}`, 303);

  app.get('/preferences', async (c) => {
    const reader = await readerOf(c);
    if (reader instanceof Response) return reader;
    if (wantsJson(c)) return c.json(publicView(reader));
    const notice = NOTICES.find((candidate) => candidate === c.req.query('notice'));
    return page(c, reader, { notice });
  });

  app.post('/preferences', async (c) => {
    const reader = await readerOf(c);
    if (reader instanceof Response) return reader;
    let input: Record<string, unknown> = {};
    try {
      input = await readInput(c);
      const change = parsePreferences(input, reader.delivery);
      const updated = await updatePreferences(reader.subject, change, context);
      if (!updated) return readerOf(c) as Promise<Response>; // erased meanwhile
      if (wantsJson(c)) return c.json({ status: 'saved', subscription: publicView(updated) });
      return backToPreferences(c, 'saved');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      if (wantsJson(c)) return invalidJson(c, error);
      const submitted = Array.isArray(input.topics) ? input.topics.map(String) : [];
      return page(
        c,
        reader,
        {
          errors: fieldErrorsOf(error),
          submitted: {
            topics: new Set(submitted),
            delivery: reader.delivery,
            ...(typeof input.country === 'string' ? { country: input.country } : {}),
          },
        },
        400,
      );
    }
  });

  for (const [path, paused] of [
    ['/preferences/pause', true],
    ['/preferences/resume', false],
  ] as const) {
    app.post(path, async (c) => {
      const reader = await readerOf(c);
      if (reader instanceof Response) return reader;
      const updated = await setPaused(reader.subject, paused, context);
      if (!updated) return readerOf(c) as Promise<Response>;
      if (wantsJson(c))
        return c.json({ status: paused ? 'paused' : 'resumed', subscription: publicView(updated) });
      return backToPreferences(c, paused ? 'paused' : 'resumed');
    });
  }

  app.get('/preferences/data', async (c) => {
    const reader = await readerOf(c);
    if (reader instanceof Response) return reader;
    const now = context.clock.now();
    c.header(
      'Content-Disposition',
      `attachment; filename="immunotherapy-digest-my-data-${now.toISOString().slice(0, 10)}.json"`,
    );
    const { subject: _subject, ...subscriber } = reader;
    const records = await readerRecords(reader.subscriberId, context);
    return c.json(exportSubscriberData(subscriber, context.topicLabels, now, records));
  });

  app.post('/preferences/delete', async (c) => {
    const reader = await readerOf(c);
    if (reader instanceof Response) return reader;
    const input: Record<string, unknown> = await readInput(c).catch((error: unknown) => {
      if (error instanceof ValidationError) return {};
      throw error;
    });
    if (!['yes', 'on', true].includes(input.confirm as string | boolean)) {
      const problem = new ValidationError('erasure not confirmed', ['confirm: tick the box to confirm']);
      if (wantsJson(c)) return invalidJson(c, problem);
      return page(c, reader, { errors: fieldErrorsOf(problem) }, 400);
    }
    await eraseSubscriber(reader.subscriberId, context);
    return respondWith(c, {
      status: 200,
      title: 'Your data is deleted',
      message:
        'We erased your address and everything we held about you. You will get no more emails from us. If you ever want the digest again, subscribe on the home page.',
      json: { status: 'erased' },
    });
  });

  app.get('/unsubscribe', async (c) => {
    // Mail scanners open every link: GET only shows the button, it never changes anything.
    const subject = services.subjectOf(c, 'unsubscribe');
    if (!subject) return services.badToken(c, 'unsubscribe');
    const current = await context.subscribers.get(subject.subscriberId);
    const subscriber = current?.instance === subject.instance ? current : undefined;
    // Subscribed again since this link was mailed: an old link does not end the new subscription.
    if (!subscriber && current?.status === 'confirmed') return gone(c);
    if (!subscriber || (subscriber.status !== 'confirmed' && subscriber.status !== 'pending'))
      return leftPage(c);
    return renderPage(
      c,
      'Unsubscribe',
      html`<div class="narrow">
        <div class="card">
          <h1>Unsubscribe from the Immunotherapy Digest?</h1>
          <p>
            You will get no more digests at <strong>${subscriber.email}</strong>. You can subscribe again at
            any time.
          </p>
          <form method="post" action="/unsubscribe?token=${encodeURIComponent(c.req.query('token') ?? '')}">
            <input type="hidden" name="List-Unsubscribe" value="One-Click" />
            <div class="actions">
              <button type="submit" class="danger">Unsubscribe</button>
              <a href="/">Keep my subscription</a>
            </div>
          </form>
        </div>
      </div>`,
    );
  });

  app.post('/unsubscribe', async (c) => {
    // RFC 8058 one-click: a mail client POSTs List-Unsubscribe=One-Click to the URL; the token is the proof.
    const subject = services.subjectOf(c, 'unsubscribe');
    if (!subject) return services.badToken(c, 'unsubscribe');
    if ((await unsubscribe(subject, context)) === 'other-subscription') return gone(c);
    return leftPage(c);
  });

  return app;
}

/** A link of a subscription that is no more: erased, ended, or replaced by a newer one. */
function gone(c: Context) {
  return respondWith(c, {
    status: 410,
    title: 'This subscription no longer exists',
    message:
      'The link belonged to a subscription that has ended: its data was deleted, or it was replaced by a newer subscription. Use the links in your latest email, or ask for a new link below.',
    json: { error: 'no_subscription' },
    more: html`<p><a href="/manage">Email me a link to my current subscription</a></p>
      <p><a href="/">Go to the subscribe page</a></p>`,
  });
}

function leftPage(c: Context) {
  return respondWith(c, {
    status: 200,
    title: 'You are unsubscribed',
    message: 'You will get no more digests from us.',
    json: { status: 'unsubscribed' },
    more: html`<p>Changed your mind? <a href="/">Subscribe again</a>.</p>
      <p>
        To download or delete the data we still hold about you,
        <a href="/manage">ask for a link to your preferences</a>.
      </p>`,
  });
}

/** What a JSON client sees of a reader: their own choices, nothing internal. */
function publicView(subscriber: Subscriber) {
  return {
    email: subscriber.email,
    status: subscriber.status,
    paused: subscriber.paused ?? false,
    topics: subscriber.topics,
    delivery: subscriber.delivery,
    country: subscriber.country ?? null,
  };
}
