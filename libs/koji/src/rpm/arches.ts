/** Shell-style match of one arch against a pattern of `*`, `?` and literals (Python's fnmatch). */
function fnmatch(value: string, pattern: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

/** Koji's `canonArch`: the canonical arch of an arch name (i686 → i386, armv7hl → armhfp, ...). */
export function canonArch(arch: string): string {
  if (fnmatch(arch, 'i?86') || arch === 'athlon') return 'i386';
  if (arch === 'ia32e') return 'x86_64';
  if (arch === 'ppc64le') return 'ppc64le';
  if (fnmatch(arch, 'ppc64*')) return 'ppc64';
  if (fnmatch(arch, 'sparc64*')) return 'sparc64';
  if (fnmatch(arch, 'sparc*')) return 'sparc';
  if (fnmatch(arch, 'alpha*')) return 'alpha';
  if (fnmatch(arch, 'arm*h*')) return 'armhfp';
  if (fnmatch(arch, 'arm*')) return 'arm';
  return arch;
}

/** Koji's `multi_fnmatch`: whether `value` matches any of the space-separated patterns. */
export function multiFnmatch(value: string, patterns: string | readonly string[]): boolean {
  const list = typeof patterns === 'string' ? patterns.split(/\s+/).filter(Boolean) : patterns;
  return list.some((p) => fnmatch(value, p));
}
