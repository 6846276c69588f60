/** One event of the Redis event stream, as the live feed hands it out. */
export interface FeedEntry {
  /** The stream id: the cursor a client resumes from. */
  id: string;
  type: string;
  /** '' when the event is not about a task. */
  taskId: string;
  /** '' when no executor published it. */
  executorId: string;
  /** The event, JSON. */
  json: string;
}

/** Parses XRANGE/XREAD's `[id, [field, value, ...]]`. */
export function toFeedEntry(id: string, fields: readonly string[]): FeedEntry {
  const entry: FeedEntry = { id, type: '', taskId: '', executorId: '', json: '{}' };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1];
    switch (fields[i]) {
      case 't':
        entry.type = value;
        break;
      case 'k':
        entry.taskId = value;
        break;
      case 'x':
        entry.executorId = value;
        break;
      case 'e':
        entry.json = value;
        break;
    }
  }
  return entry;
}

/** Orders stream ids (`<ms>-<seq>`). */
export function compareStreamIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms > 0n ? 1 : -1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq > 0n ? 1 : -1;
}
