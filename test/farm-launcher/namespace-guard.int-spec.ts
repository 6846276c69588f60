import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { declareTaskTopology, type AmqpConnection } from '@koji-farm/messaging';
import {
  FARM_DEFAULTS,
  FarmPidFile,
  launchFarm,
  namespaceOccupants,
  NamespaceInUseError,
  type FarmSpec,
} from '../../tools/farm-launcher';
import { chooseDemoNamespace } from '../../tools/demo/demo-namespace';
import { amqpTopology, connectForTest, deleteTopology, testNamespace } from '../support/amqp';

const arches = ['x86_64'];

function target(namespace: string) {
  return { namespace, amqpUrl: FARM_DEFAULTS.amqpUrl, redisUrl: FARM_DEFAULTS.redisUrl, arches };
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

describe('a launch never touches a farm that runs in its namespace', () => {
  let namespace: string;
  let farm: AmqpConnection;
  let redis: Redis;
  let runDir: string;

  beforeEach(async () => {
    namespace = testNamespace('guard');
    runDir = mkdtempSync(join(tmpdir(), `${namespace}-`));
    farm = await connectForTest(`${namespace} running farm`);
    redis = new Redis(FARM_DEFAULTS.redisUrl);
  });

  afterEach(async () => {
    await deleteTopology(farm, amqpTopology(namespace), arches);
    await farm.close();
    await redis.del(`${namespace}:poller:lease`, `${namespace}:executor-alive:${namespace}-exec-1`);
    redis.disconnect();
    rmSync(runDir, { recursive: true, force: true });
  });

  it('sees nobody in a namespace where no farm runs', async () => {
    expect(await namespaceOccupants(target(namespace))).toEqual([]);
  });

  it("names a running farm's queue consumers, poller lease and executor heartbeats", async () => {
    const names = amqpTopology(namespace);
    await farm.addTopology((ch) => declareTaskTopology(ch, names, arches, { deliveryLimit: 5 }));
    await farm.consume(names.taskQueue('x86_64'), () => Promise.resolve(), { prefetch: 1 });
    await redis.set(`${namespace}:poller:lease`, '1 p i', 'PX', 60_000);
    await redis.set(`${namespace}:executor-alive:${namespace}-exec-1`, 'now', 'PX', 60_000);

    expect(await namespaceOccupants(target(namespace))).toEqual([
      `1 consumer(s) on queue ${names.taskQueue('x86_64')}`,
      `a hub-poller holds ${namespace}:poller:lease`,
      `executor ${namespace}-exec-1 heartbeats`,
    ]);
  });

  it('refuses to launch there with NamespaceInUseError, and the farm keeps its queue and consumer', async () => {
    const names = amqpTopology(namespace);
    await farm.addTopology((ch) => declareTaskTopology(ch, names, arches, { deliveryLimit: 5 }));
    await farm.consume(names.orchestrateQueue, () => Promise.resolve(), { prefetch: 1 });
    const spec: FarmSpec = {
      runDir,
      namespace,
      hub: { kind: 'simulator', seed: true },
      executors: { count: 1, slots: 1, arches, idPrefix: `${namespace}-exec` },
      monitorPort: 0,
      amqpUrl: FARM_DEFAULTS.amqpUrl,
      redisUrl: FARM_DEFAULTS.redisUrl,
      podmanSocket: FARM_DEFAULTS.podmanSocket,
    };

    const launch = launchFarm(spec);
    await expect(launch).rejects.toBeInstanceOf(NamespaceInUseError);
    await expect(launch).rejects.toThrow(
      new RegExp(`namespace "${namespace}" is in use by a running farm \\(1 consumer\\(s\\) on queue`),
    );
    expect(await farm.withChannel((ch) => ch.checkQueue(names.orchestrateQueue))).toMatchObject({
      consumerCount: 1,
    });
  });
});

describe(FarmPidFile.name, () => {
  let dir: string;
  let child: ChildProcess;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'farm-pid-file-'));
    child = spawn('sleep', ['600'], { stdio: 'ignore' });
  });

  afterEach(async () => {
    if (isRunning(child)) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("leaves a running launcher's processes alone", async () => {
    const path = join(dir, 'farm.json');
    const sut = new FarmPidFile(path);
    sut.add('executor-1', child.pid);

    expect(FarmPidFile.liveOwner(path)).toBe(process.pid);
    expect(await FarmPidFile.stopLeftovers(path, 1000)).toEqual([]);
    expect(isRunning(child)).toBe(true);
  });

  it('stops what a launcher that is gone left running', async () => {
    const path = join(dir, 'farm.json');
    new FarmPidFile(path).add('executor-1', child.pid);
    // The same file, as a launcher killed with SIGKILL left it (its pid now someone else's or nobody's).
    const content = JSON.parse(readFileSync(path, 'utf8')) as {
      owner: { startTime: string };
    };
    content.owner.startTime = 'another process';
    writeFileSync(path, JSON.stringify(content));
    const exited = once(child, 'exit');

    expect(FarmPidFile.liveOwner(path)).toBeUndefined();
    expect(await FarmPidFile.stopLeftovers(path, 1000)).toEqual([`executor-1 (pid ${child.pid})`]);
    await exited;
    expect(isRunning(child)).toBe(false);
  });
});

describe(chooseDemoNamespace.name, () => {
  let base: string;
  let farm: AmqpConnection;
  let dir: string;
  const lines: string[] = [];

  const choice = (chosen?: string) => ({
    base,
    chosen,
    pidFile: (namespace: string) => join(dir, `${namespace}-processes.json`),
    amqpUrl: FARM_DEFAULTS.amqpUrl,
    redisUrl: FARM_DEFAULTS.redisUrl,
    write: (line: string) => void lines.push(line),
  });

  beforeEach(async () => {
    base = testNamespace('demo');
    dir = mkdtempSync(join(tmpdir(), `${base}-`));
    farm = await connectForTest(`${base} running demo`);
    lines.length = 0;
    // A demo of another checkout runs in the base namespace: its monitor reads the events log.
    const names = amqpTopology(base);
    await farm.addTopology((ch) =>
      declareTaskTopology(ch, names, FARM_DEFAULTS.arches, { deliveryLimit: 5 }),
    );
    await farm.consume(names.orchestrateQueue, () => Promise.resolve(), { prefetch: 1 });
  });

  afterEach(async () => {
    await deleteTopology(farm, amqpTopology(base), FARM_DEFAULTS.arches);
    await farm.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves on to <base>-2 when a farm runs in the default namespace', async () => {
    expect(await chooseDemoNamespace(choice())).toBe(`${base}-2`);
    expect(lines).toEqual([
      `a farm runs in namespace ${base} (1 consumer(s) on queue ${amqpTopology(base).orchestrateQueue}): leaving it alone`,
    ]);
  });

  it('moves on when a demo of this checkout runs there, even before its farm is up', async () => {
    new FarmPidFile(join(dir, `${base}-2-processes.json`)).add('hub-simulator', process.pid);
    expect(await chooseDemoNamespace(choice())).toBe(`${base}-3`);
    expect(lines[1]).toBe(
      `a farm runs in namespace ${base}-2 (npm run demo (pid ${process.pid}) of this checkout): leaving it alone`,
    );
  });

  it('refuses a --namespace where a farm runs', async () => {
    await expect(chooseDemoNamespace(choice(base))).rejects.toBeInstanceOf(NamespaceInUseError);
    expect(await chooseDemoNamespace(choice(`${base}-free`))).toBe(`${base}-free`);
  });
});
