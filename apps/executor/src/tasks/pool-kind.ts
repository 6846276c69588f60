/**
 * Which slots a task takes: `container` tasks (buildArch, createrepo, ...) run in
 * containers and take one of SLOTS; `orchestration` tasks (build, newRepo, ...) only
 * call the hub and wait on their children, and take one of ORCHESTRATION_SLOTS.
 */
export type PoolKind = 'container' | 'orchestration';
