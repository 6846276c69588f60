/**
 * When `ensureImage` pulls:
 * - `never`: only local storage; a missing image is an error (the farm's default: no
 *   registry is reachable from its hosts, images are built or imported locally);
 * - `if-not-present`: pull only when the image is not in local storage;
 * - `always`: pull every time; a failed pull is an error even if an older copy exists.
 */
export type PullPolicy = 'never' | 'if-not-present' | 'always';

export const PULL_POLICIES: readonly PullPolicy[] = ['never', 'if-not-present', 'always'];

/** The outcome of `ensureImage`. */
export interface EnsuredImage {
  /** The reference as asked for. */
  ref: string;
  /** The image id (`sha256:...`) now in local storage. */
  id: string;
  /** True when this call pulled it. */
  pulled: boolean;
}
