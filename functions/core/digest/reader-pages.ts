import type { Subscriber } from '../../model/subscribers.ts';
import type { SubscriberReader } from '../../ports/subscriber-store.ts';

/**
 * The readers a planning run reads, page by page. Each page is what the run read (readersRead
 * counts them); the planner keeps the due ones (isDue). For now every confirmed reader, from the
 * confirmed index: reading only the readers whose slot came since the last run is the next step.
 */
export function readerPages(
  _options: { readonly ignoreSlot?: boolean },
  deps: { readonly subscribers: Pick<SubscriberReader, 'confirmedPages'> },
  _now: Date,
): AsyncIterable<readonly Subscriber[]> {
  return deps.subscribers.confirmedPages();
}
