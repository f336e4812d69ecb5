import type { AdminActor } from '../../model/announcements.ts';
import { MailUnavailableError, ValidationError } from '../errors.ts';
import { emailSchema, SUPPRESSED_STATUSES } from '../subscribers/subscriber.ts';
import { personalCopy, personalLinksFor } from '../delivery/personal-links.ts';
import { sendWithRetries } from '../delivery/send-with-retries.ts';
import { storedDraftOf, type AdminSendDependencies, type ComposedSend } from './admin-send.ts';

/** Tests a send id may hold: a record must stay far below DynamoDB's 400 KB item limit. */
export const MAX_TESTS_PER_SEND = 25;

export interface TestSendResult {
  readonly to: string;
  readonly subject: string;
  readonly messageId: string;
}

/**
 * Sends the composed announcement to one address only, subject marked [TEST]. The address need
 * not be a subscriber; an address that unsubscribed, bounced, complained or was erased is refused
 * (a test is no reason to mail someone who said no, or to hurt the sender's reputation). Nothing
 * touches the delivery ledger, so the real send of the same id is unaffected; the test is audited
 * on the send's record.
 *
 * @throws ValidationError for a bad or suppressed address, or a rejection by SES;
 *   MailUnavailableError when SES could not take it now (nothing was sent).
 */
export async function sendTest(
  composed: ComposedSend,
  address: string,
  actor: AdminActor,
  deps: AdminSendDependencies,
): Promise<TestSendResult> {
  const parsed = emailSchema.safeParse(address);
  if (!parsed.success) {
    throw new ValidationError(`test address "${address}" is not an email address`, [
      'testTo: enter a valid email address, like name@example.org',
    ]);
  }
  const to = parsed.data;
  const toId = deps.subscriberIds.idFor(to);
  const { refusal, reader } = await refusalToMail(toId, deps.subscribers);
  if (refusal) throw new ValidationError(`not sending a test to ${to}: ${refusal}`, [`testTo: ${refusal}`]);

  const now = deps.clock.now();
  // A reader's own links work in their test copy; anyone else's lead to no subscription.
  const links = personalLinksFor(
    { subscriberId: toId, instance: reader?.instance ?? 'test' },
    deps.tokens,
    deps.settings.siteUrl,
    now,
  );
  const copy = personalCopy(composed.email, links, deps.settings.unsubscribeMailto);
  const subject = `[TEST] ${copy.subject}`;
  const result = await sendWithRetries(deps, {
    ...copy,
    to,
    subject,
    tags: { kind: 'announcement-test', send: composed.sendId },
  });
  if (result.kind === 'rejected') {
    throw new ValidationError(`SES refused the test email: ${result.reason}`, [
      `testTo: SES refused it (${result.reason})`,
    ]);
  }
  if (result.kind !== 'sent') {
    throw new MailUnavailableError(
      `the test email was not sent (${result.kind}): ${result.reason}; try again`,
    );
  }
  const recorded = await deps.adminSends.recordTest(composed.sendId, storedDraftOf(composed), {
    at: now.toISOString(),
    by: actor,
    toId,
    messageId: result.messageId,
    draftHash: composed.draftHash,
  });
  if (recorded === 'conflict') {
    // The email went; only its audit line did not fit (another admin sent the id meanwhile).
    deps.logger.warn('test send not recorded on its send', { sendId: composed.sendId, toId });
  }
  return { to, subject, messageId: result.messageId };
}

async function refusalToMail(id: string, subscribers: AdminSendDependencies['subscribers']) {
  const [reader, suppression] = await Promise.all([subscribers.get(id), subscribers.getSuppression(id)]);
  if (reader && SUPPRESSED_STATUSES.includes(reader.status)) {
    return {
      reader,
      refusal: `this address is ${reader.status}: test sends go only to addresses we may mail`,
    };
  }
  if (suppression) {
    return {
      reader,
      refusal: `this address was ${suppression.reason}: test sends go only to addresses we may mail`,
    };
  }
  return { reader, refusal: undefined };
}
