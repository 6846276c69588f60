import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuthError,
  AuthLockError,
  IncrementalLogUploader,
  KojiClient,
  type SessionCredentials,
} from '@koji-farm/koji';
import { HubSimulator } from '../koji-hub-sim/hub-simulator';

const HOST = 'builder-01';
const HOST_PASSWORD = 'host-pass-1234';

/**
 * A running attempt's client survives a change of the poller's master session (ADR
 * 0082): after a forced exclusiveSession the old master's subsessions get AuthLockError
 * (auth.py); the client waits for the new master's subsession and carries on with it.
 */
describe('KojiClient: replacing the session of a running attempt', () => {
  let dir: string;
  let sim: HubSimulator;
  const clients: KojiClient[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'koji-session-swap-'));
    sim = await HubSimulator.start({ dir: join(dir, 'kojidir') });
    sim.admin.addHost({ name: HOST, password: HOST_PASSWORD, arches: ['x86_64'] });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function master(): Promise<KojiClient> {
    const c = KojiClient.create({
      hubUrl: sim.url,
      topUrl: sim.topurl,
      retry: { maxRetries: 2, intervalMs: 10 },
    });
    clients.push(c);
    await c.login(HOST, HOST_PASSWORD);
    await c.exclusiveSession(true);
    return c;
  }

  function attempt(session: SessionCredentials): KojiClient {
    const c = KojiClient.fromSession(session, { hubUrl: sim.url, topUrl: sim.topurl });
    clients.push(c);
    return c;
  }

  it('without a handler, the old master subsession is refused with AuthLockError after a forced takeover', async () => {
    const oldMaster = await master();
    const sut = attempt(await oldMaster.mintSubsession());
    await expect(sut.call('host.getID')).resolves.toEqual(expect.any(Number));
    await master(); // the new leader forces the exclusive session
    await expect(sut.call('host.getID')).rejects.toBeInstanceOf(AuthLockError);
  });

  it('waits for the credentials that replace a refused session, resends, and uploads resume at their offset', async () => {
    const oldMaster = await master();
    const sut = attempt(await oldMaster.mintSubsession());
    const logFile = join(dir, 'build.log');
    const target = { path: 'cli-build/attempt-swap', name: 'build.log' };
    const onHub = (): string => readFileSync(join(sim.dir, 'work', target.path, target.name), 'utf8');
    writeFileSync(logFile, 'first part\n');
    const uploader = new IncrementalLogUploader(sut, logFile, target);
    await uploader.flush();

    const newMaster = await master();
    let refusals = 0;
    sut.onSessionRefused(async (refusal) => {
      refusals++;
      expect(refusal).toBeInstanceOf(AuthError);
      sut.replaceSession(await newMaster.mintSubsession());
      return true;
    });
    appendFileSync(logFile, 'second part\n');
    await uploader.flush();
    await expect(sut.call('host.getID')).resolves.toEqual(expect.any(Number));

    expect(refusals).toBe(1);
    expect(onHub()).toBe('first part\nsecond part\n');
  });

  it('lets the refusal through when the handler gets no credentials', async () => {
    const oldMaster = await master();
    const sut = attempt(await oldMaster.mintSubsession());
    await master();
    sut.onSessionRefused(() => Promise.resolve(false));
    await expect(sut.call('host.getID')).rejects.toBeInstanceOf(AuthLockError);
  });

  it('a request queued behind the swap goes out with the new session, callnums from 0', async () => {
    const oldMaster = await master();
    const sut = attempt(await oldMaster.mintSubsession());
    await sut.call('host.getID');
    await sut.call('host.getID');
    const newMaster = await master();
    const fresh = await newMaster.mintSubsession();
    sut.replaceSession(fresh);
    expect(sut.sessionId).toBe(fresh.id);
    expect(sut.nextCallnum).toBe(0);
    await expect(sut.call('host.getID')).resolves.toEqual(expect.any(Number));
  });
});
