import { type ConsumerHandle } from '@koji-farm/messaging';
import { SlotGatedConsumption } from './slot-gated-consumption';

/** Fake subscriptions: what was subscribed with which prefetch, and which are still live. */
class Subscriptions {
  readonly live = new Set<ConsumerHandle>();
  readonly prefetches: number[] = [];
  failNext = false;

  subscribe = (prefetch: number): Promise<ConsumerHandle[]> => {
    this.prefetches.push(prefetch);
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('broker unreachable'));
    }
    const handles = ['x86_64', 'noarch'].map((arch) => {
      const handle: ConsumerHandle = {
        queue: `koji.tasks.${arch}`,
        cancel: () => {
          this.live.delete(handle);
          return Promise.resolve();
        },
      };
      this.live.add(handle);
      return handle;
    });
    return Promise.resolve(handles);
  };
}

describe('SlotGatedConsumption', () => {
  let free: number;
  let subs: Subscriptions;
  let errors: unknown[];
  let sut: SlotGatedConsumption;

  beforeEach(() => {
    free = 2;
    subs = new Subscriptions();
    errors = [];
    sut = new SlotGatedConsumption(
      () => free,
      subs.subscribe,
      (err) => errors.push(err),
    );
  });

  afterEach(() => sut.close());

  it('subscribes every arch with prefetch = the free slots', async () => {
    await sut.update();
    expect(subs.prefetches).toEqual([2]);
    expect(subs.live.size).toBe(2);
    expect(sut.currentPrefetch).toBe(2);
  });

  it('pauses while no slot is free and resumes with what is free again', async () => {
    await sut.update();
    free = 0;
    await sut.update();
    expect(subs.live.size).toBe(0);
    expect(sut.currentPrefetch).toBe(0);
    free = 1;
    await sut.update();
    expect(subs.prefetches).toEqual([2, 1]);
    expect(subs.live.size).toBe(2);
  });

  it('leaves the consumers alone when the free slots did not change', async () => {
    await sut.update();
    await sut.update();
    expect(subs.prefetches).toEqual([2]);
  });

  it('runs concurrent updates one after another and ends in line with the last state', async () => {
    const updates = [sut.update()];
    free = 1;
    updates.push(sut.update());
    free = 0;
    updates.push(sut.update());
    await Promise.all(updates);
    expect(subs.live.size).toBe(0);
    expect(sut.currentPrefetch).toBe(0);
  });

  it('reports a failed subscription and tries again on the next update', async () => {
    subs.failNext = true;
    await sut.update();
    expect(errors).toEqual([new Error('broker unreachable')]);
    expect(subs.live.size).toBe(0);
    await sut.update();
    expect(subs.prefetches).toEqual([2, 2]);
    expect(subs.live.size).toBe(2);
  });

  it('cancels everything on close and stays closed', async () => {
    await sut.update();
    await sut.close();
    expect(subs.live.size).toBe(0);
    await sut.update();
    expect(subs.live.size).toBe(0);
  });
});
