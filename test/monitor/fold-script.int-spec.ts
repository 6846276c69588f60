import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { type FarmEvent } from '@koji-farm/contracts';
import { monitorConfigSchema } from '../../apps/monitor/src/config/monitor.config';
import { encodeEvent } from '../../apps/monitor/src/registry/fold-arguments';
import { RegistryWriter } from '../../apps/monitor/src/registry/registry-writer';
import { duplicateAndShuffle, generateScenario } from './support/farm-scenario';
import { deleteKeys, scanKeys, TEST_REDIS_URL } from './support/monitor-harness';

/** Keys that record how events arrived rather than what they say. */
const ARRIVAL_KEYS = /^(events|rate:\d+|registry:(epoch|offset))$/;

/** Every registry key under `prefix` with its content, in a comparable form. */
async function redisDump(raw: Redis, prefix: string): Promise<Record<string, unknown>> {
  const dump: Record<string, unknown> = {};
  for (const key of (await scanKeys(raw, `${prefix}*`)).sort()) {
    const name = key.slice(prefix.length);
    if (ARRIVAL_KEYS.test(name)) continue;
    const type = await raw.type(key);
    if (type === 'string') dump[name] = (await raw.getBuffer(key))?.toString('base64');
    else if (type === 'hash') dump[name] = Object.fromEntries(Object.entries(await raw.hgetall(key)).sort());
    else if (type === 'set') dump[name] = (await raw.smembers(key)).sort();
    else if (type === 'zset') dump[name] = await raw.zrange(key, 0, -1, 'WITHSCORES');
    else dump[name] = type;
  }
  return dump;
}

describe(`${RegistryWriter.name} fold script`, () => {
  const raw = new Redis(TEST_REDIS_URL);
  const config = monitorConfigSchema.parse({});
  const prefixes: string[] = [];

  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeys(prefix);
    raw.disconnect();
  });

  async function fold(events: readonly FarmEvent[], batch: number): Promise<Record<string, unknown>> {
    const prefix = `test-fold-${randomUUID().slice(0, 8)}:`;
    prefixes.push(prefix);
    const redis = new Redis(TEST_REDIS_URL, { keyPrefix: prefix });
    try {
      const sut = new RegistryWriter(redis, prefix, config);
      const { epoch } = await sut.claimEpoch();
      for (let i = 0; i < events.length; i += batch) {
        const items = events.slice(i, i + batch).map((e) => encodeEvent(e));
        const outcomes = await sut.fold(items, epoch);
        expect(outcomes.every((o) => typeof o === 'string' && o !== 'lost' && o !== 'epoch')).toBe(true);
      }
      return await redisDump(raw, prefix);
    } finally {
      redis.disconnect();
    }
  }

  it('leaves the same registry whatever the order and however often each event arrives', async () => {
    const scenario = generateScenario({ tasks: 6, seed: 61, logLines: 30 });
    const expected = await fold(scenario.events, 100);
    expect(Object.keys(expected).length).toBeGreaterThan(40);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 64 }),
        async (seed, batch) => {
          expect(await fold(duplicateAndShuffle(scenario.events, seed), batch)).toEqual(expected);
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);

  it('answers duplicate for an event folded before, and stale for an older heartbeat', async () => {
    const scenario = generateScenario({ tasks: 1, seed: 62 });
    const prefix = `test-fold-${randomUUID().slice(0, 8)}:`;
    prefixes.push(prefix);
    const redis = new Redis(TEST_REDIS_URL, { keyPrefix: prefix });
    try {
      const sut = new RegistryWriter(redis, prefix, config);
      const { epoch } = await sut.claimEpoch();
      const heartbeats = scenario.events.filter(
        (e) => e.type === 'executor.heartbeat' && e.executorId === 'exec-a',
      );
      const step = scenario.events.find((e) => e.type === 'step.started')!;
      const item = (e: FarmEvent) => encodeEvent(e);
      expect(await sut.fold([item(step), item(step)], epoch)).toEqual(['folded', 'duplicate']);
      expect(await sut.fold([item(heartbeats[1]), item(heartbeats[0]), item(heartbeats[1])], epoch)).toEqual([
        'folded',
        'stale',
        'duplicate',
      ]);
      expect(await sut.fold([item(step)], 'another-epoch')).toEqual(['epoch']);
      await raw.del(`${prefix}registry:epoch`);
      expect(await sut.fold([item(step)], epoch)).toEqual(['lost']);
    } finally {
      redis.disconnect();
    }
  });
});
