import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CollectingSink, ContainerError, ContainerManager, type ContainerHandle } from '@koji-farm/container';

import { ContainerTestKit, createTestContainerManager } from '../support/container-test-kit';

/** Network, privileges, file system and init options, each observed from inside. */
describe(`${ContainerManager.name} isolation options`, () => {
  let sut: ContainerManager;
  let kit: ContainerTestKit;
  let work: string;

  beforeAll(() => {
    sut = createTestContainerManager();
    kit = new ContainerTestKit(sut);
  });
  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'kf-iso-'));
  });
  afterEach(async () => {
    await kit.cleanup();
    await rm(work, { recursive: true, force: true });
  });
  afterAll(() => sut.close());

  async function sh(handle: ContainerHandle, script: string) {
    const sink = new CollectingSink();
    const result = await sut.exec(handle, ['sh', '-c', script], sink);
    return { exitCode: result.exitCode, stdout: sink.stdoutText(), stderr: sink.stderrText() };
  }
  const interfaces = async (handle: ContainerHandle) =>
    (await sh(handle, 'ls /sys/class/net')).stdout.trim().split('\n');

  it('network none (the default) leaves only lo', async () => {
    const handle = await kit.started();
    expect((await sut.inspect(handle)).HostConfig.NetworkMode).toBe('none');
    expect(await interfaces(handle)).toEqual(['lo']);
  });

  it('network host shares the host interfaces; bridge gives an eth0', async () => {
    const host = await kit.started({ network: 'host' });
    expect((await interfaces(host)).sort()).toEqual((await readdir('/sys/class/net')).sort());
    const bridged = await kit.started({ network: 'bridge' });
    expect(await interfaces(bridged)).toEqual(expect.arrayContaining(['eth0', 'lo']));
  });

  it('an unknown network is rejected by Podman with a typed error', async () => {
    const error = await kit.create({ network: 'kf-no-such-network' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerError);
    expect(error).toMatchObject({ step: 'create', retryable: false });
  });

  it('capDrop ALL removes every capability; capAdd puts one back though inspect shows CapAdd []', async () => {
    const none = await kit.started({ security: { capDrop: ['ALL'] } });
    expect((await sh(none, 'grep CapEff /proc/self/status')).stdout).toBe('CapEff:\t0000000000000000\n');
    expect((await sh(none, 'touch /tmp/f && chown 65534 /tmp/f')).exitCode).not.toBe(0);

    const chown = await kit.started({ security: { capDrop: ['ALL'], capAdd: ['CHOWN'] } });
    expect((await sh(chown, 'grep CapEff /proc/self/status')).stdout).toBe('CapEff:\t0000000000000001\n');
    expect((await sh(chown, 'touch /tmp/f && chown 65534 /tmp/f')).exitCode).toBe(0);
    expect((await sut.inspect(chown)).HostConfig.CapAdd).toEqual([]);
  });

  it('an unknown capability is rejected by Podman at create', async () => {
    const error = await kit.create({ security: { capAdd: ['NOT_A_CAPABILITY'] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerError);
    expect(error).toMatchObject({ step: 'create' });
  });

  it('no-new-privileges is on by default and can be turned off', async () => {
    const on = await kit.started();
    expect((await sh(on, 'grep NoNewPrivs /proc/self/status')).stdout).toBe('NoNewPrivs:\t1\n');
    const off = await kit.started({ security: { noNewPrivileges: false } });
    expect((await sh(off, 'grep NoNewPrivs /proc/self/status')).stdout).toBe('NoNewPrivs:\t0\n');
  });

  it('read-only root: writes fail except on the tmpfs Podman adds (/tmp, /var/tmp, /run) and our own', async () => {
    const handle = await kit.started({
      security: { readOnlyRootfs: true },
      tmpfs: { '/scratch': 'size=8m' },
    });
    expect((await sut.inspect(handle)).HostConfig.ReadonlyRootfs).toBe(true);
    const root = await sh(handle, 'touch /etc/x');
    expect(root.exitCode).not.toBe(0);
    expect(root.stderr).toContain('Read-only file system');
    expect((await sh(handle, 'touch /tmp/x /var/tmp/x /run/x /scratch/x')).exitCode).toBe(0);
  });

  it('tmpfs: size applies; mode applies on a new path but not over a directory of the image', async () => {
    const handle = await kit.started({
      tmpfs: { '/scratch': 'size=8m,mode=1777', '/builddir': 'size=8m,mode=1777' },
    });
    const seen = await sh(handle, 'stat -c "%n %a" /scratch /builddir; df -k /scratch | tail -1');
    const [scratch, builddir, df] = seen.stdout.trim().split('\n');
    expect(scratch).toBe('/scratch 1777');
    expect(builddir).toBe('/builddir 755'); // the image's /builddir mode wins
    expect(df.split(/\s+/)[1]).toBe(String(8 * 1024));
  });

  it('bind mounts: read-only and read-write, and a missing host directory is created', async () => {
    const ro = join(work, 'ro');
    const rw = join(work, 'rw');
    await mkdir(ro);
    await writeFile(join(ro, 'in.txt'), 'from host');
    const handle = await kit.started({
      mounts: [
        { source: ro, target: '/in', readOnly: true },
        { source: rw, target: '/out' },
      ],
    });
    expect((await sh(handle, 'cat /in/in.txt')).stdout).toBe('from host');
    expect((await sh(handle, 'touch /in/nope')).exitCode).not.toBe(0);
    expect((await sh(handle, 'echo from container > /out/out.txt')).exitCode).toBe(0);
    expect(await readFile(join(rw, 'out.txt'), 'utf8')).toBe('from container\n');
    expect((await stat(rw)).isDirectory()).toBe(true);
  });

  it('init: an init is PID 1 by default (SIGTERM stops the container quickly); init false runs argv as PID 1', async () => {
    const withInit = await kit.started();
    expect((await sh(withInit, 'cat /proc/1/comm')).stdout).toBe('podman-init\n');
    expect((await sut.inspect(withInit)).HostConfig.Init).toBe(true);

    const bare = await kit.started({ init: false });
    expect((await sh(bare, 'cat /proc/1/comm')).stdout).toBe('sleep\n');
  });
});
