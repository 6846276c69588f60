import { redactUrl, scrubSecrets, snippet } from './redact';

describe(redactUrl.name, () => {
  it('drops user info and query, keeps scheme, host, port and path', () => {
    expect(redactUrl('https://user:pw@koji.example:8443/kojihub?session-id=1&session-key=s3cr3t')).toBe(
      'https://koji.example:8443/kojihub',
    );
  });

  it('does not echo something that is not a URL', () => {
    expect(redactUrl('not a url with s3cr3t')).toBe('<unparseable URL>');
  });
});

describe(scrubSecrets.name, () => {
  it('replaces every occurrence of each secret', () => {
    expect(scrubSecrets('key 1-abcd and 1-abcd, pw hunter2', ['1-abcd', 'hunter2', undefined])).toBe(
      'key *** and ***, pw ***',
    );
  });

  it('leaves very short values alone instead of mangling the text', () => {
    expect(scrubSecrets('a b c', ['a'])).toBe('a b c');
  });
});

describe(snippet.name, () => {
  it('folds whitespace and cuts long text', () => {
    expect(snippet('<html>\n  <body>x</body>\n</html>')).toBe('<html> <body>x</body> </html>');
    expect(snippet('x'.repeat(300), 10)).toBe('xxxxxxxxxx…');
  });
});
