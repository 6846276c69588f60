import { assertScmAllowed, parseScmUrl } from './scm-url';

describe(parseScmUrl.name, () => {
  it('reads scheme, host, repository, module and revision as kojid does', () => {
    expect(parseScmUrl('git+https://src.example.org/rpms/kf-hello.git?subdir/#a1b2c3')).toEqual({
      url: 'git+https://src.example.org/rpms/kf-hello.git?subdir/#a1b2c3',
      shown: 'git+https://src.example.org/rpms/kf-hello.git?subdir/#a1b2c3',
      scheme: 'git+https://',
      user: null,
      password: null,
      host: 'src.example.org',
      repository: '/rpms/kf-hello.git',
      module: 'subdir',
      revision: 'a1b2c3',
      scmtype: 'GIT',
    });
    expect(parseScmUrl('git://user@127.0.0.1:9418//srv//git/x.git/#main')).toMatchObject({
      user: 'user',
      host: '127.0.0.1:9418',
      repository: '/srv/git/x.git',
      module: '',
    });
  });

  it('refuses URLs kojid refuses, saying why', () => {
    expect(() => parseScmUrl('https://example.org/x.git#1')).toThrow(/Invalid scheme in scm url/);
    expect(() => parseScmUrl('git://example.org/x.git')).toThrow(/Could not find the fragment element/);
    expect(() => parseScmUrl('git://example.org#1')).toThrow(/Could not find the path element/);
    expect(() => parseScmUrl('git://a@b@example.org/x#1')).toThrow(/Invalid username@hostname/);
    expect(() => parseScmUrl('git://u:secret@example.org/x#1')).toThrow(
      /username:password format not supported/,
    );
    expect(() => parseScmUrl('git://u:secret@example.org/x#1')).not.toThrow(/secret/);
    expect(() => parseScmUrl('git://u:secret@example.org/x;p#1', true)).toThrow(
      'Unable to parse SCM URL: git://u:***@example.org/x;p#1 . Params element p should be empty.',
    );
    expect(() => parseScmUrl('git://u:secret@a@example.org/x#1', true)).not.toThrow(/secret/);
  });

  it('keeps an allowed password apart from the user, and out of `shown`', () => {
    expect(parseScmUrl('git+https://kf:pw:x@example.org/x.git#main', true)).toMatchObject({
      url: 'git+https://kf:pw:x@example.org/x.git#main',
      shown: 'git+https://kf:***@example.org/x.git#main',
      user: 'kf',
      password: 'pw:x',
      host: 'example.org',
    });
    // as Python's urlsplit: an empty password is none
    expect(parseScmUrl('git://kf:@example.org/x.git#main')).toMatchObject({ user: 'kf', password: null });
  });

  it('refuses a revision git would read as an option', () => {
    expect(() => parseScmUrl('git://example.org/x.git#--upload-pack=touch /tmp/x')).toThrow(
      /Invalid revision in SCM URL/,
    );
    expect(() => parseScmUrl('git://example.org/x.git#origin/-x')).toThrow(/may not start with -/);
  });
});

describe(assertScmAllowed.name, () => {
  const scm = parseScmUrl('git://git.example.org/rpms/kf-hello.git#main');

  it('applies the first matching rule, with its use_common and source command', () => {
    expect(assertScmAllowed(scm, 'other.org:/* git.example.org:/rpms/*')).toEqual({
      rule: 'git.example.org:/rpms/*',
      useCommon: true,
      sourceCmd: ['make', 'sources'],
    });
    expect(assertScmAllowed(scm, 'git.example.org:/rpms/*:no:fedpkg,sources')).toMatchObject({
      useCommon: false,
      sourceCmd: ['fedpkg', 'sources'],
    });
    expect(assertScmAllowed(scm, 'git.example.org:/rpms/*:off:').sourceCmd).toBeNull();
  });

  it('refuses a URL a ! rule blocks, naming the rule, and one no rule allows', () => {
    expect(() => assertScmAllowed(scm, '!git.example.org:/rpms/kf-* git.example.org:/*')).toThrow(
      'git.example.org:/rpms/kf-hello.git is not allowed: blocked by the allowed_scms rule !git.example.org:/rpms/kf-*',
    );
    expect(() => assertScmAllowed(scm, 'elsewhere.org:/*')).toThrow(
      'git.example.org:/rpms/kf-hello.git is not in the list of allowed SCMs (no allowed_scms rule matches: elsewhere.org:/*)',
    );
    expect(() => assertScmAllowed(scm, '')).toThrow(/the list is empty/);
  });
});
