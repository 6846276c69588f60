/** The URL schemes kojid's SCM class knows (`SCM.types`). */
export const SCM_SCHEMES = [
  'cvs://',
  'cvs+ssh://',
  'git://',
  'git+http://',
  'git+https://',
  'git+rsync://',
  'git+ssh://',
  'svn://',
  'svn+http://',
  'svn+https://',
  'svn+ssh://',
] as const;

/** kojid's `SCM.is_scm_url`: a build source from an SCM rather than an uploaded SRPM. */
export function isScmUrl(source: string): boolean {
  return SCM_SCHEMES.some((scheme) => source.startsWith(scheme));
}
