import { taskLabel } from './task-label';

describe(taskLabel.name, () => {
  it.each([
    [
      {
        method: 'build',
        arch: 'noarch',
        request: ['cli-build/1.ab/kf-hello-1.0-1.src.rpm', 'f40-candidate', {}],
      },
      'build (f40-candidate, kf-hello-1.0-1.src.rpm)',
    ],
    [
      {
        method: 'build',
        arch: 'noarch',
        request: ['git://example.com/rpms/kf-hello?pkg#abc123', 'f40-candidate'],
      },
      'build (f40-candidate, /rpms/kf-hello:pkg:abc123)',
    ],
    [
      {
        method: 'buildArch',
        arch: 'x86_64',
        request: ['tasks/1/1/kf-hello-1.0-1.src.rpm', 'f40-build', 'x86_64', true, {}],
      },
      'buildArch (kf-hello-1.0-1.src.rpm, x86_64)',
    ],
    [
      { method: 'buildSRPMFromSCM', arch: 'noarch', request: ['https://h/x.git#rev'] },
      'buildSRPMFromSCM (/x.git:rev)',
    ],
    [{ method: 'newRepo', arch: 'noarch', request: ['f40-build'] }, 'newRepo (f40-build)'],
    [{ method: 'createrepo', arch: 'noarch', request: [4, 'x86_64', null] }, 'createrepo (x86_64)'],
    [{ method: 'rebuildSRPM', arch: 'noarch', request: ['a.src.rpm', 3, {}] }, 'rebuildSRPM (noarch)'],
    [{ method: 'tagBuild', arch: 'noarch', request: [1, 2, false, null, true] }, 'tagBuild (noarch)'],
    [{ method: 'sleep', arch: 'noarch', request: [1] }, 'sleep (noarch)'],
  ])('labels %j as koji does', (task, label) => {
    expect(taskLabel(task)).toBe(label);
  });
});
