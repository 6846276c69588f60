/**
 * Labels the executor adds to its containers besides the library's owner labels.
 * `namespace` scopes the orphan reaper to one farm (one AMQP namespace): an executor
 * never touches containers of another farm, or of other tests on the same Podman.
 */
export const NAMESPACE_LABEL = 'io.koji-farm.namespace';
/** The hub's buildroot id of the container, for `podman ps --filter label=...` when debugging. */
export const BUILDROOT_LABEL = 'io.koji-farm.buildroot';
/** The Koji method the container works for. */
export const METHOD_LABEL = 'io.koji-farm.method';

/** The namespace label's value: the AMQP namespace, or `default` for production's empty one. */
export function namespaceLabelValue(namespace: string): string {
  return namespace === '' ? 'default' : namespace;
}
