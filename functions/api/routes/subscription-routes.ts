import { createHmac } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { DEFAULT_DELIVERY_SLOT, type Subscriber } from '../../model/subscribers.ts';
import { canonicalTimeZone } from '../../core/subscribers/time-zones.ts';
import { ValidationError } from '../../core/errors.ts';
import {
  confirmationState,
  confirmSubscription,
  type ConfirmOutcome,
} from '../../core/subscribers/lifecycle.ts';
import { queueManageLinkRequest, queueSubscriptionRequest } from '../../core/subscribers/account-requests.ts';
import { sameSecret } from '../admin-auth.ts';
import { fieldErrorsOf, parseManageLinkRequest, parseSubscribe, readInput, wantsJson } from '../input.ts';
import { renderPage, respondWith } from '../respond.ts';
import type { ApiServices } from '../services.ts';
import { CHECK_INBOX_MESSAGE, checkInboxMore, subscribePage } from '../pages/subscribe-page.ts';
import { confirmedPage } from '../pages/confirmed-page.ts';
import { MANAGE_LINK_SENT_MESSAGE, manageLinkSentMore, manageRequestPage } from '../pages/manage-page.ts';
import { confirmPage } from '../pages/confirm-page.ts';

/**
 * Joining: the subscribe page, double opt-in, confirmation, and "email me a link". A request about
 * an address is sealed and queued, and answered the same way at once, whatever the address's
 * state: nobody can find out who reads the digest, from the answer or from its timing (the
 * sender carries the request out; see core/subscribers/account-requests.ts).
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
      await queueSubscriptionRequest(request, account);
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
          ...(typeof input.country === 'string' ? { country: input.country } : {}),
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

  /** Binds the confirm form to its link: a post needs the link and the page it opened. */
  const formProof = (token: string) =>
    createHmac('sha256', context.keys.csrf).update(`confirm-form.${token}`).digest('base64url');

  // Opening the link shows what it would do and one button; it changes nothing (mail scanners open
  // every link, some run its scripts). HEAD is answered the same way.
  app.get('/confirm', async (c) => {
    const subject = services.subjectOf(c, 'confirm');
    if (!subject) return services.badToken(c, 'confirm');
    const { state, subscriber, pending } = await confirmationState(subject, account);
    if (state === 'not-pending') return services.badToken(c, 'confirm');
    if (state === 'already-confirmed') return confirmationResult(c, 'already-confirmed', subscriber!);
    if (wantsJson(c)) {
      return c.json({
        status: 'awaiting-confirmation',
        message: 'POST to this URL to confirm the subscription.',
      });
    }
    const token = c.req.query('token') ?? '';
    return renderPage(
      c,
      'Confirm your subscription',
      confirmPage({
        token,
        csrf: formProof(token),
        topics: pending!.topics.map((id) => context.topicLabels[id] ?? id),
        delivery: pending!.delivery,
      }),
    );
  });

  // Consent is recorded here only: a person pressed the button (or an API client posted JSON,
  // which a browser cannot send from another site without a CORS preflight this API never grants).
  app.post('/confirm', async (c) => {
    const subject = services.subjectOf(c, 'confirm');
    if (!subject) return services.badToken(c, 'confirm');
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
      const input: Record<string, unknown> = await readInput(c).catch((error: unknown) => {
        if (error instanceof ValidationError) return {};
        throw error;
      });
      const proof = typeof input.csrf === 'string' ? input.csrf : '';
      if (!sameSecret(proof, formProof(c.req.query('token') ?? ''))) {
        return respondWith(c, {
          status: 403,
          title: 'Please press the button on the page',
          message:
            'This confirmation did not come from the page your link opens. Open the link in your email again and press the button there.',
          json: { error: 'form_not_from_page' },
        });
      }
    }
    const { outcome, subscriber } = await confirmSubscription(subject, services.clientIp(c), account);
    if (outcome === 'not-pending' || !subscriber) return services.badToken(c, 'confirm');
    return confirmationResult(c, outcome, subscriber);
  });

  /**
   * The page (or JSON) after a confirmation, or for a link already used: one function
   * (pages/confirmed-page.ts), so what the reader is told about their subscription is said in one place.
   */
  function confirmationResult(
    c: Context,
    outcome: Exclude<ConfirmOutcome, 'not-pending'>,
    subscriber: Subscriber,
  ) {
    const now = context.clock.now();
    const manageToken = context.tokens.issue('manage', subscriber, now);
    return respondWith(c, {
      status: 200,
      ...confirmedPage({ outcome, subscriber, topicLabels: context.topicLabels, manageToken, now }),
    });
  }

  app.get('/manage', (c) =>
    renderPage(c, 'Manage your subscription', manageRequestPage('', {}), { section: 'manage' }),
  );

  app.post('/manage', mailRequestLimit, async (c) => {
    let input: Record<string, unknown> = {};
    try {
      input = await readInput(c);
      await queueManageLinkRequest(parseManageLinkRequest(input).email, account);
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
