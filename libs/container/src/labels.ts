/** Every label this library sets or accepts starts with this prefix. */
export const LABEL_PREFIX = 'io.koji-farm.';
/** The executor replica that created the container. */
export const EXECUTOR_LABEL = 'io.koji-farm.executor';
/** The Koji task the container works for. */
export const TASK_LABEL = 'io.koji-farm.task';
/** The delivery attempt of that task (a redelivered task gets new containers). */
export const ATTEMPT_LABEL = 'io.koji-farm.attempt';
/** The three labels that {@link ContainerOwner} fills in; nobody else may set them. */
export const OWNER_LABELS: readonly string[] = [EXECUTOR_LABEL, TASK_LABEL, ATTEMPT_LABEL];

/**
 * Who a container works for. Turned into the labels `io.koji-farm.executor`,
 * `io.koji-farm.task` and `io.koji-farm.attempt`, which recovery after a crash uses to
 * find a dead executor's orphans (`listByLabel({'io.koji-farm.executor': id})`).
 */
export interface ContainerOwner {
  executorId: string;
  taskId: string | number;
  attempt: number;
}

/** The owner labels of a container, as Podman stores them (strings). */
export function ownerLabels(owner: ContainerOwner): Record<string, string> {
  return {
    [EXECUTOR_LABEL]: owner.executorId,
    [TASK_LABEL]: String(owner.taskId),
    [ATTEMPT_LABEL]: String(owner.attempt),
  };
}
