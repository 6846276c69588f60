import { WebSocket } from 'ws';
import { ApiTokenGuard } from '../../apps/monitor/src/api/auth/api-token.guard';
import { EventsClient } from './support/events-client';
import { type RunningMonitor } from './support/monitor-harness';
import { MonitorTestBed } from './support/monitor-test-bed';

const TOKEN = 'test-token-0123456789abcdef';

/** The HTTP status an upgrade to /api/v1/events gets, or 101 when it is accepted. */
function upgradeStatus(wsUrl: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${wsUrl}/api/v1/events`, { headers });
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('error', () => undefined);
    socket.on('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
  });
}

describe(ApiTokenGuard.name, () => {
  const bed = MonitorTestBed.install('auth');

  async function monitor(apiToken?: string): Promise<RunningMonitor> {
    return bed.monitor({ apiToken });
  }

  const PROTECTED = [
    '/api/v1/status',
    '/api/v1/tasks',
    '/api/v1/executors',
    '/api/v1/containers',
    '/metrics',
    '/api/docs/openapi.json',
  ];
  const PUBLIC = ['/healthz', '/readyz', '/', '/dashboard/app.js', '/api/docs'];

  describe('with a token', () => {
    it('refuses REST requests without it or with a wrong one, with a JSON 401', async () => {
      const sut = await monitor(TOKEN);
      for (const path of PROTECTED) {
        for (const headers of [
          {},
          { Authorization: 'Bearer wrong-token-0123456789' },
          { Authorization: TOKEN },
        ] as Array<Record<string, string>>) {
          const response = await fetch(sut.url + path, { headers });
          expect({ path, status: response.status }).toEqual({ path, status: 401 });
          expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
          expect(await response.json()).toEqual({
            error: 'unauthorized',
            message: expect.stringMatching(/Bearer/),
          });
        }
        const ok = await fetch(sut.url + path, { headers: { Authorization: `Bearer ${TOKEN}` } });
        expect({ path, status: ok.status }).toEqual({ path, status: 200 });
      }
      for (const path of PUBLIC) {
        expect({ path, status: (await fetch(sut.url + path)).status }).toEqual({ path, status: 200 });
      }
    });

    it('refuses a WebSocket upgrade without the token and accepts one with it', async () => {
      const sut = await monitor(TOKEN);
      expect(await upgradeStatus(sut.wsUrl)).toBe(401);
      expect(await upgradeStatus(sut.wsUrl, { Authorization: 'Bearer not-the-token-at-all' })).toBe(401);
      const client = await EventsClient.connect(sut.wsUrl, '', { Authorization: `Bearer ${TOKEN}` });
      bed.onCleanup(() => client.close());
      expect(client.frames[0]).toMatchObject({ kind: 'ready' });
    });

    it('exchanges the token for an HttpOnly session cookie that opens REST and WebSocket', async () => {
      const sut = await monitor(TOKEN);
      const wrong = await fetch(`${sut.url}/api/v1/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: 'guess-guess-guess-guess' }),
      });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('set-cookie')).toBeNull();

      const login = await fetch(`${sut.url}/api/v1/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: TOKEN }),
      });
      expect(login.status).toBe(204);
      const setCookie = login.headers.get('set-cookie')!;
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Strict/);
      expect(setCookie).not.toContain(TOKEN);
      const cookie = setCookie.split(';')[0];
      expect((await fetch(`${sut.url}/api/v1/status`, { headers: { Cookie: cookie } })).status).toBe(200);
      expect(await upgradeStatus(sut.wsUrl, { Cookie: cookie })).toBe(101);

      const forged = cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
      expect((await fetch(`${sut.url}/api/v1/status`, { headers: { Cookie: forged } })).status).toBe(401);
      const bad = await fetch(`${sut.url}/api/v1/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({}),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { message: string }).message).toMatch(/token/);
    });
  });

  describe('without a token (loopback only)', () => {
    it('serves REST, metrics and WebSocket without any header', async () => {
      const sut = await monitor();
      for (const path of [...PROTECTED, ...PUBLIC]) {
        expect({ path, status: (await fetch(sut.url + path)).status }).toEqual({ path, status: 200 });
      }
      expect(await upgradeStatus(sut.wsUrl)).toBe(101);
      const login = await fetch(`${sut.url}/api/v1/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: 'anything' }),
      });
      expect(login.status).toBe(204);
      expect(login.headers.get('set-cookie')).toBeNull();
    });
  });
});
