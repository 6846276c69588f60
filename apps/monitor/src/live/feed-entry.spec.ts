import { compareStreamIds, toFeedEntry } from './feed-entry';

describe(compareStreamIds.name, () => {
  it('orders by milliseconds, then by sequence, numerically', () => {
    expect(compareStreamIds('1700-10', '1700-9')).toBe(1);
    expect(compareStreamIds('999-5', '1000-0')).toBe(-1);
    expect(compareStreamIds('1700-1', '1700-1')).toBe(0);
  });
});

describe(toFeedEntry.name, () => {
  it('reads the fields the fold script writes', () => {
    expect(toFeedEntry('5-1', ['t', 'log.chunk', 'k', '42', 'x', 'exec-a', 'e', '{"a":1}'])).toEqual({
      id: '5-1',
      type: 'log.chunk',
      taskId: '42',
      executorId: 'exec-a',
      json: '{"a":1}',
    });
  });
});
