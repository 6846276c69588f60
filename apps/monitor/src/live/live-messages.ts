import { type EventFilter } from './event-filter';
import { type FeedEntry } from './feed-entry';

const itemCache = new WeakMap<FeedEntry, string>();

/** `{"cursor": ..., "event": ...}` of an entry, built once however many clients receive it. */
export function eventItem(entry: FeedEntry): string {
  let item = itemCache.get(entry);
  if (item === undefined) {
    item = `{"cursor":${JSON.stringify(entry.id)},"event":${entry.json}}`;
    itemCache.set(entry, item);
  }
  return item;
}

/** One WebSocket message carrying events in stream order: `{"kind":"events","items":[...]}`. */
export function eventsMessage(entries: readonly FeedEntry[]): string {
  return `{"kind":"events","items":[${entries.map(eventItem).join(',')}]}`;
}

/**
 * The message each filter gets for one batch of the feed, built and UTF-8 encoded once per
 * distinct filter (dashboards mostly share a few filters); null when nothing matches.
 */
export class BatchMessages {
  private readonly byFilter = new Map<string, Buffer | null>();

  constructor(private readonly entries: readonly FeedEntry[]) {}

  for(filter: EventFilter): Buffer | null {
    let message = this.byFilter.get(filter.key);
    if (message === undefined) {
      const matching = this.entries.filter((e) => filter.matches(e));
      message = matching.length > 0 ? Buffer.from(eventsMessage(matching)) : null;
      this.byFilter.set(filter.key, message);
    }
    return message;
  }
}
