import { pyDatetime, pyRepr, pyType } from './py-format';

describe('py-format', () => {
  it('formats datetimes as the hub sends them (isoformat with a space)', () => {
    expect(pyDatetime(Date.UTC(2026, 10, 23, 5, 11, 26) / 1000 + 0.45172)).toBe(
      '2026-11-23 05:11:26.451720+00:00',
    );
    expect(pyDatetime(Date.UTC(2026, 10, 23, 5, 11, 26) / 1000)).toBe('2026-11-23 05:11:26+00:00');
  });

  it('renders values and types like Python', () => {
    expect(pyRepr({ a: [1, 'x', null, true] })).toBe("{'a': [1, 'x', None, True]}");
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyType('x')).toBe("<class 'str'>");
    expect(pyType(1.5)).toBe("<class 'float'>");
  });
});
