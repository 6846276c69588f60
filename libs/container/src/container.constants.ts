/** Injection token of the {@link ContainerManagerOptions} given to `ContainerModule`. */
export const CONTAINER_MANAGER_OPTIONS = Symbol('CONTAINER_MANAGER_OPTIONS');
