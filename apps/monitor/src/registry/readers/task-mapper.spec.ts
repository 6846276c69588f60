import { toLogInfos, toSteps, toTaskSummary } from './task-mapper';
import { completeUtf8Length } from './log-reader';

describe(toSteps.name, () => {
  it('groups step fields by attempt and orders steps by number', () => {
    const sut = toSteps({
      '1:10:name': 'ten',
      '1:2:name': 'two',
      '1:2:exitCode': '',
      '1:2:kind': 'exec',
      '2:1:name': 'again',
      '1:10:exitCode': '3',
    });
    expect(sut.get(1)!.map((s) => [s.step, s.name, s.exitCode, s.kind])).toEqual([
      [2, 'two', null, 'exec'],
      [10, 'ten', 3, null],
    ]);
    expect(sut.get(2)!.map((s) => s.name)).toEqual(['again']);
  });
});

describe(toLogInfos.name, () => {
  it('reads log names with dots and dashes and says when a log is complete', () => {
    const sut = toLogInfos(
      {
        '1:build.log:c': '10',
        '1:build.log:e': '10',
        '1:build.log:t': '0',
        '2:mock-output.log:c': '3',
        '2:mock-output.log:e': '9',
      },
      { 'a1:finishedAt': '1' },
    );
    expect(sut).toEqual([
      { attempt: 1, name: 'build.log', size: 10, receivedBytes: 0, complete: true, truncated: false },
      { attempt: 2, name: 'mock-output.log', size: 3, receivedBytes: 0, complete: false, truncated: false },
    ]);
  });
});

describe(toTaskSummary.name, () => {
  it('serves empty fields as null and times as ISO', () => {
    const sut = toTaskSummary({
      id: '5',
      state: 'running',
      executor: '',
      startedAt: '0',
      step: '2',
      stepKind: 'exec',
      stepName: 'x',
    });
    expect(sut).toMatchObject({
      id: 5,
      executorId: null,
      startedAt: '1970-01-01T00:00:00.000Z',
      currentStep: { step: 2, name: 'x' },
    });
  });
});

describe(completeUtf8Length.name, () => {
  it('stops before a character cut at the end', () => {
    const euro = Buffer.from('a€');
    expect(completeUtf8Length(euro)).toBe(4);
    expect(completeUtf8Length(euro.subarray(0, 3))).toBe(1);
    expect(completeUtf8Length(Buffer.from('abc'))).toBe(3);
  });
});
