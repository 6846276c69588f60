import type { KojiValue } from '../xmlrpc/koji-value';
import { renewKwargs, type LoginContext, type LoginStrategy } from './login-strategy';

/** `login(user, password)`: the hub's password login, always available. */
export class PasswordLogin implements LoginStrategy {
  readonly kind = 'password';

  constructor(
    private readonly user: string,
    private readonly password: string,
  ) {}

  login(context: LoginContext, renew: boolean): Promise<KojiValue> {
    return context.send({
      method: 'login',
      params: [this.user, this.password],
      kwargs: renewKwargs(renew),
      secrets: [this.password],
    });
  }

  secretValues(): string[] {
    return [this.password];
  }

  /** Keeps the password out of `console.log`, `util.inspect` and JSON. */
  toJSON(): object {
    return { kind: this.kind, user: this.user };
  }
}
