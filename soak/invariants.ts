import type { SubscriberIds } from '../functions/core/subscribers/subscriber-ids.ts';
import type { TopicId } from '../functions/model/topics.ts';
import { firstSlotFrom } from './model/calendar.ts';
import type { WorldModel } from './model/world-model.ts';
import type { DeliveredEmail } from './outside/ses-gateway.ts';
import type { FleetTotals } from './system/sender-fleet.ts';
import { WORK_KEY_PATTERN } from './world/publications.ts';

/**
 * The promises, checked after every simulated week against the independent model: each check
 * returns how many things it looked at, how many broke the promise, and the first few
 * breaches in words.
 */

export interface CheckResult {
  readonly name: string;
  readonly summary: string;
  readonly checked: number;
  readonly violations: number;
  readonly examples: readonly string[];
}

const MAX_EXAMPLES = 5;

class Tally {
  checked = 0;
  violations = 0;
  readonly examples: string[] = [];
  breach(example: string): void {
    this.violations += 1;
    if (this.examples.length < MAX_EXAMPLES) this.examples.push(example);
  }
  result(name: string, summary: string): CheckResult {
    return { name, summary, checked: this.checked, violations: this.violations, examples: this.examples };
  }
}

/** Digest emails in the mailboxes, grouped by (reader, digest id). */
export function digestEmailsByPair(mail: readonly DeliveredEmail[]): Map<string, DeliveredEmail[]> {
  const pairs = new Map<string, DeliveredEmail[]>();
  for (const email of mail) {
    if (email.kind !== 'digest') continue;
    const key = `${email.to}|${email.digestId ?? ''}`;
    const list = pairs.get(key) ?? [];
    list.push(email);
    pairs.set(key, list);
  }
  return pairs;
}

/**
 * Every reader due this week with matching works got exactly one digest, with works on their
 * topics from their window only; nobody got two — not even when a sender died between SES's
 * acceptance and its ledger write (SES's Send event tells the ledger, and the next sender records
 * the email instead of sending it again: docs/reliability.md); nobody got one who should not have.
 * A breach names what the ledger holds for the pair, so a double send says whether it came from
 * two claims or from one.
 */
export function checkOneDigestPerDueReader(
  model: WorldModel,
  digestId: string,
  byPair: Map<string, DeliveredEmail[]>,
  ledger: readonly LedgerRecord[] = [],
  /** The system's keyed ids, to find a reader's ledger record (without them, none is shown). */
  ids?: SubscriberIds,
  /**
   * So far: emails whose sender died before recording them (SES may have had them), and the claims
   * the next sender recorded from SES's acceptance instead of sending again — for the summary.
   */
  deaths: { readonly unrecorded: number; readonly settled: number } = { unrecorded: 0, settled: 0 },
): CheckResult & { expected: number; delivered: number; skipped: number; secondCopies: number } {
  const tally = new Tally();
  let expected = 0;
  let delivered = 0;
  let skipped = 0;
  let secondCopies = 0;
  const records = new Map(ledger.map((record) => [`${record.digestId}|${record.subscriberId}`, record]));
  const forensics = (email: string, emails: readonly DeliveredEmail[]) => {
    const record = ids ? records.get(`${digestId}|${ids.idFor(email)}`) : undefined;
    const copies = emails.map((copy) => `${copy.messageId} at ${iso(copy.at)}`).join(', ');
    const held = record
      ? `ledger ${record.status} after ${record.attempts ?? '?'} claims${record.messageId ? `, message ${record.messageId}` : ''}`
      : 'no ledger record';
    return ` (${copies}; ${held})`;
  };
  for (const reader of model.readers.values()) {
    const expectation = reader.expectations.get(digestId);
    const key = `${reader.person.email}|${digestId}`;
    const emails = byPair.get(key) ?? [];
    const wanted = expectation?.outcome === 'deliver' ? 1 : 0;
    if (expectation?.outcome === 'skip') skipped += 1;
    expected += wanted;
    tally.checked += 1;
    if (emails.length < wanted) {
      tally.breach(
        `${reader.person.email} was due ${digestId} (planned ${iso(expectation!.plannedAt)}) and got nothing`,
      );
      continue;
    }
    if (emails.length > wanted) {
      if (wanted === 1) secondCopies += emails.length - 1;
      tally.breach(
        wanted === 0
          ? `${reader.person.email} got ${emails.length} × ${digestId} but was ${expectation ? `${expectation.outcome} at ${iso(expectation.plannedAt)}` : 'not due'}`
          : `${reader.person.email} got ${emails.length} × ${digestId}${forensics(reader.person.email, emails)}`,
      );
      continue;
    }
    if (wanted === 0) continue;
    delivered += 1;
    for (const email of emails) {
      const outside = email.workKeys.filter((work) => !expectation!.matching.has(work));
      if (email.workKeys.length === 0 || outside.length > 0) {
        tally.breach(
          `${reader.person.email}'s ${digestId} holds ${email.workKeys.length} works, ${outside.length} not on topics ` +
            `${expectation!.topics.join('+')} first seen in (${iso(expectation!.windowStart)}, ${iso(expectation!.plannedAt)}]: ${outside.slice(0, 3).join(', ')}`,
        );
      }
    }
  }
  return {
    ...tally.result(
      'one digest per due reader',
      `${expected} due with matching works → ${delivered} got exactly one; ${skipped} due with nothing new got none; ${secondCopies} second copies (each a violation); so far ${deaths.unrecorded} emails unrecorded at sender deaths, ${deaths.settled} recorded from SES's Send event instead of sent again`,
    ),
    expected,
    delivered,
    skipped,
    secondCopies,
  };
}

/**
 * Every chosen topic keeps its place: a due reader's digest has a section for each of their topics
 * that had works in their window, and one quiet line ("Nothing new on … this week") for each that
 * had none. The one excuse for a topic with works but no section is that every one of its works
 * is in the digest already, under the reader's other topics (no arrangement could give it one of
 * its own). No section is on a topic the reader did not choose.
 */
export function checkSectionPerChosenTopic(
  model: WorldModel,
  digestId: string,
  byPair: Map<string, DeliveredEmail[]>,
  topicLabels: Readonly<Record<TopicId, string>>,
): CheckResult {
  const tally = new Tally();
  let quietLines = 0;
  for (const reader of model.readers.values()) {
    const expectation = reader.expectations.get(digestId);
    if (expectation?.outcome !== 'deliver') continue;
    const headings = new Map(expectation.topics.map((topic) => [topicLabels[topic].toUpperCase(), topic]));
    for (const email of byPair.get(`${reader.person.email}|${digestId}`) ?? []) {
      const who = `${reader.person.email}'s ${digestId}`;
      for (const section of email.sections) {
        if (headings.has(section.heading)) continue;
        tally.checked += 1;
        tally.breach(`${who} has a section "${section.heading}", not one of ${expectation.topics.join('+')}`);
      }
      for (const topic of expectation.topics) {
        tally.checked += 1;
        const label = topicLabels[topic];
        const works = expectation.byTopic.get(topic) ?? new Set<string>();
        const section = email.sections.some((seen) => seen.heading === label.toUpperCase());
        const quiet = email.quietTopics.includes(label);
        if (quiet) quietLines += 1;
        if (works.size === 0) {
          if (!quiet || section)
            tally.breach(
              `${who} ${section ? 'has a section' : 'has no quiet line'} for ${topic}, which had no works`,
            );
          continue;
        }
        if (quiet) tally.breach(`${who} says nothing is new on ${topic}, which had ${works.size} works`);
        const missing = [...works].filter((work) => !email.workKeys.includes(work));
        if (!section && missing.length > 0) {
          tally.breach(
            `${who} has no section for ${topic}, which had ${works.size} works (${missing.slice(0, 3).join(', ')} not in it)`,
          );
        }
      }
    }
  }
  return tally.result(
    'a section for every chosen topic',
    `${tally.checked} (digest, chosen topic) pairs: each topic with works has a section, ${quietLines} quiet lines for topics without`,
  );
}

/**
 * No digest came before the first slot at or after the reader's confirmation, or after their
 * latest change of slot (a digest planned before the change may still go: it was on its way).
 */
export function checkNoDigestBeforeFirstSlot(
  model: WorldModel,
  mail: readonly DeliveredEmail[],
): CheckResult {
  const tally = new Tally();
  let confirmationsAndChanges = 0;
  for (const reader of model.readers.values()) confirmationsAndChanges += reader.owed.length;
  for (const email of mail) {
    if (email.kind !== 'digest') continue;
    const reader = model.readers.get(email.to);
    if (!reader) continue; // checkNoMailToInactive names it
    const plannedAt = reader.expectations.get(email.digestId ?? '')?.plannedAt ?? email.at;
    const owed = reader.owed.filter((epoch) => epoch.from <= Math.min(plannedAt, email.at)).at(-1);
    if (!owed) continue; // never confirmed: checkNoMailToInactive names it
    tally.checked += 1;
    const first = firstSlotFrom(owed.slot, owed.from);
    if (email.at < first) {
      tally.breach(
        `${email.digestId} reached ${email.to} at ${iso(email.at)}, before their first slot ${iso(first)} ` +
          `(weekday ${owed.slot.weekday} ${owed.slot.hour}:00 ${owed.slot.timeZone}, chosen or confirmed at ${iso(owed.from)})`,
      );
    }
  }
  return tally.result(
    'no digest before the first slot',
    `${tally.checked} digests, none before the first slot after the reader's confirmation or change of slot (${confirmationsAndChanges} of those)`,
  );
}

/** Across every week so far, no reader was sent the same work in two digests. */
export function checkNoWorkTwice(byPair: Map<string, DeliveredEmail[]>): CheckResult {
  const tally = new Tally();
  const seenByReader = new Map<string, Map<string, string>>();
  for (const [key, emails] of byPair) {
    const [to, digestId] = key.split('|') as [string, string];
    const seen = seenByReader.get(to) ?? new Map<string, string>();
    seenByReader.set(to, seen);
    // Copies of one digest (a violation named above) hold the same works: count the digest once.
    for (const work of new Set(emails.flatMap((email) => email.workKeys))) {
      tally.checked += 1;
      const earlier = seen.get(work);
      if (earlier !== undefined) tally.breach(`${to} got ${work} in ${earlier} and again in ${digestId}`);
      else seen.set(work, digestId);
    }
  }
  return tally.result(
    'no work twice',
    `${tally.checked} (reader, work) deliveries across ${seenByReader.size} readers, each work once per reader`,
  );
}

/** No digest reached a reader who was not confirmed at that moment; no confirmation reached one who left for good. */
export function checkNoMailToInactive(model: WorldModel, mail: readonly DeliveredEmail[]): CheckResult {
  const tally = new Tally();
  const counts = { digest: 0, confirmation: 0 };
  for (const email of mail) {
    if (!model.readers.has(email.to)) {
      tally.checked += 1;
      tally.breach(`an email went to ${email.to}, whom nobody in the soak is`);
      continue;
    }
    const status = model.statusAt(email.to, email.at);
    if (email.kind === 'digest') {
      counts.digest += 1;
      tally.checked += 1;
      if (status !== 'confirmed')
        tally.breach(`${email.digestId} went to ${email.to} at ${iso(email.at)}, who was ${status}`);
    } else if (email.kind === 'confirmation') {
      counts.confirmation += 1;
      tally.checked += 1;
      if (status !== 'pending')
        tally.breach(`a confirmation went to ${email.to} at ${iso(email.at)}, who was ${status}`);
    }
  }
  return tally.result(
    'no mail to inactive readers',
    `${counts.digest} digests all to confirmed readers, ${counts.confirmation} confirmations all to pending ones, at the moment of sending`,
  );
}

export interface StoredArticle {
  readonly id: string;
  readonly url: string;
  readonly firstSeenAt: string;
  readonly sourceIds: ReadonlySet<string>;
}

/** Each work the model says was stored is one article, first seen when the model says, from the sources it says. */
export function checkArticlesStoredOnce(model: WorldModel, articles: readonly StoredArticle[]): CheckResult {
  const tally = new Tally();
  const byWork = new Map<string, StoredArticle[]>();
  for (const article of articles) {
    const key = WORK_KEY_PATTERN.exec(article.url)?.[0];
    if (!key) {
      tally.checked += 1;
      tally.breach(`article ${article.id} (${article.url}) is no work the publishers published`);
      continue;
    }
    byWork.set(key, [...(byWork.get(key) ?? []), article]);
  }
  let merged = 0;
  for (const [work, firstSeen] of model.firstSeen) {
    tally.checked += 1;
    const stored = byWork.get(work) ?? [];
    if (stored.length !== 1) {
      tally.breach(`${work} is stored as ${stored.length} articles`);
      continue;
    }
    const article = stored[0]!;
    if (Date.parse(article.firstSeenAt) !== firstSeen) {
      tally.breach(`${work} was first seen at ${article.firstSeenAt}, the model says ${iso(firstSeen)}`);
    }
    const expectedSources = [...(model.storedFrom.get(work) ?? [])].sort().join(',');
    const actualSources = [...article.sourceIds].sort().join(',');
    if (expectedSources !== actualSources) {
      tally.breach(`${work} lists sources ${actualSources}; it was stored from ${expectedSources}`);
    }
    if (article.sourceIds.size > 1) merged += 1;
  }
  for (const work of byWork.keys()) {
    if (!model.firstSeen.has(work)) {
      tally.checked += 1;
      tally.breach(`${work} is stored, but no ingest run was handed it`);
    }
  }
  return tally.result(
    'articles stored once',
    `${model.firstSeen.size} works handed to ingest → ${articles.length} articles (${merged} merged from several sources)`,
  );
}

/** The DLQ holds the poison the soak put on the queue, and nothing else. */
export function checkDeadLetters(deadLetters: readonly string[], poisonSent: readonly string[]): CheckResult {
  const tally = new Tally();
  const markers = new Set(poisonSent);
  const found = new Set<string>();
  for (const body of deadLetters) {
    tally.checked += 1;
    const marker = /soak-poison-\d+/.exec(body)?.[0];
    if (!marker || !markers.has(marker))
      tally.breach(`the DLQ holds an unexplained message: ${body.slice(0, 160)}`);
    else found.add(marker);
  }
  for (const marker of markers) {
    if (!found.has(marker)) {
      tally.checked += 1;
      tally.breach(`poison message ${marker} is not in the DLQ`);
    }
  }
  return tally.result(
    'DLQ holds only explained poison',
    `${deadLetters.length} dead letters, ${found.size} of ${markers.size} poison messages sent`,
  );
}

export interface LedgerRecord {
  readonly digestId: string;
  readonly subscriberId: string;
  readonly status: string;
  readonly reason?: string;
  readonly attempts?: number;
  readonly messageId?: string;
}

/**
 * The ledger agrees with the run summaries (planner and send-batch reports) and with the model:
 * each sent record is one expected delivery, each skipped record one reader the planner reported
 * skipping for want of works, no claim is left hanging.
 */
export function checkSummariesMatchLedger(
  model: WorldModel,
  ledger: readonly LedgerRecord[],
  plannerSkipped: number,
  fleet: FleetTotals,
  ids: SubscriberIds,
): CheckResult {
  const tally = new Tally();
  const byStatus = { sent: 0, skipped: 0, failed: 0, claimed: 0 } as Record<string, number>;
  for (const record of ledger) byStatus[record.status] = (byStatus[record.status] ?? 0) + 1;

  // Sent: what the reports said, plus what killed invocations had recorded before dying (and
  // at most the markSent calls that were on the wire as they died).
  const reported = fleet.reported.sent + fleet.sentByKilledInvocations;
  tally.checked += 1;
  if (byStatus.sent! < reported || byStatus.sent! > reported + fleet.markSentInFlightAtDeaths) {
    tally.breach(
      `the ledger has ${byStatus.sent} sent; batch reports say ${fleet.reported.sent}, killed batches had recorded ${fleet.sentByKilledInvocations} (+ up to ${fleet.markSentInFlightAtDeaths} on the wire)`,
    );
  }
  for (const mismatch of fleet.reportMismatches) {
    tally.checked += 1;
    tally.breach(mismatch);
  }
  tally.checked += 1;
  if (byStatus.skipped !== plannerSkipped) {
    tally.breach(`the ledger has ${byStatus.skipped} skipped; the planner reported ${plannerSkipped}`);
  }
  tally.checked += 1;
  if (byStatus.failed !== fleet.reported.failed) {
    tally.breach(`the ledger has ${byStatus.failed} failed; batch reports say ${fleet.reported.failed}`);
  }
  tally.checked += 1;
  if ((byStatus.claimed ?? 0) > 0) tally.breach(`${byStatus.claimed} claims are left hanging in the ledger`);

  // Record by record against the model.
  const expectedSent = new Map<string, string>();
  const expectedSkipped = new Set<string>();
  for (const reader of model.readers.values()) {
    const id = ids.idFor(reader.person.email);
    for (const expectation of reader.expectations.values()) {
      if (expectation.pending) continue;
      if (expectation.outcome === 'deliver')
        expectedSent.set(`${expectation.digestId}|${id}`, reader.person.email);
      if (expectation.outcome === 'skip') expectedSkipped.add(`${expectation.digestId}|${id}`);
    }
  }
  for (const record of ledger) {
    const key = `${record.digestId}|${record.subscriberId}`;
    tally.checked += 1;
    if (record.status === 'sent' && !expectedSent.delete(key))
      tally.breach(`the ledger records ${key} sent, unexpected`);
    if (record.status === 'skipped' && !expectedSkipped.delete(key))
      tally.breach(`the ledger records ${key} skipped, unexpected`);
  }
  for (const [key, email] of expectedSent) tally.breach(`no sent record for ${key} (${email})`);
  for (const key of expectedSkipped) tally.breach(`no skipped record for ${key}`);

  return tally.result(
    'run summaries match the ledger',
    `ledger: ${byStatus.sent} sent = ${fleet.reported.sent} reported + ${fleet.sentByKilledInvocations} by killed senders + ${byStatus.sent! - reported} of ${fleet.markSentInFlightAtDeaths} ledger writes on the wire at deaths; ${byStatus.skipped} skipped = planner's ${plannerSkipped}; ${byStatus.failed} failed; ${byStatus.claimed ?? 0} hanging`,
  );
}

function iso(at: number): string {
  return new Date(at).toISOString().replace(':00.000Z', 'Z');
}
