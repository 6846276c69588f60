import { EventFilter, eventsQuerySchema, normalizeCursor } from './event-filter';
import { type FeedEntry } from './feed-entry';

const entry = (type: string, taskId = '', executorId = ''): FeedEntry => ({
  id: '1-0',
  type,
  taskId,
  executorId,
  json: '{}',
});

describe(EventFilter.name, () => {
  const filter = (query: Record<string, string>) => new EventFilter(eventsQuerySchema.parse(query));

  it('matches everything without filters', () => {
    expect(filter({}).matches(entry('executor.heartbeat'))).toBe(true);
  });

  it('needs every given filter to match', () => {
    const sut = filter({ task: '5,6', type: 'step.*,task.finished', executor: 'exec-a' });
    expect(sut.matches(entry('step.started', '5', 'exec-a'))).toBe(true);
    expect(sut.matches(entry('task.finished', '6', 'exec-a'))).toBe(true);
    expect(sut.matches(entry('task.started', '6', 'exec-a'))).toBe(false);
    expect(sut.matches(entry('step.started', '7', 'exec-a'))).toBe(false);
    expect(sut.matches(entry('step.started', '5', 'exec-b'))).toBe(false);
  });

  it('rejects unknown types and prefixes, bad ids and unknown parameters', () => {
    for (const query of [
      { type: 'task.exploded' },
      { type: 'nope.*' },
      { task: '0' },
      { task: '' },
      { since: 'x' },
      { foo: '1' },
    ]) {
      expect(eventsQuerySchema.safeParse(query).success).toBe(false);
    }
  });
});

describe(normalizeCursor.name, () => {
  it('reads a bare number as the first id of that millisecond', () => {
    expect(normalizeCursor('0')).toBe('0-0');
    expect(normalizeCursor('1700-3')).toBe('1700-3');
  });
});
