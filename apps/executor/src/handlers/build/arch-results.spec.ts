import { mergeArchResults } from './arch-results';

describe(mergeArchResults.name, () => {
  const children = new Map([
    ['x86_64', 11],
    ['aarch64', 12],
  ]);

  it("merges the children's RPMs, buildroots, logs by arch and the one kept SRPM", () => {
    const results = new Map<number, never>([
      [
        11,
        {
          rpms: ['t/11/a.x86_64.rpm'],
          srpms: ['t/11/a.src.rpm'],
          logs: ['t/11/build.log'],
          brootid: 5,
        } as never,
      ],
      [
        12,
        {
          rpms: ['t/12/a.aarch64.rpm'],
          srpms: [],
          logs: ['t/12/build.log', 't/12/root.log'],
          brootid: 6,
        } as never,
      ],
    ]);
    expect(mergeArchResults(children, results, 10)).toEqual({
      srpm: 't/11/a.src.rpm',
      rpms: ['t/11/a.x86_64.rpm', 't/12/a.aarch64.rpm'],
      brmap: { 't/11/a.x86_64.rpm': 5, 't/11/a.src.rpm': 5, 't/12/a.aarch64.rpm': 6 },
      logs: { x86_64: ['t/11/build.log'], aarch64: ['t/12/build.log', 't/12/root.log'] },
    });
  });

  it('fails with BuildError when no child or two children returned an SRPM', () => {
    const result = (srpms: string[]) => ({ rpms: [], srpms, logs: [], brootid: 1 }) as never;
    expect(() =>
      mergeArchResults(
        children,
        new Map([
          [11, result([])],
          [12, result([])],
        ]),
        10,
      ),
    ).toThrow('could not find a built srpm');
    expect(() =>
      mergeArchResults(
        children,
        new Map([
          [11, result(['a'])],
          [12, result(['b'])],
        ]),
        10,
      ),
    ).toThrow('multiple builds returned a srpm.  task 10');
  });
});
