import { taskMessageSchema } from '@koji-farm/contracts';
import { TaskNotTransportableError } from '../errors/task-not-transportable.error';
import { type TaskInfoWithRequest } from '../hub/hub-replies.schema';
import { buildTaskMessage, requestToJson } from './task-message-builder';

const info: TaskInfoWithRequest = {
  id: 42,
  state: 1,
  host_id: 3,
  method: 'buildArch',
  arch: 'x86_64',
  channel_id: 1,
  priority: 20,
  parent: 40,
  request: ['tasks/1/pkg.src.rpm', 'f40-build', 'x86_64', true, { repo_id: 7, __starstar: true }],
};
const hub = { url: 'http://hub.example/kojihub', topurl: 'http://hub.example/kojifiles' };
const session = { id: 99, key: '5-SecretSessionKeyAbc' };

describe(buildTaskMessage.name, () => {
  it('builds the task message of the contract from the hub task info', () => {
    const sut = buildTaskMessage({ info, weight: 1.5, session, hub }, new Date('2026-11-23T10:00:00Z'));
    expect(taskMessageSchema.parse(sut)).toEqual({
      v: 1,
      taskId: 42,
      method: 'buildArch',
      arch: 'x86_64',
      channelId: 1,
      priority: 20,
      weight: 1.5,
      parentId: 40,
      request: ['tasks/1/pkg.src.rpm', 'f40-build', 'x86_64', true, { repo_id: 7, __starstar: true }],
      session,
      hub,
      publishedAt: '2026-11-23T10:00:00.000Z',
    });
  });

  it('refuses a message that breaks its contract without repeating the session key', () => {
    const attempt = () => buildTaskMessage({ info: { ...info, arch: 'x86 64' }, weight: 1, session, hub });
    expect(attempt).toThrow(TaskNotTransportableError);
    expect(attempt).toThrow(/task 42 .*arch/);
    try {
      attempt();
    } catch (err) {
      expect((err as Error).message).not.toContain(session.key);
    }
  });
});

describe(requestToJson.name, () => {
  it('passes JSON values through', () => {
    expect(requestToJson(1, [null, 1.5, 'a', [true], { k: { n: 2 } }])).toEqual([
      null,
      1.5,
      'a',
      [true],
      { k: { n: 2 } },
    ]);
  });

  it.each<[string, unknown, RegExp]>([
    ['an integer past 2^53', 2n ** 60n, /request\[1\]\.big is an integer beyond 2\^53/],
    ['binary', Buffer.from('x'), /request\[1\]\.big is binary/],
    ['NaN', Number.NaN, /request\[1\]\.big is NaN/],
  ])('names the path of %s, which JSON cannot carry', (_what, value, message) => {
    expect(() => requestToJson(7, ['ok', { big: value }])).toThrow(message);
  });
});
