import { loadConfig } from '@koji-farm/config';
import { planBuildroot } from '@koji-farm/buildroot';
import { executorConfigSchema } from '../config/executor.config';
import { buildContainerSpec, isolateNetwork } from './build-container-spec';

const plan = planBuildroot({
  method: 'buildArch',
  arch: 'x86_64',
  buildConfig: { id: 1, name: 'f40-build', arches: 'x86_64', extra: { 'rpm.env.LANG': 'C' } },
  repo: { id: 2, tag_id: 1, state: 1 },
  topurl: 'http://127.0.0.1:1/kojifiles',
  group: 'build',
  srpmFileName: 'x-1-1.src.rpm',
  hostArches: ['x86_64'],
  image: { defaultImage: 'localhost/img:1' },
});

describe(buildContainerSpec.name, () => {
  it('runs sleep infinity under an init, on the fetch network, with the plan environment and farm labels', () => {
    const config = loadConfig('executor', executorConfigSchema, {
      EXECUTOR_ID: 'e1',
      AMQP_NAMESPACE: 'test-1',
      CONTAINER_MEMORY_MB: '512',
      BUILDDIR_TMPFS_SIZE: '2g',
    });
    const sut = buildContainerSpec(config, { plan, taskId: 5, attempt: 2, method: 'buildArch', brootId: 9 });
    expect(sut).toMatchObject({
      image: 'localhost/img:1',
      owner: { executorId: 'e1', taskId: 5, attempt: 2 },
      labels: {
        'io.koji-farm.namespace': 'test-1',
        'io.koji-farm.method': 'buildArch',
        'io.koji-farm.buildroot': '9',
      },
      argv: ['sleep', 'infinity'],
      env: { LANG: 'C', HOME: '/builddir' },
      network: 'host',
      resources: { memoryBytes: 512 * 1024 * 1024 },
      tmpfs: { '/builddir': 'rw,exec,size=2g,mode=0755' },
      init: true,
    });
  });

  it('labels production containers with the default namespace', () => {
    const config = loadConfig('executor', executorConfigSchema, {
      EXECUTOR_ID: 'e1',
      FETCH_NETWORK: 'bridge',
    });
    const sut = buildContainerSpec(config, { plan, taskId: 5, attempt: 1, method: 'buildArch', brootId: 9 });
    expect(sut.labels?.['io.koji-farm.namespace']).toBe('default');
    expect(sut.network).toBe('bridge');
    expect(sut.resources).toBeUndefined();
  });
});

describe(isolateNetwork.name, () => {
  it('runs the command in its own network namespace without needing a capability', () => {
    expect(isolateNetwork(['rpmbuild', '--rebuild', 'x.src.rpm'])).toEqual([
      'unshare',
      '--net',
      '--map-root-user',
      '--',
      'rpmbuild',
      '--rebuild',
      'x.src.rpm',
    ]);
  });
});
