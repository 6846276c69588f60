import { z } from 'zod';

/**
 * How the poller logs in to the hub (protocol §2): a password (`login`), a TLS client
 * certificate (`sslLogin` at /ssllogin) or GSSAPI (Kerberos, `sslLogin` with SPNEGO).
 * The password is a secret: it only ever goes to the login call.
 */
export const hubAuthConfigShape = {
  /** How the poller logs in as the build host: `password`, `ssl` (TLS client certificate) or `gssapi` (Kerberos). */
  KOJI_AUTH: z
    .enum(['password', 'ssl', 'gssapi'], { error: 'expected password, ssl or gssapi' })
    .default('password'),
  /** The host's user name (password login). */
  KOJI_USER: z.string().min(1).optional(),
  /** The host's password (password login); a secret, sent only to `login`. */
  KOJI_PASSWORD: z.string().min(1).optional(),
  /** PEM client certificate (ssl login); may hold the key too. */
  KOJI_CERT: z.string().startsWith('/', 'expected an absolute path').optional(),
  /** PEM private key when it is not in KOJI_CERT. */
  KOJI_KEY: z.string().startsWith('/', 'expected an absolute path').optional(),
  /** CA bundle that signed the hub's certificate (https hubs). */
  KOJI_SERVERCA: z.string().startsWith('/', 'expected an absolute path').optional(),
  /** Kerberos principal (gssapi); the credential cache's default when unset. */
  KOJI_KRB_PRINCIPAL: z.string().min(1).optional(),
  /** Kerberos service of the hub, `HTTP@<hub host>` when unset. */
  KOJI_KRB_SERVICE: z.string().min(1).optional(),
};

type AuthEnv = z.output<z.ZodObject<typeof hubAuthConfigShape>>;

export type HubAuthConfig =
  | { kind: 'password'; user: string; password: string; caFile?: string }
  | { kind: 'ssl'; certFile: string; keyFile: string; caFile?: string }
  | { kind: 'gssapi'; principal?: string; service?: string; caFile?: string };

/** Names the keys a login kind needs, so the boot error lists each missing one. */
export function refineHubAuth(env: AuthEnv, ctx: z.RefinementCtx): void {
  const need = (key: keyof AuthEnv) => {
    if (env[key] === undefined) {
      ctx.addIssue({ code: 'custom', path: [key], message: `required when KOJI_AUTH=${env.KOJI_AUTH}` });
    }
  };
  if (env.KOJI_AUTH === 'password') {
    need('KOJI_USER');
    need('KOJI_PASSWORD');
  } else if (env.KOJI_AUTH === 'ssl') {
    need('KOJI_CERT');
  }
}

export function mapHubAuth(env: AuthEnv): HubAuthConfig {
  const caFile = env.KOJI_SERVERCA;
  switch (env.KOJI_AUTH) {
    case 'password':
      return { kind: 'password', user: env.KOJI_USER!, password: env.KOJI_PASSWORD!, caFile };
    case 'ssl':
      return { kind: 'ssl', certFile: env.KOJI_CERT!, keyFile: env.KOJI_KEY ?? env.KOJI_CERT!, caFile };
    case 'gssapi':
      return { kind: 'gssapi', principal: env.KOJI_KRB_PRINCIPAL, service: env.KOJI_KRB_SERVICE, caFile };
  }
}
