import { gitCheckout, SCM_PASSWORD_ENV, sourceWithCommit, specProblem } from './git-checkout';
import { parseScmUrl } from './scm-url';

const rule = { rule: 'example.org:/*', useCommon: true, sourceCmd: ['make', 'sources'] };

describe(gitCheckout.name, () => {
  it("makes kojid's commands: clone, fetch and reset to the revision, common/ next to the repository", () => {
    const scm = parseScmUrl('git+https://example.org/rpms/kf-hello.git?sub#origin/f40');
    expect(gitCheckout(scm, rule, '/scm')).toEqual({
      repo: 'https://example.org/rpms/kf-hello.git',
      checkoutDir: '/scm/kf-hello',
      sourcedir: '/scm/kf-hello/sub',
      clone: ['git', 'clone', '-n', 'https://example.org/rpms/kf-hello.git', '/scm/kf-hello'],
      update: [
        ['git', 'fetch', 'origin', 'f40:KOJI_FETCH_HEAD'],
        ['git', 'reset', '--hard', 'KOJI_FETCH_HEAD'],
      ],
      recovery: ['git', 'reset', '--hard', 'origin/f40'],
      common: ['git', 'clone', 'https://example.org/rpms/common.git', 'common'],
      env: {},
    });
    expect(gitCheckout(scm, { ...rule, useCommon: false }, '/scm').common).toBeNull();
  });

  it('gives a password to git through the environment, never on a command line', () => {
    const scm = parseScmUrl('git+https://kf:s3cret@example.org/x.git#main', true);
    const checkout = gitCheckout(scm, rule, '/scm');
    const commands = [checkout.clone, ...checkout.update, checkout.recovery, checkout.common!];
    expect(JSON.stringify(commands)).not.toContain('s3cret');
    expect(checkout.clone[3]).toBe('https://kf@example.org/x.git');
    expect(checkout.env[SCM_PASSWORD_ENV]).toBe('s3cret');
    expect(checkout.env.GIT_CONFIG_KEY_0).toBe('credential.helper');
    expect(checkout.env.GIT_CONFIG_VALUE_0).not.toContain('s3cret');
  });
});

describe(sourceWithCommit.name, () => {
  it('is the URL at the commit, without user or password', () => {
    const scm = parseScmUrl('git+https://kf:s3cret@example.org/x.git?sub#main', true);
    expect(sourceWithCommit(scm, 'abc123')).toBe('git+https://example.org/x.git?sub#abc123');
  });
});

describe(specProblem.name, () => {
  it('refuses what kojid refuses at the start of the spec', () => {
    expect(specProblem('Vendor: me\nName: x')).toBe('Vendor is not allowed to be set in spec file');
    expect(specProblem('%define packager me\n')).toBe('packager is not allowed to be defined in spec file');
    expect(specProblem('Name: x\nVendor: me')).toBeNull();
  });
});
