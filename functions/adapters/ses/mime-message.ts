import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { OutgoingEmail } from '../../ports/mailer.ts';

export interface MimeSettings {
  readonly from: string;
  readonly replyTo: string;
  /** SES assigns these when it sends; a preview makes up plausible ones. */
  readonly messageId: string;
  readonly date: Date;
}

/**
 * The whole MIME message of an email, as SES builds it from SendEmail's simple content:
 * From, To, Reply-To, Subject, Date, Message-ID, our own headers (List-Unsubscribe, One-Click),
 * and a multipart/alternative body with the text part first and the HTML part last (clients show
 * the last part they understand). nodemailer's MailComposer does the encoding (quoted-printable,
 * RFC 2047 subjects, line lengths), which is easy to get subtly wrong by hand.
 */
export async function buildMimeMessage(email: OutgoingEmail, settings: MimeSettings): Promise<Buffer> {
  const composer = new MailComposer({
    from: settings.from,
    to: email.to,
    replyTo: settings.replyTo,
    subject: email.subject,
    text: email.text,
    html: email.html,
    date: settings.date,
    messageId: settings.messageId,
    headers: email.headers.map(({ name, value }) => ({ key: name, value })),
  });
  return composer.compile().build();
}
