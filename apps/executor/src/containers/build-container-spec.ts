import { type BuildrootPlan } from '@koji-farm/buildroot';
import { type ContainerSpec } from '@koji-farm/container';
import { type ExecutorConfig } from '../config/executor.config';
import { BUILDROOT_LABEL, METHOD_LABEL, NAMESPACE_LABEL, namespaceLabelValue } from './container-labels';

export interface BuildContainerInput {
  plan: BuildrootPlan;
  taskId: number;
  attempt: number;
  method: string;
  brootId: number;
}

/**
 * The container a buildroot plan runs in. Its network is the fetch network when any
 * command fetches (the group install); commands that must not reach the network are
 * isolated per exec (see `isolateNetwork`). `sleep infinity` under an init keeps it up.
 */
export function buildContainerSpec(config: ExecutorConfig, input: BuildContainerInput): ContainerSpec {
  const c = config.containers;
  const fetches = [...input.plan.initCommands, input.plan.buildCommand].some(
    (cmd) => cmd.network === 'fetch',
  );
  const resources: NonNullable<ContainerSpec['resources']> = {};
  if (c.memoryBytes !== undefined) resources.memoryBytes = c.memoryBytes;
  if (c.cpus !== undefined) resources.cpus = c.cpus;
  if (c.pidsLimit !== undefined) resources.pidsLimit = c.pidsLimit;
  return {
    image: input.plan.image,
    owner: { executorId: config.executorId, taskId: input.taskId, attempt: input.attempt },
    labels: {
      [NAMESPACE_LABEL]: namespaceLabelValue(config.amqp.namespace),
      [METHOD_LABEL]: input.method,
      [BUILDROOT_LABEL]: String(input.brootId),
    },
    argv: ['sleep', 'infinity'],
    env: input.plan.environment,
    network: fetches ? c.fetchNetwork : 'none',
    resources: Object.keys(resources).length > 0 ? resources : undefined,
    tmpfs: c.builddirTmpfsSize ? { '/builddir': `rw,exec,size=${c.builddirTmpfsSize},mode=0755` } : undefined,
    init: true,
  };
}

/**
 * The argv of a command that must run without network in a container that has one:
 * a new network namespace (only a down loopback) inside a user namespace that maps root
 * to root, which needs no extra capability (mock isolates rpmbuild the same way).
 */
export function isolateNetwork(argv: readonly string[]): string[] {
  return ['unshare', '--net', '--map-root-user', '--', ...argv];
}
