import { join } from 'node:path';

/** koji.PathInfo for the simulator's KojiDir (`topdir`). */
export class KojiDir {
  constructor(readonly topdir: string) {}

  work(): string {
    return join(this.topdir, 'work');
  }

  /** `taskrelpath`: tasks/<id % 10000>/<id>, relative to work/. */
  taskRelPath(taskId: number): string {
    return `tasks/${taskId % 10000}/${taskId}`;
  }

  /** packages/<name>/<version>/<release>, relative to topdir. */
  buildRelPath(b: { name: string; version: string; release: string }): string {
    return `packages/${b.name}/${b.version}/${b.release}`;
  }

  /** <arch>/<n-v-r.arch.rpm>, relative to the build dir. */
  rpmRelPath(r: { name: string; version: string; release: string; arch: string }): string {
    return `${r.arch}/${r.name}-${r.version}-${r.release}.${r.arch}.rpm`;
  }

  repo(repoId: number | string, tagName: string): string {
    return join(this.topdir, 'repos', tagName, String(repoId));
  }

  scratch(): string {
    return join(this.topdir, 'scratch');
  }
}
