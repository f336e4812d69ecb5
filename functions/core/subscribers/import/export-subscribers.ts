import { stringify } from 'csv-stringify/sync';
import type { Subscriber } from '../../../model/subscribers.ts';
import type { ConfirmedSubscriberPages } from '../../../ports/subscriber-import.ts';

/**
 * The confirmed readers as CSV, one page of the confirmed index at a time: the export streams,
 * and never holds the whole list. Its header is one `subscribers import` reads back
 * (import-columns.ts knows it by `consent_wording_version`).
 */

export const EXPORT_COLUMNS = [
  'email',
  'topics',
  'slot',
  'zone',
  'created',
  'consent_at',
  'consent_wording_version',
  'consent_source',
  // Last, so that a sheet or script reading the columns above by position still reads them.
  'country',
] as const;

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const PAGE_SIZE = 500;

/**
 * One reader's row: topics as ids split by `;`, the slot as "Mon 08:00" in their own zone, the
 * country as its ISO code (empty for a reader who did not say).
 */
export function exportRow(reader: Subscriber): string[] {
  const { weekday, hour, timeZone } = reader.delivery;
  return [
    reader.email,
    reader.topics.join(';'),
    `${WEEKDAYS[weekday - 1] ?? weekday} ${String(hour).padStart(2, '0')}:00`,
    timeZone,
    reader.createdAt,
    reader.consent?.at ?? '',
    reader.consent?.wordingVersion ?? '',
    reader.consent?.imported
      ? `import:${reader.consent.imported.sourceTool}`
      : reader.consent
        ? 'sign-up'
        : '',
    reader.country ?? '',
  ];
}

/**
 * The export as CSV text, one chunk per page of readers, header first; paused readers are
 * confirmed and included. With `limit`, it stops after about that many readers and `onNext` gets
 * the cursor to read on from (the API's paging); `after` starts from such a cursor.
 */
export async function* exportConfirmedSubscribers(
  pages: ConfirmedSubscriberPages,
  options: {
    readonly after?: string;
    readonly limit?: number;
    readonly onNext?: (next: string) => void;
  } = {},
): AsyncGenerator<string> {
  // Written here, not with the first page: an export of nobody is still a header.
  yield stringify([[...EXPORT_COLUMNS]]);
  let written = 0;
  const pageSize = Math.min(PAGE_SIZE, options.limit ?? PAGE_SIZE);
  for await (const page of pages.confirmedPages(pageSize, options.after)) {
    if (page.subscribers.length > 0) yield stringify(page.subscribers.map(exportRow));
    written += page.subscribers.length;
    if (options.limit !== undefined && written >= options.limit && page.next) {
      options.onNext?.(page.next);
      return;
    }
  }
}
