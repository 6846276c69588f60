import { randomInt, randomUUID } from 'node:crypto';

import {
  ContainerManager,
  type ContainerHandle,
  type ContainerManagerOptions,
  type ContainerOwner,
  type ContainerSpec,
} from '../../libs/container/src';

/** The image `scripts/setup-host.sh` builds; every container test uses it. */
export const TEST_IMAGE = 'localhost/koji-farm-buildroot:bookworm';
/** Every container a test creates carries `io.koji-farm.test=true` (global-teardown checks it). */
export const TEST_LABEL = 'io.koji-farm.test';
/**
 * The pid of the jest process (worker or main) that created the container. Lets the
 * global teardown tell this run's leftovers from containers of another jest run going on
 * at the same time on the same machine.
 */
export const TEST_PID_LABEL = 'io.koji-farm.test-pid';

/** The labels every test container must carry; pass them as `defaultLabels`. */
export function testContainerLabels(): Record<string, string> {
  return { [TEST_LABEL]: 'true', [TEST_PID_LABEL]: String(process.pid) };
}

/** A manager on the farm's default socket whose containers carry the test labels. */
export function createTestContainerManager(options: ContainerManagerOptions = {}): ContainerManager {
  return new ContainerManager({
    ...options,
    defaultLabels: { ...testContainerLabels(), ...options.defaultLabels },
  });
}

/** A fresh owner per test, so label queries never see another test's containers. */
export function testOwner(): ContainerOwner {
  return { executorId: `test-${randomUUID()}`, taskId: randomInt(1, 2 ** 31), attempt: 1 };
}

/**
 * Creates containers for a test and removes them all in `cleanup()` (call it from
 * `afterEach`), whatever the test did to them.
 */
export class ContainerTestKit {
  private readonly handles: ContainerHandle[] = [];

  constructor(readonly manager: ContainerManager) {}

  /** Creates a container from {@link TEST_IMAGE} (unless the spec says otherwise) and remembers it. */
  async create(spec: Partial<ContainerSpec> = {}): Promise<ContainerHandle> {
    const handle = await this.manager.create({ image: TEST_IMAGE, owner: testOwner(), ...spec });
    this.handles.push(handle);
    return handle;
  }

  /** Creates and starts a container. */
  async started(spec: Partial<ContainerSpec> = {}): Promise<ContainerHandle> {
    const handle = await this.create(spec);
    await this.manager.start(handle);
    return handle;
  }

  async cleanup(): Promise<void> {
    const handles = this.handles.splice(0);
    await Promise.all(handles.map((h) => this.manager.remove(h, { force: true })));
  }
}
