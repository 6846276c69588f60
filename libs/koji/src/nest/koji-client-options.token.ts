/** Injection token for the KojiClientOptions the factory uses. */
export const KOJI_CLIENT_OPTIONS = Symbol('KOJI_CLIENT_OPTIONS');
