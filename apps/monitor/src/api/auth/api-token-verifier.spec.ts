import { monitorConfigSchema } from '../../config/monitor.config';
import { ApiTokenVerifier, readCookie, SESSION_COOKIE, SESSION_TTL_SECONDS } from './api-token-verifier';

const TOKEN = 'unit-token-0123456789';

describe(ApiTokenVerifier.name, () => {
  const sut = new ApiTokenVerifier(monitorConfigSchema.parse({ MONITOR_API_TOKEN: TOKEN }));

  it('accepts the bearer token and nothing else', () => {
    expect(sut.isAuthorized({ authorization: `Bearer ${TOKEN}` })).toBe(true);
    expect(sut.isAuthorized({ authorization: `Bearer ${TOKEN}x` })).toBe(false);
    expect(sut.isAuthorized({ authorization: TOKEN })).toBe(false);
    expect(sut.isAuthorized({})).toBe(false);
  });

  it('accepts a session it issued until it expires, and no forged one', () => {
    const now = 1_000_000;
    const session = sut.issueSession(now);
    expect(session).not.toContain(TOKEN);
    const cookie = (value: string) => ({ cookie: `other=1; ${SESSION_COOKIE}=${value}` });
    expect(sut.isAuthorized(cookie(session), now + 1000)).toBe(true);
    expect(sut.isAuthorized(cookie(session), now + SESSION_TTL_SECONDS * 1000 + 1)).toBe(false);
    const [expires, signature] = session.split('.');
    expect(sut.isAuthorized(cookie(`${Number(expires) + 1000}.${signature}`), now)).toBe(false);
    const other = new ApiTokenVerifier(monitorConfigSchema.parse({ MONITOR_API_TOKEN: `${TOKEN}-other` }));
    expect(sut.isAuthorized(cookie(other.issueSession(now)), now)).toBe(false);
  });

  it('allows everything when no token is configured', () => {
    const open = new ApiTokenVerifier(monitorConfigSchema.parse({}));
    expect(open.enabled).toBe(false);
    expect(open.isAuthorized({})).toBe(true);
  });
});

describe(readCookie.name, () => {
  it('finds a cookie among others and survives bad encoding', () => {
    expect(readCookie('a=1; b=two%20words', 'b')).toBe('two words');
    expect(readCookie('a=%E0%A4%A', 'a')).toBeUndefined();
    expect(readCookie(undefined, 'a')).toBeUndefined();
  });
});
