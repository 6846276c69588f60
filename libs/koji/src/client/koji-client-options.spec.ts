import { DEFAULT_RETRY, resolveKojiClientOptions } from './koji-client-options';

describe(resolveKojiClientOptions.name, () => {
  it("fills in kojid's retry defaults and strips a trailing slash", () => {
    const sut = resolveKojiClientOptions({ hubUrl: 'https://koji.example/kojihub/' });
    expect(sut.hubUrl).toBe('https://koji.example/kojihub');
    expect(sut.retry).toEqual({ maxRetries: 120, intervalMs: 60_000, anonymous: false });
    expect(sut.retry).toEqual(DEFAULT_RETRY);
    expect(sut.offlineRetry.enabled).toBe(false);
    expect(sut.maxResponseBytes).toBe(32 * 1024 * 1024);
    expect(sut.uploadChunkBytes).toBe(1024 * 1024);
  });

  it('merges partial settings', () => {
    const sut = resolveKojiClientOptions({
      hubUrl: 'http://h/kojihub',
      retry: { maxRetries: 3 },
      timeouts: { loginMs: 5 },
    });
    expect(sut.retry).toEqual({ maxRetries: 3, intervalMs: 60_000, anonymous: false });
    expect(sut.timeouts.loginMs).toBe(5);
    expect(sut.timeouts.requestMs).toBe(15 * 60_000);
  });

  it.each([
    [{ hubUrl: 'ftp://h/kojihub' }, /hubUrl must be http or https/],
    [{ hubUrl: 'nonsense' }, /hubUrl is not a URL/],
    [{ hubUrl: 'http://h', retry: { maxRetries: -1 } }, /retry.maxRetries must be an integer >= 0/],
    [{ hubUrl: 'http://h', maxResponseBytes: 0 }, /maxResponseBytes must be an integer > 0/],
    [{ hubUrl: 'http://h', timeouts: { requestMs: 1.5 } }, /timeouts.requestMs/],
  ])('refuses %p', (options, message) => {
    expect(() => resolveKojiClientOptions(options)).toThrow(message);
  });

  it('refuses a URL with credentials without repeating them', () => {
    expect(() => resolveKojiClientOptions({ hubUrl: 'https://admin:hunter2@h/kojihub' })).toThrow(
      /^hubUrl must not carry credentials$/,
    );
  });
});
