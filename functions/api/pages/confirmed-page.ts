import { html } from 'hono/html';
import { describeDigestTime, nextDigestAt } from '../../core/digest/schedule.ts';
import type { ConfirmOutcome } from '../../core/subscribers/lifecycle.ts';
import type { Subscriber } from '../../model/subscribers.ts';
import type { TopicId } from '../../model/topics.ts';
import { describeSlot } from '../form-fields.ts';

export interface ConfirmedView {
  readonly outcome: Exclude<ConfirmOutcome, 'not-pending'>;
  /** The reader as confirmed just now (or earlier). */
  readonly subscriber: Subscriber;
  readonly topicLabels: Readonly<Record<TopicId, string>>;
  readonly manageToken: string;
  readonly now: Date;
}

/**
 * The answer to a confirmation: the reader's slot and topics, and the date and hour of their
 * first (or next) digest in their own zone, so that nobody expects it at once. A slot that
 * passed before they confirmed is not caught up (docs/digests.md).
 */
export function confirmedPage(view: ConfirmedView) {
  const { subscriber, outcome } = view;
  const chosen = subscriber.topics.map((id) => view.topicLabels[id]).join(', ');
  const next = nextDigestAt(subscriber, view.now);
  const when = next
    ? ` Your ${outcome === 'confirmed' ? 'first' : 'next'} digest arrives on ${describeDigestTime(next, subscriber.delivery.timeZone)}.`
    : '';
  return {
    title: outcome === 'confirmed' ? 'You are subscribed' : 'You were already subscribed',
    message: `Your digest arrives every ${describeSlot(subscriber.delivery)}, on: ${chosen}.${when}`,
    json: { status: outcome, ...(next ? { nextDigestAt: next.toISOString() } : {}) },
    more: html`<p>
        You can change your topics or delivery time, pause or stop the digest at any time. Every digest has
        these links at the bottom.
      </p>
      <p><a class="button" href="/preferences?token=${view.manageToken}">Review your preferences</a></p>`,
  };
}
