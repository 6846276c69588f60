import { AuthError, AuthLockError, RetryError, type KojiValue } from '@koji-farm/koji';
import { readsSessionCallnum } from '../koji-hub-sim/auth/hub-version';
import { rawCall } from './support/raw-call';
import { CONTRACT_HUB } from './support/contract-config';
import { HubUnderTest } from './support/hub-under-test';

describe('hub sessions', () => {
  let hut: HubUnderTest;
  beforeEach(async () => {
    hut = await HubUnderTest.start(CONTRACT_HUB);
  });
  afterEach(async () => {
    await hut.stop();
  });

  it('logs in with a password and reports the session and the user', async () => {
    const client = hut.client();
    await client.login(hut.hostUser, hut.hostPassword);
    const info = await client.call<Record<string, unknown>>('getSessionInfo');
    expect(info).toMatchObject({ expired: false, master: null, authtype: 0 });
    expect(typeof info.start_time).toBe('string');
    expect(typeof info.start_ts).toBe('number');
    expect(await client.call('getLoggedInUser')).toMatchObject({ name: hut.hostUser, authtype: 0 });
  });

  it('refuses a wrong password with AuthError', async () => {
    await expect(hut.client().login(hut.hostUser, 'wrong')).rejects.toBeInstanceOf(AuthError);
  });

  (CONTRACT_HUB.kind === 'sim' ? it : it.skip)(
    'logs in with sslLogin from a client certificate CN (trusted header in plain-HTTP mode)',
    async () => {
      const res = await fetch(`${hut.hubUrl}/ssllogin`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml', 'X-Koji-Sim-Client-CN': hut.hostUser },
        body: '<?xml version="1.0"?><methodCall><methodName>sslLogin</methodName><params></params></methodCall>',
      });
      const text = await res.text();
      expect(text).toContain('session-id');
      expect(text).toContain('header-auth');
      const anonymous = await hut
        .client()
        .call('sslLogin')
        .catch((e: unknown) => e);
      expect(anonymous).toBeInstanceOf(AuthError);
      expect((anonymous as AuthError).faultString).toBe('could not verify client: None');
    },
  );

  it('needs an exclusive session for host calls', async () => {
    const client = hut.client();
    await client.login(hut.hostUser, hut.hostPassword);
    const err = await client.call('host.getID').catch((e: unknown) => e);
    expect((err as AuthError).faultString).toBe('This method requires an exclusive session');
    await client.exclusiveSession();
    expect(typeof (await client.call('host.getID'))).toBe('number');
  });

  it('refuses a second exclusive session with AuthLockError unless forced; the old holder then gets AuthError', async () => {
    const first = await hut.hostClient();
    const second = hut.client();
    await second.login(hut.hostUser, hut.hostPassword);
    await expect(second.exclusiveSession(false)).rejects.toBeInstanceOf(AuthLockError);
    // while another session holds the lock, other calls of this one are refused too
    await expect(second.call('echo', ['x'])).rejects.toBeInstanceOf(AuthLockError);
    await second.exclusiveSession(true);
    expect(typeof (await second.call('host.getID'))).toBe('number');
    const old = await first.call('host.getID').catch((e: unknown) => e);
    expect(old).toBeInstanceOf(AuthError);
    expect((old as AuthError).faultCode).toBe(1002);
    expect((old as AuthError).faultString).toBe('Invalid session or bad credentials');
  });

  it('gives subsessions the master exclusivity; logoutChild ends one', async () => {
    const master = await hut.hostClient();
    const sub = await master.subsession();
    expect(await sub.call('host.getID')).toBe(await master.call('host.getID'));
    await master.logoutChild(sub.sessionId!);
    await expect(sub.call('host.getID')).rejects.toBeInstanceOf(AuthError);
  });

  (CONTRACT_HUB.kind === 'sim' ? it : it.skip)(
    'retries a call whose reply was lost on a Koji 1.36 hub: whitelisted calls replay, others get RetryError',
    async () => {
      hut.sim!.admin.setHubOptions({ kojiVersion: '1.36.0' });
      const host = await hut.hostClient();
      hut.sim!.faults.resetConnection({ method: 'host.updateHost', afterCommit: true });
      await expect(host.call('host.updateHost', [0, true])).resolves.toBeNull();
      const taskId = await hut.makeTask({ method: 'sleep', args: [1] });
      await hut.checkIn(host, taskId);
      hut.sim!.faults.resetConnection({ method: 'host.openTask', afterCommit: true });
      const err = await host.call('host.openTask', [taskId]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RetryError);
      expect(err).toMatchObject({ attempts: 2 }); // so the caller knows the first send ran
      expect((await host.call<Record<string, unknown>>('getTaskInfo', [taskId])).state).toBe(1);
    },
  );

  (CONTRACT_HUB.kind === 'sim' ? it : it.skip)(
    'runs a call again whose reply was lost on a Koji 1.35 hub (no callnum check on header sessions)',
    async () => {
      hut.sim!.admin.setHubOptions({ kojiVersion: '1.35.3' });
      const host = await hut.hostClient();
      const taskId = await hut.makeTask({ method: 'sleep', args: [1] });
      await hut.checkIn(host, taskId);
      hut.sim!.faults.resetConnection({ method: 'host.openTask', afterCommit: true });
      // the first send opened it; the resend finds it OPEN already and answers nil
      expect(await host.call('host.openTask', [taskId])).toBeNull();
      expect(await host.call<Record<string, unknown>>('getTaskInfo', [taskId])).toMatchObject({ state: 1 });
    },
  );

  (CONTRACT_HUB.kind === 'sim' ? it : it.skip)(
    'raises AuthExpired after SessionRenewalTimeout and renews with login(renew=True)',
    async () => {
      await hut.stop();
      hut = await HubUnderTest.start(CONTRACT_HUB, { sessionTimeoutMs: 400 });
      const clock = hut.clock!;
      const host = await hut.hostClient();
      const id = host.sessionId;
      const creds = host.exportSession();
      clock.advance(500);
      const err = await rawCall(hut.hubUrl, 'echo', ['x'], creds, 1000);
      expect(err).toEqual({ ok: false, faultCode: 1007, faultString: `session "${id}" has expired` });
      // the client logs in again with renew=True and the old headers: same session id, new key
      expect(await host.call('echo', ['again'])).toEqual(['again']);
      expect(host.sessionId).toBe(id);
      expect(host.exportSession().key).not.toBe(creds.key);
    },
  );
});

/**
 * The callnum rules of auth.py. Which header a hub reads depends on its release: up to
 * 1.35 only `Koji-Callnum`, which no client sends, so sessions in headers meet no
 * callnum check; from 1.36 `Koji-Session-Callnum` too (ADR 0036). The simulator plays
 * each release in turn; a real hub answers as its `getKojiVersion()` says.
 */
describe.each(['1.35.3', '1.36.0'])('callnum rules (the simulator as Koji %s)', (kojiVersion) => {
  let hut: HubUnderTest;
  beforeEach(async () => {
    hut = await HubUnderTest.start(CONTRACT_HUB, { hub: { kojiVersion } });
  });
  afterEach(async () => {
    await hut.stop();
  });

  it('checks the Koji-Session-Callnum header from 1.36 on: a lower one is a SequenceError, a replayed write a RetryError', async () => {
    const host = await hut.hostClient();
    const checks = readsSessionCallnum(await host.call<string>('getKojiVersion'));
    const creds = host.exportSession();
    const n = host.nextCallnum! + 5;
    expect(await rawCall(hut.hubUrl, 'host.updateHost', [0, true], creds, n)).toEqual({
      ok: true,
      value: null,
    });
    expect(await rawCall(hut.hubUrl, 'echo', ['x'], creds, n - 1)).toEqual(
      checks
        ? { ok: false, faultCode: 1008, faultString: `${n} > ${n - 1} (session ${creds.id})` }
        : { ok: true, value: ['x'] }, // measured on a 1.35.3 hub
    );
    // host.updateHost is on the hub's retry whitelist; echo is not
    expect(await rawCall(hut.hubUrl, 'host.updateHost', [0, true], creds, n)).toEqual({
      ok: true,
      value: null,
    });
    expect(await rawCall(hut.hubUrl, 'echo', ['x'], creds, n)).toEqual(
      checks
        ? {
            ok: false,
            faultCode: 1009,
            faultString: `unable to retry call ${n} (method echo) for session ${creds.id}`,
          }
        : { ok: true, value: ['x'] },
    );
  });

  it.each(['koji-callnum-header', 'query-string'] as const)(
    'checks the callnum sent as %s in every release',
    async (carrier) => {
      const host = await hut.hostClient();
      const creds = host.exportSession();
      const n = host.nextCallnum! + 5;
      expect(await rawCall(hut.hubUrl, 'host.updateHost', [0, true], creds, n, carrier)).toEqual({
        ok: true,
        value: null,
      });
      expect(await rawCall(hut.hubUrl, 'echo', ['x'], creds, n - 1, carrier)).toEqual({
        ok: false,
        faultCode: 1008,
        faultString: `${n} > ${n - 1} (session ${creds.id})`,
      });
      expect(await rawCall(hut.hubUrl, 'host.updateHost', [0, true], creds, n, carrier)).toMatchObject({
        ok: true,
      });
      expect(await rawCall(hut.hubUrl, 'echo', ['x'], creds, n, carrier)).toEqual({
        ok: false,
        faultCode: 1009,
        faultString: `unable to retry call ${n} (method echo) for session ${creds.id}`,
      });
    },
  );

  it('stores a callnum only when the call committed a change', async () => {
    const host = await hut.hostClient();
    const creds = host.exportSession();
    const n = host.nextCallnum! + 5;
    const call = (method: string, params: KojiValue[]) =>
      rawCall(hut.hubUrl, method, params, creds, n, 'query-string');
    expect(await call('echo', ['read only'])).toEqual({ ok: true, value: ['read only'] });
    expect(await call('getLoggedInUser', [])).toMatchObject({ ok: true });
    // a fault rolls back: its callnum is not stored either
    expect(await call('host.openTask', [2147483647])).toMatchObject({ ok: false, faultCode: 1000 });
    expect(await call('echo', ['again'])).toEqual({ ok: true, value: ['again'] });
    expect(await call('host.updateHost', [0, true])).toEqual({ ok: true, value: null }); // commits: stored
    expect(await call('echo', ['now'])).toMatchObject({ ok: false, faultCode: 1009 });
  });

  it('accepts any callnum as the first call of a new session', async () => {
    const client = hut.client();
    await client.login(hut.hostUser, hut.hostPassword);
    expect(await rawCall(hut.hubUrl, 'echo', [1], client.exportSession(), 12345, 'query-string')).toEqual({
      ok: true,
      value: [1],
    });
  });
});
