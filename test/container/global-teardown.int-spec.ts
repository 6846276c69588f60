import { ContainerManager, EXECUTOR_LABEL } from '@koji-farm/container';

import {
  ContainerTestKit,
  createTestContainerManager,
  TEST_IMAGE,
  TEST_PID_LABEL,
  testOwner,
} from '../support/container-test-kit';
import globalTeardown from '../support/global-teardown';

describe('globalTeardown', () => {
  let manager: ContainerManager;
  let kit: ContainerTestKit;

  beforeAll(() => {
    manager = createTestContainerManager();
    kit = new ContainerTestKit(manager);
  });
  afterEach(() => kit.cleanup());
  afterAll(() => manager.close());

  it('removes a leftover of this run and fails naming it', async () => {
    const owner = testOwner();
    const leftover = await manager.create({ image: TEST_IMAGE, owner });
    await manager.start(leftover);

    const error = await globalTeardown().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(leftover.name);
    expect((error as Error).message).toContain('io.koji-farm.test=true remained');
    expect(await manager.listByLabel({ [EXECUTOR_LABEL]: owner.executorId })).toEqual([]);
  });

  it('leaves alone a container of another live jest run, and passes when nothing of ours is left', async () => {
    // PID 1 is alive and not this process's child: it stands for a concurrent run.
    const foreign = await kit.create({ labels: { [TEST_PID_LABEL]: '1' } });

    await expect(globalTeardown()).resolves.toBeUndefined();

    expect((await manager.inspect(foreign)).Id).toBe(foreign.id);
  });
});
