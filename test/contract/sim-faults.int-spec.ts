import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubConnectionError, KojiClient } from '@koji-farm/koji';
import { CONTRACT_HUB } from './support/contract-config';
import { HubUnderTest } from './support/hub-under-test';
import { makeTestCertificates } from './support/test-certificates';

const describeSim = CONTRACT_HUB.kind === 'sim' ? describe : describe.skip;

describeSim('simulator fault injection and TLS, as a client sees them', () => {
  let hut: HubUnderTest;
  afterEach(async () => {
    await hut.stop();
  });

  it('answers injected 503s, which the client retries with the same call', async () => {
    hut = await HubUnderTest.start(CONTRACT_HUB);
    const client = await hut.adminClient(); // a session call: the client resends it with its callnum
    hut.sim!.faults.httpStatus(503, { times: 2, method: 'echo' });
    expect(await client.call('echo', ['through'])).toEqual(['through']);
    hut.sim!.faults.httpStatus(502, { times: 10 });
    const err = await client.call('echo', [1], undefined, { retry: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubConnectionError);
    hut.sim!.faults.clear();
  });

  it('goes down (connections refused) and comes back on the same port', async () => {
    hut = await HubUnderTest.start(CONTRACT_HUB);
    const client = hut.client({ retry: { maxRetries: 100, intervalMs: 20 } });
    await client.login(hut.adminUser, hut.adminPassword);
    expect(await client.call('echo', [1])).toEqual([1]);
    const port = hut.sim!.port;
    await hut.sim!.goDown(300);
    const started = Date.now();
    expect(await client.call('echo', [2])).toEqual([2]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(hut.sim!.port).toBe(port);
  });

  it('delays and malforms replies on request', async () => {
    hut = await HubUnderTest.start(CONTRACT_HUB);
    const client = hut.client();
    hut.sim!.faults.delay(200, { method: 'echo' });
    const started = Date.now();
    await client.call('echo', [1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    const task = await hut.makeTask({ method: 'sleep', args: [1] });
    hut.sim!.faults.malformReply('getTaskInfo', 'missing-fields');
    expect(await client.call('getTaskInfo', [task])).toEqual({ id: task });
    hut.sim!.faults.malformReply('getTaskInfo', 'wrong-types');
    expect(await client.call('getTaskInfo', [task])).toMatchObject({ id: String(task), state: '0' });
    expect(await client.call('getTaskInfo', [task])).toMatchObject({ id: task, state: 0 });
  });

  it('logs in with sslLogin over TLS with a client certificate whose CN names the user', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kf-tls-'));
    try {
      const certs = makeTestCertificates(dir, 'builder-1');
      hut = await HubUnderTest.start(
        CONTRACT_HUB,
        {
          tls: {
            key: readFileSync(certs.serverKeyFile),
            cert: readFileSync(certs.serverCertFile),
            ca: readFileSync(certs.caFile),
          },
        },
        { client: { tls: { caFile: certs.caFile } } },
      );
      expect(hut.hubUrl).toMatch(/^https:/);
      const client: KojiClient = hut.client({
        tls: { certFile: certs.clientCertFile, keyFile: certs.clientKeyFile, caFile: certs.caFile },
      });
      await client.sslLogin();
      expect(await client.call('getLoggedInUser')).toMatchObject({ name: 'builder-1', authtype: 2 });
      await client.exclusiveSession();
      expect(typeof (await client.call('host.getID'))).toBe('number');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
