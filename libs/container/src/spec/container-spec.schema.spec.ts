import { containerSpecSchema, describeIssues, extraLabelsSchema } from './container-spec.schema';

describe('containerSpecSchema', () => {
  const sut = containerSpecSchema(20_000);
  const valid = { image: 'img', owner: { executorId: 'e', taskId: 1, attempt: 0 } };

  function problems(spec: unknown): string[] {
    const result = sut.safeParse(spec);
    return result.success ? [] : describeIssues(result.error);
  }

  it('accepts a minimal spec and a string task id', () => {
    expect(problems(valid)).toEqual([]);
    expect(problems({ ...valid, owner: { ...valid.owner, taskId: 'abc' } })).toEqual([]);
  });

  it('refuses unknown fields, so a typo does not drop a limit silently', () => {
    expect(problems({ ...valid, resources: { memoryByte: 5 } })).toEqual([
      expect.stringContaining('resources: Unrecognized key: "memoryByte"'),
    ]);
    expect(problems({ ...valid, netwrok: 'none' })).toEqual([expect.stringContaining('netwrok')]);
  });

  it('refuses ulimits above the host ceiling and soft above hard', () => {
    expect(problems({ ...valid, resources: { nofile: { soft: 20_001, hard: 20_001 } } })).toEqual([
      "resources.nofile.soft: must be at most 20000 (the host's hard limit)",
      "resources.nofile.hard: must be at most 20000 (the host's hard limit)",
    ]);
    expect(problems({ ...valid, resources: { nproc: { soft: 10, hard: 5 } } })).toEqual([
      'resources.nproc: soft must not exceed hard',
    ]);
  });

  it('refuses relative or climbing paths, bad env names, empty argv and odd names', () => {
    expect(
      problems({
        ...valid,
        workdir: 'builddir',
        mounts: [{ source: '/a/../etc', target: '/x' }],
        tmpfs: { scratch: '' },
        env: { 'A=B': '1' },
        argv: [],
        name: '-bad',
      }),
    ).toEqual([
      expect.stringMatching(/^name: /),
      'argv: must not be empty',
      expect.stringMatching(/^env\.A=B: /),
      expect.stringMatching(/^workdir: must be an absolute path/),
      'mounts.0.source: must not contain ".."',
      expect.stringMatching(/^tmpfs\.scratch: must be an absolute path/),
    ]);
  });

  it('refuses swap without memory or below it', () => {
    expect(problems({ ...valid, resources: { memorySwapBytes: 100 } })).toEqual([
      expect.stringMatching(/^resources\.memorySwapBytes: /),
    ]);
    expect(problems({ ...valid, resources: { memoryBytes: 200, memorySwapBytes: 100 } })).toHaveLength(1);
    expect(problems({ ...valid, resources: { memoryBytes: 200, memorySwapBytes: -1 } })).toEqual([]);
  });

  it('refuses capability names that are not capability-shaped', () => {
    expect(problems({ ...valid, security: { capDrop: ['all', 'CAP_CHOWN', 'ALL'] } })).toEqual([
      expect.stringMatching(/^security\.capDrop\.0: /),
    ]);
  });
});

describe('extraLabelsSchema', () => {
  it('accepts only io.koji-farm. keys other than the owner labels', () => {
    const result = extraLabelsSchema.safeParse({
      'io.koji-farm.step': 'ok',
      'io.koji-farm.': 'empty name',
      'org.example': 'foreign',
      'io.koji-farm.executor': 'spoof',
    });
    expect(result.success).toBe(false);
    expect(describeIssues(result.error!)).toEqual([
      'io.koji-farm.: must start with io.koji-farm.',
      'org.example: must start with io.koji-farm.',
      'io.koji-farm.executor: is set from the spec owner and cannot be given as a label',
    ]);
  });
});
