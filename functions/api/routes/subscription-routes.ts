import { Hono, type MiddlewareHandler } from 'hono';
import { DEFAULT_DELIVERY_SLOT } from '../../model/subscribers.ts';
import { canonicalTimeZone } from '../../core/subscribers/time-zones.ts';
import { ValidationError } from '../../core/errors.ts';
import { confirmSubscription, requestSubscription } from '../../core/subscribers/lifecycle.ts';
import { requestManageLink } from '../../core/subscribers/account.ts';
import { fieldErrorsOf, parseManageLinkRequest, parseSubscribe, readInput, wantsJson } from '../input.ts';
import { renderPage, respondWith } from '../respond.ts';
import type { ApiServices } from '../services.ts';
import { CHECK_INBOX_MESSAGE, checkInboxMore, subscribePage } from '../pages/subscribe-page.ts';
import { confirmedPage } from '../pages/confirmed-page.ts';
import { MANAGE_LINK_SENT_MESSAGE, manageLinkSentMore, manageRequestPage } from '../pages/manage-page.ts';

/**
 * Joining: the subscribe page, double opt-in, confirmation, and "email me a link". Every answer
 * about an address is the same whatever its state, so nobody can find out who reads the digest.
 */
export function subscriptionRoutes(services: ApiServices, mailRequestLimit: MiddlewareHandler): Hono {
  const { context, topics, account } = services;
  const app = new Hono();

  app.get('/', (c) =>
    renderPage(
      c,
      'Subscribe',
      subscribePage(topics, { email: '', topics: new Set(), delivery: DEFAULT_DELIVERY_SLOT, errors: {} }),
      { script: 'browserTimeZone', section: 'subscribe' },
    ),
  );

  app.post('/subscribe', mailRequestLimit, async (c) => {
    let input: Record<string, unknown> = {};
    try {
      input = await readInput(c);
      const request = parseSubscribe(input);
      await requestSubscription(request, account);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      if (wantsJson(c)) return invalidJson(c, error);
      // Show the form again with what they typed and what is wrong, rather than a dead end.
      return renderPage(
        c,
        'Subscribe',
        subscribePage(topics, {
          email: typeof input.email === 'string' ? input.email : '',
          topics: new Set(Array.isArray(input.topics) ? input.topics.map(String) : []),
          delivery: submittedSlot(input),
          errors: fieldErrorsOf(error),
        }),
        { section: 'subscribe' },
        400,
      );
    }
    return respondWith(c, {
      status: 202,
      title: 'Check your inbox',
      message: CHECK_INBOX_MESSAGE,
      json: { status: 'accepted' },
      more: checkInboxMore(),
    });
  });

  app.get('/confirm', async (c) => {
    const subscriberId = services.subjectOf(c, 'confirm');
    if (!subscriberId) return services.badToken(c, 'confirm');
    const { outcome, subscriber } = await confirmSubscription(subscriberId, services.clientIp(c), account);
    if (outcome === 'not-pending' || !subscriber) return services.badToken(c, 'confirm');
    const now = context.clock.now();
    const manageToken = context.tokens.issue('manage', subscriberId, now);
    return respondWith(c, {
      status: 200,
      ...confirmedPage({ outcome, subscriber, topicLabels: context.topicLabels, manageToken, now }),
    });
  });

  app.get('/manage', (c) =>
    renderPage(c, 'Manage your subscription', manageRequestPage('', {}), { section: 'manage' }),
  );

  app.post('/manage', mailRequestLimit, async (c) => {
    let input: Record<string, unknown> = {};
    try {
      input = await readInput(c);
      await requestManageLink(parseManageLinkRequest(input).email, account);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      if (wantsJson(c)) return invalidJson(c, error);
      return renderPage(
        c,
        'Manage your subscription',
        manageRequestPage(typeof input.email === 'string' ? input.email : '', fieldErrorsOf(error)),
        { section: 'manage' },
        400,
      );
    }
    return respondWith(c, {
      status: 202,
      title: 'Check your inbox',
      message: MANAGE_LINK_SENT_MESSAGE,
      json: { status: 'accepted' },
      more: manageLinkSentMore(),
      section: 'manage',
    });
  });

  return app;
}

/** The 400 answer for API clients: what is wrong, field by field. */
export function invalidJson(c: Parameters<typeof wantsJson>[0], error: ValidationError) {
  return c.json(
    {
      error: 'invalid_request',
      message: 'The request is not valid: nothing was changed.',
      issues: error.issues,
    },
    400,
  );
}

/** The delivery choices of a rejected form, kept where they are valid so the reader need not redo them. */
function submittedSlot(input: Record<string, unknown>) {
  const number = (value: unknown, min: number, max: number, fallback: number) => {
    const parsed = Number(value);
    return Number.isInteger(parsed) && parsed >= min && parsed <= max ? parsed : fallback;
  };
  return {
    weekday: number(input.weekday, 1, 7, DEFAULT_DELIVERY_SLOT.weekday),
    hour: number(input.hour, 0, 23, DEFAULT_DELIVERY_SLOT.hour),
    timeZone:
      (typeof input.timezone === 'string' ? canonicalTimeZone(input.timezone) : undefined) ??
      DEFAULT_DELIVERY_SLOT.timeZone,
  };
}
