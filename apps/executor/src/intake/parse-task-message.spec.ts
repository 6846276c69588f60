import { parseTaskMessage } from './parse-task-message';

const valid = {
  v: 1,
  taskId: 42,
  method: 'buildArch',
  arch: 'x86_64',
  channelId: 1,
  priority: 19,
  weight: 1.5,
  parentId: null,
  request: ['sim/x.src.rpm', 'f40-build', 'x86_64', true, { repo_id: 1 }],
  session: { id: 7, key: '7-verysecretkey' },
  hub: { url: 'http://127.0.0.1:1/kojihub', topurl: 'http://127.0.0.1:1/kojifiles' },
  publishedAt: '2026-11-23T12:00:00.000Z',
};

describe(parseTaskMessage.name, () => {
  it('accepts a valid message', () => {
    const sut = parseTaskMessage(Buffer.from(JSON.stringify(valid)));
    expect(sut).toEqual({ ok: true, message: valid });
  });

  it('refuses bytes that are not JSON, saying so', () => {
    const sut = parseTaskMessage(Buffer.from('{not json'));
    expect(sut.ok).toBe(false);
    expect(!sut.ok && sut.reason).toMatch(/^task message is not JSON/);
  });

  it('names every bad field but never echoes a value (the session key stays out)', () => {
    const bad = { ...valid, taskId: 'x', session: { id: 7, key: 5 }, weight: -1 };
    const sut = parseTaskMessage(Buffer.from(JSON.stringify(bad)));
    expect(sut.ok).toBe(false);
    if (sut.ok) return;
    expect(sut.reason).toContain('taskId');
    expect(sut.reason).toContain('session.key');
    expect(sut.reason).toContain('weight');
    const withKey = parseTaskMessage(Buffer.from(JSON.stringify({ ...valid, v: 2 })));
    expect(!withKey.ok && withKey.reason).not.toContain('verysecretkey');
    expect(!withKey.ok && withKey.taskId).toBe(42);
  });
});
