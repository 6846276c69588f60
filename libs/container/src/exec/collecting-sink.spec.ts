import { CollectingSink } from './collecting-sink';

describe(CollectingSink.name, () => {
  it('keeps stdout and stderr apart and copies chunks', () => {
    const sut = new CollectingSink();
    const chunk = Buffer.from('out');
    sut.stdout(chunk);
    chunk.write('XXX');
    sut.stderr(Buffer.from('err'));
    expect(sut.stdoutText()).toBe('out');
    expect(sut.stderrText()).toBe('err');
    expect(sut.truncated).toBe(false);
  });

  it('keeps at most limitBytes per stream but counts everything', () => {
    const sut = new CollectingSink(5);
    sut.stdout(Buffer.from('abc'));
    sut.stdout(Buffer.from('defg'));
    sut.stdout(Buffer.from('hij'));
    expect(sut.stdoutText()).toBe('abcde');
    expect(sut.stdoutBytes).toBe(10);
    expect(sut.truncated).toBe(true);
  });
});
