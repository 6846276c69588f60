import { TaskFailureError } from '../../tasks/errors/task-failure.error';
import { parseBuildArchRequest } from './build-arch-request';

describe(parseBuildArchRequest.name, () => {
  it('reads pkg, root, arch, keep_srpm and opts.repo_id', () => {
    expect(
      parseBuildArchRequest([
        'tasks/1/1/x.src.rpm',
        'f40-build',
        'x86_64',
        true,
        { repo_id: 7, scratch: true },
      ]),
    ).toEqual({
      pkg: 'tasks/1/1/x.src.rpm',
      root: 'f40-build',
      arch: 'x86_64',
      keepSrpm: true,
      repoId: 7,
      opts: { repo_id: 7, scratch: true },
    });
    expect(parseBuildArchRequest(['x.src.rpm', 3, 'noarch', false, { repo_id: 1 }]).root).toBe(3);
  });

  it('fails with BuildError without a repo id, as kojid says', () => {
    const attempt = () => parseBuildArchRequest(['x.src.rpm', 'f40-build', 'x86_64', false, null]);
    expect(attempt).toThrow(TaskFailureError);
    expect(attempt).toThrow('A repo id must be provided');
    try {
      attempt();
    } catch (err) {
      expect((err as TaskFailureError).faultCode).toBe(1005);
    }
  });

  it('fails with ParameterError naming the bad argument', () => {
    expect(() => parseBuildArchRequest([1, 'f40-build', 'x86_64', false, { repo_id: 1 }])).toThrow(/pkg/);
    expect(() => parseBuildArchRequest(['x.src.rpm', 'f40-build', 'x/86', false, { repo_id: 1 }])).toThrow(
      /arch/,
    );
    expect(() => parseBuildArchRequest(['x.src.rpm'])).toThrow(/Invalid buildArch arguments/);
    expect(() =>
      parseBuildArchRequest(['../../etc/passwd', 'f40-build', 'x86_64', false, { repo_id: 1 }]),
    ).toThrow(/Invalid SRPM path/);
  });
});
