import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { refuseLikeSes } from '../../testkit/throttling-ses-proxy.ts';
import { startTestServer, type TestHttpServer } from '../../testkit/http-server.ts';
import { sesSendEvent } from '../../functions/local/ses-send-events.ts';
import type { Seeded } from '../random.ts';
import type { SimClock } from '../sim-clock.ts';
import { WORK_KEY_PATTERN } from '../world/publications.ts';

/**
 * SES as the soak's readers meet it: a proxy in front of aws-ses-v2-local that answers some
 * SendEmail calls the way SES does under load — 429 TooManyRequestsException ("Maximum sending
 * rate exceeded."), 500 InternalFailure, or 503 for every call during an outage — and forwards
 * the rest. Whether one attempt fails is drawn from the seed by (recipient, email kind, digest,
 * attempt number), so concurrent senders meet the same faults whatever their order.
 *
 * Every email SES accepted is written down with the simulated time and what a reader would use:
 * the digest's works (by the key in their links), its manage and one-click unsubscribe links, a
 * confirmation's link. That log is the readers' mailboxes: the invariants are checked against it.
 *
 * And as SES does for a configuration set that publishes them, each accepted email gets its Send
 * event (its tags as the email carried them), due a simulated delay later (sendEventDelayMs): the
 * run hands the due ones to the real ses-events path whenever the clock moves (mail-events.ts).
 */

/** SES's Send event of one accepted email, published once the simulated clock reaches `dueAt`. */
export interface PendingSendEvent {
  readonly dueAt: number;
  readonly event: unknown;
}

/**
 * How long after SES accepted an email its Send event reaches ses-events, in simulated ms: mostly
 * a second or a few (SES to EventBridge to a Lambda target), sometimes tens of seconds, now and
 * then minutes (EventBridge retrying a throttled target) — at most SEND_EVENT_MAX_DELAY_MS, which
 * is well inside the claim's lease after the send (docs/reliability.md, "SES tells the ledger").
 */
export function sendEventDelayMs(point: number, spread: number): number {
  if (point < 0.85) return 1000 + Math.floor(spread * 4000);
  if (point < 0.98) return 5000 + Math.floor(spread * 25_000);
  return 30_000 + Math.floor(spread * (SEND_EVENT_MAX_DELAY_MS - 30_000));
}

export const SEND_EVENT_MAX_DELAY_MS = 180_000;

export interface DeliveredEmail {
  readonly messageId: string;
  readonly to: string;
  /** Simulated time at which SES accepted it. */
  readonly at: number;
  readonly kind: string;
  readonly digestId: string | undefined;
  readonly workKeys: readonly string[];
  /** A digest's sections as its text part shows them (headings in capitals) and its quiet lines. */
  readonly sections: readonly DigestSectionSeen[];
  /** Topic labels of its quiet lines: "Nothing new on Lung cancer this week." */
  readonly quietTopics: readonly string[];
  readonly manageUrl: string | undefined;
  readonly unsubscribeUrl: string | undefined;
  readonly confirmUrl: string | undefined;
}

export interface DigestSectionSeen {
  /** The heading as the text part writes it: the topic's label in capitals. */
  readonly heading: string;
  readonly workKeys: readonly string[];
}

/**
 * The sections and quiet lines of a digest's text part (templates/digest.txt): a heading is a
 * line underlined by as many dashes; the works are the keys in the links under it.
 */
export function digestSectionsOf(text: string): { sections: DigestSectionSeen[]; quietTopics: string[] } {
  const lines = text.split('\n');
  const sections: { heading: string; workKeys: string[] }[] = [];
  const quietTopics: string[] = [];
  const workPattern = new RegExp(WORK_KEY_PATTERN.source, 'g');
  for (const [index, line] of lines.entries()) {
    const quiet = /^Nothing new on (.+) this week\.$/.exec(line);
    if (quiet) {
      quietTopics.push(quiet[1]!);
      continue;
    }
    const underline = lines[index + 1] ?? '';
    if (line.length > 0 && /^-+$/.test(underline) && underline.length === line.length) {
      sections.push({ heading: line, workKeys: [] });
      continue;
    }
    const section = sections.at(-1);
    if (!section) continue;
    for (const match of line.matchAll(workPattern)) {
      if (!section.workKeys.includes(match[0])) section.workKeys.push(match[0]);
    }
  }
  return { sections, quietTopics };
}

export interface SesFaultRates {
  readonly throttle: number;
  readonly serverError: number;
}

export interface SesGateway {
  readonly endpoint: string;
  readonly delivered: DeliveredEmail[];
  readonly faults: { throttled: number; serverErrors: number; outageRefusals: number };
  /** Send events not yet published, in the order SES accepted their emails. */
  readonly sendEvents: PendingSendEvent[];
  /** Takes the Send events due by `now` off the pending list. */
  takeDueSendEvents(now: number): PendingSendEvent[];
  /** Resolves once no SendEmail is being answered: requests already on the wire have landed. */
  idle(): Promise<void>;
  /** Refuse every SendEmail with 503 until `endOutage` (a regional SES incident). */
  startOutage(): void;
  endOutage(): void;
  readonly inOutage: boolean;
  /** Empties the stand-in's own store (it keeps every body in memory). */
  clearUpstreamStore(): Promise<void>;
  close(): Promise<void>;
}

const SEND_EMAIL_PATH = '/v2/email/outbound-emails';

interface SendEmailBody {
  Destination?: { ToAddresses?: string[] };
  Content?: {
    Simple?: {
      Body?: { Text?: { Data?: string } };
      Headers?: { Name: string; Value: string }[];
    };
  };
  EmailTags?: { Name: string; Value: string }[];
}

export async function startSesGateway(
  upstream: string,
  clock: SimClock,
  seeded: Seeded,
  rates: SesFaultRates,
): Promise<SesGateway> {
  const target = new URL(upstream);
  const delivered: DeliveredEmail[] = [];
  const faults = { throttled: 0, serverErrors: 0, outageRefusals: 0 };
  const attempts = new Map<string, number>();
  const sendEvents: PendingSendEvent[] = [];
  let answering = 0;
  const wakeIdle: (() => void)[] = [];
  let outage = false;

  const refuse = refuseLikeSes;

  const forward = (incoming: IncomingMessage, body: Buffer, response: ServerResponse) =>
    new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const upstreamRequest = request(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (upstreamResponse) => {
          const chunks: Buffer[] = [];
          upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
          upstreamResponse.on('end', () => {
            const answer = Buffer.concat(chunks);
            response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers).end(answer);
            resolve({ status: upstreamResponse.statusCode ?? 502, body: answer });
          });
        },
      );
      upstreamRequest.on('error', (error) => {
        refuse(response, 502, 'InternalFailure', 'upstream unavailable');
        reject(error);
      });
      upstreamRequest.end(body);
    });

  const handle = async (incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (incoming.method !== 'POST' || !incoming.url?.startsWith(SEND_EMAIL_PATH)) {
      await forward(incoming, body, response);
      return;
    }
    answering += 1;
    try {
      await answerSendEmail(body, response, incoming);
    } finally {
      answering -= 1;
      if (answering === 0) for (const wake of wakeIdle.splice(0)) wake();
    }
  };

  const answerSendEmail = async (body: Buffer, response: ServerResponse, incoming: IncomingMessage) => {
    const email = JSON.parse(body.toString('utf8')) as SendEmailBody;
    const to = email.Destination?.ToAddresses?.[0] ?? '';
    const tags = Object.fromEntries((email.EmailTags ?? []).map((tag) => [tag.Name, tag.Value]));
    const logical = `${to}:${tags.kind ?? ''}:${tags.digest ?? ''}`;
    const attempt = (attempts.get(logical) ?? 0) + 1;
    attempts.set(logical, attempt);
    if (outage) {
      faults.outageRefusals += 1;
      return refuse(response, 503, 'ServiceUnavailable', 'Service is unavailable. Please try again.');
    }
    const point = seeded.fraction(`ses:${logical}:${attempt}`);
    if (point < rates.throttle) {
      faults.throttled += 1;
      return refuse(response, 429, 'TooManyRequestsException', 'Maximum sending rate exceeded.');
    }
    if (point < rates.throttle + rates.serverError) {
      faults.serverErrors += 1;
      return refuse(response, 500, 'InternalFailure', 'An internal error occurred.');
    }
    const at = clock.ms;
    const answer = await forward(incoming, body, response);
    if (answer.status !== 200) return;
    const { MessageId } = JSON.parse(answer.body.toString('utf8')) as { MessageId: string };
    sendEvents.push({
      dueAt:
        at +
        sendEventDelayMs(
          seeded.fraction(`send-event:${logical}:${attempt}`),
          seeded.fraction(`send-event-spread:${logical}:${attempt}`),
        ),
      event: sesSendEvent({ messageId: MessageId, to, tags: email.EmailTags ?? [], at: new Date(at) }),
    });
    const text = email.Content?.Simple?.Body?.Text?.Data ?? '';
    const listUnsubscribe = email.Content?.Simple?.Headers?.find(
      (header) => header.Name.toLowerCase() === 'list-unsubscribe',
    )?.Value;
    delivered.push({
      messageId: MessageId,
      to,
      at,
      kind: tags.kind ?? 'unknown',
      digestId: tags.digest,
      workKeys: [...text.matchAll(new RegExp(WORK_KEY_PATTERN.source, 'g'))].map((match) => match[0]),
      ...(tags.kind === 'digest' ? digestSectionsOf(text) : { sections: [], quietTopics: [] }),
      manageUrl: /^Manage your topics and delivery time: (\S+)$/m.exec(text)?.[1],
      unsubscribeUrl: listUnsubscribe ? /<(https?:[^>]+)>/.exec(listUnsubscribe)?.[1] : undefined,
      confirmUrl: /(\S+\/confirm\?token=\S+)/.exec(text)?.[1],
    });
  };

  const server: TestHttpServer = await startTestServer(handle);
  return {
    endpoint: server.origin,
    delivered,
    faults,
    sendEvents,
    takeDueSendEvents: (now) => {
      const due = sendEvents.filter((pending) => pending.dueAt <= now);
      if (due.length > 0) sendEvents.splice(0, sendEvents.length, ...sendEvents.filter((p) => p.dueAt > now));
      return due.sort((a, b) => a.dueAt - b.dueAt);
    },
    idle: () =>
      answering === 0 ? Promise.resolve() : new Promise<void>((resolve) => wakeIdle.push(resolve)),
    startOutage: () => {
      outage = true;
    },
    endOutage: () => {
      outage = false;
    },
    get inOutage() {
      return outage;
    },
    clearUpstreamStore: async () => {
      await fetch(`${upstream}/clear-store`, { method: 'POST' });
    },
    close: () => server.close(),
  };
}
