import {
  ATTEMPT_LABEL,
  CollectingSink,
  ContainerError,
  ContainerManager,
  ContainerNotFoundError,
  EXECUTOR_LABEL,
  ImageNotFoundError,
  InvalidContainerRequestError,
  TASK_LABEL,
} from '@koji-farm/container';

import {
  ContainerTestKit,
  createTestContainerManager,
  TEST_IMAGE,
  TEST_LABEL,
  testOwner,
} from '../support/container-test-kit';

describe(ContainerManager.name, () => {
  let sut: ContainerManager;
  let kit: ContainerTestKit;

  beforeAll(() => {
    sut = createTestContainerManager();
    kit = new ContainerTestKit(sut);
  });
  afterEach(() => kit.cleanup());
  afterAll(() => sut.close());

  async function run(handle: { id: string }, argv: string[], options = {}) {
    const sink = new CollectingSink();
    const result = await sut.exec(handle, argv, sink, options);
    return { ...result, stdout: sink.stdoutText(), stderr: sink.stderrText() };
  }

  it('creates, starts, execs in and removes a container carrying the owner and default labels', async () => {
    const owner = testOwner();
    const handle = await kit.create({ owner, labels: { 'io.koji-farm.step': 'build' } });

    const info = await sut.inspect(handle);
    expect(info.State.Status).toBe('created');
    expect(info.Config.Labels).toMatchObject({
      [EXECUTOR_LABEL]: owner.executorId,
      [TASK_LABEL]: String(owner.taskId),
      [ATTEMPT_LABEL]: '1',
      [TEST_LABEL]: 'true',
      'io.koji-farm.step': 'build',
    });
    expect(handle.name).toMatch(new RegExp(`^kf-${owner.taskId}-1-[0-9a-f]{6}$`));

    await sut.start(handle);
    expect((await sut.inspect(handle)).State.Running).toBe(true);
    const result = await run(handle, ['echo', 'hello']);
    expect(result).toMatchObject({
      exitCode: 0,
      stdout: 'hello\n',
      stderr: '',
      timedOut: false,
      aborted: false,
    });

    await expect(sut.remove(handle, { force: true })).resolves.toBe(true);
    await expect(sut.inspect(handle)).rejects.toBeInstanceOf(ContainerNotFoundError);
  });

  it('reports exit codes 0, 1 and 127 as results', async () => {
    const handle = await kit.started();
    expect((await run(handle, ['true'])).exitCode).toBe(0);
    expect((await run(handle, ['false'])).exitCode).toBe(1);
    const missing = await run(handle, ['no-such-command-here']);
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toContain('no-such-command-here');
  });

  it('keeps stdout and stderr apart', async () => {
    const handle = await kit.started();
    const result = await run(handle, [
      'sh',
      '-c',
      'echo out1; echo err1 >&2; echo out2; echo err2 >&2; exit 3',
    ]);
    expect(result).toMatchObject({ exitCode: 3, stdout: 'out1\nout2\n', stderr: 'err1\nerr2\n' });
  });

  it('applies env, cwd and user of the exec over those of the container', async () => {
    const handle = await kit.started({
      env: { FROM_SPEC: 'spec', SHARED: 'spec' },
      workdir: '/tmp',
      user: '0',
    });
    const inherited = await run(handle, ['sh', '-c', 'echo "$FROM_SPEC $SHARED $(pwd) $(id -u)"']);
    expect(inherited.stdout).toBe('spec spec /tmp 0\n');

    const overridden = await run(
      handle,
      ['sh', '-c', 'echo "$FROM_SPEC $SHARED $ONLY_EXEC $(pwd) $(id -u):$(id -g)"'],
      {
        env: { SHARED: 'exec', ONLY_EXEC: 'yes' },
        cwd: '/etc',
        user: '65534:65534',
      },
    );
    expect(overridden).toMatchObject({ exitCode: 0, stdout: 'spec exec yes /etc 65534:65534\n' });
  });

  it('reports a missing working directory as exit 127 with the reason on stderr', async () => {
    const handle = await kit.started();
    const result = await run(handle, ['pwd'], { cwd: '/no/such/dir' });
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toContain('/no/such/dir');
  });

  it('removes idempotently: a second remove (or one of a never-started container) is fine', async () => {
    const handle = await kit.create();
    await expect(sut.remove(handle)).resolves.toBe(true);
    await expect(sut.remove(handle)).resolves.toBe(false);
    await expect(sut.remove(handle, { force: true })).resolves.toBe(false);
  });

  it('refuses to remove a running container without force, with a typed error', async () => {
    const handle = await kit.started();
    const error = await sut.remove(handle).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerError);
    expect(error).toMatchObject({ step: 'remove', containerId: handle.id, retryable: false });
    await expect(sut.remove(handle, { force: true })).resolves.toBe(true);
  });

  it('lists containers by label, any value with true', async () => {
    const owner = testOwner();
    const a = await kit.create({ owner, labels: { 'io.koji-farm.role': 'a' } });
    const b = await kit.started({ owner, labels: { 'io.koji-farm.role': 'b' } });

    const all = await sut.listByLabel({ [EXECUTOR_LABEL]: owner.executorId });
    expect(all.map((c) => c.id).sort()).toEqual([a.id, b.id].sort());
    const onlyB = await sut.listByLabel({ [EXECUTOR_LABEL]: owner.executorId, 'io.koji-farm.role': 'b' });
    expect(onlyB).toEqual([
      expect.objectContaining({ id: b.id, name: b.name, image: TEST_IMAGE, state: 'running' }),
    ]);
    const anyRole = await sut.listByLabel({ [EXECUTOR_LABEL]: owner.executorId, 'io.koji-farm.role': true });
    expect(anyRole).toHaveLength(2);
  });

  it('kills a running container; its exec calls then fail with a typed error', async () => {
    const handle = await kit.started();
    await sut.kill(handle);
    const error = await sut.exec(handle, ['true'], new CollectingSink()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerError);
    expect(error).toMatchObject({ step: 'exec', containerId: handle.id });
  });

  it('gives ContainerNotFoundError for calls on a container that does not exist', async () => {
    const gone = { id: 'f'.repeat(64) };
    await expect(sut.start(gone)).rejects.toBeInstanceOf(ContainerNotFoundError);
    await expect(sut.exec(gone, ['true'], new CollectingSink())).rejects.toBeInstanceOf(
      ContainerNotFoundError,
    );
  });

  describe('images', () => {
    const missing = 'localhost/koji-farm-no-such-image:never';

    it('creating from a missing image gives ImageNotFoundError naming it', async () => {
      const error = await kit.create({ image: missing }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImageNotFoundError);
      expect(error).toMatchObject({ image: missing, retryable: false });
    });

    it.each(['never', 'if-not-present', 'always'] as const)(
      'ensureImage(missing, %s) gives ImageNotFoundError',
      async (policy) => {
        const error = await sut.ensureImage(missing, policy).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ImageNotFoundError);
        expect((error as Error).message).toContain(missing);
      },
    );

    it('ensureImage finds a local image without pulling under never and if-not-present', async () => {
      for (const policy of ['never', 'if-not-present'] as const) {
        const image = await sut.ensureImage(TEST_IMAGE, policy);
        expect(image).toEqual({
          ref: TEST_IMAGE,
          id: expect.stringMatching(/^(sha256:)?[0-9a-f]{64}$/),
          pulled: false,
        });
      }
    });

    it('ensureImage with always fails when the pull fails, even though the image is local', async () => {
      await expect(sut.ensureImage(TEST_IMAGE, 'always')).rejects.toBeInstanceOf(ImageNotFoundError);
    });
  });

  it('refuses a bad spec before talking to Podman, listing every problem', async () => {
    const error = await sut
      .create({
        image: TEST_IMAGE,
        owner: testOwner(),
        labels: { 'com.example.x': '1', [TASK_LABEL]: '9' },
        resources: { nofile: { soft: 50_000, hard: 50_000 } },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidContainerRequestError);
    const problems = (error as InvalidContainerRequestError).problems.join('\n');
    expect(problems).toContain('labels.com.example.x');
    expect(problems).toContain(`labels.${TASK_LABEL}`);
    expect(problems).toContain('resources.nofile.soft');
    expect(await sut.listByLabel({ 'com.example.x': '1' })).toEqual([]);
  });
});
