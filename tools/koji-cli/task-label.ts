import { basename } from 'node:path';

/** What `getTaskInfo(id, request=True)` gives that a label needs. */
export interface TaskFacts {
  method: string;
  arch: string;
  request?: unknown[];
}

/**
 * `<method> (<what>)` as koji's `taskLabel` writes it (koji/__init__.py), for the methods
 * the farm runs: `build (f40-candidate, kf-hello-1.0-1.src.rpm)`, `buildArch
 * (kf-hello-1.0-1.src.rpm, x86_64)`, `newRepo (f40-build)`, `createrepo (x86_64)`.
 * Other methods get `<method> (<arch>)`, as koji does for methods it does not know.
 */
export function taskLabel(task: TaskFacts): string {
  const args = task.request ?? [];
  const text = (value: unknown): string =>
    value && typeof value === 'object' && 'name' in value ? String(value.name) : String(value);
  const source = (value: unknown): string => {
    const s = text(value);
    return s.includes('://') ? moduleInfo(s) : basename(s);
  };
  switch (task.method) {
    case 'build':
      return `build (${text(args[1])}, ${source(args[0])})`;
    case 'buildArch':
      return `buildArch (${basename(text(args[0]))}, ${text(args[2])})`;
    case 'buildSRPMFromSCM':
      return `buildSRPMFromSCM (${moduleInfo(text(args[0]))})`;
    case 'rebuildSRPM':
      return `rebuildSRPM (${task.arch})`;
    case 'newRepo':
    case 'waitrepo':
      return `${task.method} (${text(args[0])})`;
    case 'createrepo':
      return `createrepo (${text(args[1])})`;
    case 'tagBuild':
      return `tagBuild (${task.arch})`;
    case 'chainbuild':
      return `chainbuild (${text(args[1])})`;
    default:
      return `${task.method} (${task.arch})`;
  }
}

/** koji's `_module_info`: `git://host/repo?module#rev` → `/repo:module:rev`, `/repo:rev` without a module. */
function moduleInfo(url: string): string {
  const hash = url.indexOf('#');
  const query = url.indexOf('?');
  const module = query === -1 ? '' : url.slice(query + 1, hash === -1 ? undefined : hash);
  const repoStart = url.indexOf('/', url.indexOf('://') + 3);
  const repoEnd = query !== -1 ? query : hash;
  const repo = url.slice(repoStart, repoEnd === -1 ? undefined : repoEnd);
  const rev = hash === -1 ? '' : url.slice(hash + 1);
  return module ? `${repo}:${module}:${rev}` : `${repo}:${rev}`;
}
