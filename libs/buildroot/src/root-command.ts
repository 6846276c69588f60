import { type BuildrootPlan } from './buildroot-plan';

/**
 * Mounts what a build needs inside the clean root and changes into it: /proc and /dev
 * bound from the container (a fresh proc mount is refused where Podman masks /proc
 * paths), a tmpfs on /tmp, then `chroot` and `cd /builddir`. $1 is the root, the rest
 * the command.
 */
const ENTER_ROOT = [
  'R=$1; shift',
  'mkdir -p "$R/proc" "$R/dev" "$R/tmp"',
  'mount --rbind /proc "$R/proc" && mount --rbind /dev "$R/dev" && mount -t tmpfs -o mode=1777 tmpfs "$R/tmp" || exit 125',
  'cd / && exec chroot "$R" /bin/sh -c \'cd /builddir && exec "$@"\' sh "$@"',
].join('\n');

/**
 * The argv that runs `argv` as the build of `plan`. Clean mode: in the plan's root, in a
 * new user namespace that maps root to root (no capability needed, ADR 0063) with its
 * own mount namespace, and its own network namespace when `isolateNetwork`; nothing of
 * the bootstrap image is visible. Image mode: `argv` itself, under `unshare --net` when
 * `isolateNetwork`.
 */
export function buildArgv(
  plan: Pick<BuildrootPlan, 'mode' | 'root'>,
  argv: readonly string[],
  options: { isolateNetwork: boolean },
): string[] {
  const net = options.isolateNetwork ? ['--net'] : [];
  if (plan.mode === 'image')
    return options.isolateNetwork ? ['unshare', '--net', '--map-root-user', '--', ...argv] : [...argv];
  return [
    'unshare',
    '--user',
    '--map-root-user',
    '--mount',
    ...net,
    '--',
    'sh',
    '-c',
    ENTER_ROOT,
    'kf-enter-root',
    plan.root,
    ...argv,
  ];
}
